// The one contract between the differentiable ops (src/ops) and the machines that run them.
// A backend owns flat buffers and runs kernels on them; it knows shapes only as the dimensions
// each kernel is handed, and knows nothing of autograd (tinygrad's op/backend split, burn's layering).
// Every kernel is named as in llm.c: outputs first, `d`-prefixed gradients, dimensions last.
// Each kernel's CPU reference and WebGPU binding live in kernels/<kernel>.ts, its WGSL in shaders/.
// It sits in src/runtime/ with the WebGPU runtime (gpu.ts, dawn.ts, wgsl.ts): below kernels/, which
// bind to them, and below the backends (src/backend/{cpu,webgpu}.ts), which call the kernels.

export type DType = 'f32' | 'f64' | 'i32';
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** An opaque flat buffer of `length` elements. Each backend narrows it to its own type. */
export interface Buf {
  readonly length: number;
  readonly dtype: DType;
}

export const UNARY_OPS = ['neg', 'exp', 'log', 'sqrt', 'tanh', 'relu', 'gelu', 'pow', 'mulScalar', 'addScalar'] as const;
/** Element-wise unary ops; `alpha` is the exponent for pow and the scalar for mulScalar/addScalar. */
export type UnaryOp = (typeof UNARY_OPS)[number];
/** eq and gt give 1 or 0 (masks for max's backward and comparisons); they have no gradient. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'eq', 'gt'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
export type ReduceOp = 'sum' | 'max';

export interface BackendStats {
  liveBuffers: number;
  liveBytes: number;
}

/** Memory high-water marks (results.json's `memory`), separate from stats() so that equal stats mean no leak. */
export interface MemoryPeak {
  /** The most bytes live at once since the last resetPeak (tensors' buffers, by element count). */
  peakBytes: number;
  /** The most bytes the device held at once since the last resetPeak: live buffers and those pooled for reuse (WebGPU); live ones (CPU). */
  heldBytes: number;
}

export interface Backend {
  readonly name: 'cpu' | 'webgpu';
  /** Human-readable device description (adapter name for WebGPU). */
  readonly description: string;
  /** Whether this backend can hold buffers of the dtype (WGSL has no f64). */
  supports(dtype: DType): boolean;

  // ---- memory -------------------------------------------------------------------------------
  alloc(length: number, dtype: DType): Buf;
  free(buf: Buf): void;
  write(buf: Buf, data: ArrayLike<number>): void;
  /** Resolves with a copy of the buffer's contents; on WebGPU this is a sync point. */
  read(buf: Buf): Promise<TypedArray>;
  /** Synchronous read where the backend can do it (CPU); throws elsewhere. */
  readSync(buf: Buf): TypedArray;
  /** Submits whatever work has been recorded. Kernels may be queued until then. */
  flush(): void;
  stats(): BackendStats;
  memoryPeak(): MemoryPeak;
  /** Starts new high-water marks at the bytes live (and held) now. */
  resetPeak(): void;
  /** Gives back buffers pooled for reuse (WebGPU; nothing to do on CPU): between stages whose sizes differ. */
  releaseFree(): void;

  // ---- data movement ------------------------------------------------------------------------
  /** out[i] = value for every element. */
  fill(out: Buf, value: number): void;
  /**
   * The one strided copy behind permute, slice, expand, concat and their backwards.
   * For every index vector idx over `shape`:
   *   out[outOffset + idx . outStrides] = inp[inOffset + idx . inStrides]
   * Strides may be 0 on the input side (broadcast). Positions of out not addressed keep their value.
   */
  strided(out: Buf, outStrides: number[], outOffset: number, inp: Buf, inStrides: number[], inOffset: number, shape: number[]): void;

  // ---- element-wise -------------------------------------------------------------------------
  /** out = op(inp) element-wise; out and inp have the same length. */
  unary(out: Buf, inp: Buf, op: UnaryOp, alpha: number): void;
  /** dinp = dout * op'(inp), given the forward's input and output. */
  unaryBackward(dinp: Buf, dout: Buf, inp: Buf, out: Buf, op: UnaryOp, alpha: number): void;
  /** out (contiguous, `shape`) = a op b, reading a and b through strides (0 where broadcast). */
  binary(out: Buf, a: Buf, b: Buf, op: BinaryOp, shape: number[], aStrides: number[], bStrides: number[]): void;
  /** out = cond != 0 ? a : b, broadcast through strides. */
  where(out: Buf, cond: Buf, a: Buf, b: Buf, shape: number[], condStrides: number[], aStrides: number[], bStrides: number[]): void;
  /** inp viewed as (outer, R, inner); out (outer, inner) = reduction over R. */
  reduce(out: Buf, inp: Buf, op: ReduceOp, outer: number, R: number, inner: number): void;

  // ---- linear algebra -----------------------------------------------------------------------
  /**
   * out (batch, M, N) = opA(a) @ opB(b), where opA(a) is (M, K) read from a (M, K) or, if transA,
   * from a (K, M); likewise opB(b) is (K, N) from b (K, N) or, if transB, (N, K).
   * strideA/strideB are the element distances between batch entries (0 = shared by all batches).
   * bias (N), when given, is added to every output row after the product is rounded to the
   * storage type, exactly as a separate broadcast add would (a Linear layer in one dispatch).
   * The epilogue then does what one more kernel would, on the rounded result: gelu (batch, M, N)
   * gets gelu(out) with out kept (the MLP's first Linear), or out = residual (batch, M, N) + out,
   * or out = out * gelu'(geluGrad (batch, M, N)) (the MLP's backward through its GELU);
   * and bSum (N) gets the sum over k of opB(b), batch 1 (a bias gradient beside its dW), the
   * bits of the reduce kernel's sum.
   */
  matmul(out: Buf, a: Buf, b: Buf, batch: number, M: number, N: number, K: number,
    transA: boolean, transB: boolean, strideA: number, strideB: number, bias?: Buf | null, epilogue?: MatmulEpilogue): void;

