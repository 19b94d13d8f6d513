// WebGPU row-wise neural-net kernels (softmax, log-softmax, layernorm, embedding, cross-entropy)
// against the CPU reference on random shapes, with NaN-poisoned outputs. Tolerances are per element
// and derived from f32 error bounds: EPS = 2^-24 per rounding, an n-term sum is off by at most
// n * EPS * sum|terms|, and WGSL's exp is accurate to 3 + 2|x| ulp. The CPU reference sums in f64,
// so it is the near-exact side of every comparison.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu, expectClose, randomArray, upload, webgpu } from './helpers/backends.ts';
import type { Backend, Buf, DType, TypedArray } from '../src/backend/backend.ts';
import type { GpuBuf } from '../src/backend/gpu.ts';
import type { RowGeometry } from '../kernels/lib/rows.ts';
import * as softmaxK from '../kernels/softmax.ts';
import * as layernormK from '../kernels/layernorm.ts';
import * as crossentropyK from '../kernels/crossentropy.ts';

const EPS = 2 ** -24;
const RUNS = { numRuns: 20 };
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const nArb = fc.integer({ min: 1, max: 40 });
const cArb = fc.integer({ min: 1, max: 300 });
// null: through the backend method (rows.ts picks the geometry for this adapter); otherwise the
// kernel function directly, so the geometries a hardware adapter gets are tested here too
const GEOMETRIES: RowGeometry[] = [{ WG: 64, TPR: 1 }, { WG: 64, TPR: 8 }, { WG: 64, TPR: 32 }, { WG: 64, TPR: 64 }, { WG: 32, TPR: 4 }, { WG: 256, TPR: 256 }];
const geometryArb = fc.constantFrom<RowGeometry | null>(null, null, ...GEOMETRIES);

type Input = { data: ArrayLike<number>; dtype?: DType };
/** Runs `call` on a backend with inputs uploaded and outputs poisoned; returns the outputs. */
async function runOn(be: Backend, inputs: Input[], outLens: number[], call: (outs: Buf[], ins: Buf[]) => void): Promise<TypedArray[]> {
  const ins = inputs.map((x) => upload(be, x.data, x.dtype ?? 'f32'));
  const outs = outLens.map((n) => upload(be, n));
  call(outs, ins);
  const res = await Promise.all(outs.map((b) => be.read(b)));
  for (const b of [...ins, ...outs]) be.free(b);
  return res;
}

/** Fails naming the worst element if |got[i] - want[i]| > tol(i) anywhere, or got is NaN where want is not. */
function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = -1, worstRatio = 0;
  for (let i = 0; i < got.length; i++) {
    if ((Number.isNaN(want[i]) && Number.isNaN(got[i])) || got[i] === want[i]) continue; // NaN or equal infinities
    const ratio = Math.abs(got[i] - want[i]) / tol(i);
    if (!(ratio <= 1) && (worst < 0 || !(ratio <= worstRatio))) { worst = i; worstRatio = Number.isNaN(ratio) ? Infinity : ratio; }
  }
  if (worst >= 0) throw new Error(`${what}: element ${worst} of ${got.length}: got ${got[worst]}, want ${want[worst]}, tolerance ${tol(worst)}`);
}

const maxAbs = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };
const rowReduce = (a: ArrayLike<number>, N: number, C: number, f: (x: number) => number) =>
  Array.from({ length: N }, (_, n) => { let s = 0; for (let c = 0; c < C; c++) s += f(a[n * C + c]); return s; });
/** Largest spread max - min of any row: bounds |x - rowmax| inside exp. */
const rowRange = (a: ArrayLike<number>, N: number, C: number) => {
  let r = 0;
  for (let n = 0; n < N; n++) {
    let lo = Infinity, hi = -Infinity;
    for (let c = 0; c < C; c++) { lo = Math.min(lo, a[n * C + c]); hi = Math.max(hi, a[n * C + c]); }
    r = Math.max(r, hi - lo);
  }
  return r;
};
/** Relative error bound of a softmax probability: the running sum and its rescalings (2C roundings),
 *  exp of x - m (3 + 2|x - m| ulp, plus the rounding of x - m), the reciprocal and the product. */
