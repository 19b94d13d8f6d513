// WebGPU embedding forward and backward (kernels/embedding.ts) against the CPU reference on random
// shapes, with NaN-poisoned outputs.
// Tolerances are per element and derived from f32 error bounds (tests/helpers/rows.ts): EPS = 2^-24
// per rounding, an n-term sum is off by at most n * EPS * sum|terms|, and WGSL's exp is accurate to
// 3 + 2|x| ulp. The CPU reference sums in f64, so it is the near-exact side of every comparison.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu, expectClose, randomArray, webgpu } from './helpers/backends.ts';
import { EPS, runOn, expectWithin } from './helpers/rows.ts';
import type { Backend, Buf, DType } from '../src/runtime/backend.ts';

const RUNS = { numRuns: 20 };
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const nArb = fc.integer({ min: 1, max: 40 });
const cArb = fc.integer({ min: 1, max: 300 });

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
