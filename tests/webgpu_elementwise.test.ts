// Parity of the WebGPU element-wise and small kernels (strided, unary, unaryBackward, binary,
// where, reduce, sumSquares, dropout, adamw) with the CPU reference on f32 buffers, over random
// shapes (rank 1-5, dims 1-9, broadcasting through 0 strides, permuted layouts) with NaN-poisoned
// outputs; plus the runtime turning validation errors into Errors that name the kernel.
// Tolerances are stated per kernel: element-wise ones from WGSL's accuracy rules (ULPs of f32,
// u = 2^-24 the unit roundoff), reduction ones from the longest serial chain of f32 additions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BINARY_OPS, UNARY_OPS, type Backend, type Buf, type UnaryOp } from '../src/backend/backend.ts';
import { cpu, expectClose, randomArray, upload, webgpu } from './helpers/backends.ts';
import { pickReduce, reduce, rowsWg, sumSquares as gpuSumSquares, sumSquaresLanes, type ReduceVariant } from '../kernels/reduce.ts';
import type { GpuBuf } from '../src/backend/gpu.ts';
import { adamwMany as gpuAdamwMany, type AdamwItem } from '../kernels/adamw.ts';

const u = 2 ** -24;
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
const shapeArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 });
const RUNS = { numRuns: 20 };

/** xorshift stream for the layout choices a test derives from one fast-check seed. */
function rng(seed: number): (k: number) => number {
  let s = (seed >>> 0) || 1;
  return (k) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % k; };
}

/**
 * Strides for an operand of `shape` laid out contiguously in a random dim order, with each dim
 * broadcast (stride 0) with probability 1/3 when `broadcast`. Returns the strides and the
 * number of elements the operand's buffer must hold.
 */
