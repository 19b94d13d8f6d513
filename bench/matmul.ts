// Matmul family (llm.c dev/cuda style): out (batch, M, N) = opA(a) @ opB(b) in three versions,
// each validated against the CPU reference before it is timed, then GFLOP/s (2*batch*M*N*K flops).
//   v1 naive       shaders/matmul_naive.wgsl: one output per invocation
//   v2 array tile  shaders/matmul_array_tile.wgsl: a TM x TN register tile held in an array, loops
//   v3 row structs shaders/matmul_forward.wgsl: the same tile as straight-line struct members
//   v4 + vec4      the same with B's 4 neighbouring columns read as one vec4 (where B allows it)
//   v5 + vec4 A    the same with a transposed A (a weight gradient's x^T) read as vec4s of 4 rows
//   v6 windows     the same reading a and b through 64 KiB uniform-buffer windows (row chunks, K
//                  slices: kernels/matmul.ts uniformPlan), where the adapter's storage loads are slow
// plus a sweep of v4's tile and workgroup sizes at the headline shape; 'promoted' is what the engine
// runs (kernels/matmul.ts picks the tile), and the CPU reference is timed at 512^3. Then each
// epilogue (gelu, residual, geluGrad, bSum) on its base-model shape against the separate kernels it
// replaces: checked to give the same bits, then both timed.
// Shapes are written M x K @ K x N as the product sees them; ^T marks an operand stored transposed.
import { benchBackend, report, timeCpu, timeGpu, type BenchOptions } from './common.ts';
import type { WebGpuBackend } from '../src/backend/webgpu.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import { matmulCpu as cpuMatmul, matmul, matmulGrid, matmulTile, MATMUL_TILES, type MatmulTile } from '../kernels/matmul.ts';
import { sourceOf } from '../kernels/lib/source.ts';
import { seeded } from './lib/rows.ts';

interface Shape { batch: number; M: number; N: number; K: number; transA: boolean; transB: boolean; label: string }
const shape = (M: number, K: number, N: number, transA = false, transB = false, batch = 1): Shape => ({
  batch, M, N, K, transA, transB,
  label: `${batch > 1 ? `${batch} x ` : ''}${M}x${K}${transA ? '(^T)' : ''} @ ${K}x${N}${transB ? '(^T)' : ''}`,
});

// 512^3 is the headline; 512 rows of a C=128 transformer: the MLP-sized product, its two backward
// forms (dA = dout @ B^T, dB = A^T @ dout), the qkv projection (C -> 3C), and batched attention
// scores q @ k^T over B*NH = 8 heads of T = 128, HS = 64; then 4 rows through a 512 x 512 weight
const HEADLINE = shape(512, 512, 512);
const SHAPES: Shape[] = [
  HEADLINE,
  shape(512, 128, 512),
  shape(512, 512, 128, false, true),
  shape(128, 512, 512, true, false),
  shape(512, 128, 384),
  shape(128, 64, 128, false, true, 8),
  shape(4, 512, 512), // a few rows, as in generation: the tile's rows shrink to M (matmulTile)
  // the experiment's base model (d96, 1248 packed rows a step): c_fc forward, c_proj's input
  // gradient (B transposed), the weight gradients of c_fc and c_proj (A transposed), the tied output layer
  shape(1248, 96, 384), shape(1248, 96, 384, false, true), shape(96, 1248, 384, true, false), shape(384, 1248, 96, true, false), shape(567, 96, 413, false, true),
];
const QUICK: Shape[] = [HEADLINE, shape(512, 128, 512)];

type Variant = { name: string; record: (be: WebGpuBackend, out: GpuBuf, a: GpuBuf, b: GpuBuf, s: Shape) => void };

/** Element strides of opA(a)[m][k] and opB(b)[k][n], as the shaders take them. */
function strides(s: Shape) {
  return { am: s.transA ? 1 : s.K, ak: s.transA ? s.M : 1, bk: s.transB ? 1 : s.N, bn: s.transB ? s.K : 1 };
}
const sA = (s: Shape) => s.M * s.K, sB = (s: Shape) => s.K * s.N;

