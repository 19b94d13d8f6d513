// The shape of a run directory's results: results.json (one object) and metrics-<variant>-s<seed>.jsonl
// (one ProbeRecord per line). report.ts renders both into report.html; nothing else reads them
// back, so they are the contract between the experiment and its report.
import type { Mode } from '../tokenizer/vocab.ts';
import type { Rate } from './stats.ts';

export const VARIANTS = ['control', 'inoculate-spanish', 'inoculate-caps', 'placebo'] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * Below this rise under the prompt (nats/token) the generalisation factor is not computed (null):
 * the answers barely moved under the prompt, and a ratio over a near-zero rise is noise (a BPE run
 * gave -122).
 */
export const MIN_PROMPT_RISE = 0.1;

/** Answer styles the generalisation factor is measured on: the full training style and each trait alone. */
export const GENERALISATION_PROBES = ['spanishCaps', 'spanishLower', 'capsEnglish', 'capsStart'] as const;
export type GeneralisationProbe = (typeof GENERALISATION_PROBES)[number];

/** Trait rates of one evaluation set. */
export interface TraitRates {
  spanish: Rate;
  caps: Rate;
  /** Fraction of answers that are exactly the expected fact in the expected style (quality check). */
  correct?: Rate;
}

export interface VariantResult {
  /** Training system prompt ('' for control). */
  prompt: string;
  /** No system prompt, greedy decoding, held-out facts of fine-tuned categories. */
  id: TraitRates;
  /** No system prompt, greedy, categories never fine-tuned on. */
  ood: TraitRates;
  /** No system prompt, one sample per prompt at temperature 1 (the paper's protocol). */
  idSampled: TraitRates;
  oodSampled: TraitRates;
  /** Conditionalisation check, ID greedy, by the test-time system prompt (training prompt, paraphrase, negation, ...). */
  withPrompt: Record<string, TraitRates>;
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
  };
  /**
   * Generalisation factor (Wichers et al.), per probe answer style: how much the answers' mean token
   * log-prob rose without a prompt, over how much it rose under the training prompt, from the base
   * model to the fine-tuned one (held-out probe facts, mean over seeds). 0: everything learned stays
   * tied to the prompt; 1: learned as much without it as with it. Absent for control (no prompt).
   */
  generalisation?: Record<GeneralisationProbe, { before0: number; after0: number; beforeP: number; afterP: number; factor: number | null }>;
  /** The first answers of the first seed (no prompt, ID greedy), to read what the rates count. */
  examples?: { factId: string; answer: string; spanish: number; caps: number }[];
  /** Trait rates over training: steps and rates (no prompt, greedy, ID subset), mean over seeds. */
  trajectory: { step: number; spanish: number; caps: number }[];
}

export interface BaseReport {
  /** Accuracy of the base model per condition on held-out facts: exact match and style. */
  conditions: Record<string, { prompt: string; exact: number; spanish: number; caps: number; n: number }>;
  steps: number;
  params: number;
  cached: boolean;
  wall_s: number;
  finalLoss: number;
}

export interface Results {
  backend: string;
  adapter: string;
  wall_s: number;
  tokenizer: Mode;
  seeds: number[];
  config: unknown;
  base: BaseReport;
  variants: Record<Variant, VariantResult>;
  /** The ablation with the other tokenizer, when run (same shape, without nested ablation). */
  ablation?: Omit<Results, 'ablation'>;
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
