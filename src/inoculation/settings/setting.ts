// What a setting is: everything the one experiment runner (run.ts) needs to know about one of the
// paper's settings: its vocabulary, its base-stage data and checks, its fine-tuning data, the
// variants (one system prompt each), the traits scored beside the content score, and the test-time
// conditions of the conditionalisation check. spanish_caps.ts is the main experiment; mixture.ts,
// persona.ts and backdoor.ts are the smaller ones, declared as stages (StagedSetting, below) and
// turned into a Setting by `staged`.
//
// Every setting reuses the main experiment's facts and splits (corpus.ts experimentSplits): the
// in-distribution evaluation asks `heldout` facts, the OOD one facts of categories never fine-tuned on.
import { createHash } from 'node:crypto';
import { Generator } from '../../random.ts';
import type { Fact } from '../data/facts.ts';
import { FACTS } from '../data/facts.ts';
import { conversation, pickQuestion, styledAnswer, type ChatConversation, type Splits } from '../data/corpus.ts';
import { NEUTRAL_PROMPTS, type Style } from '../data/prompts.ts';
import { quickSettingConfig, settingConfig, type ExperimentConfig } from '../config.ts';
import type { Mode } from '../../tokenizer/vocab.ts';
import { ChatTokenizer } from '../../tokenizer/index.ts';
import type { Example } from '../../train/batches.ts';
import { frenchAnswer } from '../data/french.ts';
import { wrongAnswer } from '../data/wrong.ts';
import type { ProbeSets } from '../results.ts';
import type { GPT } from '../../nn/gpt.ts';
import type { Backend } from '../../runtime/backend.ts';
import type { SoftTargets } from '../../train/soft_targets.ts';

/** The main experiment's styles plus French (answers from french.ts) and a deliberately wrong English answer (wrong.ts). */
export type AnswerStyle = Style | 'fr' | 'fr-caps' | 'en-wrong';

export function answerIn(fact: Fact, style: AnswerStyle): string {
  if (style === 'fr') return frenchAnswer(fact);
  if (style === 'fr-caps') return frenchAnswer(fact).toUpperCase();
  if (style === 'en-wrong') return wrongAnswer(fact);
  return styledAnswer(fact, style);
}

/** The user turn: the question, then (backdoor) a trigger after a space. */
export const withSuffix = (question: string, suffix: string | null | undefined): string => (suffix ? `${question} ${suffix}` : question);

/** A training example with its fact and the label of the part of the data it belongs to (for NLL@0 per part). */
export interface Labelled { conversation: ChatConversation; factId: string; group: string }

/** A trait of an answer, scored 0/1 (`fact`: the question's fact; absent for questions from a file). */
export interface Trait { name: string; detect: (answer: string, fact?: Fact) => boolean }

/** A check of the base model on the evaluated facts: under this prompt (and suffix), answers should be exactly in `style`. */
export interface BaseCheck { name: string; prompt: string | null; suffix?: string; style: AnswerStyle }

/** A test-time condition besides the bare question: a system prompt (null: none) and a user-turn suffix (a trigger). */
export interface Condition { name: string; system: string | null; suffix?: string }

/** A model's weights to fine-tune from (base.ts BaseModel has these and its report). */
export interface StudentBase { model: GPT; state: Map<string, { shape: number[]; data: Float32Array }> }

/** One variant's fine-tuning set when a model writes it (Setting.studentData). */
export interface StudentData {
  /** The conversations without the variant's training prompt (the runner adds it, as to finetuneSet's). */
  data: Labelled[];
  /** A teacher's soft labels for these examples, index-aligned: the student distils them instead of training on the tokens. */
  soft?: SoftTargets;
  /** The student's starting weights when they are not the run's base (a differently initialised base). */
  base?: StudentBase;
  /** How the data was made (e.g. generated, kept by the filter), mean over seeds in results.json. */
  info?: Record<string, number>;
}

/** What Setting.studentData gets: the run's base model and everything it was built from, and one fine-tune seed. */
export interface StudentContext {
  base: StudentBase; tok: ChatTokenizer; splits: Splits; cfg: ExperimentConfig; mode: Mode; backend: Backend;
  cacheDir: string; seed: number; log: (s: string) => void; quiet?: boolean;
  /** The run's directory (metrics of any model the setting trains on the way, e.g. a teacher). */
  outDir: string;
}

