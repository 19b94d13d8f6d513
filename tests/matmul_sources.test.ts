// Where matmul reads its operands (kernels/matmul.ts OperandSource): storage bindings, 64 KiB
// uniform windows, or texture copies. Every source gives the storage reads' bits (the same fma per k
// in k order), on shapes that are no multiple of any tile, windows or texture rows, with the
// epilogues, K slices and batches; and the reference's values. The choice between them is checked
// against the rule it states.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomArray, upload, webgpu } from './helpers/backends.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import { TEXTURE_WIDTH } from '../src/runtime/gpu.ts';
import { matmulCpu as cpuMatmul, matmul as gpuMatmul, matmulTile, uniformPlan, UNIFORM_WINDOW, type MatmulOptions, type MatmulTile } from '../kernels/matmul.ts';
import { measureLoadCosts, chooseSource, setSource, sourceByDefault, sourceFor, sourceOf, TEXTURE_GAIN_THRESHOLD, WINDOW_GAIN_THRESHOLD } from '../kernels/lib/source.ts';
import { expectDot } from './helpers/dot.ts';

const bits = (x: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(x).buffer));

// The uniform windows (shader UA / UB, kernels/matmul.ts uniformPlan): operands over 32 KiB, so the
// pool gives them buffers of at least a window, in row chunks and K slices that are no multiple of
// anything. The same bits as the storage reads, every form and epilogue, and the reference's values.
describe('webgpu matmul through uniform windows', () => {
  const big = fc.record({
    // K <= 127 mostly: a's windows need row chunks of >= 128 rows (uniformPlan)
    M: fc.integer({ min: 300, max: 600 }), N: fc.integer({ min: 40, max: 300 }),
    K: fc.oneof({ arbitrary: fc.integer({ min: 30, max: 127 }), weight: 3 }, { arbitrary: fc.integer({ min: 128, max: 260 }), weight: 1 }),
    transA: fc.boolean(), transB: fc.boolean(), seed: fc.integer({ min: 1, max: 2 ** 30 }),
    epi: fc.constantFrom('none', 'bias', 'gelu', 'residual', 'geluGrad'),
    // small tiles (large ones take seconds to compile per override set); the engine's tile below
    tile: fc.constantFrom<MatmulTile>({ TM: 4, TN4: 1, WGX: 8, WGY: 1 }, { TM: 8, TN4: 2, WGX: 8, WGY: 2 }),
  });
  type Big = { M: number; N: number; K: number; transA: boolean; transB: boolean; seed: number; epi: string; tile?: MatmulTile };
  it('gives the storage reads\' bits on large random shapes, all forms and epilogues, and matches the reference', async () => {
    const be = await webgpu();
    let used = 0;
    const one = async ({ M, N, K, transA, transB, seed, epi, tile }: Big) => {
      const n = M * N, a = randomArray(M * K, seed), b = randomArray(K * N, seed + 1), bias = randomArray(N, seed + 2), aux = randomArray(n, seed + 3, -3, 3);
      const [ga, gb, gbias, gaux] = [a, b, bias, aux].map((x) => upload(be, x) as GpuBuf);
      const run = (uniform: boolean) => {
        const out = upload(be, n) as GpuBuf, act = upload(be, n) as GpuBuf; // NaN-poisoned
        gpuMatmul(be.gpu, out, ga, gb, 1, M, N, K, transA, transB, 0, 0, {
          uniform, tile, bias: epi === 'none' ? null : gbias,
          ...(epi === 'gelu' ? { gelu: act } : epi === 'residual' ? { residual: gaux } : epi === 'geluGrad' ? { geluGrad: gaux } : {}),
        });
        return [out, act];
      };
      const plan = uniformPlan(M, N, K, 1, transA, transB, ga.buffer.size, gb.buffer.size, tile ?? matmulTile('software', M, N, 1));
      if (plan.ua || plan.ub) used++;
      const [[so, sa], [uo, ua]] = [run(false), run(true)];
      const [s1, s2, u1, u2] = await Promise.all([so, sa, uo, ua].map((x) => be.read(x)));
      const what = JSON.stringify({ M, N, K, transA, transB, seed, epi, tile, plan });
      expect(bits(u1), `${what}: out`).toEqual(bits(s1));
      if (epi === 'gelu') expect(bits(u2), `${what}: act`).toEqual(bits(s2));
      if (epi === 'none') {
        const want = new Float64Array(n), bound = new Float64Array(n);
        cpuMatmul(want, Float64Array.from(a), Float64Array.from(b), 1, M, N, K, transA, transB, 0, 0);
        cpuMatmul(bound, Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), 1, M, N, K, transA, transB, 0, 0);
        expectDot(u1, want, bound, K, what);
      }
      for (const x of [ga, gb, gbias, gaux, so, sa, uo, ua]) be.free(x);
    };
    await fc.assert(fc.asyncProperty(big, one), { numRuns: 16 });
    // the base model's shapes with the engine's tile: c_fc forward (a in 8 row chunks, b too wide
    // for slices of 128 rows), its input gradient (K = 384: no window, the storage path), attn
    // c_proj's dA (both windows)
    await one({ M: 1248, N: 384, K: 96, transA: false, transB: false, seed: 3, epi: 'gelu' });
    await one({ M: 1248, N: 96, K: 384, transA: false, transB: true, seed: 4, epi: 'geluGrad' });
    await one({ M: 1248, N: 96, K: 96, transA: false, transB: true, seed: 5, epi: 'none' });
    expect(used, 'cases that read through a window (2 of them fixed; fewer than 4 has odds ~5e-5)').toBeGreaterThanOrEqual(4);
  }, 600_000);

  it('plans windows only where they fit: batch 1, buffers of a window, chunks and slices within it', () => {
    const t = { TM: 32, TN4: 4, WGX: 8, WGY: 1 }, W = UNIFORM_WINDOW * 4;
    expect(uniformPlan(1248, 384, 96, 1, false, false, 2 * W, 4 * W, t)).toEqual({ ua: true, ub: false, rowChunk: 160, kSlice: Infinity }); // slices of 42: too short
    expect(uniformPlan(1248, 96, 96, 1, false, false, 2 * W, W, t)).toEqual({ ua: true, ub: true, rowChunk: 160, kSlice: 170 }); // b whole
    expect(uniformPlan(96, 96, 1248, 1, true, false, 8 * W, 8 * W, t)).toEqual({ ua: false, ub: true, rowChunk: Infinity, kSlice: 170 }); // dW: 8 slices of 170
    expect(uniformPlan(1248, 384, 96, 2, false, false, 2 * W, 4 * W, t).ua).toBe(false); // batched
    expect(uniformPlan(1248, 384, 96, 1, true, false, 2 * W, 4 * W, t).ua).toBe(false); // a transposed
    expect(uniformPlan(1248, 96, 384, 1, false, false, 4 * W, 4 * W, t).ua).toBe(false); // K = 384: chunks of 32 rows, too short
    expect(uniformPlan(1248, 384, 96, 1, false, false, W / 2, W / 2, t)).toMatchObject({ ua: false, ub: false }); // buffers under a window
    expect(uniformPlan(1248, 384, 96, 1, false, true, 2 * W, 4 * W, t).ub).toBe(false); // b transposed, 384 x 96 > a window
    expect(uniformPlan(1248, 96, 96, 1, false, true, 2 * W, W, t).ub).toBe(true);
    expect(uniformPlan(64, 20000, 8, 1, false, false, W, 8 * W, t).ub).toBe(false); // one row of b is past a window
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (M, N, K) => {
      const p = uniformPlan(M, N, K, 1, false, false, 64 * W, 64 * W, t);
      if (p.ua) expect(p.rowChunk * K).toBeLessThanOrEqual(UNIFORM_WINDOW - 64);
      if (p.ua) expect(p.rowChunk % 32).toBe(0);
      if (p.ua) expect(p.rowChunk).toBeGreaterThanOrEqual(128);
      if (p.ub) expect(p.kSlice * N).toBeLessThanOrEqual(UNIFORM_WINDOW - 64);
      if (p.ub) expect(p.kSlice >= K || p.kSlice >= 128).toBe(true);
    }));
  });
});

