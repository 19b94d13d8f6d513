// WebGPU matmul (shaders/matmul_forward.wgsl) against the CPU reference: all four (transA, transB)
// forms, random shapes that are not multiples of the tiles (size 1 included), batches with packed,
// padded and shared (stride 0) operands, NaN-poisoned outputs, the hardware tile run on llvmpipe,
// the K loop split over dispatches, and the dispatch fold past 65535 row blocks.
//
// Tolerance, per element: an f32 dot product of K terms, in any order, with or without fma, is off by
// at most gamma_K * sum_k |a_mk * b_kn| with gamma_K = K*EPS / (1 - K*EPS), EPS = 2^-24 (Higham,
// Accuracy and Stability, 3.1). The CPU reference sums in f64 and rounds once (EPS * |want|). The
// bound is computed per element from |A| @ |B|, so it scales with K and with the operands: a wrong
// index or a missed k term is off by O(|a*b|), far above it (K = 130: bound 8e-6 * sum|ab|).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomArray, upload, webgpu } from './helpers/backends.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import { matmulCpu as cpuMatmul, matmul as gpuMatmul, MATMUL_TILES, matmulTile, uniformPlan, type MatmulTile } from '../kernels/matmul.ts';
import { unaryDerivative, unaryFn } from '../kernels/elementwise.ts';
import { reduceCpu } from '../kernels/reduce.ts';
import { expectDot } from './helpers/dot.ts';

const bits = (x: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(x).buffer));

interface Case {
  batch: number; M: number; N: number; K: number; transA: boolean; transB: boolean;
  /** extra elements between batch entries (-1: stride 0, one operand shared by every batch entry) */
  padA: number; padB: number; seed: number;
  /** inputs are uniform in [lo, 1); default -1 */
  lo?: number;
  /** add a random bias (N) to every output row */
  bias?: boolean;
}

function layout(c: Case) {
  const sA = c.padA < 0 ? 0 : c.M * c.K + c.padA, sB = c.padB < 0 ? 0 : c.K * c.N + c.padB;
  const lenA = sA === 0 ? c.M * c.K : sA * c.batch, lenB = sB === 0 ? c.K * c.N : sB * c.batch;
  return { sA, sB, lenA, lenB };
}

/** Runs a case on the WebGPU backend (through `run`, default the backend method) and checks it. */
async function check(c: Case, run?: (be: Awaited<ReturnType<typeof webgpu>>, out: GpuBuf, a: GpuBuf, b: GpuBuf, sA: number, sB: number) => void): Promise<void> {
  const be = await webgpu();
  const { batch, M, N, K, transA, transB } = c;
  const { sA, sB, lenA, lenB } = layout(c);
  const a = randomArray(lenA, c.seed, c.lo ?? -1), b = randomArray(lenB, c.seed + 1, c.lo ?? -1);
  const bias = c.bias ? randomArray(N, c.seed + 2) : null;
  const ga = upload(be, a), gb = upload(be, b), go = upload(be, batch * M * N); // go is NaN-poisoned
  const gbias = bias ? upload(be, bias) : null;
  if (run) run(be, go as GpuBuf, ga as GpuBuf, gb as GpuBuf, sA, sB);
  else be.matmul(go, ga, gb, batch, M, N, K, transA, transB, sA, sB, gbias);
  const got = await be.read(go);
  for (const x of [ga, gb, go, gbias]) if (x) be.free(x);

  const want = new Float64Array(batch * M * N), bound = new Float64Array(batch * M * N);
  cpuMatmul(want, Float64Array.from(a), Float64Array.from(b), batch, M, N, K, transA, transB, sA, sB, bias && Float64Array.from(bias));
  cpuMatmul(bound, Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), batch, M, N, K, transA, transB, sA, sB, bias && Float64Array.from(bias, Math.abs));
  expectDot(got, want, bound, K, JSON.stringify(c));
}

const dim = fc.integer({ min: 1, max: 70 });
const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }), M: dim, N: dim, K: dim,
  transA: fc.boolean(), transB: fc.boolean(),
  padA: fc.constantFrom(-1, 0, 0, 5), padB: fc.constantFrom(-1, 0, 0, 3),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});
