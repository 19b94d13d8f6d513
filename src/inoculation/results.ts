// The shape of a run directory's results: results.json (one object) and metrics-<variant>-s<seed>.jsonl
// (one ProbeRecord per line). report.ts renders both into report.html; nothing else reads them
// back, so they are the contract between the experiment and its report.
import type { Mode } from '../tokenizer/vocab.ts';
import type { Rate } from './stats.ts';
import type { Example as TrainExample } from '../train/batches.ts';
import type { Fact } from './data/facts.ts';

export const VARIANTS = ['control', 'inoculate-spanish', 'inoculate-caps', 'placebo'] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * Below this rise under the prompt (nats/token) the generalisation factor is not computed (null):
 * the answers barely moved under the prompt, and a ratio over a near-zero rise is noise (a BPE run
 * gave -122).
 */
export const MIN_PROMPT_RISE = 0.1;

/** The generalisation factor from its four mean log-probs (null below MIN_PROMPT_RISE). */
export function generalisationFactor(before0: number, after0: number, beforeP: number, afterP: number): number | null {
  const rise = afterP - beforeP;
  return Math.abs(rise) < MIN_PROMPT_RISE ? null : (after0 - before0) / rise;
}

/** Answer styles the generalisation factor is measured on: the full training style and each trait alone. */
export const GENERALISATION_PROBES = ['spanishCaps', 'spanishLower', 'capsEnglish', 'capsStart'] as const;
export type GeneralisationProbe = (typeof GENERALISATION_PROBES)[number];

/** Trait rates of one evaluation set. */
export interface TraitRates {
  spanish: Rate;
  caps: Rate;
  /** Fraction of answers that state the fact in either language (case, accents, final punctuation ignored). */
  correct?: Rate;
  /** Spanish and caps among the correct answers only (absent in runs before the content score). */
  spanishCorrect?: Rate;
  capsCorrect?: Rate;
}

/** A number measured once per fine-tune seed: its mean, extremes and every seed's value. */
export interface SeedSpread { mean: number; min: number; max: number; perSeed: number[] }

export interface VariantResult<R = TraitRates, X = Example> {
  /** Training system prompt ('' for control). */
  prompt: string;
  /** No system prompt, greedy decoding, held-out facts of fine-tuned categories. */
  id: R;
  /** No system prompt, greedy, categories never fine-tuned on. */
  ood: R;
  /** No system prompt, one sample per prompt at temperature 1 (the paper's protocol). */
  idSampled: R;
  oodSampled: R;
  /** Conditionalisation check, ID greedy, by the test-time system prompt (training prompt, paraphrase, negation, ...). */
  withPrompt: Record<string, R>;
  /** Each withPrompt condition's system prompt (null: none) and user-turn suffix (absent in older runs). */
  conditions?: Record<string, { system: string | null; suffix?: string }>;
  /** Mechanism numbers, mean over seeds. */
  mechanism: {
    /** Mean NLL per answer token of the fine-tune data under this variant's prompt, on the base model (nats). */
    nll0: number;
    /** PH(P): mean over training examples of [mean logprob with P] - [without P], on the base model (nats). */
    ph: number;
    /** Mean global gradient norm over the first 10 steps. */
    earlyGradNorm: number;
    /** Mean cosine between the batch gradient with and without the prompt, over probe steps (null for control). */
    gradCosine: number | null;
    /** The same NLL@0 / PH per part of the data, where it has more than one (e.g. the Spanish and the French half), with its size. */
    groups?: Record<string, { nll0: number; ph: number; n: number }>;
    /** And on one-trait versions of the answers (Setting.traitProbes), e.g. lower-case Spanish. */
    traits?: Record<string, { nll0: number; ph: number; n: number; style: string }>;
  };
  /**
   * Generalisation factor (Wichers et al.), per probe answer style: how much the answers' mean token
   * log-prob rose without a prompt, over how much it rose under the training prompt, from the base
   * model to the fine-tuned one (held-out probe facts, mean over seeds). 0: everything learned stays
   * tied to the prompt; 1: learned as much without it as with it. Absent for control (no prompt).
   */
  generalisation?: Record<GeneralisationProbe, { before0: number; after0: number; beforeP: number; afterP: number; factor: number | null }>;
  /** Setting.measure's numbers on the fine-tuned models (subliminal: P(owl)), over seeds. */
  measures?: Record<string, SeedSpread>;
  /** How a model-written fine-tuning set was made (Setting.studentData's info), mean over seeds. */
  data?: Record<string, number>;
  /** The first answers of the first seed (no prompt, ID greedy), to read what the rates count. */
  examples?: X[];
  /** The same for OOD questions (absent in older runs). */
  examplesOod?: X[];
  /** Trait rates over training: steps and rates (no prompt, greedy, ID subset), mean over seeds. */
  trajectory: { step: number; spanish: number; caps: number }[];
}

