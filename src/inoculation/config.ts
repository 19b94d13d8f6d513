// The experiment's configuration: the types and the defaults, each default with a comment on why
// (nanoGPT's config style). What each field means is documented once, in its schema entry in
// config_file.ts (the same text `inoculum run --print-config` prints above each field).
// `quick` shrinks everything to a minutes-long smoke run (CI runs it end to end).
import type { Mode } from '../tokenizer/vocab.ts';
import { createHash } from 'node:crypto';
import type { GPTConfig } from '../nn/gpt.ts';
import type { BaseConditionName } from './data/prompts.ts';
import { FACTS, type Category } from './data/facts.ts';

export interface BaseStageConfig {
  model: Omit<GPTConfig, 'vocabSize'>;
  steps: number;
  batchSize: number;
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  seed: number;
  lengthGroup: number;
  pack: boolean;
  copies: Record<BaseConditionName, number>;
  styled: 'base' | 'all';
  forced: number;
  promptVariety: boolean;
}

/** The weights a fine-tune trains (finetune.ts trainedWeights). */
export type FinetuneWeights = 'all' | 'mlp' | 'mlp-out';
export const FINETUNE_WEIGHTS: readonly FinetuneWeights[] = ['all', 'mlp', 'mlp-out'];

export interface FinetuneStageConfig {
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  eps: number;
  dropout: number;
  train: FinetuneWeights;
  loraRank: number;
  loraAlpha: number;
  pack: boolean;
}

export interface ProbeConfig {
  every: number;
  rateSteps: number[];
  subset: number;
}

export interface ExperimentConfig {
  tokenizer: Mode;
  ablation: boolean;
  seeds: number;
  bases: number;
  corpusSeed: number;
  split: { base: number; finetune: number; heldout: number };
  categories: Category[];
  base: BaseStageConfig;
  finetune: FinetuneStageConfig;
  probes: ProbeConfig;
  maxNewTokens: number;
  evalLimit: number;
}

/**
 * The tokenizer `--ablation` runs beside `mode`: GPT-2 BPE for either character-level mode (the
 * contrast the issue asks for: BPE fuses the two traits), and the default for BPE.
 */
export function ablationTokenizer(mode: Mode): Mode {
  return mode === 'bpe' ? defaultConfig.tokenizer : 'bpe';
}

export const defaultConfig: ExperimentConfig = {
  tokenizer: 'tagged',
  ablation: false,
  seeds: 2,
  bases: 3,
  corpusSeed: 1,
  split: { base: 0.45, finetune: 0.35, heldout: 0.2 },
  categories: ['colour', 'sound', 'opposite', 'home', 'legs', 'capital', 'sides', 'food', 'material', 'bigger'],
  base: {
    model: { blockSize: 96, nLayer: 3, nHead: 4, nEmbd: 96, dropout: 0, layerNormEps: 1e-5 },
    steps: 1500, batchSize: 32, lr: 2e-3, minLr: 2e-4, warmup: 100, weightDecay: 0.05, seed: 1, lengthGroup: 1, pack: true,
    copies: { none: 1, neutral: 1, spanish: 1, caps: 1, both: 1 }, styled: 'all', forced: 2, promptVariety: false,
  },
  // 108 steps of 16 over the 58 fine-tune answers (~30 epochs) at a constant lr of 3e-4. AdamW with
  // eps 1e-2: the step of a weight with a small gradient follows the gradient (SGD-like, lr / eps),
  // so a tag the prompt already explains is not learned globally; with eps 1e-8 it was, within 24
  // steps. The lr and step count replace 1e-3 x 36 steps, under which base 2's Spanish inoculation
  // leaked and its answers went wrong; chosen after seeing bases 2 and 6 (docs/results.md,
  // "A slower fine-tune").
  finetune: { steps: 108, batchSize: 16, lr: 3e-4, eps: 1e-2, warmup: 5, weightDecay: 0, dropout: 0, train: 'mlp-out', loraRank: 0, loraAlpha: 16, pack: true },
  probes: { every: 18, rateSteps: [0, 18, 36, 72, 108], subset: 32 },
  maxNewTokens: 64,
  evalLimit: 0,
};

/** A few minutes on two cores: a structure check, not the effect. */
export const quickConfig: ExperimentConfig = {
  ...defaultConfig,
  seeds: 1,
  bases: 1,
  base: { ...defaultConfig.base, model: { ...defaultConfig.base.model, nLayer: 1, nEmbd: 32, nHead: 2 }, steps: 60, batchSize: 16 },
  finetune: { ...defaultConfig.finetune, steps: 10 },
  probes: { every: 5, rateSteps: [0, 5, 10], subset: 8 },
  maxNewTokens: 40,
  evalLimit: 12,
};

