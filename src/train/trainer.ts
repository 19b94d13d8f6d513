// The training loop: seeded batches, gradient accumulation, global-norm clipping, AdamW with a
// warm-up + cosine schedule, a progress bar, one JSON line of metrics per step, periodic eval and
// checkpoints, and exact resume (every random choice is a function of (seed, step)).
import { tidy, type Tensor } from '../tensor.ts';
import { noGrad } from '../autograd.ts';
import { mulScalar, sub } from '../ops/elementwise.ts';
import { clone } from '../ops/shape_ops.ts';
import { Generator } from '../random.ts';
import type { GPT } from '../nn/gpt.ts';
import { AdamW, cosineLr, sumSquaresOf } from '../optim/adamw.ts';
import { batchIndices, batchTensors, makeBatch, type Batch, type Example } from './batches.ts';
import { Progress } from './progress.ts';
import { saveCheckpoint, loadCheckpoint } from '../io/checkpoint.ts';
import { JsonlWriter } from '../io/json.ts';

export interface TrainConfig {
  /** Optimiser steps. */
  steps: number;
  /** Examples per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimiser step (gradient accumulation). */
  gradAccum: number;
  /** Peak learning rate. */
  lr: number;
  /** Final learning rate of the cosine decay. */
  minLr: number;
  /** Linear warm-up steps. */
  warmup: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /**
   * AdamW's epsilon. The usual 1e-8 makes each weight's step ~lr whatever its gradient's size; an
   * epsilon above the gradients' scale makes steps proportional to the gradient (SGD with momentum,
   * learning rate lr / eps) for weights whose gradients are smaller than it.
   */
  eps: number;
  /** Clip the global gradient norm to this (0 = no clipping). */
  gradClip: number;
  /** Seed of the data order and of dropout masks. */
  seed: number;
  /** Evaluate every this many steps (0 = never). */
  evalEvery: number;
  /**
   * Draw batches of similar length from chunks of this many batches (batches.ts batchIndices);
   * 1 = uniformly shuffled batches. Cuts the padding of batches of mixed-length conversations.
   */
  lengthGroup: number;
  /**
   * Pack each batch's examples into rows of up to blockSize tokens (batches.ts makeBatch) instead
   * of one padded row each: the same loss and gradient with less padding; dropout masks differ.
   */
  pack: boolean;
}

export const defaultTrainConfig: TrainConfig = {
  steps: 1000, batchSize: 16, gradAccum: 1, lr: 1e-3, minLr: 1e-4, warmup: 50, weightDecay: 0.1,
  beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1, seed: 0, evalEvery: 0, lengthGroup: 1, pack: false,
};

export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  ms: number;
  evalLoss?: number;
  /** Squared gradient norm of each parameter (before clipping), for probes. */
  gradSquared?: Map<string, number>;
  /** L2 norm of this step's parameter change (only when trainer.measureUpdate is set). */
  updateNorm?: number;
}

export interface TrainerHooks {
  /** Called after every optimiser step (probes, logging); may be async. */
  onStep?: (m: StepMetrics, trainer: Trainer) => void | Promise<void>;
  /** Called every checkpointEvery steps with the trainer to save (see io/checkpoint). */
  onCheckpoint?: (trainer: Trainer) => Promise<void>;
  checkpointEvery?: number;
  /** Save a resumable checkpoint here every checkpointEvery steps and at the end (Trainer.save). */
  checkpointDir?: string;
  /** Vocabulary saved with checkpoints. */
  vocab?: unknown;
  /** One JSON line of metrics per step (appended when resuming at step > 0). */
  metricsPath?: string;
  /** Stop after this step (an interruption); a checkpoint is saved there if checkpointDir is set. */
  until?: number;
  /** Checked before each step: returning true stops the run like `until` (e.g. after Ctrl-C). */
  shouldStop?: () => boolean;
  /** Suppress the progress bar. */
  quiet?: boolean;
  label?: string;
}

/**
 * Thrown by Trainer.run at the first step whose loss or gradient norm is not finite: the weights
 * are NaN from then on, so every later step would be wasted and a checkpoint would keep garbage.
 * Nothing of that step is logged or saved; the last checkpoint (if any) is from before it.
 */
export class Diverged extends Error {
  constructor(readonly step: number, readonly loss: number, readonly gradNorm: number, readonly lr: number, readonly label?: string) {
    super(`training diverged at step ${step}: loss ${loss}, gradient norm ${gradNorm} at learning rate ${lr}; a learning rate that is too high is the usual cause, try a smaller one`);
    this.name = 'Diverged';
  }
}

