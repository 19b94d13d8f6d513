// peak: the CPU references and the WebGPU bindings of shaders/peak_fma.wgsl and peak_copy.wgsl,
// the two ceilings bench/peak.ts measures (arithmetic and memory) for "% of peak" in docs/bench.md.
// Not used by the engine: they exist to say how far from the adapter's limits each kernel runs.
import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';

/** Multiply-add chains per invocation, and lanes per chain (shaders/peak_fma.wgsl). */
export const PEAK_CHAINS = 8, PEAK_LANES = 4;

/** Flops of one peakFma dispatch: each of n invocations does iters rounds of CHAINS x LANES multiply-adds. */
export const peakFmaFlops = (n: number, iters: number): number => 2 * n * iters * PEAK_CHAINS * PEAK_LANES;

// out (n): invocation i's sum of its 32 lanes after `iters` rounds of x = x * a + b, in f32
// (Math.fround after the multiply and after the add: the shader's fma may round once, which the
// tolerance of its parity test allows for).
export function peakFmaCpu(out: F, iters: number, a: number, b: number): void {
  const f = Math.fround, A = f(a), B = f(b);
  const x = new Float32Array(PEAK_CHAINS * PEAK_LANES);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < PEAK_CHAINS; k++) {
      for (let l = 0; l < PEAK_LANES; l++) x[k * PEAK_LANES + l] = f(f(f((i % 16) * f(0.01)) + f(0.1 * l)) + f(0.05 * k));
    }
    for (let it = 0; it < iters; it++) for (let j = 0; j < x.length; j++) x[j] = f(f(x[j] * A) + B);
    // the shader's order: chains pairwise, then lanes pairwise
    const t = new Float32Array(PEAK_LANES);
    for (let l = 0; l < PEAK_LANES; l++) {
      const c = (k: number) => x[k * PEAK_LANES + l];
      t[l] = f(f(f(c(0) + c(1)) + f(c(2) + c(3))) + f(f(c(4) + c(5)) + f(c(6) + c(7))));
    }
    out[i] = f(f(t[0] + t[1]) + f(t[2] + t[3]));
  }
}

// out (n) = inp (n), n a multiple of 4
export function peakCopyCpu(out: F, inp: F): void { out.set(inp); }

export function peakFma(gpu: Gpu, out: GpuBuf, iters: number, a: number, b: number, wg = 64): void {
  if (!Number.isInteger(iters) || iters < 1) throw new Error(`webgpu: peakFma: iters must be a positive integer, got ${iters}`);
  gpu.dispatch({ shader: 'peak_fma', constants: { WG: wg, ITERS: iters }, buffers: [out], uniforms: [out.length, a, b], uniformTypes: 'uff', workgroups: grid1d(out.length, wg) });
}

export function peakCopy(gpu: Gpu, out: GpuBuf, inp: GpuBuf, wg = 256): void {
  const n = out.length;
  if (inp.length !== n) throw new Error(`webgpu: peakCopy: out has ${n} elements, inp has ${inp.length}`);
  if (n % 4 !== 0) throw new Error(`webgpu: peakCopy: ${n} elements is not a whole number of vec4s`);
  if (inp.buffer === out.buffer) throw new Error('webgpu: peakCopy: out and inp share a buffer');
  gpu.dispatch({ shader: 'peak_copy', constants: { WG: wg }, buffers: [out, inp], uniforms: [n / 4], workgroups: grid1d(n / 4, wg) });
}