function layout(shape: number[], r: (k: number) => number, broadcast: boolean): { strides: number[]; size: number } {
  const order = shape.map((_, d) => d);
  for (let i = order.length - 1; i > 0; i--) { const j = r(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  const strides = new Array<number>(shape.length).fill(0);
  let size = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    const d = order[k];
    if (broadcast && r(3) === 0) continue;
    strides[d] = size;
    size *= shape[d];
  }
  return { strides, size };
}

async function readAll(be: Backend, bufs: Buf[]): Promise<ArrayLike<number>[]> {
  const out = await Promise.all(bufs.map((b) => be.read(b)));
  bufs.forEach((b) => be.free(b));
  return out;
}

describe('webgpu strided', () => {
  // out (padded, permuted, offset) <- inp (permuted, broadcast, offset): exact bit copies
  async function check(dtype: 'f32' | 'i32', shape: number[], seed: number): Promise<void> {
    const gpu = await webgpu();
    const r = rng(seed);
    const src = layout(shape, r, true);
    const inOffset = r(4);
    const pads = shape.map(() => r(3));
    const padded = shape.map((s, d) => s + pads[d]);
    const dst = layout(padded, r, false);
    const outOffset = r(3) + padded.reduce((acc, _, d) => acc + r(pads[d] + 1) * dst.strides[d], 0);
    const outLen = r(3) + dst.size + outOffset;
    const inData = dtype === 'f32'
      ? randomArray(inOffset + src.size, seed)
      // i32 values whose bits are f32 NaNs (-1 = 0xffffffff) and large magnitudes must survive
      : Int32Array.from({ length: inOffset + src.size }, (_, i) => (i % 3 === 0 ? -1 - i : (i * 2654435761) | 0));
    const results = [];
    for (const be of [cpu, gpu] as Backend[]) {
      const out = upload(be, outLen, dtype), inp = upload(be, inData, dtype);
      be.strided(out, dst.strides, outOffset, inp, src.strides, inOffset, shape);
      results.push((await readAll(be, [out, inp]))[0]);
    }
    expectClose(results[1], results[0], 0, 0, `strided ${dtype} (${shape})`);
    if (dtype === 'i32') expect(Array.from(results[1])).toEqual(Array.from(results[0]));
  }

  it('matches the CPU on f32 with broadcast, permutation, padding and offsets; unaddressed stays poisoned', async () => {
    await fc.assert(fc.asyncProperty(shapeArb, seedArb, (s, seed) => check('f32', s, seed)), RUNS);
  });

  it('copies i32 bits exactly (one u32 pipeline for every 4-byte dtype)', async () => {
    await fc.assert(fc.asyncProperty(shapeArb, seedArb, (s, seed) => check('i32', s, seed)), { numRuns: 10 });
  });

  it('walks 8 unmergeable dims, merges 12 contiguous ones, and names the kernel above 8', async () => {
    await check('f32', [], 3); // rank 0: one element
    const gpu = await webgpu();
    // 12 dims that merge into one (plain contiguous copy)
    const shape12 = new Array<number>(12).fill(2);
    const contig = shape12.map((_, d) => 2 ** (11 - d));
    const inp = upload(gpu, randomArray(4096, 5)), out = upload(gpu, 4096);
    gpu.strided(out, contig, 0, inp, contig, 0, shape12);
    expectClose(await gpu.read(out), await gpu.read(inp), 0, 0, 'strided 12 dims');
    // 9 dims, reversed on the input side: nothing merges
    const shape9 = new Array<number>(9).fill(2);
    const fwd = shape9.map((_, d) => 2 ** (8 - d)), rev = shape9.map((_, d) => 2 ** d);
    expect(() => gpu.strided(out, fwd, 0, inp, rev, 0, shape9)).toThrow(/strided: .* 9 dims .* at most 8/);
    gpu.free(inp); gpu.free(out);
    // 8 dims reversed (a full transpose): nothing merges, the shader walks all 8, as the CPU does
    const shape8 = [2, 3, 2, 3, 2, 2, 3, 2];
    const n8 = shape8.reduce((x, y) => x * y, 1);
    const fwd8 = shape8.map((_, d) => shape8.slice(d + 1).reduce((x, y) => x * y, 1));
    const rev8 = shape8.map((_, d) => shape8.slice(0, d).reduce((x, y) => x * y, 1));
    const data8 = randomArray(n8, 6), res = [];
    for (const be of [cpu, gpu] as Backend[]) {
      const o = upload(be, n8), i = upload(be, data8);
      be.strided(o, fwd8, 0, i, rev8, 0, shape8);
      res.push((await readAll(be, [o, i]))[0]);
    }
    expectClose(res[1], res[0], 0, 0, 'strided 8 dims transposed');
  });
});

// Inputs in each op's domain, and tolerances (atol, rtol) against the CPU's f64-evaluated,
// f32-rounded results, counted in u: the CPU's rounding (1), one per GPU f32 operation (the
// backward's dout * f' adds one), and WGSL's accuracy rules (1 ULP <= 2u): exp 3 + 2|x| ULP, log
// 3 ULP (2^-21 absolute on [0.5, 2]), sqrt 4.5 ULP (1 / inverseSqrt), division 2.5 ULP, pow as
// exp2(a log2 x). tanh/gelu are ours, built on exp(-2|u|): its 3 + 4|u| ULP matter where the value
// is not already under atol (|u| <= ~3), so ~30 ULP. The backward is fed the CPU's forward output.
const LN2 = Math.LN2;
/** Non-integer pow on x in [lo, hi] (lo > 0), L = max |log2 x|: exp2's (3 + 2|a|L) ULP, log2's 3 ULP
 * scaled by ln2 |a| L, the product's rounding ln2 |a| L u, and the CPU's u. */
const powTol = (a: number, lo: number, hi: number) => {
  const L = Math.max(Math.abs(Math.log2(lo)), Math.abs(Math.log2(hi)));
  return (2 * (3 + 2 * Math.abs(a) * L) + LN2 * Math.abs(a) * 6 * L + LN2 * Math.abs(a) * L + 1) * u;
};
const UNARY_CASES: { op: UnaryOp; alpha: number; lo: number; hi: number; tol: [number, number]; btol: [number, number] }[] = [
  { op: 'neg', alpha: 0, lo: -4, hi: 4, tol: [0, 0], btol: [0, 0] },
  { op: 'exp', alpha: 0, lo: -4, hi: 4, tol: [0, 2 * 11 * u + u], btol: [0, 2 * u] },
  { op: 'log', alpha: 0, lo: 0.05, hi: 4, tol: [2 ** -21, 6 * u + u], btol: [0, 5 * u + 2 * u] },
  { op: 'sqrt', alpha: 0, lo: 0, hi: 4, tol: [0, 9 * u + u], btol: [0, 5 * u + 2 * u] },
  // backward 1 - y^2: y^2's rounding is absolute (<= u), the rest relative
  { op: 'tanh', alpha: 0, lo: -6, hi: 6, tol: [u, 60 * u], btol: [u, 3 * u] },
  { op: 'relu', alpha: 0, lo: -4, hi: 4, tol: [0, 0], btol: [0, 0] },
  { op: 'gelu', alpha: 0, lo: -6, hi: 6, tol: [4 * u, 64 * u], btol: [8 * u, 64 * u] },
  // integer exponents multiply: k=2 one rounding (as the CPU), k=3 two, k=-2 x^2 then 1/r (5u)
  { op: 'pow', alpha: 2, lo: -4, hi: 4, tol: [0, 0], btol: [0, 2 * u] },
  { op: 'pow', alpha: 3, lo: -4, hi: 4, tol: [0, 3 * u], btol: [0, 4 * u] },
  { op: 'pow', alpha: -2, lo: -4, hi: 4, tol: [0, 7 * u], btol: [0, 9 * u] },
  { op: 'pow', alpha: 0.5, lo: 0.05, hi: 4, tol: [0, powTol(0.5, 0.05, 4)], btol: [0, powTol(-0.5, 0.05, 4) + 2 * u] },
  { op: 'pow', alpha: 1.7, lo: 0.05, hi: 4, tol: [0, powTol(1.7, 0.05, 4)], btol: [0, powTol(0.7, 0.05, 4) + 2 * u] },
  // the GPU's alpha is f32(alpha): u|alpha| more on the product / sum
  { op: 'mulScalar', alpha: 0.3, lo: -4, hi: 4, tol: [0, 3 * u], btol: [0, 3 * u] },
  { op: 'addScalar', alpha: -0.3, lo: -4, hi: 4, tol: [0.3 * u, 2 * u], btol: [0, 0] },
];

describe('webgpu unary', () => {
  it('covers every op in UNARY_OPS', () => {
    expect(new Set(UNARY_CASES.map((c) => c.op))).toEqual(new Set(UNARY_OPS));
  });

  for (const c of UNARY_CASES) {
    it(`${c.op}(${c.alpha}) forward and backward match the CPU`, async () => {
      const gpu = await webgpu();
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), seedArb, async (n, seed) => {
        const x = randomArray(n, seed, c.lo, c.hi);
        const dout = randomArray(n, seed + 1);
        // forward
        const cx = upload(cpu, x), cy = upload(cpu, n);
        cpu.unary(cy, cx, c.op, c.alpha);
        const want = cpu.readSync(cy);
        const gx = upload(gpu, x), gy = upload(gpu, n);
        gpu.unary(gy, gx, c.op, c.alpha);
        // backward, both fed the CPU's forward output so only the derivative is compared
        const cd = upload(cpu, n);
        cpu.unaryBackward(cd, upload(cpu, dout), cx, cy, c.op, c.alpha);
        const gyRef = upload(gpu, want), gdout = upload(gpu, dout), gd = upload(gpu, n);
        gpu.unaryBackward(gd, gdout, gx, gyRef, c.op, c.alpha);
        const [got, dgot] = await readAll(gpu, [gy, gd, gx, gyRef, gdout]);
        expectClose(got, want, c.tol[0], c.tol[1], `unary ${c.op} n=${n}`);
        expectClose(dgot, cpu.readSync(cd), c.btol[0], c.btol[1], `unaryBackward ${c.op} n=${n}`);
      }), { numRuns: 15 });
    });
  }

  it('tanh and gelu stay finite and saturate for huge |x|; pow follows Math.pow on signs and zeros', async () => {
    const gpu = await webgpu();
    const big = [100, -100, 1e30, -1e30, 3e38, -3e38];
    for (const op of ['tanh', 'gelu'] as const) {
      const x = upload(gpu, big), y = upload(gpu, big.length), d = upload(gpu, big.length);
      gpu.unary(y, x, op, 0);
      gpu.unaryBackward(d, upload(gpu, new Array(big.length).fill(1)), x, y, op, 0);
      const want = op === 'tanh' ? [1, -1, 1, -1, 1, -1] : [100, -0, 1e30, -0, 3e38, -0];
      expectClose(await gpu.read(y), Float32Array.from(want), 0, 0, op);
      if (op === 'gelu') expect(Array.from(await gpu.read(d))).toEqual([1, 0, 1, 0, 1, 0]);
    }
    const xs = [-2, -0, 0, -3, 2, 0.5];
    for (const a of [3, -1, 4, -3, 0.5, 0, 65, 2.5]) {
      const x = upload(gpu, xs), y = upload(gpu, xs.length);
      gpu.unary(y, x, 'pow', a);
      const tol = Number.isInteger(a) && Math.abs(a) <= 64 ? 7 * u : powTol(a, 0.5, 3);
      expectClose(await gpu.read(y), Float32Array.from(xs, (v) => Math.pow(v, a)), 0, tol, `pow ${a}`);
    }
  });

  it('runs in place (out is inp): the input is copied first', async () => {
    const gpu = await webgpu();
    const x = randomArray(777, 9);
    const g = upload(gpu, x), c = upload(cpu, x);
    gpu.unary(g, g, 'mulScalar', 3); cpu.unary(c, c, 'mulScalar', 3);
    expectClose(await gpu.read(g), cpu.readSync(c), 0, 2 * u, 'in-place mulScalar');
  });
});

