// Binding specs of shaders/binary.wgsl and shaders/where.wgsl: element-wise with broadcast strides.
import type { BinaryOp } from '../../src/backend/backend.ts';
import { BINARY_OPS } from '../../src/backend/backend.ts';
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { grid1d } from './grid.ts';
import { mergeDims, packDims, packTypes } from './layout.ts';
import { unaliased } from './alias.ts';

/** Invocations per workgroup (one element each); bench/elementwise.ts sweeps it. */
const WG = 256;

function checkRanks(kernel: string, shape: number[], strides: Record<string, number[]>): void {
  for (const [name, s] of Object.entries(strides)) {
    if (s.length !== shape.length) throw new Error(`webgpu: ${kernel}: shape (${shape.join(', ')}) has ${shape.length} dims but ${name} has ${s.length}`);
  }
}

// out (shape, contiguous) = a op b, a and b read through broadcast strides
export function binary(gpu: Gpu, out: GpuBuf, a: GpuBuf, b: GpuBuf, op: BinaryOp, shape: number[], aStrides: number[], bStrides: number[], wg = WG): void {
  checkRanks('binary', shape, { aStrides, bStrides });
  for (const [name, x] of [['out', out], ['a', a], ['b', b]] as const) {
    if (x.dtype !== 'f32') throw new Error(`webgpu: binary: ${name} is ${x.dtype}; the shader computes on f32 only`);
  }
  const code = BINARY_OPS.indexOf(op);
  if (code < 0) throw new Error(`webgpu: binary: unknown op '${op}'; known: ${BINARY_OPS.join(', ')}`);
  const m = mergeDims(shape, [aStrides, bStrides]);
  if (m.n === 0) return;
  const dims = packDims('binary', shape, m);
  if (out.length < m.n) throw new Error(`webgpu: binary: out has ${out.length} elements, shape (${shape.join(', ')}) needs ${m.n}`);
  const { inputs, release } = unaliased(gpu, out, [a, b]);
  gpu.dispatch({
    shader: 'binary', constants: { WG: wg, OP: code, RANK: m.shape.length }, buffers: [out, ...inputs],
    uniforms: [m.n, 0, 0, 0, ...dims], uniformTypes: 'uuuu' + packTypes(2),
    workgroups: grid1d(m.n, wg),
  });
  release();
}

// out (shape, contiguous) = cond != 0 ? a : b, all three read through broadcast strides
export function where(gpu: Gpu, out: GpuBuf, cond: GpuBuf, a: GpuBuf, b: GpuBuf, shape: number[],
  condStrides: number[], aStrides: number[], bStrides: number[]): void {
  checkRanks('where', shape, { condStrides, aStrides, bStrides });
  const m = mergeDims(shape, [condStrides, aStrides, bStrides]);
  if (m.n === 0) return;
  const dims = packDims('where', shape, m);
  if (out.length < m.n) throw new Error(`webgpu: where: out has ${out.length} elements, shape (${shape.join(', ')}) needs ${m.n}`);
  const { inputs, release } = unaliased(gpu, out, [cond, a, b]);
  gpu.dispatch({
    shader: 'where', constants: { WG, RANK: m.shape.length }, buffers: [out, ...inputs],
    uniforms: [m.n, cond.dtype === 'f32' ? 1 : 0, 0, 0, ...dims], uniformTypes: 'uuuu' + packTypes(3),
    workgroups: grid1d(m.n, WG),
  });
  release();
}
