// The shape of a setting run's results.json (runner.ts writes it, report/setting_table.ts renders it).
import type { Rate } from '../stats.ts';
import type { AnswerStyle, SettingConfig } from './setting.ts';

export interface VariantOutcome {
  /** Training system prompt ('' for control). */
  prompt: string;
  /** rates[eval][trait]: fraction of held-out answers with the trait, mean over seeds, 95% CI (two-level bootstrap). */
  rates: Record<string, Record<string, Rate>>;
  /** On the base model, before fine-tuning, seed 1's data (the same conversations for every seed). */
  mechanism: {
    /** Mean NLL per answer token of the fine-tuning data under this variant's prompt (nats). */
    nll0: number;
    /** PH(P): mean over examples of [mean log-prob with the prompt] - [without] (nats). */
    ph: number;
    /** The same per part of the data (e.g. the Spanish half and the French half), with its size. */
    groups: Record<string, { nll0: number; ph: number; n: number }>;
    /** The same on one-trait versions of the answers (Setting.traitProbes), e.g. lower-case Spanish. */
    traits: Record<string, { nll0: number; ph: number; n: number; style: AnswerStyle }>;
  };
  /** Training loss at the end (mean of the last 10 steps), mean over seeds. */
  finalLoss: number;
  /** Seconds per fine-tune and per evaluation, mean over seeds. */
  train_s: number;
  eval_s: number;
  /** Seed 1's first answers under each test-time condition, to read what the rates count. */
  examples: { eval: string; factId: string; answer: string; traits: Record<string, number> }[];
}

export interface SettingResults {
  setting: string;
  title: string;
  backend: string;
  adapter: string;
  wall_s: number;
  seeds: number[];
  /** Held-out facts evaluated per condition and seed. */
  heldout: number;
  config: SettingConfig;
  traits: string[];
  /** Test-time conditions: no system prompt, or each variant's training prompt; `suffix` is appended to the user turn. */
  evals: { name: string; suffix: string; system: 'none' | 'training' }[];
  base: {
    /** Per base check: held-out facts under that prompt (+ suffix), exact-match rate and trait rates. */
    conditions: Record<string, { prompt: string; suffix: string; style: AnswerStyle; exact: number; rates: Record<string, number>; n: number; example: string }>;
    steps: number;
    params: number;
    cached: boolean;
    /** Seconds to train (or load) the base model in this run. */
    wall_s: number;
    /** Seconds its training took, also when loaded from the cache (null: cached before this was recorded). */
    trained_s: number | null;
    finalLoss: number;
    cacheDir: string;
  };
  variants: Record<string, VariantOutcome>;
}