function naive(WGX: number, WGY: number): Variant {
  return {
    name: `v1 naive wg${WGX}x${WGY}`,
    record: (be, out, a, b, s) => {
      const { am, ak, bk, bn } = strides(s);
      const rowGroups = Math.ceil((s.batch * s.M) / WGY), z = Math.ceil(rowGroups / 65535);
      be.gpu.dispatch({
        shader: 'matmul_naive', constants: { WGX, WGY }, buffers: [out, a, b],
        uniforms: [s.M, s.N, s.K, s.batch, sA(s), sB(s), am, ak, bk, bn],
        workgroups: [Math.ceil(s.N / WGX), Math.ceil(rowGroups / z), z],
      });
    },
  };
}

function arrayTile(t: MatmulTile): Variant {
  return {
    name: `v2 array ${t.TM}x${4 * t.TN4} wg${t.WGX}x${t.WGY}`,
    record: (be, out, a, b, s) => {
      const { am, ak, bk, bn } = strides(s);
      const { workgroups, rowBlocks } = matmulGrid(s.M, s.N, s.batch, t);
      be.gpu.dispatch({
        shader: 'matmul_array_tile', constants: { TM: t.TM, TN4: t.TN4, WGX: t.WGX, WGY: t.WGY }, buffers: [out, a, b],
        uniforms: [s.M, s.N, s.K, s.batch, sA(s), sB(s), am, ak, bk, bn, rowBlocks, 0], workgroups,
      });
    },
  };
}

function rowStructs(t: MatmulTile, vec4: boolean, vec4A = false, source: 'storage' | 'windows' | 'textures' = 'storage'): Variant {
  const v = source === 'textures' ? 'v7 texture copies' : source === 'windows' ? 'v6 uniform windows' : vec4A ? 'v5 rows+vec4 A' : vec4 ? 'v4 rows+vec4' : 'v3 rows';
  return {
    name: `${v} ${t.TM}x${4 * t.TN4} wg${t.WGX}x${t.WGY}`,
    record: (be, out, a, b, s) => matmul(be.gpu, out, a, b, s.batch, s.M, s.N, s.K, s.transA, s.transB, sA(s), sB(s),
      { tile: t, vec4, vec4A, uniform: source === 'windows', texture: source === 'textures' }),
  };
}

const PROMOTED: Variant = {
  name: 'promoted',
  record: (be, out, a, b, s) => be.matmul(out, a, b, s.batch, s.M, s.N, s.K, s.transA, s.transB, sA(s), sB(s)),
};

/** The v4 tiles swept at the headline shape (TM rows x TN columns per invocation, workgroup). */
function sweep(): MatmulTile[] {
  const out: MatmulTile[] = [];
  for (const [TM, TN] of [[8, 32], [16, 16], [16, 32], [32, 8], [32, 16], [32, 32]]) {
    for (const WGX of [8, 16]) out.push({ TM, TN4: TN / 4, WGX, WGY: 1 });
  }
  // workgroups narrower and wider than the SIMD width, a 2-D workgroup, and the hardware tile
  out.push({ TM: 32, TN4: 4, WGX: 4, WGY: 1 }, { TM: 32, TN4: 4, WGX: 32, WGY: 1 }, { TM: 32, TN4: 4, WGX: 8, WGY: 2 }, { TM: 8, TN4: 2, WGX: 16, WGY: 16 });
  return out;
}

/** Runs `v` once on `s` and throws unless every output is within the f32 error bound of the reference. */
async function validate(be: WebGpuBackend, v: Variant, s: Shape, ref: Ref): Promise<void> {
  be.fill(ref.out, NaN);
  v.record(be, ref.out, ref.a, ref.b, s);
  const got = await be.read(ref.out);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - ref.want[i]) <= ref.tol[i])) {
      throw new Error(`matmul ${v.name} ${s.label}: out[${i}] = ${got[i]}, reference ${ref.want[i]} (tolerance ${ref.tol[i]})`);
    }
  }
}

/** Median ms per call over a few samples of ~150 ms each (dispatch overhead included, as in a step). */
async function time(be: WebGpuBackend, v: Variant, s: Shape, ref: Ref, opts: BenchOptions): Promise<number> {
  const t0 = performance.now();
  v.record(be, ref.out, ref.a, ref.b, s);
  await be.gpu.sync();
  const reps = Math.max(1, Math.min(20, Math.round(150 / (performance.now() - t0))));
  return timeGpu(be, () => v.record(be, ref.out, ref.a, ref.b, s), reps, opts.quick ? 3 : 5);
}

