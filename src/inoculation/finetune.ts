// Stage 2 for one (variant, seed): reset to the base weights, fine-tune on the Spanish + CAPS set
// under the variant's system prompt, and log the dynamics probes to metrics-<variant>-s<seed>.jsonl.
import type { Backend } from '../runtime/backend.ts';
import { GPT } from '../nn/gpt.ts';
import { Trainer } from '../train/trainer.ts';
import { batchIndices, type Example } from '../train/batches.ts';
import { JsonlWriter } from '../io/json.ts';
import type { ChatTokenizer } from '../tokenizer/index.ts';
import type { ExperimentConfig, FinetuneStageConfig, FinetuneWeights } from './config.ts';
import { answerFacts, fraction } from './evaluate.ts';
import { answerLogprobs, gradientCosine, gradientsOf, layerNorms, mean } from './probes.ts';
import type { ProbeRecord, ProbeSets } from './results.ts';
import type { BaseModel } from './base.ts';
import { distillBatchLoss, type SoftTargets } from '../train/soft_targets.ts';

/** Parameter names fine-tuning with `train` changes (LoRA adapters included: they sit under their layer's name). */
export const trainedWeights = (train: FinetuneWeights) => (name: string): boolean =>
  train === 'all' || (train === 'mlp' ? /^h\.\d+\.mlp\./ : /^h\.\d+\.mlp\.c_proj\./).test(name);

/** The weights `train` names, in words (logs). */
export function describeTrained(train: FinetuneWeights): string {
  return { all: 'every weight', mlp: 'the MLPs', 'mlp-out': "the MLPs' output projections" }[train];
}

/**
 * The base weights made ready for stage 2, as every fine-tune does it (the experiment and `inoculum
 * finetune`): LoRA adapters seeded by the fine-tune seed if ft.loraRank > 0, then only the weights
 * `ft.train` names left trainable (and none that `frozen` names). Returns the trained parameter count.
 */
export function prepareForFinetune(model: GPT, ft: Pick<FinetuneStageConfig, 'loraRank' | 'loraAlpha' | 'train'>, seed: number, frozen?: (name: string) => boolean): number {
  for (const p of model.parameters()) p.requiresGrad = true; // a merged LoRA base comes back frozen
  if (ft.loraRank > 0) model.addLoRA(ft.loraRank, ft.loraAlpha, seed);
  const keep = trainedWeights(ft.train);
  let n = 0;
  for (const [name, p] of model.namedParameters()) {
    if (!keep(name) || frozen?.(name)) p.requiresGrad = false;
    if (p.requiresGrad) n += p.size;
  }
  if (n === 0) throw new Error(`prepareForFinetune: no parameter left to train (finetune.train ${ft.train}, LoRA rank ${ft.loraRank})`);
  return n;
}

export type { ProbeSets } from './results.ts';

export interface FinetuneRun {
  model: GPT;
  history: ProbeRecord[];
  /** Seconds spent in probes (log-probs, gradient cosines) and in rate generation, inside the run. */
  probeS: number;
  rateS: number;
  totalS: number;
}

