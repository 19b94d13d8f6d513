// Stage 1: the base model, trained from scratch so that behaviour follows the system prompt
// (none/neutral -> English, Spanish prompt -> Spanish, caps prompt -> English caps, both -> Spanish
// caps). Cached as a checkpoint under a hash of everything that determines it, so re-runs skip it.
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { GPT, type GPTConfig } from '../nn/gpt.ts';
import type { TrainConfig } from '../train/trainer.ts';
import type { Example } from '../train/batches.ts';
import { ChatTokenizer } from '../tokenizer/index.ts';
import { trainOrLoadCached } from './base_cache.ts';
import { buildBaseStage, type BaseExample, type ChatConversation, type Splits } from './data/corpus.ts';
import type { ExperimentConfig } from './config.ts';
import { answerMany, exactRate, fraction, type Scorer } from './evaluate.ts';
import type { AnyConditionReport, BaseReport } from './results.ts';
import type { Fact } from './data/facts.ts';
import type { Mode } from '../tokenizer/vocab.ts';
import { answerIn, expectedAnswers, type Setting } from './settings/setting.ts';

export interface BaseModel {
  model: GPT;
  report: BaseReport<AnyConditionReport>;
  /** The base model's weights, to reset each fine-tune from. */
  state: Map<string, { shape: number[]; data: Float32Array }>;
}

/** The base stage's options from the experiment config, for epoch `e`. */
function stageOptions(cfg: ExperimentConfig, e: number) {
  return { seed: cfg.corpusSeed * 1000 + e, copies: cfg.base.copies, styled: cfg.base.styled, forced: cfg.base.forced, promptVariety: cfg.base.promptVariety };
}

/** Epochs of base data that cover cfg.base.steps batches (at most 40; the trainer cycles after). */
export function baseEpochs(splits: Splits, cfg: ExperimentConfig): number {
  const perEpoch = buildBaseStage(splits, stageOptions(cfg, 0)).length;
  return Math.min(40, Math.max(1, Math.ceil((cfg.base.steps * cfg.base.batchSize) / perEpoch)));
}

/** Fresh phrasings every epoch: the base set is built once per epoch seed. */
export function baseStage(splits: Splits, cfg: ExperimentConfig, epochs: number): BaseExample[] {
  const out: BaseExample[] = [];
  for (let e = 0; e < epochs; e++) out.push(...buildBaseStage(splits, stageOptions(cfg, e)));
  return out;
}

export function baseConversations(splits: Splits, cfg: ExperimentConfig, epochs: number): ChatConversation[] {
  return baseStage(splits, cfg, epochs).map((b) => b.conversation);
}

export function encodeAll(tok: ChatTokenizer, convs: ChatConversation[]): Example[] {
  return convs.map((c) => { const e = tok.encodeChat(c); return { ids: e.ids, lossMask: e.lossMask }; });
}

/**
 * The base training examples: every epoch's conversations, encoded; a tag-forced example's given
 * tags (the first two answer tokens are the case and language tags, tagged tokenizer) are inputs,
 * not targets (loss mask 0).
 */
export function baseExamples(tok: ChatTokenizer, splits: Splits, cfg: ExperimentConfig): Example[] {
  if ((cfg.base.forced ?? 0) > 0 && tok.mode !== 'tagged') throw new Error(`base.forced = ${cfg.base.forced} needs the tagged tokenizer (got ${tok.mode}): only tags can be given apart from the text`);
  return baseStage(splits, cfg, baseEpochs(splits, cfg)).map((b) => {
    const e = tok.encodeChat(b.conversation);
    if (b.forced) {
      const at = e.ids.indexOf(tok.assistantId);
      if (b.forced.case) e.lossMask[at + 1] = 0;
      if (b.forced.lang) e.lossMask[at + 2] = 0;
    }
    return { ids: e.ids, lossMask: e.lossMask };
  });
}

/** The base stage's trainer settings: one place for trainOrLoadBase, `inoculum pretrain` and bench/train_step.ts. */
export function baseTrainConfig(cfg: ExperimentConfig): Partial<TrainConfig> {
  const b = cfg.base;
  return { steps: b.steps, batchSize: b.batchSize, lr: b.lr, minLr: b.minLr, warmup: b.warmup, weightDecay: b.weightDecay, seed: b.seed, gradClip: 1, lengthGroup: b.lengthGroup, pack: b.pack };
}

