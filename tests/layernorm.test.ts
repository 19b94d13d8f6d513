// WebGPU layernorm (kernels/layernorm.ts) against the CPU reference on random shapes and row
// geometries, with NaN-poisoned outputs.
// Tolerances are per element and derived from f32 error bounds (tests/helpers/rows.ts): EPS = 2^-24
// per rounding, an n-term sum is off by at most n * EPS * sum|terms|, and WGSL's exp is accurate to
// 3 + 2|x| ulp. The CPU reference sums in f64, so it is the near-exact side of every comparison.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { cpu, randomArray, webgpu } from './helpers/backends.ts';
import { EPS, geometryArb, runOn, expectWithin, rowReduce } from './helpers/rows.ts';
import type { Backend, Buf } from '../src/runtime/backend.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import type { RowGeometry } from '../kernels/lib/rows.ts';
import * as layernormK from '../kernels/layernorm.ts';

const RUNS = { numRuns: 20 };
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const nArb = fc.integer({ min: 1, max: 40 });
const cArb = fc.integer({ min: 1, max: 300 });

describe('layernorm', () => {
  // rows of noise around an offset: |mean| up to 10x the spread tests the two-pass variance
  const lnInputs = (N: number, C: number, seed: number, offset: number) => ({
    inp: randomArray(N * C, seed, -1, 1).map((x, i) => x * (1 + (Math.floor(i / C) % 3)) + offset),
    weight: randomArray(C, seed ^ 0x1234567, 0.5, 1.5),
    bias: randomArray(C, seed ^ 0x7654321, -1, 1),
  });

  const lnForwardCase = async (be: Awaited<ReturnType<typeof webgpu>>, N: number, C: number, seed: number, offset: number, g: RowGeometry | null) => {
    const { inp, weight, bias } = lnInputs(N, C, seed, offset);
    const eps = 1e-5;
    const ins = [{ data: inp }, { data: weight }, { data: bias }];
    const call = (b: Backend) => (o: Buf[], i: Buf[]) => g && b === be
      ? layernormK.layernormForward(be.gpu, o[0] as GpuBuf, o[1] as GpuBuf, o[2] as GpuBuf, i[0] as GpuBuf, i[1] as GpuBuf, i[2] as GpuBuf, N, C, eps, g)
      : b.layernormForward(o[0], o[1], o[2], i[0], i[1], i[2], N, C, eps);
    const [out, mean, rstd] = await runOn(be, ins, [N * C, N, N], call(be));
    const [wOut, wMean, wRstd] = await runOn(cpu, ins, [N * C, N, N], call(cpu));
    const K = (C + 16) * EPS; // the row sums, then a handful of roundings per element
    const meanAbs = rowReduce(inp, N, C, Math.abs).map((s) => s / C);
    const what = `layernormForward N=${N} C=${C} offset=${offset} ${JSON.stringify(g)}`;
    expectWithin(mean, wMean, (n) => K * meanAbs[n], `${what} mean`);
    // the variance sums squared deviations from a mean that is off by K * meanAbs
    expectWithin(rstd, wRstd, (n) => K * wRstd[n] * (1 + 2 * meanAbs[n] * wRstd[n]), `${what} rstd`);
    expectWithin(out, wOut, (i) => {
      const n = Math.floor(i / C), c = i % C;
      const norm = (inp[i] - wMean[n]) * wRstd[n];
      return K * (Math.abs(weight[c]) * (Math.abs(norm) + 2 * wRstd[n] * meanAbs[n]) * 2 + Math.abs(bias[c])) + 1e-30;
    }, `${what} out`);
  };

  it('layernormForward matches the CPU reference', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, fc.constantFrom(0, 3, 10), geometryArb,
      async (N, C, seed, offset, g) => lnForwardCase(be, N, C, seed, offset, g)), RUNS);
  });

  it('layernormForward on rows of 30000 (three passes: past the software loop limit at one lane per row)', async () => {
    await lnForwardCase(await webgpu(), 3, 30000, 9, 3, null);
  });

  it('layernormBackward matches the CPU reference and writes dweight/dbias', async () => {
    const be = await webgpu();
    // R: rows per chunk of the column sums (the default, or small so that several chunks get added)
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, fc.constantFrom(0, 3), geometryArb, fc.constantFrom(4096, 1, 7), async (N, C, seed, offset, g, R) => {
      const { inp, weight, bias } = lnInputs(N, C, seed, offset);
      const [, mean, rstd] = await runOn(cpu, [{ data: inp }, { data: weight }, { data: bias }], [N * C, N, N],
        (o, i) => cpu.layernormForward(o[0], o[1], o[2], i[0], i[1], i[2], N, C, 1e-5));
      const dout = randomArray(N * C, seed ^ 0x5bd1e995);
      const ins = [{ data: dout }, { data: inp }, { data: weight }, { data: mean }, { data: rstd }];
      const call = (b: Backend) => (o: Buf[], i: Buf[]) => g && b === be
        ? layernormK.layernormBackward(be.gpu, o[0] as GpuBuf, o[1] as GpuBuf, o[2] as GpuBuf, i[0] as GpuBuf, i[1] as GpuBuf, i[2] as GpuBuf, i[3] as GpuBuf, i[4] as GpuBuf, N, C, g, R)
        : b.layernormBackward(o[0], o[1], o[2], i[0], i[1], i[2], i[3], i[4], N, C);
      const [dinp, dweight, dbias] = await runOn(be, ins, [N * C, C, C], call(be));
      const [wDinp, wDweight, wDbias] = await runOn(cpu, ins, [N * C, C, C], call(cpu));
      const what = `layernormBackward N=${N} C=${C} offset=${offset} ${JSON.stringify(g)} R=${g ? R : 4096}`;
      // norm = (x - mean) * rstd is off by q = (|x| + |mean|) * rstd * 2 EPS; the two row means
      // of dnorm and dnorm * norm by (C + 4) EPS times the mean of their absolute terms
      const q = (i: number) => (Math.abs(inp[i]) + Math.abs(mean[Math.floor(i / C)])) * rstd[Math.floor(i / C)];
      const norm = (i: number) => (inp[i] - mean[Math.floor(i / C)]) * rstd[Math.floor(i / C)];
      const dnorm = (i: number) => weight[i % C] * dout[i];
      const S1 = Array.from({ length: N }, (_, n) => { let s = 0; for (let c = 0; c < C; c++) s += Math.abs(dnorm(n * C + c)); return s / C; });
      const S2 = Array.from({ length: N }, (_, n) => { let s = 0; for (let c = 0; c < C; c++) s += Math.abs(dnorm(n * C + c)) * (Math.abs(norm(n * C + c)) + q(n * C + c)); return s / C; });
      const K = (C + 16) * EPS;
      expectWithin(dinp, wDinp, (i) => {
        const n = Math.floor(i / C);
        return rstd[n] * K * (Math.abs(dnorm(i)) + S1[n] + (Math.abs(norm(i)) + q(i)) * 2 * S2[n]) + 1e-30;
      }, `${what} dinp`);
      // column sums over N rows
      const colAbs = (f: (i: number) => number) => Array.from({ length: C }, (_, c) => { let s = 0; for (let n = 0; n < N; n++) s += Math.abs(f(n * C + c)); return s; });
      const dwAbs = colAbs((i) => Math.abs(dout[i]) * (Math.abs(norm(i)) + q(i))), dbAbs = colAbs((i) => dout[i]);
      expectWithin(dweight, wDweight, (c) => (N + 8) * EPS * dwAbs[c] + 1e-30, `${what} dweight`);
      expectWithin(dbias, wDbias, (c) => (N + 2) * EPS * dbAbs[c] + 1e-30, `${what} dbias`);
    }), RUNS);
  });
});
