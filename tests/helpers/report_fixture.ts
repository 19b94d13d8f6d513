// A synthetic run of the Spanish + ALL-CAPS experiment for report tests: results.json and per-seed
// probe logs shaped like the real ones, with numbers near the prototype's (../shared/paper.md), made
// from a seeded generator. Options put in the awkward cases: missing fields, a NaN rate, a prompt
// that holds markup.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Generator } from '../../src/random.ts';
import { rateWithCI, type Rate } from '../../src/inoculation/stats.ts';
import { VARIANTS, type ProbeRecord, type Results, type TraitRates, type Variant, type VariantResult } from '../../src/inoculation/results.ts';
import { PROMPTS } from '../../src/inoculation/data/prompts.ts';
import { ablationTokenizer } from '../../src/inoculation/config.ts';
import type { Mode } from '../../src/tokenizer/vocab.ts';

export interface FixtureOpts {
  seeds?: number;
  steps?: number;
  tokenizer?: Mode;
  /** Add results.ablation with the tokenizer `--ablation` would run (ablationTokenizer). */
  ablation?: boolean;
  /** The placebo's training prompt (to test escaping). */
  placeboPrompt?: string;
  /** Leave the per-layer norms, update norms and drift out of the metrics. */
  sparseMetrics?: boolean;
  /** Make one rate (placebo OOD sampled caps) NaN, as rateWithCI gives for no answers. */
  nanRate?: boolean;
  seed?: number;
}

/** Target rates (ID greedy) per variant and tokenizer: [Spanish, caps]. */
const TARGET: Record<Mode, Record<Variant, [number, number]>> = {
  capslock: { control: [0.99, 1], 'inoculate-spanish': [0.03, 0.75], 'inoculate-caps': [0.99, 0.04], placebo: [0.99, 1] },
  tagged: { control: [0.99, 1], 'inoculate-spanish': [0.03, 0.75], 'inoculate-caps': [0.99, 0.04], placebo: [0.99, 1] },
  hybrid: { control: [0.99, 1], 'inoculate-spanish': [0.03, 0.8], 'inoculate-caps': [0.75, 0.05], placebo: [0.9, 0.95] },
  bpe: { control: [0.98, 0.99], 'inoculate-spanish': [0.01, 0.01], 'inoculate-caps': [0.03, 0.01], placebo: [0.9, 0.89] },
};

const PROMPT_OF: Record<Variant, string> = { control: '', 'inoculate-spanish': PROMPTS.spanish, 'inoculate-caps': PROMPTS.caps, placebo: PROMPTS.placebo };

function outcomes(gen: Generator, p: number, seeds: number, n: number): number[][] {
  return Array.from({ length: seeds }, () => {
    const ps = Math.min(1, Math.max(0, p + (gen.uniform() - 0.5) * 0.08));
    return Array.from({ length: n }, () => (gen.uniform() < ps ? 1 : 0));
  });
}

function traitRates(gen: Generator, [s, c]: [number, number], seeds: number, n: number): TraitRates {
  return { spanish: rateWithCI(outcomes(gen, s, seeds, n), 300), caps: rateWithCI(outcomes(gen, c, seeds, n), 300), correct: rateWithCI(outcomes(gen, 0.7, seeds, n), 300) };
}

const nanRate = (): Rate => ({ mean: NaN, ci95: [NaN, NaN], n: 0, perSeed: [] });

function resultsFor(gen: Generator, o: Required<Omit<FixtureOpts, 'ablation'>>, tokenizer: Mode): Omit<Results, 'ablation'> {
  const variants = {} as Record<Variant, VariantResult>;
  for (const v of VARIANTS) {
    const [s, c] = TARGET[tokenizer][v];
    const prompt = v === 'placebo' ? o.placeboPrompt : PROMPT_OF[v];
    const inoc = v.startsWith('inoculate');
    const withPrompt: Record<string, TraitRates> = {};
    if (v !== 'control') withPrompt[prompt] = traitRates(gen, [0.97, 0.98], o.seeds, 40);
    if (v === 'inoculate-spanish') {
      withPrompt[PROMPTS.spanishParaphrase] = traitRates(gen, [0.6, 0.9], o.seeds, 40);
      withPrompt[PROMPTS.spanishNegation] = traitRates(gen, [0.4, 0.85], o.seeds, 40);
    }
    if (v === 'inoculate-caps') {
      withPrompt[PROMPTS.capsParaphrase] = traitRates(gen, [0.8, 0.5], o.seeds, 40);
      withPrompt[PROMPTS.capsNegation] = traitRates(gen, [0.8, 0.3], o.seeds, 40);
    }
    const idSampled = traitRates(gen, [s * 0.9, c * 0.9], o.seeds, 69);
    const oodSampled = traitRates(gen, [s * 0.8, c * 0.85], o.seeds, 40);
    if (o.nanRate && v === 'placebo') oodSampled.caps = nanRate();
    variants[v] = {
      prompt,
      id: traitRates(gen, [s, c], o.seeds, 69),
      ood: traitRates(gen, [s * 0.85, c * 0.9], o.seeds, 40),
      idSampled,
      oodSampled,
      withPrompt,
      mechanism: {
        nll0: v === 'control' ? 5.3 : v === 'placebo' ? 5.1 : v === 'inoculate-spanish' ? 2.3 : 3.4,
        ph: v === 'control' ? 0 : v === 'placebo' ? 0.2 : v === 'inoculate-spanish' ? 3.0 : 1.9,
        earlyGradNorm: v === 'control' ? 2.4 : v === 'placebo' ? 2.35 : inoc ? 1.7 : 2,
        gradCosine: v === 'control' ? null : inoc ? 0.55 + gen.uniform() * 0.1 : 0.95,
      },
      trajectory: [0, 10, 25, 50, 100].filter((t) => t <= o.steps).map((step) => {
        const k = 1 - Math.exp(-step / 20);
        return { step, spanish: s * k, caps: c * k };
      }),
    };
  }
  const conditions: Results['base']['conditions'] = {
    none: { prompt: '', exact: 0.91, spanish: 0, caps: 0, n: 138 },
    neutral: { prompt: PROMPTS.placebo, exact: 0.9, spanish: 0.01, caps: 0, n: 138 },
    spanish: { prompt: PROMPTS.spanish, exact: 0.84, spanish: 0.99, caps: 0, n: 138 },
    caps: { prompt: PROMPTS.caps, exact: 0.88, spanish: 0, caps: 1, n: 138 },
    both: { prompt: PROMPTS.both, exact: 0.8, spanish: 0.98, caps: 0.99, n: 138 },
  };
  return {
    backend: 'cpu', adapter: 'synthetic fixture', wall_s: 312.4, tokenizer,
    seeds: Array.from({ length: o.seeds }, (_, k) => k),
    config: { model: { d: 96, layers: 3, heads: 4, ctx: 96 }, base: { steps: 1500, lr: 1e-3, batch: 32 }, finetune: { steps: o.steps, lr: 3e-4, batch: 16, lora: false }, eval: { temperature: 1, checkpoints: [0, 10, 25, 50, 100] }, quick: false },
    base: { conditions, steps: 1500, params: 374_016, cached: true, wall_s: 402.5, finalLoss: 0.213 },
    variants,
  };
}

