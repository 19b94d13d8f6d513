// WebGPU softmax and log-softmax (kernels/softmax.ts) against the CPU reference on random shapes and
// row geometries, with NaN-poisoned outputs.
// Tolerances are per element and derived from f32 error bounds (tests/helpers/rows.ts): EPS = 2^-24
// per rounding, an n-term sum is off by at most n * EPS * sum|terms|, and WGSL's exp is accurate to
// 3 + 2|x| ulp. The CPU reference sums in f64, so it is the near-exact side of every comparison.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu, randomArray, webgpu } from './helpers/backends.ts';
import { EPS, geometryArb, runOn, expectWithin, maxAbs, rowReduce, rowRange, softmaxRtol } from './helpers/rows.ts';
import type { Backend, Buf } from '../src/runtime/backend.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import * as softmaxK from '../kernels/softmax.ts';

const RUNS = { numRuns: 20 };
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const nArb = fc.integer({ min: 1, max: 40 });
const cArb = fc.integer({ min: 1, max: 300 });

describe('softmax and log-softmax', () => {
  it('softmaxForward matches the CPU reference', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, fc.constantFrom(1, 10), geometryArb, async (N, C, seed, scale, g) => {
      const inp = randomArray(N * C, seed, -scale, scale);
      const call = (b: Backend) => (o: Buf[], i: Buf[]) => g && b === be ? softmaxK.softmaxForward(be.gpu, o[0] as GpuBuf, i[0] as GpuBuf, N, C, g) : b.softmaxForward(o[0], i[0], N, C);
      const [got] = await runOn(be, [{ data: inp }], [N * C], call(be));
      const [want] = await runOn(cpu, [{ data: inp }], [N * C], call(cpu));
      const rtol = softmaxRtol(C, rowRange(inp, N, C));
      expectWithin(got, want, (i) => rtol * want[i] + 1e-30, `softmaxForward N=${N} C=${C} ${JSON.stringify(g)}`);
    }), RUNS);
  });

  it('logSoftmaxForward matches the CPU reference', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, fc.constantFrom(1, 10), geometryArb, async (N, C, seed, scale, g) => {
      const inp = randomArray(N * C, seed, -scale, scale);
      const call = (b: Backend) => (o: Buf[], i: Buf[]) => g && b === be ? softmaxK.logSoftmaxForward(be.gpu, o[0] as GpuBuf, i[0] as GpuBuf, N, C, g) : b.logSoftmaxForward(o[0], i[0], N, C);
      const [got] = await runOn(be, [{ data: inp }], [N * C], call(be));
      const [want] = await runOn(cpu, [{ data: inp }], [N * C], call(cpu));
      // out = x - (m + log s): log turns the relative error of s into an absolute one; the three
      // terms each carry a rounding of their size
      const atol = softmaxRtol(C, rowRange(inp, N, C)) + 4 * EPS * (2 * maxAbs(inp) + maxAbs(want));
      expectWithin(got, want, () => atol, `logSoftmaxForward N=${N} C=${C} ${JSON.stringify(g)}`);
    }), RUNS);
  });

  it('softmaxBackward matches the CPU reference', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, geometryArb, async (N, C, seed, g) => {
      const [out] = await runOn(cpu, [{ data: randomArray(N * C, seed, -4, 4) }], [N * C], (o, i) => cpu.softmaxForward(o[0], i[0], N, C));
      const dout = randomArray(N * C, seed ^ 0x5bd1e995);
      const call = (b: Backend) => (o: Buf[], i: Buf[]) => g && b === be ? softmaxK.softmaxBackward(be.gpu, o[0] as GpuBuf, i[0] as GpuBuf, i[1] as GpuBuf, N, C, g) : b.softmaxBackward(o[0], i[0], i[1], N, C);
      const [got] = await runOn(be, [{ data: dout }, { data: out }], [N * C], call(be));
      const [want] = await runOn(cpu, [{ data: dout }, { data: out }], [N * C], call(cpu));
      // dot = sum(dout * out) is off by <= (C + 2) EPS max|dout| (the probabilities sum to 1);
      // dinp = out * (dout - dot) scales that by out and adds two roundings
      const md = maxAbs(dout);
      expectWithin(got, want, (i) => out[i] * (C + 8) * EPS * md + 1e-30, `softmaxBackward N=${N} C=${C} ${JSON.stringify(g)}`);
    }), RUNS);
  });

  it('logSoftmaxBackward matches the CPU reference', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, geometryArb, async (N, C, seed, g) => {
      const [out] = await runOn(cpu, [{ data: randomArray(N * C, seed, -4, 4) }], [N * C], (o, i) => cpu.logSoftmaxForward(o[0], i[0], N, C));
      const dout = randomArray(N * C, seed ^ 0x5bd1e995);
      const call = (b: Backend) => (o: Buf[], i: Buf[]) => g && b === be ? softmaxK.logSoftmaxBackward(be.gpu, o[0] as GpuBuf, i[0] as GpuBuf, i[1] as GpuBuf, N, C, g) : b.logSoftmaxBackward(o[0], i[0], i[1], N, C);
      const [got] = await runOn(be, [{ data: dout }, { data: out }], [N * C], call(be));
      const [want] = await runOn(cpu, [{ data: dout }, { data: out }], [N * C], call(cpu));
      // sum(dout) is off by <= C EPS sum|dout|; exp(out) by (5 + 2|out|) ulp; then two roundings
      const sumAbs = rowReduce(dout, N, C, Math.abs);
      expectWithin(got, want, (i) => {
        const p = Math.exp(out[i]);
        return p * (C + 8 + 2 * Math.abs(out[i])) * EPS * sumAbs[Math.floor(i / C)] + 2 * EPS * (Math.abs(dout[i]) + Math.abs(want[i])) + 1e-30;
      }, `logSoftmaxBackward N=${N} C=${C} ${JSON.stringify(g)}`);
    }), RUNS);
  });

  it('handles vocabulary-sized rows (C = 5003 and 50257) and -inf entries', async () => {
    const be = await webgpu();
    for (const [N, C] of [[3, 5003], [2, 50257]]) {
      const inp = randomArray(N * C, C, -8, 8);
      inp[7] = -Infinity; // a masked logit: probability 0, not NaN
      const [want] = await runOn(cpu, [{ data: inp }], [N * C], (o, i) => cpu.softmaxForward(o[0], i[0], N, C));
      const [wantL] = await runOn(cpu, [{ data: inp }], [N * C], (o, i) => cpu.logSoftmaxForward(o[0], i[0], N, C));
      const rtol = softmaxRtol(C, 16);
      for (const g of [null, { WG: 256, TPR: 256 }]) {
        const what = `N=${N} C=${C} ${JSON.stringify(g)}`;
        const [got] = await runOn(be, [{ data: inp }], [N * C], (o, i) => g ? softmaxK.softmaxForward(be.gpu, o[0] as GpuBuf, i[0] as GpuBuf, N, C, g) : be.softmaxForward(o[0], i[0], N, C));
        expect(got[7], what).toBe(0);
        expectWithin(got, want, (i) => rtol * want[i] + 1e-30, `softmaxForward ${what}`);
        const [gotL] = await runOn(be, [{ data: inp }], [N * C], (o, i) => g ? softmaxK.logSoftmaxForward(be.gpu, o[0] as GpuBuf, i[0] as GpuBuf, N, C, g) : be.logSoftmaxForward(o[0], i[0], N, C));
        expectWithin(gotL, wantL, (i) => (Number.isFinite(wantL[i]) ? rtol + 4 * EPS * (16 + Math.abs(wantL[i])) : 0), `logSoftmaxForward ${what}`);
      }
    }
  });
});
