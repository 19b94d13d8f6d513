// The Tensor: a shape, a dtype and a reference-counted buffer on one backend, plus the autograd
// fields (requiresGrad, grad, the creating node) and backward(), the reverse pass over the graph
// that ops record (autograd.ts). Buffers are freed deterministically, never by the garbage
// collector: dispose() or a tidy() scope (GPU memory cannot wait for GC).
import type { Backend, Buf, DType, TypedArray } from './runtime/backend.ts';
import { CpuBackend } from './backend/cpu.ts';
import { broadcastShapes, broadcastStrides, checkShape, fmt, numel, type Shape } from './shape.ts';
import type { Generator } from './random.ts';
import { noGrad } from './grad_mode.ts';

// ---- the default backend and dtype -------------------------------------------------------------
let defaultBackend: Backend = new CpuBackend();
let defaultDtype: DType = 'f32';
export const getBackend = (): Backend => defaultBackend;
export function setBackend(be: Backend): void { defaultBackend = be; }
export const getDefaultDtype = (): DType => defaultDtype;
export function setDefaultDtype(d: DType): void { defaultDtype = d; }

/** Where a creation function puts its tensor; both default to the process-wide choice. */
export interface TensorOptions {
  dtype?: DType;
  backend?: Backend;
  requiresGrad?: boolean;
}

// ---- storage -----------------------------------------------------------------------------------
/** A backend buffer shared by a tensor and its reshapes; freed when the last one lets go. */
class Storage {
  refs = 1;
  constructor(readonly backend: Backend, readonly buf: Buf) {}
  release(): void {
    if (--this.refs === 0) this.backend.free(this.buf);
  }
}

/** The node a non-leaf tensor was made by: its inputs and how to map its gradient onto theirs. */
export interface Node {
  op: string;
  parents: Tensor[];
  /** Gradients for each parent (null where a parent needs none), given this tensor's gradient. */
  backward: (g: Tensor) => (Tensor | null)[];
}

export type GradHook = (grad: Tensor) => Tensor | void;

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again. */
  retainGraph?: boolean;
}

// ---- scopes ------------------------------------------------------------------------------------
const scopes: Set<Tensor>[] = [];

/**
 * Runs fn and disposes every tensor created inside it, except the tensors it returns (found in
 * the result, in arrays and plain objects) and tensors passed to keep(). Like tf.tidy. fn must be
 * synchronous: kernels are recorded at once, so a forward+backward fits in one scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const keepSet = new Set<Tensor>();
  collectTensors(result, keepSet);
  for (const t of scope) {
    if (keepSet.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

function collectTensors(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || x === null || typeof x !== 'object') return;
  if (x instanceof Tensor) { out.add(x); return; }
  if (Array.isArray(x)) { for (const v of x) collectTensors(v, out, depth + 1); return; }
  if (x instanceof Map) { for (const v of x.values()) collectTensors(v, out, depth + 1); return; }
  if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collectTensors(v, out, depth + 1);
}

/** Takes a tensor out of every enclosing tidy() scope: it lives until disposed. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

// ---- the tensor --------------------------------------------------------------------------------
export class Tensor {
  readonly shape: number[];
  readonly dtype: DType;
  readonly backend: Backend;
  private storage: Storage | null;
  requiresGrad = false;
  grad: Tensor | null = null;
  /** The op that made this tensor (null for leaves and for results made under noGrad). */
  ctx: Node | null = null;
  hooks: GradHook[] = [];
  /** Host copy of small i32 index tensors made from JS arrays: lets ops check ranges without a readback. */
  hostData: Int32Array | null = null;
  /** Name of the op that made it, for error messages after disposal. */
  readonly madeBy: string;

  /** Wraps a buffer the caller owns (the tensor takes it over). Ops and creation functions use this. */
  constructor(buf: Buf, shape: Shape, backend: Backend, madeBy: string, storage?: Storage) {
    this.shape = [...shape];
    this.dtype = buf.dtype;
    this.backend = backend;
    this.madeBy = madeBy;
    if (storage) { storage.refs++; this.storage = storage; } else this.storage = new Storage(backend, buf);
    if (numel(shape) !== buf.length) throw new Error(`${madeBy}: buffer of ${buf.length} elements cannot hold shape ${fmt(shape)}`);
    scopes[scopes.length - 1]?.add(this);
  }

  get size(): number { return numel(this.shape); }
  get rank(): number { return this.shape.length; }
  get isDisposed(): boolean { return this.storage === null; }

  /** The buffer, or an error naming the op that wanted it if the tensor was disposed. */
  bufFor(op: string): Buf {
    if (!this.storage) throw new Error(`${op}: a tensor of shape ${fmt(this.shape)} (made by ${this.madeBy}) was used after dispose()`);
    return this.storage.buf;
  }
  get buf(): Buf { return this.bufFor('tensor'); }

  /** A tensor of another shape over the same buffer (sizes must agree). */
  view(shape: Shape, madeBy: string): Tensor {
    return new Tensor(this.bufFor(madeBy), shape, this.backend, madeBy, this.storage!);
  }

  dispose(): void {
    if (!this.storage) return;
    this.storage.release();
    this.storage = null;
    this.ctx = null;
  }

  /** A copy of the values (a sync point on WebGPU). */
  async data(): Promise<TypedArray> { return this.backend.read(this.bufFor('data')); }
  /** A copy of the values, where the backend can read synchronously (CPU). */
  dataSync(): TypedArray { return this.backend.readSync(this.bufFor('dataSync')); }
  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return (await this.data())[0];
  }
  /** Nested arrays, like torch's tolist(). */
  async toArray(): Promise<unknown> {
    const d = await this.data();
    const build = (dim: number, off: number): unknown => {
      if (dim === this.shape.length) return d[off];
      const step = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * step));
    };
    return build(0, 0);
  }

  /** Adds a hook that sees (and may replace) this tensor's gradient during backward. */
  registerHook(hook: GradHook): () => void {
    this.hooks.push(hook);
    return () => { this.hooks = this.hooks.filter((h) => h !== hook); };
  }

  /** Accumulates d(this)/d(leaf) into every leaf's .grad (this must be a scalar unless grad is given). */
  backward(grad?: Tensor, opts: BackwardOptions = {}): void {
    backprop(this, grad, opts.retainGraph ?? false);
  }

  /** A tensor over the same buffer, cut from the graph. */
  detach(): Tensor { return this.view(this.shape, 'detach'); }

  setRequiresGrad(on = true): this {
    if (on && this.dtype === 'i32') throw new Error('requiresGrad: integer tensors have no gradient');
    this.requiresGrad = on;
    return this;
  }

  toString(): string { return `Tensor${fmt(this.shape)} ${this.dtype} on ${this.backend.name}`; }
}