// Texture copies (shader TA / TB, AK_VEC4; gpu.ts copyToTexture): operands of up to ~3 texture rows
// (4096 texels = 16384 elements a row) with a partial last row, batches with padded and shared
// operands, K slices of any length (AK_VEC4 only where every slice is 4-aligned).
describe('webgpu matmul from texture copies', () => {
  const arb = fc.record({
    batch: fc.integer({ min: 1, max: 3 }), M: fc.integer({ min: 1, max: 300 }), N: fc.integer({ min: 1, max: 200 }),
    K: fc.oneof(fc.integer({ min: 1, max: 160 }), fc.integer({ min: 1, max: 40 }).map((k) => 4 * k)),
    transA: fc.boolean(), transB: fc.boolean(), padA: fc.constantFrom(-1, 0, 0, 4, 5), padB: fc.constantFrom(-1, 0, 0, 3, 8),
    kChunk: fc.constantFrom(Infinity, Infinity, 8, 13, 64), seed: fc.integer({ min: 1, max: 2 ** 30 }),
    epi: fc.constantFrom('none', 'bias', 'gelu', 'residual', 'geluGrad'),
    // small tiles: the engine's compiles for ~30 s cold with scalar epilogue stores (N % 4 != 0); it runs below on the model's shapes
    tile: fc.constantFrom<MatmulTile | undefined>({ TM: 4, TN4: 1, WGX: 8, WGY: 1 }, { TM: 8, TN4: 2, WGX: 8, WGY: 2 }),
    // besides both operands from textures (A as vec4s where it can): one of them only, or no vec4 A reads
    other: fc.constantFrom<MatmulOptions>({ texture: { a: true, b: false } }, { texture: { a: false, b: true } }, { texture: true, vec4A: false }),
  });
  type Case = typeof arb extends fc.Arbitrary<infer T> ? T : never;
  const run = async (c: Case) => {
    const be = await webgpu();
    const { batch, M, N, K, transA, transB, epi, kChunk, tile, other } = c;
    const sA = c.padA < 0 ? 0 : M * K + c.padA, sB = c.padB < 0 ? 0 : K * N + c.padB;
    const a = randomArray(sA === 0 ? M * K : sA * batch, c.seed), b = randomArray(sB === 0 ? K * N : sB * batch, c.seed + 1);
    const n = batch * M * N, bias = randomArray(N, c.seed + 2), aux = randomArray(n, c.seed + 3, -3, 3);
    const [ga, gb, gbias, gaux] = [a, b, bias, aux].map((x) => upload(be, x) as GpuBuf);
    const one = (o: MatmulOptions) => {
      const out = upload(be, n) as GpuBuf, act = upload(be, n) as GpuBuf; // NaN-poisoned
      gpuMatmul(be.gpu, out, ga, gb, batch, M, N, K, transA, transB, sA, sB, {
        ...o, tile, kChunk, bias: epi === 'none' ? null : gbias,
        ...(epi === 'gelu' ? { gelu: act } : epi === 'residual' ? { residual: gaux } : epi === 'geluGrad' ? { geluGrad: gaux } : {}),
      });
      return [out, act];
    };
    const runs = [one({ uniform: false }), one({ texture: true }), one(other)];
    const got = await Promise.all(runs.map(async ([o, x]) => [await be.read(o), await be.read(x)]));
    const what = JSON.stringify(c);
    for (let i = 1; i < runs.length; i++) {
      expect(bits(got[i][0]), `${what}: out, variant ${i}`).toEqual(bits(got[0][0]));
      if (epi === 'gelu') expect(bits(got[i][1]), `${what}: act, variant ${i}`).toEqual(bits(got[0][1]));
    }
    if (epi === 'none') {
      const want = new Float64Array(n), bound = new Float64Array(n);
      cpuMatmul(want, Float64Array.from(a), Float64Array.from(b), batch, M, N, K, transA, transB, sA, sB);
      cpuMatmul(bound, Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), batch, M, N, K, transA, transB, sA, sB);
      expectDot(got[1][0], want, bound, K, what);
    }
    for (const x of [ga, gb, gbias, gaux, ...runs.flat()]) be.free(x);
  };

  it('gives the storage reads\' bits on random shapes, all forms, epilogues, batches and K slices, and matches the reference', async () => {
    await fc.assert(fc.asyncProperty(arb, run), { numRuns: 20 });
    // past one texture row (16384 elements) with a partial last one, K % 4 == 0 (AK_VEC4), the engine's tile
    await run({ batch: 1, M: 1248, N: 96, K: 384, transA: false, transB: false, padA: 0, padB: 0, kChunk: Infinity, seed: 7, epi: 'residual', tile: undefined, other: { texture: { a: true, b: false } } });
    await run({ batch: 1, M: 1248, N: 384, K: 96, transA: false, transB: true, padA: 0, padB: 0, kChunk: Infinity, seed: 8, epi: 'gelu', tile: undefined, other: { texture: { a: false, b: true } } });
    await run({ batch: 1, M: 96, N: 384, K: 1247, transA: true, transB: false, padA: 0, padB: 0, kChunk: Infinity, seed: 9, epi: 'none', tile: undefined, other: { texture: true, vec4A: false } });
    // N % 4 == 0 here: the engine's tile with scalar stores (N % 4 != 0) compiles for ~30 s cold per
    // variant, six variants with the K slices (175 s of a cold CI); the random cases above cover it
    await run({ batch: 2, M: 301, N: 76, K: 132, transA: false, transB: false, padA: 4, padB: -1, kChunk: 64, seed: 10, epi: 'bias', tile: undefined, other: { texture: true, vec4A: false } });
  }, 600_000);

  it('copyToTexture lays out every element where the shader reads it, past the first texture row, tail included', async () => {
    const be = await webgpu();
    // a (M, K) @ identity: out = a, each element read through its texel; M*K > 2 texture rows, not a multiple of 4
    const M = 2 * TEXTURE_WIDTH + 3, K = 9, a = randomArray(M * K, 5), eye = new Float32Array(K * K);
    for (let i = 0; i < K; i++) eye[i * K + i] = 1;
    const ga = upload(be, a) as GpuBuf, gb = upload(be, eye) as GpuBuf, out = upload(be, M * K) as GpuBuf;
    gpuMatmul(be.gpu, out, ga, gb, 1, M, K, K, false, false, 0, 0, { texture: true });
    expect(bits(await be.read(out))).toEqual(bits(a));
  });
});