const FORMS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe('webgpu matmul', () => {
  it('matches the CPU reference on random shapes, all four transposed forms, batched with strides', async () => {
    await fc.assert(fc.asyncProperty(caseArb, (c) => check(c)), { numRuns: 40 });
  });

  it('matches on larger shapes that are not multiples of any tile', async () => {
    for (const [transA, transB] of FORMS) {
      await check({ batch: 1, M: 130, N: 257, K: 65, transA, transB, padA: 0, padB: 0, seed: 11 });
      await check({ batch: 2, M: 33, N: 129, K: 130, transA, transB, padA: 7, padB: -1, seed: 12 });
    }
  });

  it('matches where B is read as vec4s (N and strideB multiples of 4), tiles partly past N', async () => {
    for (const transA of [false, true]) {
      await check({ batch: 1, M: 37, N: 4, K: 9, transA, transB: false, padA: 0, padB: 0, seed: 14 });
      await check({ batch: 3, M: 5, N: 68, K: 33, transA, transB: false, padA: 1, padB: 8, seed: 15 });
      await check({ batch: 2, M: 70, N: 148, K: 17, transA, transB: false, padA: -1, padB: 0, seed: 16 });
    }
  });

  // A transposed read as vec4s along m (AM_VEC4, the weight gradients' form): each accumulator still
  // takes its fmas one k at a time in k order, so the bits must equal the scalar loads'. M a multiple
  // of 4 (the path's condition) but of no tile, or not (the scalar path), K and N anything.
  it('vec4 loads of a transposed A give the bits of the scalar loads, and match the reference', async () => {
    const be = await webgpu();
    const dim4 = fc.integer({ min: 1, max: 24 }).map((x) => 4 * x);
    const arb = fc.record({
      batch: fc.integer({ min: 1, max: 3 }), M: fc.oneof(dim4, dim4, dim), N: fc.oneof(dim4, dim), K: dim,
      transA: fc.constantFrom(true, true, true, false), transB: fc.boolean(), padA: fc.constantFrom(-1, 0, 4, 8), padB: fc.constantFrom(-1, 0, 4),
      seed: fc.integer({ min: 1, max: 2 ** 30 }), tile: fc.constantFrom(undefined, { TM: 4, TN4: 1, WGX: 8, WGY: 1 }, { TM: 8, TN4: 3, WGX: 8, WGY: 1 }, { TM: 4, TN4: 2, WGX: 16, WGY: 16 }),
      kChunk: fc.constantFrom(Infinity, Infinity, 8),
    });
    let used = 0;
    const one = async ({ tile, kChunk, ...c }: Case & { tile?: MatmulTile; kChunk: number }) => {
      const { sA, sB, lenA, lenB } = layout(c);
      const a = upload(be, randomArray(lenA, c.seed)) as GpuBuf, b = upload(be, randomArray(lenB, c.seed + 1)) as GpuBuf;
      const run = async (vec4A: boolean) => {
        const out = upload(be, c.batch * c.M * c.N) as GpuBuf; // NaN-poisoned
        const constants: Record<string, number>[] = [];
        be.gpu.onDispatch = (sp) => { if (sp.constants) constants.push(sp.constants); };
        gpuMatmul(be.gpu, out, a, b, c.batch, c.M, c.N, c.K, c.transA, c.transB, sA, sB, { tile, kChunk, vec4A });
        be.gpu.onDispatch = null;
        const got = await be.read(out);
        be.free(out);
        return { got, vec4: constants.some((k) => k.AM_VEC4) };
      };
      const scalar = await run(false), vec = await run(true);
      expect(scalar.vec4, 'vec4A: false reads A as scalars').toBe(false);
      if (vec.vec4) used++;
      const what = JSON.stringify({ ...c, tile, kChunk });
      expect(bits(vec.got), what).toEqual(bits(scalar.got));
      await check(c, (_be, out, ga, gb) => gpuMatmul(be.gpu, out, ga, gb, c.batch, c.M, c.N, c.K, c.transA, c.transB, sA, sB, { tile, kChunk }));
      be.free(a); be.free(b);
    };
    await fc.assert(fc.asyncProperty(arb, one), { numRuns: 30 });
    // weight gradients of the base model's shapes (fewer rows) with the engine's tiles
    for (const [M, K, N, transA, transB] of [[96, 200, 384, true, false], [384, 200, 96, true, false], [96, 130, 288, true, false]] as const) {
      await one({ batch: 1, M, N, K, transA, transB, padA: 0, padB: 0, seed: 61, kChunk: Infinity });
    }
    expect(used, 'cases that took the vec4 path').toBeGreaterThan(10);
  }, 240_000);

  it('picks 12 columns per invocation where that pads N less, and fewer rows for tiny grids', () => {
    expect(matmulTile('software', 2016, 96)).toMatchObject({ TM: 32, TN4: 3 });   // 96 columns: one workgroup, no idle lane
    expect(matmulTile('software', 2016, 384)).toMatchObject({ TM: 32, TN4: 4 });  // both fit exactly: keep 16
    expect(matmulTile('software', 96, 96)).toMatchObject({ TM: 16, TN4: 3 });     // 3 workgroups at 32 rows -> 6
    expect(matmulTile('hardware', 2016, 96)).toMatchObject(MATMUL_TILES.hardware);
  });

  it('matches with the shape-aware tiles (12 columns, halved rows), tiles partly past M and N', async () => {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      await check({ batch: 1, M: 96, N: 96, K: 70, transA, transB, padA: 0, padB: 0, seed: 31 });
      await check({ batch: 2, M: 45, N: 37, K: 19, transA, transB, padA: 1, padB: 0, seed: 32 });
      await check({ batch: 1, M: 130, N: 200, K: 5, transA, transB, padA: 0, padB: 1, seed: 33 });
    }
  });

  it('adds a bias to every row in the same dispatch (random shapes, all forms, and with the K loop split)', async () => {
    await fc.assert(fc.asyncProperty(caseArb, (c) => check({ ...c, bias: true })), { numRuns: 15 });
    const c: Case = { batch: 2, M: 7, N: 36, K: 50, transA: false, transB: false, padA: 0, padB: 0, seed: 41, bias: true };
    const gbias = (be: Awaited<ReturnType<typeof webgpu>>) => upload(be, randomArray(c.N, c.seed + 2)) as GpuBuf;
    await check(c, (be, out, a, b, sA, sB) => gpuMatmul(be.gpu, out, a, b, c.batch, c.M, c.N, c.K, false, false, sA, sB, { kChunk: 7, bias: gbias(be) }));
  });

  it('the hardware tile (8x8 per invocation, 16x16 workgroups) also matches, run on this adapter', async () => {
    const hw = (M: number): MatmulTile => ({ ...MATMUL_TILES.hardware, TM: matmulTile('hardware', M).TM });
    await fc.assert(fc.asyncProperty(caseArb, (c) => check(c, (be, out, a, b, sA, sB) =>
      gpuMatmul(be.gpu, out, a, b, c.batch, c.M, c.N, c.K, c.transA, c.transB, sA, sB, { tile: hw(c.M) }))), { numRuns: 12 });
    await check({ batch: 1, M: 200, N: 150, K: 9, transA: false, transB: true, padA: 0, padB: 0, seed: 13 }, (be, out, a, b, sA, sB) =>
      gpuMatmul(be.gpu, out, a, b, 1, 200, 150, 9, false, true, sA, sB, { tile: hw(200) }));
  });

  it('a K split over dispatches accumulates into the output (short slices forced here)', async () => {
    for (const [transA, transB] of FORMS) {
      for (const N of [37, 36]) { // 36: B read as vec4s when not transposed
        const c: Case = { batch: 2, M: 7, N, K: 50, transA, transB, padA: 0, padB: -1, seed: 21 }; // 8-row tiles: quick to compile
        await check(c, (be, out, a, b, sA, sB) => gpuMatmul(be.gpu, out, a, b, c.batch, c.M, c.N, c.K, transA, transB, sA, sB, { kChunk: 7 }));
      }
    }
  });

  it('a K longer than llvmpipe\'s 65535-iteration loop limit is summed in full', async () => {
    // each invocation walks the whole K here; unsplit, llvmpipe drops the terms past the limit. The
    // inputs are positive so that the 4466 dropped terms (~1100) dwarf the bound (~70 at this K),
    // which signed terms, cancelling to ~sqrt(4466), would not
    await check({ batch: 1, M: 3, N: 5, K: 70_001, transA: false, transB: false, padA: 0, padB: 0, seed: 31, lo: 0 });
    await check({ batch: 1, M: 2, N: 3, K: 70_001, transA: true, transB: true, padA: 0, padB: 0, seed: 32, lo: 0 });
  });

  it('folds more than 65535 row blocks of a batch into the y and z dimensions', async () => {
    await check({ batch: 70_000, M: 1, N: 2, K: 3, transA: false, transB: false, padA: 1, padB: -1, seed: 41 });
  });

  it('K = 0 writes zeros; empty outputs dispatch nothing', async () => {
    const be = await webgpu();
    const go = upload(be, 6), ga = upload(be, [0]), gb = upload(be, [0]);
    be.matmul(go, ga, gb, 1, 2, 3, 0, false, false, 0, 0);
    expect(Array.from(await be.read(go))).toEqual([0, 0, 0, 0, 0, 0]);
    be.matmul(go, ga, gb, 1, 0, 3, 4, false, false, 0, 0);
    be.matmul(go, ga, gb, 0, 2, 3, 4, false, false, 0, 0);
    expect(Array.from(await be.read(go))).toEqual([0, 0, 0, 0, 0, 0]);
    for (const x of [go, ga, gb]) be.free(x);
  });
});

