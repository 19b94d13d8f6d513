// A run over several base models: the experiment once per base seed (each in its own directory,
// run.ts), then one pooled result. A result that holds on one base may be luck of that base's
// initialisation (issue 13: the earlier organism met its targets on 3 bases of 7), so the default
// run trains several and reports each beside the pool.
//
// Pooled rates are means over bases of each base's mean over fine-tune seeds; their 95% intervals
// come from a three-level bootstrap (bases, seeds within a base, questions within a seed:
// stats.ts rateOverBases), so they widen when bases disagree.
import { rateOverBases } from './stats.ts';
import { mean } from './probes.ts';
import { join } from 'node:path';
import { runExperiment, type RunOptions, type VariantScores } from './run.ts';
import { generalisationFactor, type AnyResults, type MemoryReport, type Rates, type VariantResult } from './results.ts';
import { mark, type Scored } from './evaluate.ts';

/** One finished base: its results (run.ts) and every scored answer behind them. */
export interface BaseRun {
  seed: number;
  dir: string;
  results: AnyResults;
  scored: Record<string, VariantScores>;
}

/**
 * Trait and content rates over bases, perBase[b][s] being the answers of seed s on base b: each
 * trait, correct, then each trait among the correct answers (evaluate.ts traitRates' keys, in order).
 */
export function ratesOverBases(perBase: Scored[][][], traits: readonly string[] = ['spanish', 'caps']): Rates {
  const get = (k: string) => perBase.map((seeds) => seeds.map((xs) => xs.map((x) => mark(x, k))));
  const among = perBase.map((seeds) => seeds.map((xs) => xs.filter((x) => x.correct === 1)));
  const anyCorrect = among.some((seeds) => seeds.some((xs) => xs.length > 0));
  const strip = ({ perBase: _, ...r }: ReturnType<typeof rateOverBases>) => r;
  const out: Rates = {};
  for (const t of traits) out[t] = rateOverBases(get(t));
  out.correct = rateOverBases(get('correct'));
  if (anyCorrect) for (const t of traits) out[`${t}Correct`] = strip(rateOverBases(among.map((seeds) => seeds.map((xs) => xs.map((x) => mark(x, t))))));
  return out;
}

/**
 * The experiment (any setting) once per base model, seeds cfg.base.seed, +1, ... (cfg.bases of them):
 * with several, each in outDir/base-<seed>/ and the pool (poolBases) returned beside them; with one,
 * in outDir itself and its own results. `onBase` sees each base's run as it finishes.
 */
export async function runOverBases(o: RunOptions, onBase?: (run: BaseRun, k: number) => void): Promise<{ runs: BaseRun[]; results: AnyResults }> {
  const t0 = performance.now();
  const { cfg } = o;
  const runs: BaseRun[] = [];
  for (let k = 0; k < cfg.bases; k++) {
    const seed = cfg.base.seed + k;
    const dir = cfg.bases > 1 ? `base-${seed}` : '.';
    if (cfg.bases > 1) o.log(`base ${k + 1} of ${cfg.bases}: base seed ${seed} (${join(o.outDir, dir)})`);
    let scored: BaseRun['scored'] | null = null;
    const results = await runExperiment({ ...o, cfg: { ...cfg, base: { ...cfg.base, seed } }, outDir: join(o.outDir, dir), collect: (x) => { scored = x; } });
    const run = { seed, dir, results, scored: scored! };
    runs.push(run);
    onBase?.(run, k);
  }
  return { runs, results: cfg.bases > 1 ? poolBases(runs, (performance.now() - t0) / 1000) : runs[0].results };
}

