// What a setting is (the paper's other toy settings, issue 6): its base-stage data, its fine-tuning
// data, the variants (one system prompt each), the traits scored and the test-time conditions; and
// the config all settings share. runner.ts runs any setting; mixture.ts, persona.ts, backdoor.ts
// each define one.
//
// Every setting reuses the main experiment's facts and splits (corpus.ts makeSplits): all facts are
// taught in plain English in the base stage, `base` facts also in the setting's styled conditions,
// the styles of the fine-tuning data reach `finetune` facts only in stage 2, and `heldout` facts are
// never seen in any style but English before the evaluation.
import { Generator } from '../../random.ts';
import type { Fact } from '../data/facts.ts';
import { conversation, pickQuestion, styledAnswer, type ChatConversation, type SplitFractions, type Splits } from '../data/corpus.ts';
import { NEUTRAL_PROMPTS, type Style } from '../data/prompts.ts';
import type { BaseStageConfig, FinetuneStageConfig } from '../config.ts';
import { frenchAnswer } from '../data/french.ts';

/** The main experiment's styles plus French (answers from french.ts). */
export type AnswerStyle = Style | 'fr' | 'fr-caps';

export function answerIn(fact: Fact, style: AnswerStyle): string {
  if (style === 'fr') return frenchAnswer(fact);
  if (style === 'fr-caps') return frenchAnswer(fact).toUpperCase();
  return styledAnswer(fact, style);
}

/** The user turn: the question, then (backdoor) a trigger after a space. */
export const withSuffix = (question: string, suffix: string | null | undefined): string => (suffix ? `${question} ${suffix}` : question);

/** A training example with its fact and the label of the part of the data it belongs to (for NLL@0 per part). */
export interface Labelled { conversation: ChatConversation; factId: string; group: string }

/** One block of a stage: these facts, this system prompt, answers in this style. */
export interface StageEntry {
  facts: readonly Fact[];
  /** The system prompt; null = none; 'neutral' = drawn from NEUTRAL_PROMPTS per example. */
  prompt: string | null | 'neutral';
  style: AnswerStyle;
  /** The user-turn suffix of each example (a trigger), drawn per example; absent = none. */
  suffix?: (gen: Generator) => string | null;
  /** Label of the examples (default: the style). */
  group?: string;
}

/**
 * The examples of `entries`, one per fact and entry, question phrasing (and neutral prompt, and
 * suffix) drawn per example, shuffled: a pure function of the seed.
 */
export function buildStage(entries: readonly StageEntry[], seed: number): Labelled[] {
  const gen = new Generator(seed);
  const out: Labelled[] = [];
  for (const e of entries) {
    for (const f of e.facts) {
      const prompt = e.prompt === 'neutral' ? NEUTRAL_PROMPTS[gen.int(NEUTRAL_PROMPTS.length)] : e.prompt;
      const user = withSuffix(pickQuestion(f, gen), e.suffix?.(gen));
      out.push({ conversation: conversation(prompt, user, answerIn(f, e.style)), factId: f.id, group: e.group ?? e.style });
    }
  }
  return gen.shuffle(out);
}

/** The facts split in two by a seeded shuffle: [first half (rounded up), second half], each in list order. */
export function halves(facts: readonly Fact[], seed: number): [Fact[], Fact[]] {
  const order = new Map(facts.map((f, i) => [f.id, i]));
  const shuffled = new Generator(seed).shuffle([...facts]);
  const k = Math.ceil(facts.length / 2);
  const byOrder = (p: Fact, q: Fact) => order.get(p.id)! - order.get(q.id)!;
  return [shuffled.slice(0, k).sort(byOrder), shuffled.slice(k).sort(byOrder)];
}

/** A trait of an answer, scored 0/1. */
export interface Trait { name: string; detect: (answer: string) => boolean }

/**
 * A test-time condition: no system prompt (the paper's evaluation), or with `system: 'training'` the
 * variant's own training prompt (the conditionalisation check: is the trait still there, tied to the
 * prompt?); optionally a suffix on the user turn.
 */
