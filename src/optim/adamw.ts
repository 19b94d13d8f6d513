// AdamW with decoupled weight decay (Loshchilov & Hutter), the update one fused kernel per
// parameter (shaders/adamw.wgsl on WebGPU); global-norm clipping; warm-up + cosine schedule.
import { Tensor } from '../tensor.ts';
import type { Buf } from '../runtime/backend.ts';

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
  private m: Buf[]; private v: Buf[];
  readonly cfg: AdamWConfig;

  constructor(readonly params: [string, Tensor][], cfg: Partial<AdamWConfig> = {}) {
    this.cfg = { ...defaultAdamW, ...cfg };
    this.m = params.map(([, p]) => { const b = p.backend.alloc(p.size, p.dtype); p.backend.fill(b, 0); return b; });
    this.v = params.map(([, p]) => { const b = p.backend.alloc(p.size, p.dtype); p.backend.fill(b, 0); return b; });
  }

  /** One update with learning rate lr (default the config's); parameters without a grad are skipped. */
  update(lr = this.cfg.lr, clip?: { normSq: Buf; maxNorm: number }): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    // one batched call: a backend may update several parameters per dispatch (same arithmetic)
    const items = this.params.flatMap(([, p], i) => p.grad
      ? [{ param: p.bufFor('adamw'), grad: p.grad.bufFor('adamw'), m: this.m[i], v: this.v[i], weightDecay: p.rank >= 2 ? weightDecay : 0 }]
      : []);
    if (items.length) this.params[0][1].backend.adamwMany(items, lr, beta1, beta2, eps, this.step, clip);
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
    const be = this.params[0]?.[1].backend;
    const rd = async (b: Buf) => Float32Array.from(await be.read(b));
    return { step: this.step, m: await Promise.all(this.m.map(rd)), v: await Promise.all(this.v.map(rd)) };
  }
  load(st: { step: number; m: ArrayLike<number>[]; v: ArrayLike<number>[] }): void {
    if (st.m.length !== this.params.length) throw new Error(`AdamW.load: state has ${st.m.length} tensors, optimiser ${this.params.length}`);
    this.step = st.step;
    this.params.forEach(([name, p], i) => {
      if (st.m[i].length !== p.size) throw new Error(`AdamW.load: moment of ${name} has ${st.m[i].length} values, parameter ${p.size}`);
      p.backend.write(this.m[i], st.m[i]); p.backend.write(this.v[i], st.v[i]);
    });
  }
  dispose(): void {
    this.params.forEach(([, p], i) => { p.backend.free(this.m[i]); p.backend.free(this.v[i]); });
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

