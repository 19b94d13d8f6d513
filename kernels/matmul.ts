// matmul: the CPU reference and the WebGPU binding of shaders/matmul_forward.wgsl (matmul_naive and
// matmul_array_tile are bench/matmul.ts's earlier versions).

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { DawnDevice } from '../src/runtime/dawn.ts';
import type { F } from './lib/util.ts';
import { SOFTWARE_LOOP_LIMIT } from './lib/rows.ts';
import { unaliased } from './lib/alias.ts';
import { unaryDerivative, unaryFn } from './elementwise.ts';
import { reduce, useRows } from './reduce.ts';
import { sourceByDefault } from './lib/source.ts';

// CPU reference matmul: batched, with the transposed forms the backward needs.
// Accumulates in float64 whatever the storage type, so it is the numerical truth for f32 too.
// Loop order i-k-j over contiguous rows of opB(b), four output rows at a time so each loaded
// element of b feeds four multiply-adds (the JIT keeps a0..a3 in registers).

// out (batch, M, N) = opA(a) (M, K) @ opB(b) (K, N)
// a is (M, K), or (K, M) if transA; b is (K, N), or (N, K) if transB; strides 0 = shared;
// bias (N) or null, added to each row after the sum is stored (rounded) as a separate add would be;
// then the epilogue, as the separate kernels would: act (batch, M, N) = gelu(out), or out =
// residual (batch, M, N) + out, or out = out * gelu'(geluGrad (batch, M, N)); bSum (N) = the sum
// over k of opB(b) (batch 1), in k order
export function matmulCpu(out: F, a: F, b: F, batch: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, strideA: number, strideB: number, bias: F | null = null,
  epilogue: { gelu?: F; residual?: F; geluGrad?: F; bSum?: F } = {}): void {
  const dgelu = epilogue.geluGrad ? unaryDerivative('gelu', 0) : null;
  if (epilogue.bSum) {
    const bs = epilogue.bSum;
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += b[transB ? n * K + k : k * N + n];
      bs[n] = acc;
    }
  }
  const gelu = epilogue.gelu ? unaryFn('gelu', 0) : null;
  const acc = new Float64Array(4 * N);
  const bt = transB ? new Float64Array(K * N) : null; // opB(b) as (K, N) row-major
  const am = transA ? 1 : K, ak = transA ? M : 1;   // element strides of opA(a)[m][k]
  for (let p = 0; p < batch; p++) {
    const ao = p * strideA, oo = p * M * N;
    let bb: F | Float64Array = b, bo = p * strideB;
    if (bt) {
      if (p === 0 || strideB !== 0) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) bt[k * N + n] = b[bo + n * K + k];
      bb = bt; bo = 0;
    }
    for (let m0 = 0; m0 < M; m0 += 4) {
      const rows = Math.min(4, M - m0);
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const a0 = a[ao + m0 * am + k * ak];
        const a1 = rows > 1 ? a[ao + (m0 + 1) * am + k * ak] : 0;
        const a2 = rows > 2 ? a[ao + (m0 + 2) * am + k * ak] : 0;
        const a3 = rows > 3 ? a[ao + (m0 + 3) * am + k * ak] : 0;
        const bk = bo + k * N;
        for (let n = 0; n < N; n++) {
          const bv = bb[bk + n];
          acc[n] += a0 * bv;
          acc[N + n] += a1 * bv;
          acc[2 * N + n] += a2 * bv;
          acc[3 * N + n] += a3 * bv;
        }
      }
      for (let r = 0; r < rows; r++) {
        const o = oo + (m0 + r) * N;
        for (let n = 0; n < N; n++) out[o + n] = acc[r * N + n];
        if (bias) for (let n = 0; n < N; n++) out[o + n] += bias[n];
        if (epilogue.residual) for (let n = 0; n < N; n++) out[o + n] = epilogue.residual[o + n] + out[o + n];
        if (gelu) for (let n = 0; n < N; n++) epilogue.gelu![o + n] = gelu(out[o + n]);
        if (dgelu) for (let n = 0; n < N; n++) out[o + n] = out[o + n] * dgelu(epilogue.geluGrad![o + n], NaN);
      }
    }
  }
}