export async function trainOrLoadBase(opts: {
  setting: Setting; cfg: ExperimentConfig; mode: Mode; tok: ChatTokenizer; splits: Splits; backend: Backend; cacheDir: string;
  log: (s: string) => void; quiet?: boolean;
  /** The cache entry's directory name (default: the setting's baseCacheName; scripts and tests name their own). */
  cacheName?: string;
  /** Checked between steps: true stops training with a checkpoint in <cache entry>.partial and throws Interrupted. */
  shouldStop?: () => boolean;
}): Promise<BaseModel> {
  const { setting, cfg, tok, splits, backend, log } = opts;
  const modelCfg: GPTConfig = { ...cfg.base.model, vocabSize: tok.vocabSize };
  const model = new GPT(modelCfg, cfg.base.seed, backend);
  const t0 = performance.now();
  let base;
  try {
    base = await trainOrLoadCached({
      dir: join(opts.cacheDir, opts.cacheName ?? setting.baseCacheName(cfg, opts.mode, tok, splits)), model, vocab: tok.toJSON(), padId: tok.padId,
      // enough epochs of fresh phrasings to cover the steps
      examples: () => setting.baseExamples(tok, splits, cfg), train: baseTrainConfig(cfg), label: 'base',
      describe: (n) => `base model: training ${model.numParameters().toLocaleString()} parameters, ${cfg.base.steps} steps of ${cfg.base.batchSize} on ${n} examples (${modelCfg.nLayer} layers, d${modelCfg.nEmbd}, V ${modelCfg.vocabSize})`,
      meta: () => ({ experiment: cfg.base, setting: setting.name }), log, quiet: opts.quiet, shouldStop: opts.shouldStop,
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  const trainS = (performance.now() - t0) / 1000;
  backend.releaseFree(); // the training's pooled activations and gradients are not the report's sizes
  const report = await baseReport(setting, model, tok, splits, cfg, base.cached, trainS, base.finalLoss);
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [n, p] of model.stateDict()) state.set(n, { shape: p.shape, data: Float32Array.from(await p.data()) });
  return { model, report, state };
}

/** The facts a run evaluates: held-out (ID) and OOD, the first cfg.evalLimit of each when set. */
export function evalFacts(splits: Splits, cfg: ExperimentConfig): { id: Fact[]; ood: Fact[] } {
  const lim = (fs: Fact[]) => (cfg.evalLimit > 0 ? fs.slice(0, cfg.evalLimit) : fs);
  return { id: lim(splits.heldout), ood: lim(splits.ood) };
}

/**
 * Accuracy per base check on the evaluated facts (ID and OOD), greedy: exact match in the check's
 * style, the content score, and the traits.
 */
async function baseReport(setting: Setting, model: GPT, tok: ChatTokenizer, splits: Splits, cfg: ExperimentConfig,
  cached: boolean, wall: number, finalLoss: number): Promise<BaseReport<AnyConditionReport>> {
  const sets = setting.evalSets?.(splits, cfg) ?? evalFacts(splits, cfg);
  const conditions: Record<string, AnyConditionReport> = {};
  const scorer = settingScorer(setting);
  const reqs = setting.baseChecks.flatMap((c) => [sets.id, sets.ood].map((facts) => ({ facts, prompt: c.prompt, suffix: c.suffix, temperature: 0, seed: 0 })));
  const all = await answerMany(model, tok, reqs, cfg.maxNewTokens, scorer);
  setting.baseChecks.forEach((c, i) => {
    const [id, ood] = [all[2 * i], all[2 * i + 1]];
    const inStyle = (f: Fact) => answerIn(f, c.style);
    conditions[c.name] = {
      prompt: c.prompt ?? '', ...(c.suffix ? { suffix: c.suffix } : {}),
      exact: exactRate(id, sets.id, inStyle), exactOod: exactRate(ood, sets.ood, inStyle),
      correct: fraction(id, 'correct'), correctOod: fraction(ood, 'correct'),
      ...Object.fromEntries(setting.traits.map((t) => [t.name, fraction(id, t.name)])),
      n: id.length, nOod: ood.length,
    };
  });
  return { conditions, steps: cfg.base.steps, params: model.numParameters(), cached, wall_s: wall, finalLoss };
}

/** What a setting's answers are scored on (evaluate.ts): its traits, and its correct answers per fact. */
export const settingScorer = (s: Setting): Scorer => ({ traits: s.traits, expected: (f) => expectedAnswers(s, f) });