// ---- the backward pass -------------------------------------------------------------------------
/** Fills in .grad of every leaf that requires a gradient, summing where a tensor is used twice. */
function backprop(root: Tensor, grad: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) throw new Error(`backward: tensor of shape ${fmt(root.shape)} does not require grad (no input with requiresGrad, or made under noGrad)`);
  if (!grad && root.size !== 1) {
    throw new Error(`backward: called on a non-scalar tensor of shape ${fmt(root.shape)} without a gradient; pass one: t.backward(gradOfSameShape)`);
  }
  if (grad && (grad.shape.length !== root.shape.length || grad.shape.some((d, i) => d !== root.shape[i]))) {
    throw new Error(`backward: gradient of shape ${fmt(grad.shape)} does not match tensor of shape ${fmt(root.shape)}`);
  }

  // topological order: parents before children
  const topo: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0) { if (seen.has(t)) { stack.pop(); continue; } seen.add(t); }
    const parents = t.ctx?.parents ?? [];
    if (i < parents.length) { top[1]++; if (parents[i].requiresGrad && !seen.has(parents[i])) stack.push([parents[i], 0]); }
    else { stack.pop(); topo.push(t); }
  }

  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    // tensors handed to a leaf's .grad must be owned by that leaf alone (one may pass through
    // unchanged to several parents, e.g. add's backward)
    const handedOut = new Set<Tensor>();
    const g0 = grad ?? onesLike(root);
    if (grad) handedOut.add(grad);
    grads.set(root, g0);
    for (let i = topo.length - 1; i >= 0; i--) {
      const t = topo[i];
      let g = grads.get(t);
      if (!g) continue;
      for (const h of t.hooks) { const r = h(g); if (r instanceof Tensor) g = r; }
      if (!t.ctx) {
        // a leaf
        if (handedOut.has(g)) g = copyOf(g);
        handedOut.add(g);
        const next = t.grad ? addGrads(t.grad, g) : g;
        if (t.grad && t.grad !== next) t.grad.dispose();
        t.grad = keep(next);
        continue;
      }
      const pgrads = t.ctx.backward(g);
      t.ctx.parents.forEach((p, j) => {
        const pg = pgrads[j];
        if (!p.requiresGrad || !pg) return;
        const have = grads.get(p);
        grads.set(p, have ? addGrads(have, pg) : pg);
      });
      if (!retainGraph) t.ctx = { op: t.ctx.op, parents: [], backward: freedGraph(t.ctx.op) };
    }
  });
}

function freedGraph(op: string): Node['backward'] {
  return () => { throw new Error(`backward: the graph through ${op} was already freed by a backward(); pass retainGraph to go through it twice`); };
}