export class Trainer {
  readonly cfg: TrainConfig;
  readonly opt: AdamW;
  step = 0;
  /** When true, the next steps also measure the norm of the parameter update (costs a copy of the weights). */
  measureUpdate = false;
  /**
   * A loss other than the model's next-token cross-entropy (e.g. soft-label distillation,
   * inoculation/distill_loss.ts): the batch's loss from the batch and the indices (into `examples`)
   * of the examples it holds, in row order when unpacked. Absent: model.loss.
   */
  batchLoss?: (model: GPT, b: Batch, examples: readonly number[], gen: Generator) => Tensor;
  private lengths: Int32Array | undefined;

  constructor(readonly model: GPT, readonly examples: Example[], cfg: Partial<TrainConfig>, readonly padId: number,
    readonly evalExamples: Example[] = []) {
    this.cfg = { ...defaultTrainConfig, ...cfg };
    if (examples.length === 0) throw new Error('Trainer: no training examples');
    this.opt = new AdamW(model.trainableParameters(), {
      lr: this.cfg.lr, beta1: this.cfg.beta1, beta2: this.cfg.beta2, eps: this.cfg.eps, weightDecay: this.cfg.weightDecay,
    });
  }

  batch(step: number, micro: number): Batch {
    return this.batchOf(this.batchExamples(step, micro));
  }

  /** Indices of the examples in the batch of (step, micro-batch). */
  batchExamples(step: number, micro: number): number[] {
    const grouping = this.cfg.lengthGroup > 1 ? { lengths: (this.lengths ??= Int32Array.from(this.examples, (e) => e.ids.length)), group: this.cfg.lengthGroup } : undefined;
    return batchIndices(this.examples.length, this.cfg.batchSize, this.cfg.seed, step * this.cfg.gradAccum + micro, grouping);
  }

  private batchOf(idx: readonly number[]): Batch {
    return makeBatch(idx.map((i) => this.examples[i]), this.padId, this.model.config.blockSize, this.cfg.pack);
  }

  lr(step = this.step): number {
    return cosineLr(step, this.cfg.lr, this.cfg.warmup, this.cfg.steps, this.cfg.minLr);
  }

  /** Loss of one batch, with backward (grads accumulate into the parameters' .grad). */
  private forwardBackward(b: Batch, idx: readonly number[], scale: number, dropoutSeed: number): Tensor {
    const be = this.model.wte.weight.backend;
    return tidy(() => {
      const gen = new Generator(dropoutSeed);
      let loss: Tensor;
      if (this.batchLoss) loss = this.batchLoss(this.model, b, idx, gen);
      else {
        const x = batchTensors(b, be);
        loss = this.model.loss(x.ids, x.targets, { gen, ...x.rows });
      }
      (scale === 1 ? loss : mulScalar(loss, scale)).backward(); // x * 1 is x: one dispatch each way fewer
      return loss;
    });
  }

  /** One optimiser step; returns its metrics. */
  async trainStep(): Promise<StepMetrics> {
    const t0 = performance.now();
    const { gradAccum } = this.cfg;
    const params = this.model.trainableParameters();
    this.model.train();
    const losses: Tensor[] = [];
    let tokens = 0;
    for (let m = 0; m < gradAccum; m++) {
      const idx = this.batchExamples(this.step, m);
      const b = this.batchOf(idx);
      tokens += b.tokens;
      losses.push(this.forwardBackward(b, idx, 1 / gradAccum, (this.cfg.seed * 31 + this.step * gradAccum + m) >>> 0));
    }
    const lr = this.lr();
    const before = this.measureUpdate ? params.map(([, p]) => noGrad(() => clone(p))) : null;
    const { norm, squared } = await this.opt.clipAndUpdate(lr, this.cfg.gradClip);
    let updateNorm: number | undefined;
    if (before) {
      const sq = await sumSquaresOf(params.map(([, p], i) => noGrad(() => sub(p, before[i]))), true);
      updateNorm = Math.sqrt(sq.reduce((a, b) => a + b, 0));
      for (const b of before) b.dispose();
    }
    this.model.zeroGrad();
    let loss = 0;
    for (const l of losses) { loss += (await l.data())[0] / gradAccum; l.dispose(); }
    this.step++;
    return { step: this.step, loss, lr, gradNorm: norm, tokens, ms: performance.now() - t0, gradSquared: squared, updateNorm };
  }

  /** Mean loss over examples (batched, no grad), weighted by target tokens. */
  async evaluate(examples = this.evalExamples, batchSize = this.cfg.batchSize): Promise<number> {
    if (examples.length === 0) return NaN;
    const be = this.model.wte.weight.backend;
    this.model.eval();
    let total = 0, count = 0;
    for (let i = 0; i < examples.length; i += batchSize) {
      const b = makeBatch(examples.slice(i, i + batchSize), this.padId, this.model.config.blockSize, this.cfg.pack);
      if (b.tokens === 0) continue;
      const l = noGrad(() => tidy(() => { const x = batchTensors(b, be); return this.model.loss(x.ids, x.targets, x.rows); }));
      total += (await l.data())[0] * b.tokens; count += b.tokens;
      l.dispose();
    }
    this.model.train();
    return total / Math.max(1, count);
  }

