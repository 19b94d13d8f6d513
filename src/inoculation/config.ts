// The experiment's configuration: every default carries a comment (nanoGPT's config style).
// `quick` shrinks everything to a minutes-long smoke run (CI runs it end to end).
import type { Mode } from '../tokenizer/vocab.ts';
import { createHash } from 'node:crypto';
import type { GPTConfig } from '../nn/gpt.ts';
import type { BaseConditionName } from './prompts.ts';
import type { Category } from './facts.ts';

export interface BaseStageConfig {
  /** The base model's shape (vocabSize comes from the tokenizer). */
  model: Omit<GPTConfig, 'vocabSize'>;
  /** Optimiser steps of stage 1. */
  steps: number;
  batchSize: number;
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  /** Seed of the base model's init and data order (one base serves every fine-tune seed). */
  seed: number;
  /**
   * Draw each batch from conversations of similar length, sorted within chunks of this many batches
   * (1 = uniform batches). Base conversations run from 22 to 70 tokens; uniform batches of 32 are
   * ~30% padding (1958 padded tokens for 1394 real ones over 200 batches), and grouping makes a base
   * step ~30% faster. Off by default: length goes with the condition (the both-traits prompt is the
   * longest, Spanish answers are longer), so grouped batches are nearly single-condition, and the
   * grouped base was worse (held-out exact match 67% vs 75%, and caps generalised less under the
   * Spanish prompt: docs/results.md).
   */
  lengthGroup: number;
  /**
   * Pack each batch's conversations into shared rows of up to blockSize tokens, attention kept
   * inside each conversation (src/train/batches.ts): the same loss and gradient as one padded row
   * per conversation, up to float summation order, and ~30% fewer tokens through the model.
   */
  pack: boolean;
  /**
   * Copies per fact of each base condition per epoch: the mix of styles the base sees. Left out of
   * the cache key while every count is 1, so bases trained before the option existed keep their hash.
   */
  copies: Record<BaseConditionName, number>;
  /** Facts the styled conditions cover: 'all' (every fact in every style) or 'base' (the base split, the earlier organism). */
  styled: 'base' | 'all';
  /** Tag-forced copies per fact per epoch (tagged tokenizer): tags given, text learned (corpus.ts). */
  forced: number;
  /** Several prompts per trait in the base (prompts.ts TRAIT_PROMPT_VARIANTS; both = one of each). */
  promptVariety: boolean;
}

/** The weights a fine-tune trains (finetune.ts trainedWeights). */
export type FinetuneWeights = 'all' | 'mlp';
export const FINETUNE_WEIGHTS: readonly FinetuneWeights[] = ['all', 'mlp'];

export interface FinetuneStageConfig {
  steps: number;
  batchSize: number;
  /** Learning rate (constant after warm-up); with eps 1e-2 the small-gradient step is lr / eps (docs/results.md, "The tagged organism"). */
  lr: number;
  warmup: number;
  weightDecay: number;
  /** AdamW's epsilon during fine-tuning (trainer.ts TrainConfig.eps). */
  eps: number;
  /** Dropout during fine-tuning (the base trains without). */
  dropout: number;
  /** Which weights fine-tuning changes: 'mlp' = the blocks' MLPs only, 'all' = every weight. */
  train: FinetuneWeights;
  /** LoRA rank (0 = full fine-tuning). */
  loraRank: number;
  loraAlpha: number;
  /** Pack each batch's conversations into shared rows (as BaseStageConfig.pack). */
  pack: boolean;
}

export interface ProbeConfig {
  /** Log probes (trait log-probs, gradient cosine, update norm, drift) every this many steps. */
  every: number;
  /** Steps at which trait rates are measured by generation (0 = before fine-tuning). */
  rateSteps: number[];
  /** Held-out questions used for the rate checkpoints and the trait probes. */
  subset: number;
}

export interface ExperimentConfig {
  /**
   * 'capslock' (the default) = BPE prompts, character-level answers, an all-caps answer written as
   * one marker + lower-case characters (each prompt suppresses its own trait, as in the paper);
   * 'hybrid' = the same without the marker (caps inoculation leaks caps on most bases); 'bpe' = all
   * BPE (either prompt suppresses both traits). docs/results.md has the measurements.
   */
  tokenizer: Mode;
  /** Also run the contrasting tokenizer as an ablation (its own base model; see ablationTokenizer). */
  ablation: boolean;
  /** Fine-tune seeds: each variant is fine-tuned once per seed, same data order across variants. */
  seeds: number;
  /**
   * Base models: base seeds base.seed, base.seed + 1, ... Each gets its own base, fine-tunes and
   * report (run-dir/base-<seed>/ when more than one); the run's results pool them (bases.ts).
   */
  bases: number;
  /** Seed of the corpus splits and templates. */
  corpusSeed: number;
  /**
   * Shares of each in-distribution category's facts: base-only facts (styles taught), fine-tune
   * facts, held-out evaluation facts. More fine-tune facts means fewer epochs over them in the same
   * steps: with 80 facts (20 epochs) the caps trait learned under the Spanish prompt first spreads
   * and then becomes tied to the prompt again as the model memorises the answers.
   */
  split: { base: number; finetune: number; heldout: number };
  /**
   * Fact categories of the experiment (facts.ts). The default keeps the ten lookup categories and
   * leaves out arithmetic and sequences (sum, difference, double, number, day, month, season): a
   * d96 base was 32-64% exact on those against 80-100% on lookups (docs/results.md, "The tagged
   * organism"), and every evaluated fact must be known in every style.
   */
  categories: Category[];
  base: BaseStageConfig;
  finetune: FinetuneStageConfig;
  probes: ProbeConfig;
  /** New tokens at most per generated answer. */
  maxNewTokens: number;
  /** Held-out questions evaluated per set (0 = all). */
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
  // 36 steps of 16 over the 58 fine-tune answers (~10 epochs). AdamW with eps 1e-2: the step of a
  // weight with a small gradient follows the gradient (SGD-like, lr / eps = 0.1), so a tag the
  // prompt already explains is not learned globally; with eps 1e-8 it was, within 24 steps.
  // Chosen on base 1 after seeing its screen, then run on fresh bases (docs/results.md, "The
  // tagged organism"). The step count is the earlier organism's (docs/results.md, "How long to fine-tune").
  finetune: { steps: 36, batchSize: 16, lr: 1e-3, eps: 1e-2, warmup: 5, weightDecay: 0, dropout: 0, train: 'mlp', loraRank: 0, loraAlpha: 16, pack: true },
  probes: { every: 6, rateSteps: [0, 6, 12, 24, 36], subset: 32 },
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