// The epilogues replace a kernel each (the unary gelu after the MLP's first Linear, the residual add
// after a projection) and must give exactly that kernel's bits: same f32 operations, same order.
// Random cases run small tiles (a pipeline with the 32 x 16 tile and an epilogue takes 5-15 s to
// compile on llvmpipe, once per machine: Mesa caches it) and the hardware layout (16 x 16
// invocations) with 2 rows; one case each runs the engine's own tile on a base-model shape.
describe('webgpu matmul epilogues', () => {
  // small software tiles, and the hardware tile's shape (16 x 16 invocations: rows also along y)
  const small = fc.oneof(fc.record({ TM: fc.constantFrom(1, 4), TN4: fc.constantFrom(1, 2), WGX: fc.constant(8), WGY: fc.constant(1) }),
    fc.constant({ TM: 2, TN4: 1, WGX: 16, WGY: 16 }));
  const epiArb = fc.record({ c: caseArb, bias: fc.boolean(), kChunk: fc.constantFrom(Infinity, Infinity, 7), inPlace: fc.boolean(), tile: fc.option(small, { nil: undefined, freq: 1 }) })
    .map((e) => ({ ...e, tile: e.tile ?? { TM: 4, TN4: 1, WGX: 8, WGY: 1 } }));
  const base: Case = { batch: 1, M: 200, N: 384, K: 96, transA: false, transB: false, padA: 0, padB: 0, seed: 51 };
  type Be = Awaited<ReturnType<typeof webgpu>>;
    function inputs(be: Be, c: Case, bias: boolean) {
    const { sA, sB, lenA, lenB } = layout(c);
    return { sA, sB, a: upload(be, randomArray(lenA, c.seed)) as GpuBuf, b: upload(be, randomArray(lenB, c.seed + 1)) as GpuBuf,
      bias: bias ? upload(be, randomArray(c.N, c.seed + 2)) as GpuBuf : null, n: c.batch * c.M * c.N };
  }

  it('gelu: out keeps the pre-activation and act = gelu(out), the bits of matmul (+ bias) then the unary gelu', async () => {
    const be = await webgpu();
    const one = async ({ c, bias, kChunk, tile }: { c: Case; bias: boolean; kChunk: number; tile?: MatmulTile }) => {
      const x = inputs(be, c, bias);
      const pre = upload(be, x.n) as GpuBuf, act = upload(be, x.n) as GpuBuf;   // NaN-poisoned
      const out = upload(be, x.n) as GpuBuf, act2 = upload(be, x.n) as GpuBuf;
      gpuMatmul(be.gpu, pre, x.a, x.b, c.batch, c.M, c.N, c.K, c.transA, c.transB, x.sA, x.sB, { bias: x.bias, kChunk, tile });
      be.unary(act, pre, 'gelu', 0);
      gpuMatmul(be.gpu, out, x.a, x.b, c.batch, c.M, c.N, c.K, c.transA, c.transB, x.sA, x.sB, { bias: x.bias, kChunk, tile, gelu: act2 });
      const [p, q, o, r] = await Promise.all([pre, act, out, act2].map((t) => be.read(t)));
      const what = JSON.stringify({ ...c, bias, kChunk, tile });
      expect(bits(o), `${what}: out`).toEqual(bits(p));
      expect(bits(r), `${what}: act`).toEqual(bits(q));
      for (const t of [x.a, x.b, x.bias, pre, act, out, act2]) if (t) be.free(t);
    };
    await fc.assert(fc.asyncProperty(epiArb, one), { numRuns: 25 });
    await one({ c: base, bias: true, kChunk: Infinity }); // the MLP's c_fc shape with the engine's tile
  }, 120_000);

  it('residual: out = residual + (matmul + bias), the bits of the separate add; also in place (out is the residual)', async () => {
    const be = await webgpu();
    const one = async ({ c, bias, kChunk, inPlace, tile }: { c: Case; bias: boolean; kChunk: number; inPlace: boolean; tile?: MatmulTile }) => {
      const x = inputs(be, c, bias);
      const resid = randomArray(x.n, c.seed + 3, -4, 4);
      const y = upload(be, x.n) as GpuBuf, sum = upload(be, x.n), r = upload(be, resid) as GpuBuf;
      gpuMatmul(be.gpu, y, x.a, x.b, c.batch, c.M, c.N, c.K, c.transA, c.transB, x.sA, x.sB, { bias: x.bias, kChunk, tile });
      be.binary(sum, r, y, 'add', [x.n], [1], [1]);
      const out = (inPlace ? upload(be, resid) : upload(be, x.n)) as GpuBuf; // else NaN-poisoned
      const r2 = inPlace ? out : upload(be, resid) as GpuBuf;
      gpuMatmul(be.gpu, out, x.a, x.b, c.batch, c.M, c.N, c.K, c.transA, c.transB, x.sA, x.sB, { bias: x.bias, kChunk, tile, residual: r2 });
      const [want, got] = await Promise.all([be.read(sum), be.read(out)]);
      expect(bits(got), JSON.stringify({ ...c, bias, kChunk, inPlace, tile })).toEqual(bits(want));
      for (const t of new Set([x.a, x.b, x.bias, y, sum, r, out, r2])) if (t) be.free(t);
    };
    await fc.assert(fc.asyncProperty(epiArb, one), { numRuns: 25 });
    await one({ c: { ...base, N: 96, K: 384 }, bias: true, kChunk: Infinity, inPlace: false }); // the MLP's c_proj shape, the engine's tile
  }, 120_000);

  it('geluGrad: out = (product + bias) * gelu\'(pre), the bits of matmul then unary_backward gelu', async () => {
    const be = await webgpu();
    const one = async ({ c, bias, kChunk, inPlace, tile }: { c: Case; bias: boolean; kChunk: number; inPlace: boolean; tile?: MatmulTile }) => {
      const x = inputs(be, c, bias);
      const preData = randomArray(x.n, c.seed + 4, -12, 12); // past |x| = 10 too, where gelu' is exactly 0 or 1
      const pre = upload(be, preData) as GpuBuf, act = upload(be, x.n) as GpuBuf, dout = upload(be, x.n) as GpuBuf, want = upload(be, x.n);
      be.unary(act, pre, 'gelu', 0);
      gpuMatmul(be.gpu, dout, x.a, x.b, c.batch, c.M, c.N, c.K, c.transA, c.transB, x.sA, x.sB, { bias: x.bias, kChunk, tile });
      be.unaryBackward(want, dout, pre, act, 'gelu', 0);
      const out = (inPlace ? upload(be, preData) : upload(be, x.n)) as GpuBuf; // in place: out is pre
      const pre2 = inPlace ? out : upload(be, preData) as GpuBuf;
      gpuMatmul(be.gpu, out, x.a, x.b, c.batch, c.M, c.N, c.K, c.transA, c.transB, x.sA, x.sB, { bias: x.bias, kChunk, tile, geluGrad: pre2 });
      const [w, o] = await Promise.all([be.read(want), be.read(out)]);
      expect(bits(o), JSON.stringify({ ...c, bias, kChunk, inPlace, tile })).toEqual(bits(w));
      for (const t of new Set([x.a, x.b, x.bias, pre, act, dout, want, out, pre2])) if (t) be.free(t);
    };
    await fc.assert(fc.asyncProperty(epiArb, one), { numRuns: 25 });
    await one({ c: { ...base, N: 384, K: 96, transB: true }, bias: false, kChunk: Infinity, inPlace: false }); // dpre = g @ W2^T, the engine's tile
  }, 120_000);

  it('bSum: the sum over k of opB(b) beside the product, the bits of the reduce kernel, in the same dispatch where it can', async () => {
    const be = await webgpu();
    const one = async ({ c, bias, kChunk, tile, uniform }: { c: Case; bias: boolean; kChunk: number; tile?: MatmulTile; uniform: boolean }) => {
      const x = inputs(be, { ...c, batch: 1 }, bias);
      const plain = upload(be, x.n) as GpuBuf, out = upload(be, x.n) as GpuBuf, sum = upload(be, c.N + 3) as GpuBuf, want = upload(be, c.N + 3); // NaN-poisoned
      const args = [1, c.M, c.N, c.K, c.transA, c.transB, x.sA, x.sB] as const;
      gpuMatmul(be.gpu, plain, x.a, x.b, ...args, { bias: x.bias, kChunk, tile, uniform });
      be.reduce(want, x.b, 'sum', c.transB ? c.N : 1, c.K, c.transB ? 1 : c.N);
      const before = be.gpu.dispatchCount;
      gpuMatmul(be.gpu, out, x.a, x.b, ...args, { bias: x.bias, kChunk, tile, bSum: sum, uniform });
      // through uniform windows: a row chunks, b's K slices (uniformPlan); bSum fuses only with one slice
      const t = tile ?? matmulTile('software', c.M, c.N, 1);
      const plan = uniformPlan(c.M, c.N, c.K, 1, c.transA, c.transB, x.a.buffer.size, x.b.buffer.size, t);
      const kStep = Math.min(kChunk, uniform && plan.ub ? plan.kSlice : Infinity), chunks = uniform && plan.ua ? Math.ceil(c.M / plan.rowChunk) : 1;
      const slices = Math.max(1, Math.ceil(c.K / kStep)), fused = !c.transB && slices === 1;
      const what = JSON.stringify({ ...c, batch: 1, bias, kChunk, tile, uniform });
      expect(be.gpu.dispatchCount - before, `${what}: dispatches`).toBe(chunks * slices + (fused ? 0 : 1));
      const [p, o, s2, w] = await Promise.all([plain, out, sum, want].map((t) => be.read(t)));
      expect(bits(o), `${what}: out`).toEqual(bits(p));
      expect(bits(s2), `${what}: bSum (and nothing past N)`).toEqual(bits(w));
      for (const t of [x.a, x.b, x.bias, plain, out, sum, want]) if (t) be.free(t);
    };
    await fc.assert(fc.asyncProperty(epiArb, fc.boolean(), (e, uniform) => one({ ...e, uniform })), { numRuns: 25 });
    for (const uniform of [false, true]) {
      await one({ c: { ...base, M: 96, N: 384, K: 1248, transA: true }, bias: false, kChunk: Infinity, uniform }); // c_fc's dW and dbias, the engine's tile
    }
  }, 120_000);

  it('the CPU reference does the same: its epilogues equal its matmul then gelu or the add', () => {
    fc.assert(fc.property(caseArb, fc.boolean(), (c, bias) => {
      const { sA, sB, lenA, lenB } = layout(c);
      const n = c.batch * c.M * c.N, a = randomArray(lenA, c.seed), b = randomArray(lenB, c.seed + 1);
      const bs = bias ? randomArray(c.N, c.seed + 2) : null, resid = randomArray(n, c.seed + 3);
      const run = (epi: { gelu?: Float32Array; residual?: Float32Array; geluGrad?: Float32Array; bSum?: Float32Array }) => {
        const out = new Float32Array(n).fill(NaN);
        cpuMatmul(out, a, b, c.batch, c.M, c.N, c.K, c.transA, c.transB, sA, sB, bs, epi);
        return out;
      };
      const plain = run({}), act = new Float32Array(n).fill(NaN), pre = run({ gelu: act });
      expect(Array.from(pre)).toEqual(Array.from(plain));
      expect(Array.from(act)).toEqual(Array.from(plain, unaryFn('gelu', 0)).map(Math.fround));
      expect(Array.from(run({ residual: resid }))).toEqual(Array.from(plain, (y, i) => Math.fround(resid[i] + y)));
      const preIn = randomArray(n, c.seed + 4, -12, 12), dgelu = unaryDerivative('gelu', 0);
      expect(Array.from(run({ geluGrad: preIn }))).toEqual(Array.from(plain, (y, i) => Math.fround(y * dgelu(preIn[i], NaN))));
      if (c.batch === 1) {
        const bs = new Float32Array(c.N), want = new Float32Array(c.N);
        expect(Array.from(run({ bSum: bs }))).toEqual(Array.from(plain));
        reduceCpu(want, c.transB ? b.subarray(0, c.N * c.K) : b.subarray(0, c.K * c.N), 'sum', c.transB ? c.N : 1, c.K, c.transB ? 1 : c.N);
        expect(Array.from(bs)).toEqual(Array.from(want));
      }
    }), { numRuns: 20 });
  });

  it('bSum with no rows to compute (M = 0) still sums B', async () => {
    const be = await webgpu();
    const a = upload(be, [0]) as GpuBuf, b = upload(be, [1, 2, 3, 4, 5, 6]) as GpuBuf, out = upload(be, 1) as GpuBuf, sum = upload(be, 3) as GpuBuf;
    gpuMatmul(be.gpu, out, a, b, 1, 0, 3, 2, false, false, 0, 0, { bSum: sum }); // b (2, 3)
    expect(Array.from(await be.read(sum))).toEqual([5, 7, 9]);
  });

  it('says what is wrong with an epilogue buffer', async () => {
    const be = await webgpu();
    const a = upload(be, 6) as GpuBuf, b = upload(be, 6) as GpuBuf, out = upload(be, 4) as GpuBuf;
    expect(() => gpuMatmul(be.gpu, out, a, b, 1, 2, 2, 3, false, false, 0, 0, { gelu: upload(be, 3) as GpuBuf }))
      .toThrow('matmul: gelu holds 3 f32 elements, (1, 2, 2) f32 needs 4');
    expect(() => gpuMatmul(be.gpu, out, a, b, 1, 2, 2, 3, false, false, 0, 0, { gelu: upload(be, 4) as GpuBuf, residual: upload(be, 4) as GpuBuf }))
      .toThrow('one epilogue at a time');
    expect(() => gpuMatmul(be.gpu, out, a, b, 1, 2, 2, 3, false, false, 0, 0, { geluGrad: upload(be, 4) as GpuBuf, residual: upload(be, 4) as GpuBuf }))
      .toThrow('one epilogue at a time');
    expect(() => gpuMatmul(be.gpu, out, a, b, 1, 2, 2, 3, false, false, 0, 0, { gelu: out })).toThrow('the gelu output shares a buffer');
  });
});