  /** Saves model, optimiser moments and the step (atomic; see io/checkpoint). */
  async save(dir: string, vocab: unknown = null): Promise<void> {
    const st = await this.opt.state();
    const optimizer = new Map<string, { shape: number[]; data: Float32Array }>();
    this.opt.params.forEach(([name], i) => {
      optimizer.set(`${name}.m`, { shape: [st.m[i].length], data: st.m[i] });
      optimizer.set(`${name}.v`, { shape: [st.v[i].length], data: st.v[i] });
    });
    await saveCheckpoint(dir, { config: { model: this.model.config, train: this.cfg }, state: this.model.stateDict(), vocab, optimizer, extra: { step: this.step, optStep: st.step } });
  }

  /** Restores what save wrote: training continues exactly where it stopped. */
  load(dir: string): void {
    const ck = loadCheckpoint(dir);
    this.model.loadStateDict(ck.tensors);
    const extra = ck.extra as { step: number; optStep: number } | null;
    if (!extra || !ck.optimizer) throw new Error(`Trainer.load: ${dir} holds no trainer state (extra.json / optimizer.safetensors)`);
    for (const k of ['step', 'optStep'] as const) {
      if (!Number.isSafeInteger(extra[k]) || extra[k] < 0) throw new Error(`Trainer.load: ${dir}: extra.json ${k} must be an integer >= 0, got ${JSON.stringify(extra[k])}`);
    }
    const m = this.opt.params.map(([name]) => ck.optimizer!.get(`${name}.m`)?.data);
    const v = this.opt.params.map(([name]) => ck.optimizer!.get(`${name}.v`)?.data);
    const missing = this.opt.params.filter((_, i) => !m[i] || !v[i]).map(([n]) => n);
    if (missing.length) throw new Error(`Trainer.load: ${dir} lacks optimiser moments for ${missing.join(', ')}`);
    this.opt.load({ step: extra.optStep, m: m as ArrayLike<number>[], v: v as ArrayLike<number>[] });
    this.step = extra.step;
  }

  /** Runs until cfg.steps, calling the hooks; resumable by restoring step, params and optimiser. */
  async run(hooks: TrainerHooks = {}): Promise<StepMetrics[]> {
    const progress = new Progress(hooks.label ?? 'train', this.cfg.steps, hooks.quiet);
    const history: StepMetrics[] = [];
    const metrics = hooks.metricsPath ? new JsonlWriter(hooks.metricsPath, { truncate: this.step === 0, repair: true }) : null;
    let tokSum = 0, msSum = 0, savedAt = -1;
    const last = Math.min(this.cfg.steps, hooks.until ?? Infinity);
    while (this.step < last && !hooks.shouldStop?.()) {
      const m = await this.trainStep();
      if (!Number.isFinite(m.loss) || !Number.isFinite(m.gradNorm)) {
        progress.finish();
        metrics?.close();
        throw new Diverged(m.step, m.loss, m.gradNorm, m.lr, hooks.label);
      }
      if (this.cfg.evalEvery > 0 && (this.step % this.cfg.evalEvery === 0 || this.step === this.cfg.steps) && this.evalExamples.length) {
        m.evalLoss = await this.evaluate();
      }
      tokSum += m.tokens; msSum += m.ms;
      history.push(m);
      await hooks.onStep?.(m, this);
      metrics?.append({ step: m.step, loss: m.loss, lr: m.lr, gradNorm: m.gradNorm, tokens: m.tokens, ms: m.ms,
        ...(m.evalLoss !== undefined ? { evalLoss: m.evalLoss } : {}) });
      // let queued events (a Ctrl-C's signal handler) run: on the CPU backend a step awaits only
      // promises that are already resolved, so without this the loop never yields to them
      await new Promise<void>((resolve) => setImmediate(resolve));
      const every = hooks.checkpointEvery ?? 0;
      const stopping = this.step === last || !!hooks.shouldStop?.();
      if ((every > 0 && this.step % every === 0) || (stopping && hooks.checkpointDir)) {
        if (hooks.checkpointDir) { await this.save(hooks.checkpointDir, hooks.vocab ?? null); savedAt = this.step; }
        await hooks.onCheckpoint?.(this);
      }
      progress.update(this.step, { loss: m.loss, ...(m.evalLoss !== undefined ? { eval: m.evalLoss } : {}), 'tok/s': (1000 * tokSum) / msSum });
    }
    // a stop request that came after the last step's check still leaves a checkpoint of that step
    if (hooks.checkpointDir && history.length > 0 && savedAt !== this.step) {
      await this.save(hooks.checkpointDir, hooks.vocab ?? null);
      await hooks.onCheckpoint?.(this);
    }
    progress.finish();
    metrics?.close();
    return history;
  }
}