export async function finetuneVariant(opts: {
  cfg: ExperimentConfig; base: Pick<BaseModel, 'model' | 'state'>; tok: ChatTokenizer; backend: Backend; seed: number;
  /** This variant's training examples, and the same examples without any system prompt (index-aligned). */
  examples: Example[]; plain: Example[];
  /** The per-step probes and rate checkpoints (null: the setting has none; only loss and gradient norms are logged). */
  hasPrompt: boolean; probes: ProbeSets | null; metricsPath: string; label: string; quiet?: boolean;
  /** Parameters (by name, e.g. "h.0.attn.c_attn.weight") left at the base's values: a screening knob, not a config field. */
  frozen?: (name: string) => boolean;
  /** The lr a cosine decay reaches at the last step (default: ft.lr, constant): a screening knob, not a config field. */
  lrEnd?: number;
  /** A teacher's soft labels for `examples` (index-aligned): the loss is distillation (KL to them), not cross-entropy on the tokens. */
  soft?: SoftTargets;
}): Promise<FinetuneRun> {
  const { cfg, tok, seed, probes } = opts;
  const ft = cfg.finetune;
  const model = new GPT({ ...opts.base.model.config, dropout: ft.dropout }, seed, opts.backend);
  model.loadStateDict(opts.base.state);
  prepareForFinetune(model, ft, seed, opts.frozen);
  const trainer = new Trainer(model, opts.examples, {
    steps: ft.steps, batchSize: ft.batchSize, lr: ft.lr, minLr: opts.lrEnd ?? ft.lr, eps: ft.eps, warmup: ft.warmup, weightDecay: ft.weightDecay,
    seed, gradClip: 1, pack: ft.pack, // the data order depends on the seed only: identical across variants
  }, tok.padId);
  if (opts.soft) {
    if (opts.soft.logits.length !== opts.examples.length) throw new Error(`finetuneVariant ${opts.label}: ${opts.soft.logits.length} soft labels for ${opts.examples.length} examples`);
    trainer.batchLoss = distillBatchLoss(opts.soft);
  }
  const writer = new JsonlWriter(opts.metricsPath, { truncate: true });
  const history: ProbeRecord[] = [];
  const rateSteps = new Set(cfg.probes.rateSteps);

  let probeS = 0, rateS = 0;
  const t0 = performance.now();
  const probe = async (rec: ProbeRecord): Promise<void> => {
    const tp = performance.now();
    if (probes) {
      // all six probe sets in one batched forward (one pass of dispatches), then split per set
      const sets = [probes.capsEnglish, probes.spanishLower, probes.spanishCaps, probes.english, probes.drift, probes.capsStart];
      const all = await answerLogprobs(model, sets.flat(), tok.padId, 256);
      const [capsEn, esLower, esCaps, en, drift, capsStart] = sets.map((_, k) => {
        const from = sets.slice(0, k).reduce((a, x) => a + x.length, 0);
        return mean(all.slice(from, from + sets[k].length));
      });
      rec.probeCapsEnglish = capsEn;
      rec.probeCapsStart = capsStart;
      rec.probeSpanishLower = esLower;
      rec.probeSpanishCaps = esCaps;
      rec.probeEnglish = en;
      rec.driftLoss = -drift;
    }
    // every setting with a training prompt (a distilling run's loss is not the cross-entropy this measures)
    if (opts.hasPrompt && !opts.soft && rec.step < ft.steps) {
      // the next step's batch, with and without the prompt
      const idx = batchIndices(opts.examples.length, ft.batchSize, seed, rec.step);
      const a = gradientsOf(model, idx.map((i) => opts.examples[i]), tok.padId);
      const b = gradientsOf(model, idx.map((i) => opts.plain[i]), tok.padId);
      rec.gradCosine = (await gradientCosine(a, b)).cosine;
      for (const t of [...a.values(), ...b.values()]) t.dispose();
    }
    probeS += (performance.now() - tp) / 1000;
  };
  const rates = async (rec: ProbeRecord): Promise<void> => {
    if (!probes) return;
    const tr = performance.now();
    const scored = await answerFacts(model, tok, probes.rateFacts, null, { temperature: 0, seed: 0, maxNewTokens: cfg.maxNewTokens });
    rec.rateSpanish = fraction(scored, 'spanish');
    rec.rateCaps = fraction(scored, 'caps');
    rateS += (performance.now() - tr) / 1000;
  };

  // step 0: the base model itself
  const rec0: ProbeRecord = { step: 0, loss: NaN, lr: 0, gradNorm: NaN };
  // (the cross-entropy of the data; a distilling run's own loss starts at its first step)
  if (!opts.soft) rec0.loss = await trainer.evaluate(opts.examples.slice(0, Math.min(64, opts.examples.length)));
  await probe(rec0);
  if (rateSteps.has(0)) await rates(rec0);
  history.push(rec0); writer.append(clean(rec0));

  await trainer.run({
    label: opts.label, quiet: opts.quiet,
    onStep: async (m) => {
      const rec: ProbeRecord = { step: m.step, loss: m.loss, lr: m.lr, gradNorm: m.gradNorm };
      if (m.gradSquared) rec.layerGradNorms = layerNorms(m.gradSquared);
      if (m.updateNorm !== undefined) rec.updateNorm = m.updateNorm;
      const probeNow = m.step % cfg.probes.every === 0 || m.step === ft.steps;
      if (probeNow) await probe(rec);
      if (rateSteps.has(m.step)) await rates(rec);
      // measure the update norm on the step before each probe step (it costs a copy of the weights)
      trainer.measureUpdate = probes !== null && (m.step + 1) % cfg.probes.every === 0;
      history.push(rec); writer.append(clean(rec));
    },
  });
  trainer.opt.dispose();
  writer.close();
  return { model, history, probeS, rateS, totalS: (performance.now() - t0) / 1000 };
}

/** JSON has no NaN: drop fields that are not finite. */
function clean(r: ProbeRecord): ProbeRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (typeof v !== 'number' || Number.isFinite(v)) out[k] = v;
  return out as unknown as ProbeRecord;
}