  // ---- neural-net kernels (rows of C; N rows) -----------------------------------------------
  softmaxForward(out: Buf, inp: Buf, N: number, C: number): void;
  softmaxBackward(dinp: Buf, dout: Buf, out: Buf, N: number, C: number): void;
  logSoftmaxForward(out: Buf, inp: Buf, N: number, C: number): void;
  logSoftmaxBackward(dinp: Buf, dout: Buf, out: Buf, N: number, C: number): void;
  /** out (N,C), mean (N), rstd (N) from inp (N,C), weight (C), bias (C). */
  layernormForward(out: Buf, mean: Buf, rstd: Buf, inp: Buf, weight: Buf, bias: Buf, N: number, C: number, eps: number): void;
  /**
   * Writes (does not accumulate) dinp (N,C), dweight (C), dbias (C). null: not wanted (the input is
   * frozen), and its work is skipped; dweight and dbias come from one pass, so both or neither.
   */
  layernormBackward(dinp: Buf | null, dweight: Buf | null, dbias: Buf | null, dout: Buf, inp: Buf, weight: Buf, mean: Buf, rstd: Buf, N: number, C: number): void;
  /** out (N,C) = weight[ids[n]] with ids (N) i32 and weight (V,C). */
  embeddingForward(out: Buf, ids: Buf, weight: Buf, N: number, C: number): void;
  /** dweight (V,C) = sum of dout rows per id; deterministic (no float atomics). */
  embeddingBackward(dweight: Buf, dout: Buf, ids: Buf, N: number, C: number, V: number): void;
  /**
   * Fused cross-entropy on logits (N,V) and targets (N) i32. losses (N) = -log softmax[target],
   * 0 where target == ignoreIndex. If dlogits is given it receives softmax - onehot(target)
   * (rows of zeros where ignored), unscaled: the op scales it by the upstream gradient.
   */
  crossEntropyForward(losses: Buf, dlogits: Buf | null, logits: Buf, targets: Buf, N: number, V: number, ignoreIndex: number): void;
  /**
   * Causal attention over the fused projection. qkv (B, T, 3, NH, HS) is the c_attn output as it
   * comes (q, k, v side by side per token), out (B, T, NH, HS) goes to c_proj as it is; lse
   * (B, NH, T) saves the log-sum-exp of each query row's scaled scores so the backward never
   * stores the (T, T) matrix. starts (B, T) i32 or null: query t of row b sees keys
   * starts[b, t]..t, contiguous segments (packed rows: one sequence per segment); null = 0..t.
   * The backward writes all of dqkv.
   */
  attentionForward(out: Buf, lse: Buf, qkv: Buf, starts: Buf | null, B: number, T: number, NH: number, HS: number, scale: number): void;
  attentionBackward(dqkv: Buf, dout: Buf, qkv: Buf, out: Buf, lse: Buf, starts: Buf | null,
    B: number, T: number, NH: number, HS: number, scale: number): void;
  /** out = inp * keep / (1 - p), keep = hash(seed, i) >= p; the same seed gives the same mask everywhere. */
  dropout(out: Buf, inp: Buf, p: number, seed: number): void;

  // ---- optimiser ----------------------------------------------------------------------------
  /**
   * One AdamW step in place on every item's param; step counts from 1. The arena is the optimiser's
   * flat state, every item at its element offset: moments (2 per element: m, v) kept between steps,
   * param and grad (1 per element) scratch a backend may copy the items into to update them all in
   * one pass. With clip, grad is first scaled by maxNorm / (norm + 1e-6) when norm = sqrt(normSq[0])
   * > maxNorm > 0: global-norm clipping read from a device buffer, so a step needs no read-back
   * before its update.
   */
  adamw(items: AdamwParam[], arena: AdamwArena, lr: number, beta1: number, beta2: number, eps: number, step: number,
    clip?: { normSq: Buf; maxNorm: number }): void;
  /** out[i] (count) = sum of squares of inps[i]: the pieces a global gradient norm is made of. */
  sumSquares(out: Buf, inps: Buf[]): void;
}

/** What a matmul does besides the product and bias (Backend.matmul): gelu or residual (one of them), bSum. */
export interface MatmulEpilogue { gelu?: Buf; residual?: Buf; geluGrad?: Buf; bSum?: Buf }

/** One parameter's AdamW update: param (n) in place from grad (n), at element offset of the arena, with its weight decay. */
export interface AdamwParam { param: Buf; grad: Buf; offset: number; weightDecay: number }
/** An optimiser's flat state (see Backend.adamw): moments (2 per element) kept, param and grad (1 per element) scratch. */
export interface AdamwArena { param: Buf; grad: Buf; moments: Buf }

/** Bytes per element of a dtype. */
export function bytesOf(dtype: DType): number {
  return dtype === 'f64' ? 8 : 4;
}

/** INOCULUM_BACKEND (cpu or webgpu), undefined when unset; anything else is an error naming it. */
export function backendFromEnv(): 'cpu' | 'webgpu' | undefined {
  const v = process.env.INOCULUM_BACKEND;
  if (v === undefined || v === 'cpu' || v === 'webgpu') return v;
  throw new Error(`INOCULUM_BACKEND must be cpu or webgpu, got ${JSON.stringify(v)}`);
}
