// Parity of the WebGPU reductions (kernels/reduce.ts: reduce, sumSquares) with the CPU reference on
// f32 buffers, with tolerances from the longest serial chain of f32 additions (u = 2^-24 the unit roundoff).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Backend } from '../src/runtime/backend.ts';
import { cpu, expectClose, randomArray, upload, webgpu } from './helpers/backends.ts';
import { readAll } from './helpers/layouts.ts';
import { pickReduce, reduce, rowsWg, SQ_PER_DISPATCH, sumSquares as gpuSumSquares, sumSquaresLanes, type ReduceVariant } from '../kernels/reduce.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';

const u = 2 ** -24;
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
const RUNS = { numRuns: 20 };

describe('webgpu reduce and sumSquares', () => {
  // |GPU - exact| <= (chain + 1) u sum|x| for an order with at most `chain` serial additions of
  // nonzero terms: R for one invocation per output; ceil(R / WG) per lane then ceil(log2 min(R, WG))
  // tree levels for one workgroup per output. Every variant runs on every device (the backend's
  // own pick too), so the shader the hardware policy picks is tested on the software adapter.
  const VARIANTS: (ReduceVariant | null)[] = [null, { rows: false, WG: 64 }, { rows: true, WG: 64 }, { rows: true, WG: 256 }];
  const chainOf = (v: ReduceVariant, R: number) => (v.rows ? Math.ceil(R / v.WG) + Math.ceil(Math.log2(Math.min(R, v.WG))) : R);
  async function check(op: 'sum' | 'max', outer: number, R: number, inner: number, seed: number): Promise<void> {
    const gpu = await webgpu();
    const x = randomArray(outer * R * inner, seed, -1, 1);
    const cout = upload(cpu, outer * inner);
    cpu.reduce(cout, upload(cpu, x), op, outer, R, inner);
    const want = cpu.readSync(cout);
    const inp = upload(gpu, x);
    for (const v of VARIANTS) {
      const out = upload(gpu, outer * inner);
      if (v) reduce(gpu.gpu, out as GpuBuf, inp as GpuBuf, op, outer, R, inner, v); else gpu.reduce(out, inp, op, outer, R, inner);
      const got = (await readAll(gpu, [out]))[0];
      const used = v ?? pickReduce(gpu.gpu.dawn.kind, outer, R, inner);
      const what = `reduce ${op} (${outer}, ${R}, ${inner}) ${used.rows ? 'rows' : 'per-output'} WG=${used.WG}`;
      if (op === 'max') { expectClose(got, want, 0, 0, what); continue; }
      const chain = chainOf(used, R);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let abs = 0;
          for (let r = 0; r < R; r++) abs += Math.abs(x[(o * R + r) * inner + i]);
          const k = o * inner + i;
          expectClose([got[k]], [want[k]], (chain + 1) * u * abs, 0, `${what} at ${k}`);
        }
      }
    }
    gpu.free(inp);
  }

  it('matches the CPU on small (outer, R, inner), every variant', async () => {
    const d = fc.integer({ min: 1, max: 9 });
    await fc.assert(fc.asyncProperty(d, fc.integer({ min: 1, max: 40 }), d, fc.constantFrom('sum' as const, 'max' as const), seedArb,
      (outer, R, inner, op, seed) => check(op, outer, R, inner, seed)), RUNS);
  });

  it('matches the CPU on long rows, every variant', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 100, max: 3000 }), fc.constantFrom(1, 3),
      fc.constantFrom('sum' as const, 'max' as const), seedArb, (outer, R, inner, op, seed) => check(op, outer, R, inner, seed)), { numRuns: 10 });
    await check('sum', 2, 50_000, 1, 11);
    await check('max', 2, 50_000, 1, 12);
  });

  it('max propagates NaN and handles R = 0 like the CPU', async () => {
    const gpu = await webgpu();
    for (const R of [5, 300]) {
      for (const rows of [false, true]) {
        const x = randomArray(2 * R, R);
        x[R + 2] = NaN;
        const out = upload(gpu, 2), inp = upload(gpu, x);
        reduce(gpu.gpu, out as GpuBuf, inp as GpuBuf, 'max', 2, R, 1, { rows, WG: 64 });
        const got = await gpu.read(out);
        expect(Number.isNaN(got[0])).toBe(false);
        expect(Number.isNaN(got[1])).toBe(true);
      }
    }
    const out = upload(gpu, 6), inp = upload(gpu, [0]);
    gpu.reduce(out, inp, 'sum', 2, 0, 3);
    expect(Array.from(await gpu.read(out))).toEqual([0, 0, 0, 0, 0, 0]);
    gpu.reduce(out, inp, 'max', 2, 0, 3);
    expect(Array.from(await gpu.read(out))).toEqual(new Array(6).fill(-Infinity));
  });

  // all terms are positive, so relative error <= (chain + 2) u with chain the serial additions:
  // ceil(n / P) in the first stage, ceil(P / WG) + log2 WG in the second, + 1 for the squaring
  const sqTol = (n: number, W: number) => {
    const P = sumSquaresLanes(n);
    return (Math.ceil(n / P) + Math.ceil(P / W) + Math.log2(W) + 2) * u;
  };
  async function checkSq(n: number, seed: number): Promise<void> {
    const gpu = await webgpu();
    const x = randomArray(n, seed, -2, 2);
    const res = [];
    for (const be of [cpu, gpu] as Backend[]) {
      const out = upload(be, 1), inp = upload(be, x);
      be.sumSquares(out, [inp]);
      res.push((await readAll(be, [out, inp]))[0]);
    }
    expectClose(res[1], res[0], 0, sqTol(n, rowsWg(gpu.gpu.dawn.kind)), `sumSquares n=${n}`);
  }

  it('sumSquares matches the CPU and is deterministic', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 20_000 }), seedArb, checkSq), RUNS);
    await checkSq(10_000_003, 3);
    const gpu = await webgpu();
    const inp = upload(gpu, randomArray(1_000_001, 8)), a = upload(gpu, 1), b = upload(gpu, 1);
    gpu.sumSquares(a, [inp]); gpu.sumSquares(b, [inp]);
    const [ra, rb] = await readAll(gpu, [a, b, inp]);
    expect(ra[0]).toBe(rb[0]);
  }, 60_000);

  // many inputs share one partial buffer, each its own row: a row offset bug would mix them up
  it('sumSquares of many buffers gives each its own sum, in one pass', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 12 }), seedArb, async (sizes, seed) => {
      const xs = sizes.map((n, i) => randomArray(n, seed + i, -2, 2));
      const res: ArrayLike<number>[] = [];
      for (const be of [cpu, gpu] as Backend[]) {
        const out = upload(be, new Float32Array(sizes.length + 1).fill(NaN)), inps = xs.map((x) => upload(be, x));
        be.sumSquares(out, inps);
        res.push((await readAll(be, [out, ...inps]))[0]);
      }
      sizes.forEach((n, i) => expectClose([res[1][i]], [res[0][i]], 0, sqTol(Math.max(...sizes), rowsWg(gpu.gpu.dawn.kind)), `sumSquares input ${i} of ${sizes.length} (n=${n})`));
      expect(Number.isNaN(res[1][sizes.length])).toBe(true); // nothing written past count
    }), RUNS);
  }, 60_000);

  // up to SQ_PER_DISPATCH inputs share a dispatch; the sums must not depend on how they are grouped
  it(`sumSquares gives the same bits with up to ${SQ_PER_DISPATCH} inputs per dispatch as with one each`, async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 70 }), fc.integer({ min: 1, max: SQ_PER_DISPATCH }), seedArb, async (sizes, per, seed) => {
      const inps = sizes.map((n, i) => upload(gpu, randomArray(n, seed + i, -2, 2)));
      const one = upload(gpu, sizes.length), grouped = upload(gpu, sizes.length);
      gpuSumSquares(gpu.gpu, one as GpuBuf, inps as GpuBuf[], 1);
      gpuSumSquares(gpu.gpu, grouped as GpuBuf, inps as GpuBuf[], per);
      const [a, b] = await readAll(gpu, [one, grouped, ...inps]);
      expect(Array.from(b)).toEqual(Array.from(a));
    }), RUNS);
  }, 60_000);
});
