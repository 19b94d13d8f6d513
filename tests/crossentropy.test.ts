// WebGPU fused cross-entropy (kernels/crossentropy.ts) against the CPU reference on random shapes and
// row geometries, with NaN-poisoned outputs.
// Tolerances are per element and derived from f32 error bounds (tests/helpers/rows.ts): EPS = 2^-24
// per rounding, an n-term sum is off by at most n * EPS * sum|terms|, and WGSL's exp is accurate to
// 3 + 2|x| ulp. The CPU reference sums in f64, so it is the near-exact side of every comparison.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu, randomArray, upload, webgpu } from './helpers/backends.ts';
import { EPS, geometryArb, runOn, expectWithin, rowRange, softmaxRtol } from './helpers/rows.ts';
import type { Backend, Buf, DType } from '../src/runtime/backend.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import type { RowGeometry } from '../kernels/lib/rows.ts';
import * as softmaxK from '../kernels/softmax.ts';
import * as crossentropyK from '../kernels/crossentropy.ts';

const RUNS = { numRuns: 20 };
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const nArb = fc.integer({ min: 1, max: 40 });
const cArb = fc.integer({ min: 1, max: 300 });

describe('crossentropy', () => {
  const ceCase = async (be: Backend, N: number, V: number, seed: number, ignoreIndex: number, withGrad: boolean, g: RowGeometry | null) => {
    const logits = randomArray(N * V, seed, -6, 6);
    const targets = Array.from(randomArray(N, seed ^ 0x2545f491, 0, V), Math.floor).map((t, n) => (n % 4 === 1 ? ignoreIndex : t));
    const ins = [{ data: logits }, { data: targets, dtype: 'i32' as DType }];
    const call = (b: Backend) => (o: Buf[], i: Buf[]) => g && b !== cpu
      ? crossentropyK.crossEntropyForward((b as Awaited<ReturnType<typeof webgpu>>).gpu, o[0] as GpuBuf, withGrad ? o[1] as GpuBuf : null, i[0] as GpuBuf, i[1] as GpuBuf, N, V, ignoreIndex, g)
      : b.crossEntropyForward(o[0], withGrad ? o[1] : null, i[0], i[1], N, V, ignoreIndex);
    const [losses, dlogits] = await runOn(be, ins, [N, N * V], call(be));
    const [wLosses, wDlogits] = await runOn(cpu, ins, [N, N * V], call(cpu));
    const what = `crossEntropyForward N=${N} V=${V} ignore=${ignoreIndex} grad=${withGrad} ${JSON.stringify(g)}`;
    const rtol = softmaxRtol(V, rowRange(logits, N, V));
    // loss = m + log(s) - x_t: the relative error of s becomes absolute, plus roundings of each term
    expectWithin(losses, wLosses, (n) => rtol + 4 * EPS * (12 + Math.abs(wLosses[n])), `${what} losses`);
    for (let n = 0; n < N; n++) if (targets[n] === ignoreIndex) expect(losses[n], `${what} ignored row ${n}`).toBe(0);
    if (withGrad) {
      // softmax - onehot: the probability's relative error plus the rounding of subtracting 1
      expectWithin(dlogits, wDlogits, (i) => rtol * Math.abs(wDlogits[i] + (targets[Math.floor(i / V)] === i % V ? 1 : 0)) + EPS + 1e-30, `${what} dlogits`);
    } else {
      expect(dlogits.every(Number.isNaN), `${what}: dlogits null, the poisoned buffer must stay untouched`).toBe(true);
    }
  };

  it('crossEntropyForward matches the CPU reference (ignored rows, with and without dlogits)', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, fc.constantFrom(-100, -1, 0), fc.boolean(), geometryArb,
      async (N, V, seed, ignoreIndex, withGrad, g) => ceCase(be, N, V, seed, ignoreIndex, withGrad, g)), RUNS);
  });

  it('crossEntropyForward on vocabulary-sized rows (V = 5003 and 50257)', async () => {
    const be = await webgpu();
    for (const g of [null, { WG: 256, TPR: 256 }]) {
      await ceCase(be, 5, 5003, 3, -100, true, g);
      await ceCase(be, 2, 50257, 4, -100, true, g);
    }
  });

  it('refuses a geometry whose loops the software adapter would cut short', async () => {
    const be = await webgpu();
    if (be.gpu.dawn.kind !== 'software') return; // hardware adapters have no loop limit
    const [a, b] = [upload(be, 50257), upload(be, 50257)];
    expect(() => crossentropyK.crossEntropyForward(be.gpu, a as GpuBuf, null, b as GpuBuf, a as GpuBuf, 1, 50257, -100, { WG: 64, TPR: 1 })).toThrow(/loop iterations/);
    expect(() => softmaxK.softmaxForward(be.gpu, a as GpuBuf, b as GpuBuf, 1, 50257, { WG: 64, TPR: 1 })).toThrow(/loop iterations/);
    be.free(a); be.free(b);
  });

  it('crossEntropyForward gives a NaN loss for a target outside [0, V)', async () => {
    const be = await webgpu();
    const [losses] = await runOn(be, [{ data: randomArray(12, 5) }, { data: [4, 0, -2], dtype: 'i32' }], [3],
      (o, i) => be.crossEntropyForward(o[0], null, i[0], i[1], 3, 4, -100));
    expect(Number.isNaN(losses[0]) && Number.isFinite(losses[1]) && Number.isNaN(losses[2])).toBe(true);
  });
});