// Binding spec of shaders/matmul_forward.wgsl: the register tile picked per adapter and shape, the
// transposed forms as element strides, the batch folded into the dispatch, and the K loop split
// into slices short enough for llvmpipe's loop limit.
type Kind = DawnDevice['kind'];

/** One invocation computes TM rows x 4*TN4 columns; a workgroup is WGX x WGY invocations. */
export interface MatmulTile { TM: number; TN4: number; WGX: number; WGY: number }

/**
 * Software (llvmpipe): a workgroup of 8 is one 256-bit SIMD bundle; lanes run along N so the A
 * loads are the same for every lane (one scalar load) and only the B loads are per-lane gathers;
 * 32 x 16 per invocation keeps each gathered B value busy for 32 FMAs. bench/matmul.ts sweep at
 * 512^3 (bench/NOTES.md): 16x16, 16x32 and 32x16 tie at the top (~35 GFLOP/s with 2 free cores),
 * 32x32 spills, 32x8 has too few columns per A load; workgroups of 8, 16, 32 tie, 4 loses.
 * Hardware: 8 x 8 per invocation and 16 x 16 invocations cover 128 x 128 outputs per workgroup, a
 * common register-blocked shape; neighbouring lanes read neighbouring B columns and share A rows.
 * Not measured on a GPU (none in this project's sessions), only checked for parity on llvmpipe.
 */
export const MATMUL_TILES: Record<Kind, MatmulTile> = {
  software: { TM: 32, TN4: 4, WGX: 8, WGY: 1 },
  hardware: { TM: 8, TN4: 2, WGX: 16, WGY: 16 },
};

/**
 * The tile for an (M, N) output. Rows per invocation never exceed M rounded up to a power of two:
 * small M wastes no FMAs. On the software adapter two more adjustments, measured on the GPT's skinny
 * shapes (K or N = 96, 288, 384; .scratch sweeps quoted in bench/NOTES.md "shape-aware tile"):
 * - 12 columns per invocation (TN4 = 3) instead of 16 when that pads N less: a workgroup then covers
 *   96 columns, so N = 96 or 288 leaves no idle lanes (16 columns: a quarter of them idle), +20-35%.
 * - rows halve (down to 8) while the grid has fewer than 4 workgroups: a weight gradient such as
 *   (96 x 96) over 2016 rows made 3 workgroups for 2 cores; 6 keep both busy.
 */
export function matmulTile(kind: Kind, M: number, N?: number, batch = 1): MatmulTile {
  const t = MATMUL_TILES[kind];
  let TM = 1;
  while (TM < t.TM && TM < M) TM *= 2;
  if (kind !== 'software' || N === undefined) return { ...t, TM };
  const padded = (tn4: number) => Math.ceil(N / (4 * tn4 * t.WGX)) * 4 * tn4 * t.WGX - N;
  const TN4 = padded(3) < padded(t.TN4) ? 3 : t.TN4;
  const groups = (tm: number) => Math.ceil(N / (4 * TN4 * t.WGX)) * Math.ceil(M / (tm * t.WGY)) * batch;
  while (TM > 8 && groups(TM) < 4) TM /= 2;
  return { ...t, TM, TN4 };
}

/**
 * The longest K slice one dispatch may walk. llvmpipe silently leaves a loop after 65535
 * iterations of an invocation (kernels/lib/rows.ts); the shader's only loop is over K, so
 * slices of half that leave a margin. A hardware GPU has no such limit.
 */
export function matmulKChunk(kind: Kind): number {
  return kind === 'software' ? Math.floor(SOFTWARE_LOOP_LIMIT / 2) : Infinity;
}