// The three tensor makers the pass needs, straight on the backend (it runs under noGrad, so the
// ops add, onesLike and clone would record nothing either): the same kernels, so the same bits.
function onesLike(t: Tensor): Tensor {
  const b = t.backend.alloc(t.size, t.dtype);
  t.backend.fill(b, 1);
  return new Tensor(b, t.shape, t.backend, 'backward');
}

/** a + b with broadcasting, as the add op (a gradient shares its tensor's backend and dtype). */
function addGrads(a: Tensor, b: Tensor): Tensor {
  const ab = a.bufFor('add'), bb = b.bufFor('add');
  const shape = broadcastShapes('add', a.shape, b.shape);
  const out = new Tensor(a.backend.alloc(numel(shape), a.dtype), shape, a.backend, 'add');
  a.backend.binary(out.buf, ab, bb, 'add', shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
  return out;
}

/** A copy with its own buffer, as the clone op. */
function copyOf(x: Tensor): Tensor {
  const xb = x.bufFor('clone');
  const out = new Tensor(x.backend.alloc(x.size, x.dtype), x.shape, x.backend, 'clone');
  x.backend.strided(out.buf, [1], 0, xb, [1], 0, [x.size]);
  return out;
}

// ---- creation ----------------------------------------------------------------------------------
function make(op: string, shape: Shape, opts: TensorOptions, data?: ArrayLike<number>, fillValue?: number): Tensor {
  checkShape(op, shape);
  const be = opts.backend ?? defaultBackend;
  const dtype = opts.dtype ?? defaultDtype;
  if (!be.supports(dtype)) throw new Error(`${op}: the ${be.name} backend does not support ${dtype}`);
  const buf = be.alloc(numel(shape), dtype);
  if (data) be.write(buf, data); else be.fill(buf, fillValue ?? 0);
  const t = new Tensor(buf, shape, be, op);
  if (dtype === 'i32' && data) t.hostData = Int32Array.from(data);
  if (opts.requiresGrad) t.setRequiresGrad(true);
  return t;
}

export const zeros = (shape: Shape, opts: TensorOptions = {}): Tensor => make('zeros', shape, opts, undefined, 0);
export const ones = (shape: Shape, opts: TensorOptions = {}): Tensor => make('ones', shape, opts, undefined, 1);
export const full = (shape: Shape, value: number, opts: TensorOptions = {}): Tensor => make('full', shape, opts, undefined, value);

/** From a flat array and a shape (or a nested array, whose shape is inferred). */
export function fromArray(data: ArrayLike<number> | unknown[], shape?: Shape, opts: TensorOptions = {}): Tensor {
  if (Array.isArray(data) && data.length > 0 && Array.isArray(data[0])) {
    const inferred: number[] = [];
    let x: unknown = data;
    while (Array.isArray(x)) { inferred.push(x.length); x = x[0]; }
    const flat = (data as unknown[]).flat(inferred.length) as number[];
    if (flat.length !== numel(inferred)) throw new Error(`fromArray: ragged nested array cannot have shape ${fmt(inferred)}`);
    return make('fromArray', shape ?? inferred, opts, flat);
  }
  const arr = data as ArrayLike<number>;
  const s = shape ?? [arr.length];
  if (numel(s) !== arr.length) throw new Error(`fromArray: ${arr.length} values cannot have shape ${fmt(s)}`);
  return make('fromArray', s, opts, arr);
}

/** Index tensor (i32) from integers, e.g. token ids. */
export const indices = (data: ArrayLike<number>, shape?: Shape, opts: TensorOptions = {}): Tensor =>
  fromArray(data, shape, { ...opts, dtype: 'i32' });

export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make('arange', [n], opts, Array.from({ length: n }, (_, i) => start + i * step));
}

/** Standard normal samples (times std, plus mean) from an explicit generator. */
export function randn(shape: Shape, gen: Generator, opts: TensorOptions & { mean?: number; std?: number } = {}): Tensor {
  const n = numel(shape), d = new Float64Array(n), std = opts.std ?? 1, mean = opts.mean ?? 0;
  for (let i = 0; i < n; i++) d[i] = mean + std * gen.normal();
  return make('randn', shape, opts, d);
}

/** Uniform samples in [low, high) from an explicit generator. */
export function rand(shape: Shape, gen: Generator, opts: TensorOptions & { low?: number; high?: number } = {}): Tensor {
  const n = numel(shape), d = new Float64Array(n), lo = opts.low ?? 0, hi = opts.high ?? 1;
  for (let i = 0; i < n; i++) d[i] = lo + (hi - lo) * gen.uniform();
  return make('rand', shape, opts, d);
}

/** Live buffers and bytes of a backend (default: the current one), for leak tests. */
export const memory = (be: Backend = defaultBackend) => be.stats();
