// CPU reference dropout with a counter-based hash, so the CPU and WGSL kernels draw the same mask.
import type { F } from './util.ts';

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
export function dropout(out: F, inp: F, p: number, seed: number): void {
  const scale = 1 / (1 - p);
  for (let i = 0; i < out.length; i++) out[i] = hashUniform(seed, i) >= p ? inp[i] * scale : 0;
}