/** Workgroups for a tile: x over N, the (row block, batch) pairs folded over y and z. */
export function matmulGrid(M: number, N: number, batch: number, t: MatmulTile): { workgroups: [number, number, number]; rowBlocks: number } {
  const rowBlocks = Math.ceil(M / (t.TM * t.WGY));
  const blocks = rowBlocks * batch;
  const z = Math.ceil(blocks / 65535);
  return { workgroups: [Math.ceil(N / (4 * t.TN4 * t.WGX)), Math.ceil(blocks / z), z], rowBlocks };
}

/** A uniform window's size in elements: the shader's `array<vec4<f32>, 4096>` (64 KiB). */
export const UNIFORM_WINDOW = 16384;
/** The shortest K slice of b, and the fewest rows of a, worth a window (uniformPlan). */
const MIN_SLICE = 128, MIN_ROWS = 128;
/** Bytes a uniform window's offset is aligned to (WebGPU's minUniformBufferOffsetAlignment, at most 256). */
const WINDOW_ALIGN = 256;

/**
 * Which operands a dispatch reads through 64 KiB uniform windows (shader UA / UB) and the chunks
 * that makes: a (not transposed) in row chunks of at least MIN_ROWS whole rows, b (not transposed) whole or in K
 * slices of at least MIN_SLICE whole rows, b transposed only when all of it fits one window. Batch 1 only, and only buffers of
 * at least a window (pool buffers are powers of two, so any operand over 32 KiB). Each window
 * leaves 64 elements of slack for its start, aligned down to 256 bytes.
 */
export interface UniformPlan { ua: boolean; ub: boolean; rowChunk: number; kSlice: number }
export function uniformPlan(M: number, N: number, K: number, batch: number, transA: boolean, transB: boolean,
  aBytes: number, bBytes: number, tile: MatmulTile): UniformPlan {
  const W = UNIFORM_WINDOW - WINDOW_ALIGN / 4, rows = tile.TM * tile.WGY, big = UNIFORM_WINDOW * 4;
  if (batch !== 1) return { ua: false, ub: false, rowChunk: Infinity, kSlice: Infinity };
  // a in row chunks only where a chunk is tall: each chunk is a dispatch, and at K = 288 or 384
  // (32-64 rows a chunk) those cost more than the cheaper loads save (bench/NOTES.md)
  const rowChunk = Math.floor(W / K / rows) * rows;
  const ua = !transA && aBytes >= big && rowChunk >= MIN_ROWS;
  // b in K slices only where a slice is long: each later slice first reloads its partial sums from
  // out (a storage read per output), which costs more than short slices save (bench/NOTES.md)
  const kSlice = transB ? Infinity : Math.floor(W / N);
  const ub = bBytes >= big && (transB ? N * K <= W : kSlice >= K || kSlice >= MIN_SLICE);
  return { ua, ub, rowChunk: ua ? rowChunk : Infinity, kSlice: ub ? kSlice : Infinity };
}

/** The byte offset of a window whose first element read is `first`: aligned down, and inside the buffer. */
function windowAt(first: number, bufferBytes: number): number {
  return Math.min(Math.floor((first * 4) / WINDOW_ALIGN) * WINDOW_ALIGN, bufferBytes - UNIFORM_WINDOW * 4);
}

const windowPlaceholders = new WeakMap<Gpu, GpuBuf>();
/** A window-sized buffer bound where a dispatch reads no window (WGSL counts every binding as used). */
function windowPlaceholder(gpu: Gpu): GpuBuf {
  let x = windowPlaceholders.get(gpu);
  if (!x) { x = gpu.alloc(UNIFORM_WINDOW, 'f32'); windowPlaceholders.set(gpu, x); }
  return x;
}

