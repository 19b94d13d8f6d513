// dropout: the CPU reference (whose hash the shader repeats) and the WebGPU binding of shaders/dropout.wgsl.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';
import { unaliased } from './lib/alias.ts';

// CPU reference dropout with a counter-based hash, so the CPU and WGSL kernels draw the same mask.

/** PCG hash of a u32 (Jarzynski & Olano 2020), the same integer steps as shaders/dropout.wgsl. */
export function pcgHash(x: number): number {
  const state = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> (((state >>> 28) + 4) >>> 0)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Uniform in [0, 1) for element i of the stream `seed`. */
export function hashUniform(seed: number, i: number): number {
  return pcgHash((i ^ pcgHash(seed >>> 0)) >>> 0) / 4294967296;
}

// out (n) = inp (n) * keep / (1 - p), keep = hashUniform(seed, i) >= p
export function dropoutCpu(out: F, inp: F, p: number, seed: number): void {
  const scale = 1 / (1 - p);
  for (let i = 0; i < out.length; i++) out[i] = hashUniform(seed, i) >= p ? inp[i] * scale : 0;
}

// Binding spec of shaders/dropout.wgsl.
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