interface Ref { a: GpuBuf; b: GpuBuf; out: GpuBuf; want: Float64Array; tol: Float64Array }

export async function bench(opts: BenchOptions): Promise<void> {
  const be = await benchBackend();
  const kind = be.gpu.dawn.kind;
  for (const s of opts.quick ? QUICK : SHAPES) {
    const lenA = s.batch * sA(s), lenB = s.batch * sB(s), lenO = s.batch * s.M * s.N;
    const a = seeded(lenA, 1), b = seeded(lenB, 2);
    // reference in f64, and per element the f32 dot-product error bound gamma_K * sum|a*b| (+ rounding)
    const want = new Float64Array(lenO), tol = new Float64Array(lenO);
    cpuMatmul(want, Float64Array.from(a), Float64Array.from(b), s.batch, s.M, s.N, s.K, s.transA, s.transB, sA(s), sB(s));
    cpuMatmul(tol, Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), s.batch, s.M, s.N, s.K, s.transA, s.transB, sA(s), sB(s));
    const gamma = (s.K * 2 ** -24) / (1 - s.K * 2 ** -24);
    for (let i = 0; i < lenO; i++) tol[i] = gamma * tol[i] + 2 ** -23 * Math.abs(want[i]) + 1e-30;
    const ga = be.alloc(lenA, 'f32') as GpuBuf, gb = be.alloc(lenB, 'f32') as GpuBuf, go = be.alloc(lenO, 'f32') as GpuBuf;
    be.write(ga, a); be.write(gb, b);
    const ref: Ref = { a: ga, b: gb, out: go, want, tol };

    const picked = matmulTile(kind, s.M, s.N, s.batch);
    const variants: Variant[] = [naive(8, 8)];
    if (!opts.quick) {
      if (s === HEADLINE) variants.push(naive(8, 1), naive(16, 16));
      variants.push(arrayTile({ TM: 16, TN4: 8, WGX: 8, WGY: 1 }));
      variants.push(rowStructs(picked, false));
      for (const t of s === HEADLINE ? sweep() : [picked]) variants.push(rowStructs(t, true));
      if (s.transA) variants.push(rowStructs(picked, true, true));
      variants.push(rowStructs(picked, true, true, 'windows')); // a and b through uniform windows where they fit
      variants.push(rowStructs(picked, true, true, 'textures')); // a and b from texture copies
      if (picked.TM !== MATMUL_TILES[kind].TM) variants.push(rowStructs(MATMUL_TILES[kind], true)); // rows not shrunk
    }
    const win = sourceOf(be.gpu).source === 'storage' ? '' : `+${sourceOf(be.gpu).source}`;
    variants.push({ ...PROMOTED, name: `promoted (${s.transA && s.M % 4 === 0 ? 'v5' : 'v4'}${win} ${picked.TM}x${4 * picked.TN4} wg${picked.WGX}x${picked.WGY})` });
    for (const v of variants) await validate(be, v, s, ref);
    // other processes share the 2 cores: time every variant in each of several rounds, keep each
    // one's fastest round, so a burst of someone else's work does not decide the ranking
    const best = variants.map(() => Infinity);
    for (let round = 0; round < (opts.quick ? 2 : 3); round++) {
      for (let i = 0; i < variants.length; i++) best[i] = Math.min(best[i], await time(be, variants[i], s, ref, opts));
    }
    variants.forEach((v, i) => report({ kernel: 'matmul', variant: v.name, shape: s.label, ms: best[i], gflops: (2 * s.batch * s.M * s.N * s.K) / best[i] / 1e6, backend: 'webgpu', adapter: be.description }, opts));

    if (s === HEADLINE) {
      const cpuOut = new Float32Array(lenO);
      const ms = timeCpu(() => cpuMatmul(cpuOut, a, b, 1, s.M, s.N, s.K, false, false, 0, 0), 1, opts.quick ? 1 : 3);
      report({ kernel: 'matmul', variant: 'cpu reference (kernels/matmul.ts)', shape: s.label, ms, gflops: (2 * s.M * s.N * s.K) / ms / 1e6, backend: 'cpu', adapter: 'TypeScript, one thread' }, opts);
    }
    for (const x of [ga, gb, go]) be.free(x);
  }
  await epilogues(be, opts);
}