/** What the engine picks, overridable by tests and benchmarks. */
export interface MatmulOptions {
  /**
   * Read a and b through uniform windows where they fit (uniformPlan): true / false for both, or
   * per operand; default: sourceByDefault is 'windows'.
   */
  uniform?: boolean | { a: boolean; b: boolean };
  /**
   * Read a and b from flat texture copies (gpu.ts copyToTexture, one copy of each per call) instead
   * of storage or windows: true / false for both, or per operand; default: sourceByDefault is 'textures'.
   */
  texture?: boolean | { a: boolean; b: boolean };
  tile?: MatmulTile;
  /** Longest K slice per dispatch (default matmulKChunk). */
  kChunk?: number;
  /** false: never use the vec4 B loads and output stores, even where the layouts allow them. */
  vec4?: boolean;
  /**
   * false: never read A as vec4s (along m when transposed, AM_VEC4; along k with textures, AK_VEC4;
   * the same bits, tests compare them).
   */
  vec4A?: boolean;
  /** true: read A (not transposed) as vec4s along k from storage or windows too (default: with textures only). */
  vec4K?: boolean;
  /** (N) added to every output row after the sum over k (in the last K slice). */
  bias?: GpuBuf | null;
  /** (batch, M, N): gets gelu(out) as well, in the last K slice (out keeps the pre-activation). */
  gelu?: GpuBuf | null;
  /** (batch, M, N): out = residual + (product + bias), in the last K slice. */
  residual?: GpuBuf | null;
  /** (batch, M, N), a GELU's input: out = (product + bias) * gelu'(geluGrad), in the last K slice. */
  geluGrad?: GpuBuf | null;
  /**
   * (N) = the sum over k of opB(b) (batch 1): a Linear's bias gradient beside dW = x^T @ g. In the
   * kernel when reduce.ts would sum it serially and K is one slice (the same adds in the same
   * order), else by the reduce kernel after.
   */
  bSum?: GpuBuf | null;
}