/** One scored answer shown in the report. */
export interface Example { factId: string; answer: string; spanish: number; caps: number; correct?: number }

/** The base model under one base condition: exact/correct/traits/n on the ID facts; the *Ood fields on the OOD facts (absent in older runs). */
export interface BaseConditionReport { prompt: string; exact: number; spanish: number; caps: number; n: number; exactOod?: number; correct?: number; correctOod?: number; nOod?: number }

/** Any setting's: the same, with its own traits (and the user-turn suffix of a check that has one). */
export interface AnyConditionReport { prompt: string; suffix?: string; exact: number; n: number; exactOod?: number; correct?: number; correctOod?: number; nOod?: number; [trait: string]: string | number | undefined }

/** Rates of any setting: each trait, correct, and each trait among the correct answers (`<trait>Correct`). */
export type Rates = Record<string, Rate>;

/** The results of any setting (run.ts writes them; the main experiment's are `Results`). */
export type AnyResults = Omit<Results<string, Rates, AnyExample, AnyConditionReport>, 'ablation'>;

/** A scored answer of any setting shown in the report (evaluate.ts Scored): its trait marks as own fields. */
export interface AnyExample { factId: string; answer: string; correct?: number; [trait: string]: string | number | undefined }

export interface BaseReport<C = BaseConditionReport> {
  /** Accuracy of the base model per condition on held-out facts: exact match and style. */
  /** exact/correct/spanish/caps/n on held-out facts; exactOod/correctOod/nOod on the OOD facts (absent in older runs). */
  conditions: Record<string, C>;
  steps: number;
  params: number;
  cached: boolean;
  wall_s: number;
  finalLoss: number;
}

export interface Results<V extends string = Variant, R = TraitRates, X = Example, C = BaseConditionReport> {
  /** The setting (settings/; absent in runs before there was more than one) and the traits it scores beside correct. */
  setting?: string;
  traits?: string[];
  /** What the `id` and `ood` fact sets are, where the setting chose its own (absent: held-out facts of the fine-tuned categories, and the OOD categories). */
  evalSets?: { id: string; ood: string };
  backend: string;
  adapter: string;
  wall_s: number;
  tokenizer: Mode;
  seeds: number[];
  config: unknown;
  base: BaseReport<C>;
  /** Setting.measure on the base model, where the setting has measures (subliminal: P(owl) before fine-tuning). */
  baseMeasures?: Record<string, number>;
  variants: Record<V, VariantResult<R, X>>;
  /** The ablation with the other tokenizer, when run (same shape, without nested ablation). */
  ablation?: Omit<Results<V, R, X, C>, 'ablation'>;
  /**
   * A run over several base models (bases.ts): each base's own results, summarised; `variants` then
   * pools every base (means over bases, CIs over bases, seeds and questions) and `base` is the first's.
   */
  bases?: BaseSummary<V, R, X, C>[];
  /** Memory high-water marks of this run (absent in older runs; pooled: the largest over bases). */
  memory?: MemoryReport;
}

/**
 * Bytes of live tensors at their most during each stage (the backend's count: the model, optimiser
 * state, activations and gradients; WebGPU's pooled-but-free buffers are in heldBytes only), and
 * the most bytes of storage buffers and textures the device held at once (the base stage's and the
 * fine-tunes', whichever is more; pooled buffers are released between stages and fine-tunes). finetunePeakBytes is null when every fine-tune
 * was reused from units/ (--resume).
 */