const softmaxRtol = (C: number, range: number) => (2 * C + 8 + 3 * range) * EPS;

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

describe('embedding', () => {
  it('embeddingForward copies rows exactly (NaN rows for ids outside [0, V))', async () => {
    const be = await webgpu();
    await fc.assert(fc.asyncProperty(nArb, cArb, fc.integer({ min: 1, max: 300 }), seedArb, fc.boolean(), async (N, C, V, seed, bad) => {
      const weight = randomArray(V * C, seed);
      const ids = Array.from(randomArray(N, seed ^ 0x2545f491, 0, V), Math.floor);
      if (bad) { ids[0] = V; ids[N - 1] = -1; }
      const ins = [{ data: ids, dtype: 'i32' as DType }, { data: weight }];
      const [got] = await runOn(be, ins, [N * C], (o, i) => be.embeddingForward(o[0], i[0], i[1], N, C));
      const [want] = await runOn(cpu, ins, [N * C], (o, i) => cpu.embeddingForward(o[0], i[0], i[1], N, C));
      if (bad) expect(Number.isNaN(got[0]) && Number.isNaN(got[N * C - 1])).toBe(true);
      expectClose(got, want, 0, 0, `embeddingForward N=${N} C=${C} V=${V}`);
    }), RUNS);
  });

  it('embeddingBackward sums rows per id, deterministically', async () => {
    const be = await webgpu();
    // few distinct ids (long lists) or many (mostly singletons and unused rows)
    await fc.assert(fc.asyncProperty(nArb, cArb, fc.integer({ min: 1, max: 300 }), seedArb, fc.constantFrom(1, 3, 1000), async (N, C, V, seed, distinct) => {
      const dout = randomArray(N * C, seed);
      const ids = Array.from(randomArray(N, seed ^ 0x2545f491, 0, Math.min(V, distinct)), Math.floor);
      if (N > 2) { ids[1] = V; ids[2] = -3; } // out of range: dropped by both backends
      const ins = [{ data: dout }, { data: ids, dtype: 'i32' as DType }];
      const call = (b: Backend) => (o: Buf[], i: Buf[]) => b.embeddingBackward(o[0], i[0], i[1], N, C, V);
      const [got] = await runOn(be, ins, [V * C], call(be));
      const [again] = await runOn(be, ins, [V * C], call(be));
      const [want] = await runOn(cpu, ins, [V * C], call(cpu));
      const what = `embeddingBackward N=${N} C=${C} V=${V}`;
      expect(Array.from(again), `${what}: two runs differ`).toEqual(Array.from(got));
      // both add the rows of each id in increasing position: an N-term sum at worst
      const colAbs = new Float64Array(V * C);
      ids.forEach((id, n) => { if (id >= 0 && id < V) for (let c = 0; c < C; c++) colAbs[id * C + c] += Math.abs(dout[n * C + c]); });
      expectWithin(got, want, (i) => N * EPS * colAbs[i] + 1e-30, what);
    }), RUNS);
  });

  it('embeddingBackward at the training shape N=4096, V=1000, C=64', async () => {
    const be = await webgpu();
    const N = 4096, C = 64, V = 1000;
    const dout = randomArray(N * C, 11);
    const ids = Array.from(randomArray(N, 12, 0, V), Math.floor);
    const ins = [{ data: dout }, { data: ids, dtype: 'i32' as DType }];
    const [got] = await runOn(be, ins, [V * C], (o, i) => be.embeddingBackward(o[0], i[0], i[1], N, C, V));
    const [want] = await runOn(cpu, ins, [V * C], (o, i) => cpu.embeddingBackward(o[0], i[0], i[1], N, C, V));
    expectClose(got, want, 64 * EPS, 0, 'embeddingBackward N=4096');
  });
});

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
