// Binding spec of shaders/strided.wgsl: the general strided copy of any 4-byte dtype.
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { grid1d } from './grid.ts';
import { mergeDims, packDims, packTypes } from './layout.ts';
import { unaliased } from './alias.ts';

const WG = 256;

// out[outOffset + idx . outStrides] = inp[inOffset + idx . inStrides] for idx over shape
export function strided(gpu: Gpu, out: GpuBuf, outStrides: number[], outOffset: number,
  inp: GpuBuf, inStrides: number[], inOffset: number, shape: number[]): void {
  if (out.dtype !== inp.dtype) throw new Error(`webgpu: strided: out is ${out.dtype} but inp is ${inp.dtype}`);
  if (outStrides.length !== shape.length || inStrides.length !== shape.length) {
    throw new Error(`webgpu: strided: shape (${shape.join(', ')}) has ${shape.length} dims but strides have ${outStrides.length} (out) and ${inStrides.length} (inp)`);
  }
  const m = mergeDims(shape, [outStrides, inStrides]);
  if (m.n === 0) return;
  const dims = packDims('strided', shape, m);
  const { inputs: [src], release } = unaliased(gpu, out, [inp]);
  gpu.dispatch({
    shader: 'strided', constants: { WG, RANK: m.shape.length }, buffers: [out, src],
    uniforms: [m.n, outOffset, inOffset, 0, ...dims], uniformTypes: 'uiiu' + packTypes(2),
    workgroups: grid1d(m.n, WG),
  });
  release();
}