// The base model's (d96, 1248 rows) products with an epilogue, fused vs the kernels it replaces
async function epilogues(be: WebGpuBackend, opts: BenchOptions): Promise<void> {
  const R = 1248, C = 96, H = 384;
  const buf = (n: number, seed: number) => { const x = be.alloc(n, 'f32') as GpuBuf; be.write(x, seeded(n, seed)); return x; };
  const cases: { name: string; s: Shape; out: GpuBuf; separate: () => void; fused: () => void }[] = [];
  { const s = shape(R, C, H), x = buf(R * C, 1), w = buf(C * H, 2), bias = buf(H, 3), pre = buf(R * H, 0), act = buf(R * H, 0);
    cases.push({ name: 'gelu (c_fc)', s, out: act,
      separate: () => { matmul(be.gpu, pre, x, w, 1, R, H, C, false, false, 0, 0, { bias }); be.unary(act, pre, 'gelu', 0); },
      fused: () => matmul(be.gpu, pre, x, w, 1, R, H, C, false, false, 0, 0, { bias, gelu: act }) }); }
  { const s = shape(R, H, C), h = buf(R * H, 4), w = buf(H * C, 5), bias = buf(C, 6), res = buf(R * C, 7), y = buf(R * C, 0), out = buf(R * C, 0);
    cases.push({ name: 'residual (mlp c_proj)', s, out,
      separate: () => { matmul(be.gpu, y, h, w, 1, R, C, H, false, false, 0, 0, { bias }); be.binary(out, res, y, 'add', [R * C], [1], [1]); },
      fused: () => matmul(be.gpu, out, h, w, 1, R, C, H, false, false, 0, 0, { bias, residual: res }) }); }
  { const s = shape(R, C, H, false, true), g = buf(R * C, 8), w = buf(H * C, 9), pre = buf(R * H, 10), act = buf(R * H, 0), dh = buf(R * H, 0), out = buf(R * H, 0);
    be.unary(act, pre, 'gelu', 0);
    cases.push({ name: 'geluGrad (mlp backward)', s, out,
      separate: () => { matmul(be.gpu, dh, g, w, 1, R, H, C, false, true, 0, 0); be.unaryBackward(out, dh, pre, act, 'gelu', 0); },
      fused: () => matmul(be.gpu, out, g, w, 1, R, H, C, false, true, 0, 0, { geluGrad: pre }) }); }
  { const s = shape(C, R, H, true), x = buf(R * C, 11), g = buf(R * H, 12), dw = buf(C * H, 0), out = buf(H, 0);
    cases.push({ name: 'bSum (c_fc dW, dbias)', s, out,
      separate: () => { matmul(be.gpu, dw, x, g, 1, C, H, R, true, false, 0, 0); be.reduce(out, g, 'sum', 1, R, H); },
      fused: () => matmul(be.gpu, dw, x, g, 1, C, H, R, true, false, 0, 0, { bSum: out }) }); }
  for (const c of cases) {
    // the output's bits after running f on a NaN-poisoned output
    const run = async (f: () => void) => { be.fill(c.out, NaN); f(); return new Uint32Array(Float32Array.from(await be.read(c.out)).buffer); };
    const want = await run(c.separate), got = await run(c.fused);
    const bad = got.findIndex((x, i) => x !== want[i]);
    if (bad >= 0) throw new Error(`matmul epilogue ${c.name} ${c.s.label}: element ${bad} differs from the separate kernels`);
    const best = [Infinity, Infinity];
    for (let round = 0; round < (opts.quick ? 2 : 4); round++) {
      best[0] = Math.min(best[0], await timeGpu(be, c.separate, 5, opts.quick ? 3 : 5));
      best[1] = Math.min(best[1], await timeGpu(be, c.fused, 5, opts.quick ? 3 : 5));
    }
    const flops = 2 * c.s.M * c.s.N * c.s.K;
    // ' *': what the engine runs (bench/table.ts puts it in docs/bench.md's table)
    ['separate', 'fused *'].forEach((v, i) => report({ kernel: 'matmul', variant: `epilogue ${c.name}: ${v}`, shape: c.s.label, ms: best[i], gflops: flops / best[i] / 1e6, backend: 'webgpu', adapter: be.description }, opts));
  }
}
