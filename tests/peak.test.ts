// Parity of the two ceiling kernels bench/peak.ts times (kernels/peak.ts) with their CPU references:
// sizes that are no multiple of any workgroup, outputs poisoned with NaN first, and the bindings'
// errors. The fma chains converge (a < 1), so the shader's fused multiply-add (one rounding) and
// the reference's two roundings stay within a few ULP of the lane values (~1) after any rounds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import { expectClose, randomArray, webgpu } from './helpers/backends.ts';
import { peakCopy, peakCopyCpu, peakFma, peakFmaCpu, peakFmaFlops } from '../kernels/peak.ts';
import { benchTable } from '../bench/table.ts';

describe('webgpu peak kernels', () => {
  it('peak_fma matches its CPU reference on any n, rounds and workgroup size', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom(64, 256),
      fc.double({ min: 0.5, max: 0.999, noNaN: true }), fc.double({ min: -0.01, max: 0.01, noNaN: true }), async (n, iters, wg, a, b) => {
        const out = gpu.alloc(n, 'f32') as GpuBuf;
        gpu.fill(out, NaN);
        peakFma(gpu.gpu, out, iters, a, b, wg);
        const got = await gpu.read(out);
        gpu.free(out);
        const want = new Float32Array(n);
        peakFmaCpu(want, iters, a, b);
        expectClose(got, want, 1e-5, 1e-5, `peak_fma n=${n} iters=${iters} wg=${wg} a=${a} b=${b}`);
      }), { numRuns: 15 });
  });

  it('peak_copy copies every element, n a multiple of 4 but of no workgroup', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 20000 }), fc.constantFrom(64, 256), fc.integer({ min: 1, max: 1e6 }), async (n4, wg, seed) => {
      const src = randomArray(4 * n4, seed);
      const inp = gpu.alloc(4 * n4, 'f32') as GpuBuf, out = gpu.alloc(4 * n4, 'f32') as GpuBuf;
      gpu.write(inp, src);
      gpu.fill(out, NaN);
      peakCopy(gpu.gpu, out, inp, wg);
      const got = await gpu.read(out);
      gpu.free(inp); gpu.free(out);
      const want = new Float32Array(4 * n4);
      peakCopyCpu(want, src);
      expect(got).toEqual(want);
    }), { numRuns: 15 });
  });

  it('the bindings name what is wrong', async () => {
    const gpu = await webgpu();
    const a = gpu.alloc(6, 'f32') as GpuBuf, b = gpu.alloc(8, 'f32') as GpuBuf, c = gpu.alloc(8, 'f32') as GpuBuf;
    expect(() => peakCopy(gpu.gpu, b, b)).toThrow('webgpu: peakCopy: out and inp share a buffer');
    expect(() => peakCopy(gpu.gpu, b, a)).toThrow('webgpu: peakCopy: out has 8 elements, inp has 6');
    expect(() => peakCopy(gpu.gpu, a, gpu.alloc(6, 'f32') as GpuBuf)).toThrow('webgpu: peakCopy: 6 elements is not a whole number of vec4s');
    expect(() => peakFma(gpu.gpu, c, 0, 0.9, 0)).toThrow('webgpu: peakFma: iters must be a positive integer, got 0');
    expect(peakFmaFlops(10, 3)).toBe(2 * 10 * 3 * 8 * 4);
  });
});

describe('bench/table.ts', () => {
  const row = (kernel: string, variant: string, rate: Record<string, number>) => JSON.stringify({ kernel, variant, shape: 's', ms: 1, backend: 'webgpu', adapter: 'A', ...rate });
  const peaks = [row('peak_fma', 'wg64 *', { gflops: 50 }), row('peak_fma', 'wg256', { gflops: 40 }), row('peak_copy', 'wg64 *', { gbps: 4 })];
  it('divides each promoted row by the best ceiling of its unit, and counts the dispatches of its shaders', () => {
    const step = JSON.stringify({ tokens_per_s: 1000, ms_per_step: 100, dispatches_per_step: 7, setup: 'base', backend: 'webgpu', adapter: 'A', breakdown_ms: { matmul_forward: 60 }, dispatches_by_kernel: { matmul_forward: 5, softmax_forward: 2 } });
    const t = benchTable([...peaks, 'progress text', row('matmul', 'promoted (v4)', { gflops: 25 }), row('matmul', 'v1 naive', { gflops: 2 }), row('softmaxForward', 'wg64 *', { gbps: 1 }), step]);
    expect(t).toContain('**50.0 GFLOP/s** (peak_fma) and **4.00 GB/s** (peak_copy)');
    expect(t).toContain('| matmul | promoted (v4) | s | 1.000 | 25.00 GFLOP/s | 50% | 5 (matmul_forward) |');
    expect(t).toContain('| softmaxForward | wg64 | s | 1.000 | 1.00 GB/s | 25% | 2 (softmax_forward) |');
    expect(t).not.toContain('v1 naive');
    expect(t).toContain('1000 tokens/s, 100.0 ms, 7 dispatches');
  });
  it('refuses input without the ceilings, and names a line that is not JSON', () => {
    expect(() => benchTable([row('matmul', 'promoted', { gflops: 1 })])).toThrow(/no peak_fma \/ peak_copy rows/);
    expect(() => benchTable([...peaks, '{"kernel": oops}'])).toThrow(/line 4 is not JSON/);
  });
});
