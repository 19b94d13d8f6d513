// WebGPU layernorm (kernels/layernorm.ts) against the CPU reference on random shapes and row
// geometries, with NaN-poisoned outputs.
// Tolerances are per element and derived from f32 error bounds (tests/helpers/rows.ts): EPS = 2^-24
// per rounding, an n-term sum is off by at most n * EPS * sum|terms|, and WGSL's exp is accurate to
// 3 + 2|x| ulp. The CPU reference sums in f64, so it is the near-exact side of every comparison.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu, randomArray, upload, webgpu } from './helpers/backends.ts';
import { EPS, geometryArb, runOn, expectWithin, rowReduce } from './helpers/rows.ts';
import type { Backend, Buf } from '../src/runtime/backend.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import type { RowGeometry } from '../kernels/lib/rows.ts';
import * as layernormK from '../kernels/layernorm.ts';
import * as T from '../src/index.ts';

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

  // A frozen LayerNorm (a fine-tune that trains other weights) or a frozen input: the backward skips
  // what nobody needs. What it still computes is the same bits as the full backward, on each backend,
  // and the skipped parts dispatch nothing.
  it('layernormBackward with dinp only, or the column sums only: the full backward\'s bits, fewer dispatches', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, seedArb, fc.constantFrom(4096, 7), async (N, C, seed, R) => {
      const { inp, weight, bias } = lnInputs(N, C, seed, 3);
      const [, mean, rstd] = await runOn(cpu, [{ data: inp }, { data: weight }, { data: bias }], [N * C, N, N],
        (o, i) => cpu.layernormForward(o[0], o[1], o[2], i[0], i[1], i[2], N, C, 1e-5));
      const ins = [{ data: randomArray(N * C, seed ^ 0x5bd1e995) }, { data: inp }, { data: weight }, { data: mean }, { data: rstd }];
      for (const b of [be, cpu] as Backend[]) {
        const call = (d: Buf | null, dw: Buf | null, db: Buf | null, i: Buf[]) => (b === be
          ? layernormK.layernormBackward(be.gpu, d as GpuBuf | null, dw as GpuBuf | null, db as GpuBuf | null, i[0] as GpuBuf, i[1] as GpuBuf, i[2] as GpuBuf, i[3] as GpuBuf, i[4] as GpuBuf, N, C, undefined, R)
          : b.layernormBackward(d, dw, db, i[0], i[1], i[2], i[3], i[4], N, C));
        const full = await runOn(b, ins, [N * C, C, C], (o, i) => call(o[0], o[1], o[2], i));
        const d0 = be.gpu.dispatchCount;
        const [dinp] = await runOn(b, ins, [N * C], (o, i) => call(o[0], null, null, i));
        const d1 = be.gpu.dispatchCount;
        const [dw, db] = await runOn(b, ins, [C, C], (o, i) => call(null, o[0], o[1], i));
        const d2 = be.gpu.dispatchCount;
        const what = `${b.name} N=${N} C=${C} R=${R}`;
        expect(Array.from(dinp), `${what} dinp`).toEqual(Array.from(full[0]));
        expect(Array.from(dw), `${what} dweight`).toEqual(Array.from(full[1]));
        expect(Array.from(db), `${what} dbias`).toEqual(Array.from(full[2]));
        if (b === be) {
          expect(d1 - d0, `${what}: dinp alone is one dispatch`).toBe(1);
          expect(d2 - d1, `${what}: the column sums alone`).toBe(Math.ceil(N / R) > 1 ? 2 : 1);
        }
      }
    }), { numRuns: 8 });
  });

  it('inp and dout read from texture copies give the storage reads\' bits, forward and backward, every geometry', async () => {
    const be = await webgpu();
    const bits = (x: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(x).buffer));
    // N * C past one texture row (16384 elements) at times, C no multiple of 4
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 400 }), cArb, seedArb, geometryArb.map((x) => x ?? undefined), fc.constantFrom(4096, 7), async (N, C, seed, g, R) => {
      const { inp, weight, bias } = lnInputs(N, C, seed, 3);
      const fwd = (texture: boolean) => runOn(be, [{ data: inp }, { data: weight }, { data: bias }], [N * C, N, N],
        (o, i) => layernormK.layernormForward(be.gpu, o[0] as GpuBuf, o[1] as GpuBuf, o[2] as GpuBuf, i[0] as GpuBuf, i[1] as GpuBuf, i[2] as GpuBuf, N, C, 1e-5, g, texture));
      const [fs, ft] = [await fwd(false), await fwd(true)];
      const what = JSON.stringify({ N, C, seed, g, R });
      fs.forEach((x, k) => expect(bits(ft[k]), `${what} forward output ${k}`).toEqual(bits(x)));
      const ins = [{ data: randomArray(N * C, seed ^ 0x5bd1e995) }, { data: inp }, { data: weight }, { data: fs[1] }, { data: fs[2] }];
      const bwd = (texture: boolean) => runOn(be, ins, [N * C, C, C], (o, i) => layernormK.layernormBackward(be.gpu, o[0] as GpuBuf, o[1] as GpuBuf, o[2] as GpuBuf,
        i[0] as GpuBuf, i[1] as GpuBuf, i[2] as GpuBuf, i[3] as GpuBuf, i[4] as GpuBuf, N, C, g, R, texture));
      const [bs, bt] = [await bwd(false), await bwd(true)];
      bs.forEach((x, k) => expect(bits(bt[k]), `${what} backward output ${k}`).toEqual(bits(x)));
    }), { numRuns: 12 });
  });

  it('layernormBackward refuses dweight without dbias (one pass makes both)', async () => {
    const be = await webgpu();
    const [x, w, d] = [upload(be, 6), upload(be, 3), upload(be, 6)];
    expect(() => be.layernormBackward(d, x, null, x, x, w, w, w, 2, 3)).toThrow(/both or neither/);
    for (const b of [x, w, d]) be.free(b);
  });

  it('the layerNorm op: a frozen weight and bias get no gradient and x.grad keeps its bits', async () => {
    for (const backend of [cpu, await webgpu()] as Backend[]) {
      const grads = async (frozen: boolean) => {
        const x = T.fromArray(Array.from(randomArray(5 * 7, 11)), [5, 7], { backend, requiresGrad: true });
        const w = T.fromArray(Array.from(randomArray(7, 12, 0.5, 1.5)), [7], { backend, requiresGrad: !frozen });
        const b = T.fromArray(Array.from(randomArray(7, 13)), [7], { backend, requiresGrad: !frozen });
        const g = T.fromArray(Array.from(randomArray(5 * 7, 14)), [5, 7], { backend });
        T.layerNorm(x, w, b).backward(g);
        const out = { x: Array.from(await x.grad!.data()), w: w.grad, b: b.grad };
        for (const t of [x, w, b, g]) t.dispose();
        return out;
      };
      const [all, frozen] = [await grads(false), await grads(true)];
      expect(all.w, backend.name).not.toBeNull();
      expect(frozen.w, backend.name).toBeNull();
      expect(frozen.b, backend.name).toBeNull();
      expect(frozen.x, backend.name).toEqual(all.x);
    }
  });
});