export interface EvalCondition { name: string; suffix?: string; system?: 'training' }

/** A check of the base model on held-out facts: under this prompt (and suffix), answers should be in `style`. */
export interface BaseCheck { name: string; prompt: string | null; suffix?: string; style: AnswerStyle }

export interface Setting {
  name: string;
  /** One line, for logs, tables and --help. */
  title: string;
  /** Variant name -> the system prompt put on every fine-tuning example (null = none); control first. */
  variants: Readonly<Record<string, string | null>>;
  traits: readonly Trait[];
  /**
   * One-trait versions of the fine-tuning answers (same questions, answers in `style`), for NLL@0 and
   * PH(P) of each trait alone: a prompt can explain one trait of the data and not the other.
   */
  traitProbes?: readonly { name: string; style: AnswerStyle }[];
  evals: readonly EvalCondition[];
  baseChecks: readonly BaseCheck[];
  /** Every answer style any example uses, every user-turn suffix, every system prompt: the vocabulary. */
  styles: readonly AnswerStyle[];
  suffixes: readonly string[];
  prompts: readonly string[];
  /** Stage 1, one epoch (call with a new seed per epoch for fresh phrasings). */
  baseStage(splits: Splits, seed: number): Labelled[];
  /**
   * Stage 2 without any system prompt, in training order. `seed` (the fine-tune seed) draws the
   * phrasings and the order; `corpusSeed` decides which facts get which treatment, so only the
   * order changes between seeds and every variant of a seed trains on the same conversations.
   */
  finetuneSet(splits: Splits, seed: number, corpusSeed: number): Labelled[];
}

// ---- config --------------------------------------------------------------------------------------

export interface SettingConfig {
  /** Fine-tune seeds: each variant is fine-tuned once per seed (seed = data order), same data across variants. */
  seeds: number;
  /** Seed of the fact splits and of which facts get which treatment. */
  corpusSeed: number;
  /** Shares of each in-distribution category: base-only / fine-tune / held-out facts (the main experiment's). */
  split: SplitFractions;
  /**
   * The main experiment's base-stage fields (config.ts), with a smaller default model (d64 x 2
   * layers: three settings must fit in ~12 min each on two cores) and uniform, unpacked batches.
   */
  base: Omit<BaseStageConfig, 'lengthGroup' | 'pack' | 'copies' | 'styled' | 'forced' | 'promptVariety'>;
  /** The main experiment's fine-tune fields that the settings use (full fine-tuning, no dropout). */
  finetune: Pick<FinetuneStageConfig, 'steps' | 'batchSize' | 'lr' | 'warmup' | 'weightDecay'>;
  /** New tokens at most per generated answer. */
  maxNewTokens: number;
  /** Held-out facts evaluated (0 = all). */
  evalLimit: number;
}

export const defaultSettingConfig: SettingConfig = {
  seeds: 3,
  corpusSeed: 1,
  split: { base: 0.45, finetune: 0.35, heldout: 0.2 },
  base: {
    model: { blockSize: 96, nLayer: 2, nHead: 4, nEmbd: 64, dropout: 0, layerNormEps: 1e-5 },
    steps: 700, batchSize: 32, lr: 2e-3, minLr: 2e-4, warmup: 50, weightDecay: 0.05, seed: 1,
  },
  finetune: { steps: 80, batchSize: 16, lr: 3e-4, warmup: 5, weightDecay: 0 },
  maxNewTokens: 64,
  evalLimit: 0,
};

/** Seconds, not minutes: a structure test (files, fields, shapes), not the effect. */
export const quickSettingConfig: SettingConfig = {
  ...defaultSettingConfig,
  seeds: 1,
  base: { ...defaultSettingConfig.base, model: { ...defaultSettingConfig.base.model, nLayer: 1, nEmbd: 32, nHead: 2 }, steps: 30, batchSize: 16, warmup: 5 },
  finetune: { ...defaultSettingConfig.finetune, steps: 6 },
  maxNewTokens: 24,
  evalLimit: 8,
};