/**
 * The smaller settings' defaults (mixture, persona, backdoor; settings/): the same fields, a smaller
 * base (d64 x 2 layers, 700 steps, uniform unpacked batches: three settings in ~12 min each on two
 * cores), hybrid characters, full fine-tuning with the usual AdamW eps, 3 fine-tune seeds on one base.
 * `probes` is unused there (those settings have no probe sets; no rate steps, so none is out of range). The base-stage fields copies, styled,
 * forced and promptVariety are the Spanish + CAPS stage's own; the staged settings ignore them.
 */
export const settingConfig: ExperimentConfig = {
  ...defaultConfig,
  tokenizer: 'hybrid',
  seeds: 3,
  bases: 1,
  base: {
    ...defaultConfig.base,
    model: { blockSize: 96, nLayer: 2, nHead: 4, nEmbd: 64, dropout: 0, layerNormEps: 1e-5 },
    steps: 700, batchSize: 32, lr: 2e-3, minLr: 2e-4, warmup: 50, weightDecay: 0.05, seed: 1, lengthGroup: 1, pack: false,
    copies: { none: 1, neutral: 1, spanish: 1, caps: 1, both: 1 }, styled: 'base', forced: 0, promptVariety: false,
  },
  finetune: { steps: 80, batchSize: 16, lr: 3e-4, eps: 1e-8, warmup: 5, weightDecay: 0, dropout: 0, train: 'all', loraRank: 0, loraAlpha: 16, pack: false },
  probes: { ...defaultConfig.probes, rateSteps: [] },
};

/** Seconds, not minutes: a structure test of a smaller setting (files, fields, shapes), not the effect. */
export const quickSettingConfig: ExperimentConfig = {
  ...settingConfig,
  seeds: 1,
  base: { ...settingConfig.base, model: { ...settingConfig.base.model, nLayer: 1, nEmbd: 32, nHead: 2 }, steps: 30, batchSize: 16, warmup: 5 },
  finetune: { ...settingConfig.finetune, steps: 6 },
  maxNewTokens: 24,
  evalLimit: 8,
};

/**
 * The main organism's recipe for a staged setting (settings/: emergent, mixture, backdoor on the
 * organism of issue 13): its base model and schedule (d96 x 3, 1500 steps, packed) and its
 * fine-tune (the MLPs' output projections, lr 3e-4 for 108 steps, eps 1e-2), 3 fine-tune seeds on one
 * base, the setting's tokenizer. The Spanish + CAPS stage's own options (copies, styled, forced,
 * promptVariety) do not apply to a staged setting and are set to their neutral values; no probes.
 */
export function organismConfigs(tokenizer: Mode): { full: ExperimentConfig; quick: ExperimentConfig } {
  const neutral = { forced: 0, styled: 'base' as const, copies: { none: 1, neutral: 1, spanish: 1, caps: 1, both: 1 }, promptVariety: false };
  return {
    full: { ...defaultConfig, tokenizer, seeds: 3, bases: 1, base: { ...defaultConfig.base, ...neutral }, probes: { ...defaultConfig.probes, rateSteps: [] } },
    quick: { ...quickConfig, tokenizer, seeds: 1, base: { ...quickConfig.base, ...neutral }, probes: { ...quickConfig.probes, rateSteps: [] } },
  };
}

/** The hash of the fact list; part of the base cache key (baseHash), so a changed corpus retrains. */
export function corpusHash(): string {
  return createHash('sha256').update(JSON.stringify(FACTS)).digest('hex').slice(0, 12);
}

/** Stable hash of the parts of the config that determine the base model (the cache key). */
export function baseHash(cfg: ExperimentConfig, tokenizer: string, corpusHash: string): string {
  // options left out of the key at their earlier defaults, so bases trained before them keep their hash
  const { copies, styled, forced, promptVariety, ...rest } = cfg.base;
  const base: Record<string, unknown> = { ...rest };
  if (!Object.values(copies ?? {}).every((c) => c === 1)) base.copies = copies;
  if ((styled ?? 'base') !== 'base') base.styled = styled;
  if ((forced ?? 0) !== 0) base.forced = forced;
  if (promptVariety) base.promptVariety = true;
  const key = JSON.stringify({ base, tokenizer, corpusSeed: cfg.corpusSeed, split: cfg.split, corpusHash, v: 1, ...(cfg.categories ? { categories: cfg.categories } : {}) });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The config as a tokenizer can train it: tag-forced copies exist only for the tagged tokenizer
 * (only tags can be given apart from the text), so other modes (e.g. the BPE ablation) train
 * without them. Returns cfg itself when nothing changes.
 */
export function forTokenizer(cfg: ExperimentConfig, mode: Mode): ExperimentConfig {
  return mode === 'tagged' || cfg.base.forced === 0 ? cfg : { ...cfg, base: { ...cfg.base, forced: 0 } };
}