// out (batch, M, N) = opA(a) (M, K) @ opB(b) (K, N); a is (M, K) or (K, M) if transA, b is (K, N)
// or (N, K) if transB; batch entries of a and b are strideA / strideB elements apart (0 = shared)
export function matmul(gpu: Gpu, out: GpuBuf, a: GpuBuf, b: GpuBuf, batch: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, strideA: number, strideB: number, opts: MatmulOptions = {}): void {
  const tile = opts.tile ?? matmulTile(gpu.dawn.kind, M, N, batch);
  const kChunk = opts.kChunk ?? matmulKChunk(gpu.dawn.kind);
  if (batch === 0 || M === 0 || N === 0) {
    if (opts.bSum && batch === 1 && N > 0) reduce(gpu, opts.bSum, b, 'sum', transB ? N : 1, K, transB ? 1 : N); // no product, still a sum
    return;
  }
  if (out.dtype !== 'f32' || a.dtype !== 'f32' || b.dtype !== 'f32') {
    throw new Error(`matmul: f32 buffers only, got out ${out.dtype}, a ${a.dtype}, b ${b.dtype}`);
  }
  if (out.length < batch * M * N) throw new Error(`matmul: out holds ${out.length} elements, (${batch}, ${M}, ${N}) needs ${batch * M * N}`);
  // element strides of opA(a)[m][k] and opB(b)[k][n], as in matmulCpu above
  const am = transA ? 1 : K, ak = transA ? M : 1;
  const bk = transB ? 1 : N, bn = transB ? K : 1;
  const act = opts.gelu ?? null;
  if ([act, opts.residual, opts.geluGrad].filter(Boolean).length > 1) throw new Error('matmul: one epilogue at a time (gelu, residual or geluGrad)');
  for (const [name, e] of [['gelu', act], ['residual', opts.residual], ['geluGrad', opts.geluGrad]] as const) {
    if (e && (e.dtype !== 'f32' || e.length < batch * M * N)) throw new Error(`matmul: ${name} holds ${e.length} ${e.dtype} elements, (${batch}, ${M}, ${N}) f32 needs ${batch * M * N}`);
  }
  if (act && [out, a, b, opts.bias].some((x) => x?.buffer === act.buffer)) throw new Error('matmul: the gelu output shares a buffer with out or an input');
  const bs = opts.bSum ?? null;
  if (bs) {
    if (batch !== 1) throw new Error(`matmul: bSum needs batch 1, got ${batch}`);
    if (bs.dtype !== 'f32' || bs.length < N) throw new Error(`matmul: bSum holds ${bs.length} ${bs.dtype} elements, N = ${N} f32 needed`);
    if ([out, a, b, opts.bias, opts.residual, opts.geluGrad, act].some((x) => x?.buffer === bs.buffer)) throw new Error('matmul: bSum shares a buffer with out, an input or the gelu output');
  }
  const { inputs: [ua, ub, ubias, uaux], release } = unaliased(gpu, out, [a, b, opts.bias ?? a, opts.residual ?? opts.geluGrad ?? a]);
  // uniform windows (uniformPlan): row chunks of a, K slices of b; one chunk and the K slices of
  // matmulKChunk otherwise
  const plan = uniformPlan(M, N, K, batch, transA, transB, ua.buffer.size, ub.buffer.size, tile);
  // either option given: the other is off; neither: the device's source
  const source = opts.uniform === undefined && opts.texture === undefined ? sourceByDefault(gpu) : 'storage';
  const use = opts.uniform ?? source === 'windows';
  if (typeof use === 'boolean' ? !use : !use.a) plan.ua = false;
  if (typeof use === 'boolean' ? !use : !use.b) plan.ub = false;
  // texture copies (null where one would not fit the adapter's texture size): the elements the product reads
  const tex = opts.texture ?? source === 'textures';
  const ta = (typeof tex === 'boolean' ? tex : tex.a) ? gpu.copyToTexture(ua, Math.min(ua.length, (batch - 1) * strideA + M * K)) : null;
  const tb = (typeof tex === 'boolean' ? tex : tex.b) ? gpu.copyToTexture(ub, Math.min(ub.length, (batch - 1) * strideB + K * N)) : null;
  if (ta) { plan.ua = false; plan.rowChunk = Infinity; }
  if (tb) { plan.ub = false; plan.kSlice = Infinity; }
  const kStep = Math.min(kChunk, plan.ub ? plan.kSlice : Infinity), mStep = plan.ua ? plan.rowChunk : M;
  const fuseSum = bs !== null && !transB && K <= kStep && !useRows(gpu.dawn.kind, 1, K, N);
  // WGSL counts the bias, act, aux and bsum bindings as used even behind false overrides:
  // placeholders fill them then, a for the read-only ones, a buffer of its own for each writable
  // one (WebGPU refuses a buffer bound writable twice, or writable and read-only)
  const bias = opts.bias ? ubias : null, aux = opts.residual || opts.geluGrad ? uaux : null;
  // the epilogue's aux (residual or pre-activation) from a copy too, where stores are vec4s
  const tAux = (ta || tb) && aux && opts.vec4 !== false && N % 4 === 0 ? gpu.copyToTexture(aux, batch * M * N) : null;
  const spare: GpuBuf[] = [];
  const placeholder = () => { const x = gpu.alloc(1, 'f32'); spare.push(x); return x; };
  const actBuf = act ?? placeholder(), sumBuf = fuseSum ? bs : placeholder();
  // vec4 loads of B need 4 contiguous, 4-aligned columns (pool buffers are multiples of 256 bytes)
  const bVec4 = opts.vec4 !== false && !transB && N % 4 === 0 && (batch === 1 || strideB % 4 === 0);
  // vec4 stores (and bias reads) need every output row 4-aligned: N % 4 == 0
  const outVec4 = opts.vec4 !== false && N % 4 === 0;
  // A transposed (contiguous along m) as vec4s of 4 rows: M % 4 == 0 and tiles of whole groups of 4 rows
  const amVec4 = opts.vec4A !== false && transA && M % 4 === 0 && tile.TM % 4 === 0 && (batch === 1 || strideA % 4 === 0);
  const spareWindow = windowPlaceholder(gpu);
  for (let m0 = 0; m0 === 0 || m0 < M; m0 += mStep) {
    const Mc = Math.min(mStep, M - m0);
    const { workgroups, rowBlocks } = matmulGrid(Mc, N, batch, tile);
    // K = 0 still runs one slice: it writes the zeros of an empty sum
    for (let k0 = 0; k0 === 0 || k0 < K; k0 += kStep) {
      const Kc = Math.min(kStep, K - k0), last = k0 + kStep >= K;
      // A (not transposed) as vec4s along k, four k a step: every row and slice start 4-aligned
      const akVec4 = (ta !== null || opts.vec4K === true) && opts.vec4A !== false && !transA && K % 4 === 0 && Kc % 4 === 0 && k0 % 4 === 0 && (batch === 1 || strideA % 4 === 0);
      // and b transposed from its copy, a column's four k in one texel
      const bkVec4 = akVec4 && tb !== null && transB && opts.vec4 !== false && (batch === 1 || strideB % 4 === 0);
      // the windows start at or before the first element each reads: a's row m0 at k0, b's row k0 (or column k0)
      const aWin = plan.ua ? windowAt(m0 * am + k0 * ak, ua.buffer.size) : 0;
      const bWin = plan.ub ? windowAt(k0 * bk, ub.buffer.size) : 0;
      const win = { offset: 0, size: UNIFORM_WINDOW * 4 };
      gpu.dispatch({
        shader: 'matmul_forward',
        constants: { TM: tile.TM, TN4: tile.TN4, WGX: tile.WGX, WGY: tile.WGY, ACCUMULATE: k0 > 0 ? 1 : 0, B_VEC4: bVec4 ? 1 : 0, BIAS: bias && last ? 1 : 0, OUT_VEC4: outVec4 ? 1 : 0,
          GELU_OUT: act && last ? 1 : 0, RESIDUAL: opts.residual && last ? 1 : 0, GELU_GRAD: opts.geluGrad && last ? 1 : 0, B_SUM: fuseSum ? 1 : 0, AM_VEC4: amVec4 ? 1 : 0,
          UA: plan.ua ? 1 : 0, UB: plan.ub ? 1 : 0, TA: ta ? 1 : 0, TB: tb ? 1 : 0, AK_VEC4: akVec4 ? 1 : 0, BK_VEC4: bkVec4 ? 1 : 0, TAUX: tAux && last ? 1 : 0 },
        // b and bias twice: as f32s and as vec4s (a too), then a's and b's uniform windows
        buffers: [out, ua, ub, ub, bias ?? ua, bias ?? ua, actBuf, aux ?? ua, sumBuf, ua, plan.ua ? ua : spareWindow, plan.ub ? ub : spareWindow],
        ranges: [, , , , , , , , , , { ...win, offset: aWin }, { ...win, offset: bWin }],
        uniforms: [M, N, Kc, batch, strideA, strideB, am, ak, bk, bn, rowBlocks, k0, m0, aWin / 4, bWin / 4, 0],
        textures: [ta ?? gpu.placeholderTexture(), tb ?? gpu.placeholderTexture(), tAux ?? gpu.placeholderTexture()],
        workgroups,
      });
    }
  }
  if (bs && !fuseSum) reduce(gpu, bs, ub, 'sum', transB ? N : 1, K, transB ? 1 : N); // ub: b as it was, should out be b
  release();
  for (const x of spare) gpu.free(x);
  if (ta) gpu.freeTexture(ta);
  if (tb) gpu.freeTexture(tb);
  if (tAux) gpu.freeTexture(tAux);
}
