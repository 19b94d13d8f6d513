// Parity of the WebGPU element-wise kernels (kernels/elementwise.ts: strided, unary, unaryBackward,
// binary, where) with the CPU reference on f32 buffers, over random shapes (rank 1-5, dims 1-9,
// broadcasting through 0 strides, permuted layouts) with NaN-poisoned outputs.
// Tolerances are stated per kernel, from WGSL's accuracy rules (ULPs of f32, u = 2^-24 the unit roundoff).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BINARY_OPS, UNARY_OPS, type Backend, type UnaryOp } from '../src/runtime/backend.ts';
import { cpu, expectClose, randomArray, upload, webgpu } from './helpers/backends.ts';
import { rng, layout, readAll } from './helpers/layouts.ts';
import { GpuBuf } from '../src/runtime/gpu.ts';

const u = 2 ** -24;
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
const shapeArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 });
const RUNS = { numRuns: 20 };

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

// fill with +0 is a clearBuffer command (no dispatch); any other value, -0 included, the shader
describe('webgpu fill', () => {
  it('writes the value into exactly the buffer\'s elements, +0 without a dispatch, -0 and others with one', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(0, -0, 1, -2.5, NaN), fc.constantFrom('f32', 'i32'), async (n, value, dtype) => {
      if (dtype === 'i32' && !Object.is(value, 0)) return;
      const whole = upload(gpu, n + 7, dtype); // poisoned (NaN or -7); the view below is its first n elements
      const b = new GpuBuf((whole as GpuBuf).buffer, n, dtype);
      const before = gpu.gpu.dispatchCount;
      gpu.fill(b, value);
      expect(gpu.gpu.dispatchCount - before, `fill ${value}`).toBe(Object.is(value, 0) ? 0 : 1);
      const got = await gpu.read(whole);
      for (let i = 0; i < n + 7; i++) {
        const want = i < n ? value : dtype === 'i32' ? -7 : NaN;
        if (!Object.is(got[i], want)) throw new Error(`fill ${value} n=${n} ${dtype}: element ${i} is ${got[i]}, want ${want}`);
      }
    }), { numRuns: 30 });
  });
});
