// Binding spec of shaders/dropout.wgsl.
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { pcgHash } from '../cpu/dropout.ts';
import { grid1d } from './grid.ts';
import { unaliased } from './alias.ts';

const WG = 256;

// out (n) = inp (n) * keep / (1 - p), keep = hashUniform(seed, i) >= p (the CPU's mask, exactly)
export function dropout(gpu: Gpu, out: GpuBuf, inp: GpuBuf, p: number, seed: number): void {
  const n = out.length;
  if (inp.length !== n) throw new Error(`webgpu: dropout: out has ${n} elements, inp has ${inp.length}`);
  // hash / 2^32 >= p  <=>  hash >= ceil(p * 2^32) for an integer hash; p * 2^32 is exact in f64
  const t = Math.max(0, Math.ceil(p * 4294967296));
  const dropAll = t > 0xffffffff ? 1 : 0;
  const { inputs: [x], release } = unaliased(gpu, out, [inp]);
  gpu.dispatch({
    shader: 'dropout', constants: { WG }, buffers: [out, x],
    uniforms: [n, pcgHash(seed >>> 0), dropAll ? 0 : t, dropAll, 1 / (1 - p)], uniformTypes: 'uuuuf',
    workgroups: grid1d(n, WG),
  });
  release();
}