describe('webgpu binary and where', () => {
  it('binary matches the CPU for every op with broadcast and permuted operands', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(shapeArb, seedArb, fc.constantFrom(...BINARY_OPS), async (shape, seed, op) => {
      const r = rng(seed);
      const la = layout(shape, r, true), lb = layout(shape, r, true);
      const n = shape.reduce((a, b) => a * b, 1);
      // eq/gt need ties: small integers
      const gen = (len: number, s: number) => (op === 'eq' || op === 'gt'
        ? Float32Array.from(randomArray(len, s, -2, 3), Math.floor) : randomArray(len, s));
      const a = gen(la.size, seed + 1), b = gen(lb.size, seed + 2);
      const res = [];
      for (const be of [cpu, gpu] as Backend[]) {
        const out = upload(be, n), ba = upload(be, a), bb = upload(be, b);
        be.binary(out, ba, bb, op, shape, la.strides, lb.strides);
        res.push((await readAll(be, [out, ba, bb]))[0]);
      }
      // add/sub/mul are correctly rounded in both; div may be 2.5 ULP in WGSL, + the CPU's u
      expectClose(res[1], res[0], 0, op === 'div' ? 6 * u : 0, `binary ${op} (${shape})`);
    }), { numRuns: 30 });
  });

  it('binary runs in place (out is a) and with a and b the same buffer', async () => {
    const gpu = await webgpu();
    const x = randomArray(300, 4);
    const g = upload(gpu, x), c = upload(cpu, x);
    gpu.binary(g, g, g, 'mul', [300], [1], [1]); cpu.binary(c, c, c, 'mul', [300], [1], [1]);
    expectClose(await gpu.read(g), cpu.readSync(c), 0, 0, 'in-place x*x');
  });

  it('where matches the CPU with f32 and i32 conditions, broadcast everywhere', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(shapeArb, seedArb, fc.constantFrom('f32' as const, 'i32' as const), async (shape, seed, cdt) => {
      const r = rng(seed);
      const lc = layout(shape, r, true), la = layout(shape, r, true), lb = layout(shape, r, true);
      const n = shape.reduce((x, y) => x * y, 1);
      // -0 is zero for an f32 condition; NaN-looking i32 bits (-1) are nonzero
      const picks = cdt === 'f32' ? [0, -0, 1, 2.5, -1] : [0, 1, -1, -3];
      const cond = Array.from({ length: lc.size }, () => picks[r(picks.length)]);
      const a = randomArray(la.size, seed + 1), b = randomArray(lb.size, seed + 2, 5, 6);
      const res = [];
      for (const be of [cpu, gpu] as Backend[]) {
        const out = upload(be, n), bc = upload(be, cond, cdt), ba = upload(be, a), bb = upload(be, b);
        be.where(out, bc, ba, bb, shape, lc.strides, la.strides, lb.strides);
        res.push((await readAll(be, [out, bc, ba, bb]))[0]);
      }
      expectClose(res[1], res[0], 0, 0, `where ${cdt} (${shape})`);
    }), RUNS);
  });
});

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

  // up to 8 inputs share a dispatch; the sums must not depend on how they are grouped
  it('sumSquares gives the same bits with 8 inputs per dispatch as with one each', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 19 }), fc.integer({ min: 1, max: 8 }), seedArb, async (sizes, per, seed) => {
      const inps = sizes.map((n, i) => upload(gpu, randomArray(n, seed + i, -2, 2)));
      const one = upload(gpu, sizes.length), grouped = upload(gpu, sizes.length);
      gpuSumSquares(gpu.gpu, one as GpuBuf, inps as GpuBuf[], 1);
      gpuSumSquares(gpu.gpu, grouped as GpuBuf, inps as GpuBuf[], per);
      const [a, b] = await readAll(gpu, [one, grouped, ...inps]);
      expect(Array.from(b)).toEqual(Array.from(a));
    }), RUNS);
  }, 60_000);
});

