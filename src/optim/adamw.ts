// AdamW with decoupled weight decay (Loshchilov & Hutter), the update a multi-tensor kernel
// (shaders/adamw.wgsl on WebGPU: one dispatch for all parameters); global-norm clipping; warm-up +
// cosine schedule.
import { Tensor } from '../tensor.ts';
import type { AdamwArena, Buf } from '../runtime/backend.ts';

export interface AdamWConfig {
  /** Peak learning rate (the schedule scales it). */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay, applied to matrices only (nanoGPT: not to biases, LayerNorm or embeddings' 1-D params). */
  weightDecay: number;
}

export const defaultAdamW: AdamWConfig = { lr: 3e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

export class AdamW {
  step = 0;
  // every parameter end to end in flat buffers (Backend.adamw's arena), parameter i from element
  // offsets[i]: the moments kept there, values and gradients copied in for each update, so the
  // kernel updates them all in one pass. The decayed ones come first (one run of weight decay).
  private arena: AdamwArena | null = null;
  private offsets: number[] = [];
  readonly cfg: AdamWConfig;

  constructor(readonly params: [string, Tensor][], cfg: Partial<AdamWConfig> = {}) {
    this.cfg = { ...defaultAdamW, ...cfg };
    let total = 0;
    const order = [...params.keys()].sort((a, b) => Number(this.decays(b)) - Number(this.decays(a)) || a - b);
    for (const i of order) { this.offsets[i] = total; total += params[i][1].size; }
    if (params.length) {
      const p = params[0][1], be = p.backend;
      this.arena = { param: be.alloc(total, p.dtype), grad: be.alloc(total, p.dtype), moments: be.alloc(2 * total, p.dtype) };
      be.fill(this.arena.moments, 0);
    }
  }

  /** nanoGPT's rule: matrices decay; biases, LayerNorm and 1-D parameters do not. */
  private decays(i: number): boolean { return this.params[i][1].rank >= 2; }

  /** One update with learning rate lr (default the config's); parameters without a grad are skipped. */
  update(lr = this.cfg.lr, clip?: { normSq: Buf; maxNorm: number }): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    // one batched call: a backend may update several parameters per dispatch (same arithmetic)
    const items = this.params.flatMap(([, p], i) => p.grad
      ? [{ param: p.bufFor('adamw'), grad: p.grad.bufFor('adamw'), offset: this.offsets[i], weightDecay: this.decays(i) ? weightDecay : 0 }]
      : []);
    if (items.length) this.params[0][1].backend.adamw(items, this.arena!, lr, beta1, beta2, eps, this.step, clip);
  }

  /**
   * Global-norm clipping and the update in one go on the device: per-parameter squared gradient
   * norms (one sum_squares each + one reduce_rows), their sum, and AdamW reading that sum to scale
   * each gradient. Nothing is read back until every dispatch of the step is queued; the norm before
   * clipping and the per-parameter squares (for per-layer probes) come back after.
   */
  async clipAndUpdate(lr: number, maxNorm: number): Promise<{ norm: number; squared: Map<string, number> }> {
    const withGrad = this.params.filter(([, p]) => p.grad);
    if (withGrad.length === 0) { this.update(lr); return { norm: 0, squared: new Map() }; }
    const be = withGrad[0][1].backend, dtype = withGrad[0][1].dtype;
    const sq = be.alloc(withGrad.length, dtype), total = be.alloc(1, dtype);
    be.sumSquares(sq, withGrad.map(([, p]) => p.grad!.bufFor('clipAndUpdate')));
    be.reduce(total, sq, 'sum', 1, withGrad.length, 1);
    this.update(lr, { normSq: total, maxNorm });
    const vals = Array.from(await be.read(sq));
    be.free(sq); be.free(total);
    return { norm: Math.sqrt(vals.reduce((a, b) => a + b, 0)), squared: new Map(withGrad.map(([n], i) => [n, vals[i]])) };
  }

  /** Moments as plain arrays (checkpoints); restore with load. */
  async state(): Promise<{ step: number; m: Float32Array[]; v: Float32Array[] }> {
    const all = this.arena ? await this.params[0][1].backend.read(this.arena.moments) : new Float32Array(0);
    const part = (i: number, which: 0 | 1) => Float32Array.from({ length: this.params[i][1].size }, (_, k) => all[2 * (this.offsets[i] + k) + which]);
    return { step: this.step, m: this.params.map((_, i) => part(i, 0)), v: this.params.map((_, i) => part(i, 1)) };
  }
  load(st: { step: number; m: ArrayLike<number>[]; v: ArrayLike<number>[] }): void {
    if (st.m.length !== this.params.length || st.v.length !== this.params.length) {
      throw new Error(`AdamW.load: state has ${st.m.length} tensors, optimiser ${this.params.length}`);
    }
    if (!this.arena) { this.step = st.step; return; }
    const all = new Float32Array(this.arena.moments.length);
    this.params.forEach(([name, p], i) => {
      if (st.m[i].length !== p.size || st.v[i].length !== p.size) {
        throw new Error(`AdamW.load: moments of ${name} have ${st.m[i].length} and ${st.v[i].length} values, parameter ${p.size}`);
      }
      for (let k = 0; k < p.size; k++) { all[2 * (this.offsets[i] + k)] = st.m[i][k]; all[2 * (this.offsets[i] + k) + 1] = st.v[i][k]; }
    });
    this.step = st.step;
    this.params[0][1].backend.write(this.arena.moments, all);
  }
  dispose(): void {
    if (this.arena) for (const b of [this.arena.param, this.arena.grad, this.arena.moments]) this.params[0][1].backend.free(b);
    this.arena = null;
  }
}

/** Sum of squares of each tensor, read back in one sync; disposes the inputs when asked. */
export async function sumSquaresOf(ts: Tensor[], disposeInputs = false): Promise<number[]> {
  if (ts.length === 0) return [];
  const be = ts[0].backend, dtype = ts[0].dtype;
  const all = be.alloc(ts.length, dtype);
  be.sumSquares(all, ts.map((t) => t.bufFor('sumSquares')));
  if (disposeInputs) for (const t of ts) t.dispose();
  const vals = Array.from(await be.read(all));
  be.free(all);
  return vals;
}

/**
 * Squared L2 norm of each parameter's gradient, read back in one sync: the global norm is the
 * square root of their sum; the per-parameter values give per-layer norms for the probes.
 */
export async function gradSquaredNorms(params: [string, Tensor][]): Promise<Map<string, number>> {
  const withGrad = params.filter(([, p]) => p.grad);
  if (withGrad.length === 0) return new Map();
  const vals = await sumSquaresOf(withGrad.map(([, p]) => p.grad!));
  return new Map(withGrad.map(([n], i) => [n, vals[i]]));
}

/** Scales every gradient by s in place (clipping). */
export function scaleGrads(params: [string, Tensor][], s: number): void {
  for (const [, p] of params) {
    if (!p.grad) continue;
    const g = p.grad;
    g.backend.unary(g.bufFor('clip'), g.bufFor('clip'), 'mulScalar', s);
  }
}

/** Clips gradients to a global L2 norm (torch's clip_grad_norm_); returns the norm before clipping. */
export async function clipGradNorm(params: [string, Tensor][], maxNorm: number): Promise<{ norm: number; squared: Map<string, number> }> {
  const squared = await gradSquaredNorms(params);
  const norm = Math.sqrt([...squared.values()].reduce((a, b) => a + b, 0));
  if (maxNorm > 0 && norm > maxNorm) scaleGrads(params, maxNorm / (norm + 1e-6));
  return { norm, squared };
}

/** Linear warm-up to the peak, then cosine decay to minLr at totalSteps (nanoGPT's get_lr). */
export function cosineLr(step: number, peak: number, warmup: number, totalSteps: number, minLr = peak / 10): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  if (step >= totalSteps) return minLr;
  const ratio = (step - warmup) / Math.max(1, totalSteps - warmup);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (peak - minLr);
}