describe('where matmul reads its operands', () => {
  it('the rule: textures where storage loads cost >= TEXTURE_GAIN_THRESHOLD texel fetches, else windows at >= WINDOW_GAIN_THRESHOLD uniform loads', () => {
    fc.assert(fc.property(fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), (storage, uniform, texture) => {
      const s = sourceFor({ storage, uniform, texture });
      expect(s).toBe(storage >= TEXTURE_GAIN_THRESHOLD * texture ? 'textures' : storage >= WINDOW_GAIN_THRESHOLD * uniform ? 'windows' : 'storage');
    }));
  });

  it('the probe measures finite costs; the backend chooses by them unless INOCULUM_MATMUL_SOURCE says', async () => {
    const be = await webgpu();
    const c = await measureLoadCosts(be.gpu);
    for (const v of [c.storage, c.uniform, c.texture]) { expect(v).toBeGreaterThan(0); expect(Number.isFinite(v)).toBe(true); }
    const env = process.env.INOCULUM_MATMUL_SOURCE;
    const was = sourceOf(be.gpu);
    if (!env) expect(was.source).toBe(sourceFor(was.costs!));
    try {
      setSource(be.gpu, { source: 'windows', costs: null });
      process.env.INOCULUM_MATMUL_SOURCE = 'textures';
      expect(sourceByDefault(be.gpu)).toBe('textures');
      expect((await chooseSource(be.gpu)).source).toBe('textures');
      process.env.INOCULUM_MATMUL_SOURCE = 'texture';
      expect(() => sourceByDefault(be.gpu)).toThrow("INOCULUM_MATMUL_SOURCE must be one of storage, windows, textures, got 'texture'");
      delete process.env.INOCULUM_MATMUL_SOURCE;
      setSource(be.gpu, { source: 'windows', costs: null });
      expect(sourceByDefault(be.gpu)).toBe('windows');
    } finally {
      setSource(be.gpu, was);
      if (env === undefined) delete process.env.INOCULUM_MATMUL_SOURCE; else process.env.INOCULUM_MATMUL_SOURCE = env;
    }
  });
});