describe('webgpu dropout and adamw', () => {
  it('dropout draws exactly the CPU mask', async () => {
    const gpu = await webgpu();
    const pArb = fc.oneof(fc.constantFrom(0, 0.1, 0.5, 0.9, 1), fc.double({ min: 0, max: 0.99, noNaN: true }));
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), pArb, fc.integer({ min: 0, max: 0xffffffff }), async (n, p, seed) => {
      const x = randomArray(n, seed + 1, 0.5, 1.5); // nonzero: a zero output means dropped
      const res = [];
      for (const be of [cpu, gpu] as Backend[]) {
        const out = upload(be, n), inp = upload(be, x);
        be.dropout(out, inp, p, seed);
        res.push((await readAll(be, [out, inp]))[0]);
      }
      const [want, got] = res;
      for (let i = 0; i < n; i++) {
        if ((want[i] === 0) !== (got[i] === 0)) throw new Error(`dropout p=${p} seed=${seed}: element ${i} kept on one backend only`);
      }
      // scale is f32(1 / (1 - p)) on the GPU: its rounding, the product's and the CPU's
      expectClose(got, want, 0, 3 * u, `dropout p=${p}`);
    }), { numRuns: 30 });
  });

  // Each step starts both backends from the CPU's state, so each bound covers one step. In f64,
  // from the state before the step: m' = b1 m + (1 - b1) g may cancel, so its error is bounded by
  // 3u (|b1 m| + |(1 - b1) g|) (+ u for f32(b1)), not relative to m'; v' adds positive terms (4u
  // relative); the step r = mhat / (sqrt(vhat) + eps) inherits m's error over c1 (sqrt(vhat) + eps)
  // plus ~8 roundings relative, and param' = p - lr (r + wd p) two more.
  it('adamw matches the CPU step by step, within per-element rounding bounds', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), seedArb, fc.integer({ min: 1, max: 1000 }),
      fc.constantFrom(0, 0.01, 0.1), async (n, seed, step0, wd) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        let p: ArrayLike<number> = randomArray(n, seed), m: ArrayLike<number> = new Float32Array(n), v: ArrayLike<number> = new Float32Array(n);
        for (let s = 0; s < 3; s++) {
          const step = step0 + s, c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
          const grad = randomArray(n, seed + 7 * s + 1, -0.1, 0.1);
          const c = { p: upload(cpu, p), m: upload(cpu, m), v: upload(cpu, v) };
          const g = { p: upload(gpu, p), m: upload(gpu, m), v: upload(gpu, v), grad: upload(gpu, grad) };
          cpu.adamw(c.p, upload(cpu, grad), c.m, c.v, lr, b1, b2, eps, wd, step);
          gpu.adamw(g.p, g.grad, g.m, g.v, lr, b1, b2, eps, wd, step);
          const [gp, gm, gv] = await readAll(gpu, [g.p, g.m, g.v, g.grad]);
          const cp = cpu.readSync(c.p), cm = cpu.readSync(c.m), cv = cpu.readSync(c.v);
          for (let i = 0; i < n; i++) {
            const dm = 4 * u * (Math.abs(b1 * m[i]) + Math.abs((1 - b1) * grad[i]));
            const den = Math.sqrt(cv[i] / c2) + eps, r = Math.abs(cm[i] / c1) / den;
            const dp = lr * (dm / c1 / den + 8 * u * r + 3 * u * wd * Math.abs(p[i])) + 2 * u * Math.abs(cp[i]);
            const where = `adamw step ${step} n=${n} element ${i}`;
            if (!(Math.abs(gm[i] - cm[i]) <= dm)) throw new Error(`${where}: m ${gm[i]} vs ${cm[i]} (bound ${dm})`);
            if (!(Math.abs(gv[i] - cv[i]) <= 4 * u * cv[i])) throw new Error(`${where}: v ${gv[i]} vs ${cv[i]}`);
            if (!(Math.abs(gp[i] - cp[i]) <= dp)) throw new Error(`${where}: param ${gp[i]} vs ${cp[i]} (bound ${dp})`);
          }
          p = cp; m = cm; v = cv;
        }
      }), RUNS);
  });

  // the clip factor is computed on the device from a squared-norm buffer: it must scale exactly when
  // the norm is over maxNorm (torch's clip_grad_norm_) and leave the gradient alone otherwise
  it('adamw with clipping equals adamw on the clipped gradient', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), seedArb, fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.constantFrom(0, 0.5, 1, 4), async (n, seed, normSq, maxNorm) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01, step = 3;
        const p0 = randomArray(n, seed), grad = randomArray(n, seed + 1, -0.1, 0.1);
        const norm = Math.sqrt(Math.fround(normSq));
        const s = maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
        const scaled = Float32Array.from(grad, (g) => g * s);
        const out = [];
        for (const be of [cpu, gpu] as Backend[]) {
          const a = { p: upload(be, p0), m: upload(be, new Float32Array(n)), v: upload(be, new Float32Array(n)) };
          const b = { p: upload(be, p0), m: upload(be, new Float32Array(n)), v: upload(be, new Float32Array(n)) };
          const g = upload(be, grad), gs = upload(be, scaled), nsq = upload(be, [normSq]);
          be.adamw(a.p, g, a.m, a.v, lr, b1, b2, eps, wd, step, { normSq: nsq, maxNorm });
          be.adamw(b.p, gs, b.m, b.v, lr, b1, b2, eps, wd, step);
          const [ap, am, bp, bm] = await readAll(be, [a.p, a.m, b.p, b.m, a.v, b.v, g, gs, nsq]);
          out.push({ ap, am, bp, bm });
        }
        for (const o of out) {
          // s in f32 on the GPU (sqrt and divide, a few ulps) and the rounding of g * s are all that differ
          expectClose(o.am, o.bm, 0, 8 * u, `adamw clip n=${n} normSq=${normSq} maxNorm=${maxNorm}: m`);
          expectClose(o.ap, o.bp, 1e-9, 4 * u, `adamw clip n=${n} normSq=${normSq} maxNorm=${maxNorm}: param`);
        }
      }), RUNS);
  });
});