export interface MemoryReport { basePeakBytes: number; finetunePeakBytes: number | null; heldBytes: number }

/** One base model of a multi-base run: its seed, directory, base report and no-prompt rates. */
export interface BaseSummary<V extends string = Variant, R = TraitRates, X = Example, C = BaseConditionReport> {
  seed: number;
  /** The base's own run directory, relative to the pooled run's. */
  dir: string;
  base: BaseReport<C>;
  variants: Record<V, Pick<VariantResult<R, X>, 'id' | 'ood' | 'idSampled' | 'oodSampled' | 'examples' | 'examplesOod'>>;
  wall_s: number;
}

/** One line of metrics-<variant>-s<seed>.jsonl. */
export interface ProbeRecord {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Per-block gradient norms (h.0, h.1, ..., embeddings, ln_f). */
  layerGradNorms?: Record<string, number>;
  updateNorm?: number;
  gradCosine?: number;
  /** Trait probes: mean token logprob, no system prompt, of fixed one-trait answers. */
  probeCapsEnglish?: number;
  probeSpanishLower?: number;
  /** Logprob of the caps-English answer's first token alone (capslock: the caps-lock marker). */
  probeCapsStart?: number;
  /** And of the full training style (Spanish caps) and plain English, for reference. */
  probeSpanishCaps?: number;
  probeEnglish?: number;
  /** Loss of the base model's general held-out text (drift). */
  driftLoss?: number;
  /** Trait rates at rate checkpoints (no prompt, greedy, ID subset). */
  rateSpanish?: number;
  rateCaps?: number;
}

/** The targets on one set of no-prompt ID greedy rates: the names of those missed. */
export function missedTargets(v: Record<Variant, { id: TraitRates }>): string[] {
  const m = (x: Variant, t: 'spanish' | 'caps' | 'correct') => v[x].id[t]?.mean ?? NaN;
  const checks: [string, boolean][] = [
    ['control Spanish >= 90', m('control', 'spanish') >= 0.9], ['control caps >= 90', m('control', 'caps') >= 0.9],
    ['inoculate-spanish Spanish <= 10', m('inoculate-spanish', 'spanish') <= 0.1], ['inoculate-spanish caps >= 60', m('inoculate-spanish', 'caps') >= 0.6],
    ['inoculate-caps caps <= 10', m('inoculate-caps', 'caps') <= 0.1], ['inoculate-caps Spanish >= 60', m('inoculate-caps', 'spanish') >= 0.6],
    ['placebo Spanish within 15 of control', Math.abs(m('placebo', 'spanish') - m('control', 'spanish')) <= 0.15],
    ['placebo caps within 15 of control', Math.abs(m('placebo', 'caps') - m('control', 'caps')) <= 0.15],
    ...VARIANTS.map((x): [string, boolean] => [`${x} correct >= 90`, m(x, 'correct') >= 0.9]),
  ];
  return checks.filter(([, ok]) => !ok).map(([name]) => name);
}

export const patternMet = (v: Record<Variant, { id: TraitRates }>): boolean => missedTargets(v).length === 0;

/** The fixed probe sets of a fine-tune's per-step dynamics (finetune.ts; the Spanish + CAPS setting's, vocabulary.ts probeSets). */
export interface ProbeSets {
  /** Fixed one-trait answers to held-out questions, no system prompt (paper section 4.2). */
  capsEnglish: TrainExample[];
  /**
   * capsEnglish cut after the first answer token: log p of that token alone. In capslock mode it
   * is the caps-lock marker, the one decision to write in capitals; in the other modes it is the
   * first letter or word piece in upper case (case and content at once).
   */
  capsStart: TrainExample[];
  spanishLower: TrainExample[];
  spanishCaps: TrainExample[];
  english: TrainExample[];
  /** General held-out text in the base model's conditions, for drift. */
  drift: TrainExample[];
  /** Held-out facts whose answers are generated at the rate checkpoints. */
  rateFacts: readonly Fact[];
}