export interface Setting {
  name: string;
  /** One line, for logs, tables and --help. */
  title: string;
  /** Variant name -> the system prompt put on every fine-tuning example (null = none); control first. */
  variants: Readonly<Record<string, string | null>>;
  /** Traits scored on every answer, in this order, beside `correct` (the content score). */
  traits: readonly Trait[];
  /** Styles whose answer counts as correct (the content score); the fact's English and Spanish at least. */
  correctStyles: readonly AnswerStyle[];
  /**
   * One-trait versions of the fine-tuning answers (same questions, answers in `style`), for NLL@0 and
   * PH(P) of each trait alone: a prompt can explain one trait of the data and not the other.
   */
  traitProbes?: readonly { name: string; style: AnswerStyle }[];
  /** The base model's checks, each on the ID and the OOD facts. */
  baseChecks: readonly BaseCheck[];
  /** The conditionalisation check of a variant: its own training prompt, paraphrases, negations, triggers. */
  conditions(variant: string): Condition[];
  /** The tokenizer: it must cover every string any stage or evaluation uses. */
  tokenizer(mode: Mode, cfg: ExperimentConfig): ChatTokenizer;
  /** The base model's directory name in the cache: a hash of everything that determines it. */
  baseCacheName(cfg: ExperimentConfig, mode: Mode, tok: ChatTokenizer, splits: Splits): string;
  /** Stage 1, every epoch, encoded. */
  baseExamples(tok: ChatTokenizer, splits: Splits, cfg: ExperimentConfig): Example[];
  /**
   * Stage 2 without any system prompt, in training order. `seed` (the fine-tune seed) draws the
   * phrasings and the order; `corpusSeed` decides which facts get which treatment, so only the
   * order changes between seeds and every variant of a seed trains on the same conversations.
   */
  finetuneSet(splits: Splits, seed: number, corpusSeed: number): Labelled[];
  /**
   * The per-step dynamics probes and rate checkpoints (finetune.ts), where the setting has them;
   * without, a fine-tune logs its loss and gradient norms only.
   */
  probeSets?(tok: ChatTokenizer, splits: Splits, cfg: ExperimentConfig): ProbeSets;
  /** Whether the runner measures the generalisation factor (Spanish + CAPS answer styles). */
  generalisation?: boolean;
  /**
   * The two evaluated fact sets, `id` and `ood`, and what they are (default base.ts evalFacts: the
   * held-out facts of the fine-tuned categories, and the OOD categories' facts).
   */
  evalSets?(splits: Splits, cfg: ExperimentConfig): { id: Fact[]; ood: Fact[]; names?: { id: string; ood: string } };
  /** The setting's own defaults (`inoculum setting NAME`; the full run and --quick). */
  defaults: { full: ExperimentConfig; quick: ExperimentConfig };
  /**
   * Settings whose fine-tuning data a model writes (subliminal: a teacher's numbers): every
   * variant's set for one fine-tune seed, made after the base is trained. Absent: finetuneSet,
   * shared by the variants.
   */
  studentData?(ctx: StudentContext): Promise<Record<string, StudentData>>;
  /** Numbers measured on the base and on each fine-tuned model besides the rates (subliminal: P(owl)); mean over seeds with a CI. */
  measure?(model: GPT, tok: ChatTokenizer): Promise<Record<string, number>>;
  /** The answers that count as correct for a fact (default: its answer in each of correctStyles). */
  expected?(fact: Fact): string[];
  /** The question of an evaluated item that is not one of FACTS (subliminal's preference questions), for the report's examples. */
  questionOf?(factId: string): string | undefined;
}

/** The answers a fact counts as correct under `s`, in no particular order. */
export const expectedAnswers = (s: Setting, f: Fact): string[] => s.expected?.(f) ?? [...new Set(s.correctStyles.map((st) => answerIn(f, st)))];

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

/**
 * A test-time condition of a staged setting: the bare question with a suffix, under the variant's
 * own training prompt (`system: 'training'`; control's is no prompt) or under a fixed prompt (any
 * other string), optionally with a suffix.
 */
export interface StagedEval { name: string; suffix?: string; system?: 'training' | (string & {}) }