describe('webgpu adamw over several parameters per dispatch', () => {
  // the batched call must change nothing but the dispatch count: any grouping gives the bits of one
  // parameter per dispatch (and, with clipping, each parameter's own weight decay)
  it('adamwMany with 1, 2 or 3 parameters per dispatch equals one adamw per parameter, bit for bit', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }),
      seedArb, fc.boolean(), async (sizes, slots, seed, clipped) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.95, eps = 1e-2, step = 4;
        const state = (be: Backend) => sizes.map((n, i) => ({
          param: upload(be, randomArray(n, seed + 10 * i)), grad: upload(be, randomArray(n, seed + 10 * i + 1, -0.3, 0.3)),
          m: upload(be, randomArray(n, seed + 10 * i + 2, -0.01, 0.01)), v: upload(be, randomArray(n, seed + 10 * i + 3, 0, 0.01)),
          weightDecay: i % 2 ? 0.1 : 0,
        }));
        const nsq = upload(gpu, [clipped ? 9 : 0.25]);
        const clip = { normSq: nsq, maxNorm: 1 };
        const one = state(gpu), many = state(gpu);
        for (const it of one) gpu.adamw(it.param, it.grad, it.m, it.v, lr, b1, b2, eps, it.weightDecay, step, clip);
        gpuAdamwMany(gpu.gpu, many as unknown as AdamwItem[], lr, b1, b2, eps, step, clip as { normSq: GpuBuf; maxNorm: number }, { slots });
        const bufs = (xs: typeof one) => xs.flatMap((x) => [x.param, x.m, x.v]);
        const a = await readAll(gpu, [...bufs(one), ...one.map((x) => x.grad)]);
        const b = await readAll(gpu, [...bufs(many), ...many.map((x) => x.grad), nsq]);
        a.forEach((x, i) => expect(Array.from(b[i]), `buffer ${i} of ${a.length} (sizes ${sizes}, ${slots} per dispatch)`).toEqual(Array.from(x)));
      }), RUNS);
  });
});

describe('webgpu validation errors', () => {
  it('a workgroup over the device limit rejects at sync, naming the shader', async () => {
    const gpu = await webgpu();
    const out = upload(gpu, 4);
    gpu.gpu.dispatch({ shader: 'test_invalid', buffers: [out], workgroups: [1] });
    await expect(gpu.gpu.sync()).rejects.toThrow(/test_invalid/);
    gpu.free(out);
  });

  it('a missing uniform binding rejects at sync, naming the kernel; the device keeps working', async () => {
    const gpu = await webgpu();
    const a = upload(gpu, [1, 2, 3]), b = upload(gpu, 3);
    gpu.gpu.dispatch({ shader: 'unary', constants: { WG: 256 }, buffers: [b, a], workgroups: [1] });
    await expect(gpu.gpu.sync()).rejects.toThrow(/unary/);
    gpu.unary(b, a, 'neg', 0);
    expect(Array.from(await gpu.read(b))).toEqual([-1, -2, -3]);
  });
});