/** The pooled results of several bases (the first base's config, tokenizer and base report head it). */
export function poolBases(runs: readonly BaseRun[], wall_s: number): AnyResults {
  if (runs.length === 0) throw new Error('poolBases: no base runs');
  const first = runs[0].results;
  const traits = first.traits ?? ['spanish', 'caps'];
  const names = Object.keys(first.variants);
  const R = (perBase: Scored[][][]) => ratesOverBases(perBase, traits);
  const variants: AnyResults['variants'] = {};
  for (const v of names) {
    const sc = runs.map((r) => r.scored[v]);
    const res = runs.map((r) => r.results.variants[v]);
    const prompts = [...new Set(sc.flatMap((x) => Object.keys(x.withPrompt)))];
    const mech = (k: keyof VariantResult['mechanism']) => {
      const xs = res.map((r) => r.mechanism[k]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      return xs.length ? mean(xs) : null;
    };
    // trajectories: the mean over bases at the steps every base measured
    const steps = res[0].trajectory.map((t) => t.step).filter((st) => res.every((r) => r.trajectory.some((t) => t.step === st)));
    variants[v] = {
      prompt: res[0].prompt,
      id: R(sc.map((x) => x.id)), ood: R(sc.map((x) => x.ood)),
      idSampled: R(sc.map((x) => x.idS)), oodSampled: R(sc.map((x) => x.oodS)),
      withPrompt: Object.fromEntries(prompts.map((p) => [p, R(sc.map((x) => x.withPrompt[p] ?? []))])),
      ...(res[0].conditions ? { conditions: res[0].conditions } : {}),
      mechanism: { nll0: mech('nll0') ?? NaN, ph: mech('ph') ?? NaN, earlyGradNorm: mech('earlyGradNorm') ?? NaN, gradCosine: mech('gradCosine') },
      trajectory: steps.map((step) => {
        const at = res.map((r) => r.trajectory.find((t) => t.step === step)!);
        return { step, spanish: mean(at.map((t) => t.spanish)), caps: mean(at.map((t) => t.caps)) };
      }),
      ...(res[0].generalisation ? { generalisation: poolGeneralisation(res) } : {}),
      examples: res[0].examples,
      examplesOod: res[0].examplesOod,
    };
  }
  const bases: NonNullable<AnyResults['bases']> = runs.map((r) => ({
    seed: r.seed, dir: r.dir, base: r.results.base, wall_s: r.results.wall_s,
    variants: Object.fromEntries(names.map((v) => {
      const x = r.results.variants[v];
      return [v, { id: x.id, ood: x.ood, idSampled: x.idSampled, oodSampled: x.oodSampled, examples: x.examples, examplesOod: x.examplesOod }];
    })),
  }));
  return {
    ...(first.setting ? { setting: first.setting, traits } : {}), ...(first.evalSets ? { evalSets: first.evalSets } : {}),
    backend: first.backend, adapter: first.adapter, wall_s, tokenizer: first.tokenizer, seeds: first.seeds,
    config: first.config, base: first.base, variants, bases,
    ...(runs.every((r) => r.results.memory) ? { memory: poolMemory(runs.map((r) => r.results.memory!)) } : {}),
  };
}

/** The largest of each memory mark over the bases (null fine-tune marks, from reused units, left out). */
function poolMemory(ms: MemoryReport[]): MemoryReport {
  const ft = ms.map((m) => m.finetunePeakBytes).filter((b): b is number => b !== null);
  return { basePeakBytes: Math.max(...ms.map((m) => m.basePeakBytes)), finetunePeakBytes: ft.length ? Math.max(...ft) : null, heldBytes: Math.max(...ms.map((m) => m.heldBytes)) };
}

/** The generalisation factor's four log-prob means averaged over bases, and the factor recomputed from them. */
function poolGeneralisation(res: VariantResult<Rates, unknown>[]): NonNullable<VariantResult['generalisation']> {
  const out = {} as NonNullable<VariantResult['generalisation']>;
  const gs = res.map((r) => r.generalisation).filter((g): g is NonNullable<VariantResult['generalisation']> => !!g);
  for (const k of Object.keys(gs[0]) as (keyof typeof out)[]) {
    const m = (f: 'before0' | 'after0' | 'beforeP' | 'afterP') => mean(gs.map((g) => g[k][f]));
    const [before0, after0, beforeP, afterP] = [m('before0'), m('after0'), m('beforeP'), m('afterP')];
    out[k] = { before0, after0, beforeP, afterP, factor: generalisationFactor(before0, after0, beforeP, afterP) };
  }
  return out;
}