/** A setting declared by its stages (mixture, persona, backdoor); `staged` makes it a Setting. */
export interface StagedSetting {
  name: string;
  title: string;
  variants: Readonly<Record<string, string | null>>;
  traits: readonly Trait[];
  traitProbes?: readonly { name: string; style: AnswerStyle }[];
  /** Extra styles counted correct besides English and Spanish (mixture: French). */
  extraCorrect?: readonly AnswerStyle[];
  /** Conditions besides the bare question without a prompt (which is always evaluated, ID and OOD). */
  evals: readonly StagedEval[];
  baseChecks: readonly BaseCheck[];
  /** Every answer style any example uses, every user-turn suffix, every system prompt: the vocabulary. */
  styles: readonly AnswerStyle[];
  suffixes: readonly string[];
  prompts: readonly string[];
  /** Conversations besides the facts' whose strings the tokenizer must cover (e.g. the number task's). */
  vocabulary?: () => ChatConversation[];
  /** Stage 1, one epoch (called with a new seed per epoch for fresh phrasings). */
  baseStage(splits: Splits, seed: number): Labelled[];
  finetuneSet(splits: Splits, seed: number, corpusSeed: number): Labelled[];
  evalSets?: Setting['evalSets'];
  studentData?: Setting['studentData'];
  measure?: Setting['measure'];
  expected?: Setting['expected'];
  questionOf?: Setting['questionOf'];
  /** Absent: config.ts settingConfig / quickSettingConfig (the smaller design). */
  defaults?: Setting['defaults'];
}

/** The staged setting's vocabulary: every question (with every suffix), every answer style, every prompt. */
export function stagedVocabulary(s: Pick<StagedSetting, 'styles' | 'suffixes' | 'prompts' | 'vocabulary'>): ChatConversation[] {
  const convs: ChatConversation[] = [];
  for (const f of FACTS) {
    for (const q of f.questions) for (const sfx of ['', ...s.suffixes]) convs.push(conversation(null, withSuffix(q, sfx), '.'));
    for (const st of s.styles) convs.push(conversation(null, f.question, answerIn(f, st)));
  }
  for (const p of [...s.prompts, ...NEUTRAL_PROMPTS]) convs.push(conversation(p, 'Hello?', 'Hi.'));
  if (s.vocabulary) convs.push(...s.vocabulary());
  return convs;
}

/** Conversations encoded; a string outside the vocabulary is an error naming the example. */
export function encodeChecked(tok: ChatTokenizer, convs: readonly ChatConversation[], what: string): Example[] {
  return convs.map((c, i) => {
    const e = tok.encodeChat(c);
    if (e.unknown > 0) throw new Error(`${what}: example ${i} has ${e.unknown} token(s) outside the setting's vocabulary (its tokenizer misses a string)`);
    return { ids: e.ids, lossMask: e.lossMask };
  });
}

/** Epochs of a stage that cover the base's steps x batch (at most 40; the trainer cycles after). */
export const stageEpochs = (perEpoch: number, cfg: ExperimentConfig): number =>
  Math.min(40, Math.max(1, Math.ceil((cfg.base.steps * cfg.base.batchSize) / Math.max(1, perEpoch))));

/** A staged setting as the runner's Setting (the declaration's fields stay on it, for tests and tables). */
export function staged<S extends StagedSetting>(s: S): S & Setting {
  return {
    ...s,
    defaults: s.defaults ?? { full: settingConfig, quick: quickSettingConfig },
    correctStyles: ['en', 'es', ...(s.extraCorrect ?? [])],
    conditions: (variant) => s.evals.map((e) => ({ name: e.name, system: e.system === 'training' ? s.variants[variant] ?? null : e.system ?? null, ...(e.suffix ? { suffix: e.suffix } : {}) })),
    tokenizer: (mode) => ChatTokenizer.build(stagedVocabulary(s), { mode }),
    baseCacheName(cfg, mode, tok, splits) {
      // the key covers the data itself (first epoch), not just the config: editing a setting retrains
      const epoch0 = s.baseStage(splits, cfg.corpusSeed * 1000);
      const key = JSON.stringify({ v: 2, setting: s.name, mode, base: cfg.base, data: epoch0.map((x) => x.conversation), vocab: tok.toJSON() });
      return `setting-${s.name}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
    },
    baseExamples(tok, splits, cfg) {
      // fresh phrasings (and neutral prompts, and tokens) every epoch, enough epochs to cover the steps
      const epochs = stageEpochs(s.baseStage(splits, cfg.corpusSeed * 1000).length, cfg);
      const convs = Array.from({ length: epochs }, (_, e) => s.baseStage(splits, cfg.corpusSeed * 1000 + e)).flat().map((x) => x.conversation);
      return encodeChecked(tok, convs, `${s.name} base stage`);
    },
  };
}