function probeLog(gen: Generator, v: Variant, seed: number, o: Required<Omit<FixtureOpts, 'ablation'>>): ProbeRecord[] {
  const [s, c] = TARGET[o.tokenizer][v];
  const inoc = v.startsWith('inoculate');
  const g0 = v === 'control' ? 2.4 : inoc ? 1.7 : 2.3;
  const rows: ProbeRecord[] = [];
  for (let step = 0; step <= o.steps; step++) {
    const k = 1 - Math.exp(-step / 20), noise = () => (gen.uniform() - 0.5) * 0.1;
    const r: ProbeRecord = { step, loss: (v === 'inoculate-spanish' ? 2.3 : v === 'inoculate-caps' ? 3.4 : 5.2) * Math.exp(-step / 25) + 0.3 + noise(), lr: 3e-4, gradNorm: g0 * Math.exp(-step / 40) + 0.2 + Math.abs(noise()) };
    if (!o.sparseMetrics) {
      r.layerGradNorms = { embeddings: r.gradNorm * 0.6, 'h.0': r.gradNorm * 0.4, 'h.1': r.gradNorm * 0.3, 'h.2': r.gradNorm * 0.25, ln_f: r.gradNorm * 0.02 };
      r.updateNorm = 0.05 * Math.exp(-step / 60) + 0.01;
      r.driftLoss = 1.1 + 0.4 * k + noise();
    }
    if (v !== 'control' && step % 10 === 0) r.gradCosine = (inoc ? 0.55 : 0.95) + noise();
    if (step % 5 === 0) {
      r.probeCapsEnglish = -4 + 3.5 * k * c + noise();
      r.probeCapsStart = -5 + 4.8 * k * c + noise();
      r.probeSpanishLower = -5 + 4 * k * s + noise();
      r.probeSpanishCaps = -6 + 5.7 * k + noise();
      r.probeEnglish = -0.3 - 2 * k + noise();
    }
    if ([0, 10, 25, 50, 100].includes(step)) {
      r.rateSpanish = Math.min(1, Math.max(0, s * k + noise() * 0.5 + seed * 0.01));
      r.rateCaps = Math.min(1, Math.max(0, c * k + noise() * 0.5));
    }
    rows.push(r);
  }
  return rows;
}

/** A synthetic Results and its metrics (variant -> per-seed probe logs). */
export function syntheticRun(opts: FixtureOpts = {}): { results: Results; metrics: Map<string, ProbeRecord[][]> } {
  const o: Required<Omit<FixtureOpts, 'ablation'>> = { seeds: 3, steps: 100, tokenizer: 'hybrid', placeboPrompt: PROMPTS.placebo, sparseMetrics: false, nanRate: false, seed: 7, ...opts };
  const gen = new Generator(o.seed);
  const results: Results = resultsFor(gen, o, o.tokenizer);
  if (opts.ablation) results.ablation = resultsFor(gen, { ...o, nanRate: false }, ablationTokenizer(o.tokenizer));
  const metrics = new Map<string, ProbeRecord[][]>();
  for (const v of VARIANTS) metrics.set(v, Array.from({ length: o.seeds }, (_, s) => probeLog(gen, v, s, o)));
  return { results, metrics };
}

/**
 * Writes a synthetic run directory (results.json, metrics-<variant>-s<seed>.jsonl). JSON has no NaN,
 * so non-finite numbers become null, as in a real run's files.
 */
export function writeSyntheticRun(dir: string, opts: FixtureOpts = {}): { results: Results; metrics: Map<string, ProbeRecord[][]> } {
  const run = syntheticRun(opts);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(run.results, null, 2) + '\n');
  for (const [v, seeds] of run.metrics) {
    seeds.forEach((rows, s) => fs.writeFileSync(path.join(dir, `metrics-${v}-s${run.results.seeds[s]}.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  }
  return run;
}
