// The prompt-strength sweep (issue 6, item 2): for each candidate inoculation prompt, PH(P) and
// NLL@0 on the base model before training, then suppression of the Spanish trait after fine-tuning
// on the same Spanish + CAPS data under that prompt; the R^2 of each predictor. The question: does
// elicitation before training predict inoculation in a small model, as reported at 7B (R^2 > 0.9)?
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { writeJsonAtomic } from '../io/json.ts';
import type { ExperimentConfig } from './config.ts';
import { encodeAll, trainOrLoadBase } from './base.ts';
import { spanishCaps } from './settings/spanish_caps.ts';
import { Interrupted } from './base_cache.ts';
import { buildFinetuneSet, buildVariantSets, inoculate, experimentSplits, type ChatConversation } from './data/corpus.ts';
import { finetuneVariant } from './finetune.ts';
import { answerFacts, fraction } from './evaluate.ts';
import { answerLogprobs, mean } from './probes.ts';
import { experimentTokenizer, probeSets } from './vocabulary.ts';
import { PROMPTS, type Style } from './data/prompts.ts';
import { writeBytesAtomic } from '../io/atomic.ts';
import { renderSweepReport, type SweepResult, type SweepRow } from './report/sweep_report.ts';

export type { SweepResult, SweepRow };
import { linearFit, predictionR2 } from './stats.ts';
import { parseJsonText } from '../io/json.ts';
import { readUserText } from '../io/files.ts';
import { UserError } from '../io/user_error.ts';
import { pctOf } from './report/format.ts';

/** Candidates of varying strength; `none` is the control every suppression is measured against. */
export const SWEEP_PROMPTS: { name: string; prompt: string | null }[] = [
  { name: 'none', prompt: null },
  { name: 'paper', prompt: PROMPTS.spanish },
  { name: 'paraphrase', prompt: PROMPTS.spanishParaphrase },
  { name: 'both-traits', prompt: PROMPTS.both },
  { name: 'negation', prompt: PROMPTS.spanishNegation },
  { name: 'other-trait', prompt: PROMPTS.caps },
  { name: 'unrelated', prompt: 'Answer the question in one short sentence.' },
  { name: 'placebo', prompt: PROMPTS.placebo },
];

/**
 * Candidate prompts from a JSON file: an array of {"name", "prompt"} (names of lower-case letters,
 * digits and dashes, unique; prompts non-empty, at most 300 characters). The control (`none`, no
 * prompt) is put first whether or not the file lists it. Errors name the file and the entry.
 */
export function readSweepPrompts(file: string): { name: string; prompt: string | null }[] {
  const v = parseJsonText(readUserText(file, 'prompt list', 1024 * 1024), file);
  if (!Array.isArray(v) || v.length === 0) throw new UserError(`${file}: expected a non-empty JSON array of {"name": ..., "prompt": ...}`);
  const out: { name: string; prompt: string | null }[] = [{ name: 'none', prompt: null }];
  v.forEach((x, i) => {
    const o = x as { name?: unknown; prompt?: unknown };
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new UserError(`${file}: entry ${i}: expected an object {"name": ..., "prompt": ...}`);
    const extra = Object.keys(o).filter((k) => k !== 'name' && k !== 'prompt');
    if (extra.length) throw new UserError(`${file}: entry ${i}: unknown field ${extra[0]} (fields: name, prompt)`);
    if (typeof o.name !== 'string' || !/^[a-z0-9-]{1,40}$/.test(o.name)) throw new UserError(`${file}: entry ${i}: name must be 1-40 lower-case letters, digits or dashes, got ${JSON.stringify(o.name)}`);
    if (o.name === 'none') { if (o.prompt !== null) throw new UserError(`${file}: entry ${i}: "none" is the control and takes "prompt": null`); return; }
    if (typeof o.prompt !== 'string' || o.prompt.trim() === '' || o.prompt.length > 300) throw new UserError(`${file}: entry ${i} (${o.name}): prompt must be a non-empty string of at most 300 characters`);
    if (out.some((p) => p.name === o.name)) throw new UserError(`${file}: entry ${i}: the name ${o.name} is used twice`);
    out.push({ name: o.name, prompt: o.prompt });
  });
  if (out.length < 3) throw new UserError(`${file}: needs at least two prompts besides the control (a line through one point fits anything)`);
  return out;
}

export async function runSweep(o: {
  cfg: ExperimentConfig; outDir: string; cacheDir: string; backend: Backend; log: (s: string) => void; quiet?: boolean;
  /** The candidates (default SWEEP_PROMPTS); the first must be the control, `none`. */
  prompts?: { name: string; prompt: string | null }[];
  /** An earlier sweep (its file name and result) whose prompts fit each predictor's line; this sweep's prompts test it. */
  fitOn?: { file: string; result: SweepResult };
  /** Checked between base steps and between fine-tunes: true stops with Interrupted (the base resumable, no sweep.json). */
  shouldStop?: () => boolean;
}): Promise<SweepResult> {
  const t0 = performance.now();
  const { cfg, backend, log } = o;
  mkdirSync(o.outDir, { recursive: true });
  const splits = experimentSplits(cfg);
  const tok = experimentTokenizer(cfg.tokenizer, cfg.base.promptVariety);
  const base = await trainOrLoadBase({ setting: spanishCaps, cfg, mode: cfg.tokenizer, tok, splits, backend, cacheDir: o.cacheDir, log, quiet: o.quiet, shouldStop: o.shouldStop });
  const idFacts = cfg.evalLimit > 0 ? splits.heldout.slice(0, cfg.evalLimit) : splits.heldout;
  // probes only at the end: the sweep measures outcomes, not trajectories
  const ftCfg: ExperimentConfig = { ...cfg, probes: { ...cfg.probes, every: cfg.finetune.steps, rateSteps: [] } };
  const probes = probeSets(tok, splits, cfg);
  // the seed-1 fine-tune set in the training style and in each one-trait style (same facts, same order)
  const styled = (style: Style) => buildFinetuneSet(splits, { seed: 1, style });
  const sets = { full: styled('es-caps'), spanish: styled('es'), caps: styled('en-caps') };
  const lpOf = async (convs: ChatConversation[], prompt: string | null) => answerLogprobs(base.model, encodeAll(tok, inoculate(convs, prompt)), tok.padId, 256);
  const plainLp = { full: await lpOf(sets.full, null), spanish: await lpOf(sets.spanish, null), caps: await lpOf(sets.caps, null) };
  const gain = (lp: number[], ref: number[]) => mean(lp.map((x, i) => x - ref[i]));
  const rows: SweepRow[] = [];
  const prompts = o.prompts ?? SWEEP_PROMPTS;
  if (prompts[0]?.prompt !== null) throw new Error('runSweep: the first prompt must be the control (no prompt)');
  for (const c of prompts) {
    const lp = c.prompt === null ? plainLp.full : await lpOf(sets.full, c.prompt);
    const lpS = c.prompt === null ? plainLp.spanish : await lpOf(sets.spanish, c.prompt);
    const lpC = c.prompt === null ? plainLp.caps : await lpOf(sets.caps, c.prompt);
    const unknownTokens = c.prompt === null ? 0 : tok.encodePrompt({ system: c.prompt, user: splits.heldout[0].question }).filter((id) => id === tok.unkId).length;
    rows.push({
      name: c.name, prompt: c.prompt, unknownTokens, nll0: -mean(lp), ph: gain(lp, plainLp.full),
      phSpanish: gain(lpS, plainLp.spanish), phCaps: gain(lpC, plainLp.caps), phContrast: NaN, spanish: [], caps: [], suppression: NaN,
    });
    rows[rows.length - 1].phContrast = rows[rows.length - 1].ph - rows[rows.length - 1].phCaps;
  }
  for (let seed = 1; seed <= cfg.seeds; seed++) {
    const plainConvs = buildVariantSets(splits, { seed }).control;
    const plain = encodeAll(tok, plainConvs);
    for (const row of rows) {
      if (o.shouldStop?.()) { base.model.dispose(); throw new Interrupted(`sweep before fine-tune ${row.name} s${seed}; no sweep.json written, the base model is cached`); }
      const run = await finetuneVariant({
        cfg: ftCfg, base, tok, backend, seed, examples: encodeAll(tok, inoculate(plainConvs, row.prompt)), plain, hasPrompt: false,
        probes, metricsPath: join(o.outDir, `metrics-${row.name}-s${seed}.jsonl`), label: `${row.name} s${seed}`, quiet: o.quiet,
      });
      const scored = await answerFacts(run.model, tok, idFacts, null, { temperature: 0, seed, maxNewTokens: cfg.maxNewTokens });
      row.spanish.push(fraction(scored, 'spanish')); row.caps.push(fraction(scored, 'caps'));
      run.model.dispose();
      log(`  ${row.name.padEnd(12)} s${seed}: no prompt, ID greedy: spanish ${(100 * row.spanish[row.spanish.length - 1]).toFixed(0)}% caps ${(100 * row.caps[row.caps.length - 1]).toFixed(0)}%`);
    }
  }
  base.model.dispose();
  const control = mean(rows[0].spanish);
  for (const r of rows) r.suppression = control - mean(r.spanish);
  const fitRows = rows.slice(1);
  const r2 = (x: (r: SweepRow) => number) => linearFit(fitRows.map(x), fitRows.map((r) => r.suppression)).r2;
  const res: SweepResult = {
    tokenizer: cfg.tokenizer, seeds: cfg.seeds, backend: backend.name, adapter: backend.description, wall_s: (performance.now() - t0) / 1000,
    rows, r2: { ph: r2((r) => r.ph), nll0: r2((r) => r.nll0), phSpanish: r2((r) => r.phSpanish), phContrast: r2((r) => r.phContrast) },
  };
  if (o.fitOn) {
    const train = o.fitOn.result.rows.filter((r) => r.prompt !== null);
    const keys = ['ph', 'nll0', 'phSpanish', 'phContrast'] as const;
    const predictors = Object.fromEntries(keys.map((k) => {
      const fit = linearFit(train.map((r) => r[k]), train.map((r) => r.suppression));
      return [k, { slope: fit.slope, intercept: fit.intercept, r2: predictionR2(fit, fitRows.map((r) => r[k]), fitRows.map((r) => r.suppression)) }];
    })) as NonNullable<SweepResult['outOfSample']>['predictors'];
    res.outOfSample = { fitOn: o.fitOn.file, n: fitRows.length, predictors };
  }
  writeJsonAtomic(join(o.outDir, 'sweep.json'), res);
  writeBytesAtomic(join(o.outDir, 'sweep.html'), renderSweepReport(res));
  return res;
}


export function formatSweep(res: SweepResult): string {
  const lines = [`${'prompt'.padEnd(12)} | ${'PH(P)'.padStart(6)} | PH Spanish | PH caps | PH contrast | ${'NLL@0'.padStart(6)} | spanish | caps | suppression | unk | text`];
  for (const r of res.rows) {
    lines.push(`${r.name.padEnd(12)} | ${r.ph.toFixed(2).padStart(6)} | ${r.phSpanish.toFixed(2).padStart(10)} | ${r.phCaps.toFixed(2).padStart(7)} | ${r.phContrast.toFixed(2).padStart(11)} | ${r.nll0.toFixed(2).padStart(6)} | ${pctOf(r.spanish).padStart(7)} | ${pctOf(r.caps).padStart(4)} | ${(100 * r.suppression).toFixed(0).padStart(10)}% | ${String(r.unknownTokens).padStart(3)} | ${JSON.stringify(r.prompt ?? '(none)')}`);
  }
  lines.push(`R^2 of suppression on PH(P): ${res.r2.ph.toFixed(3)}; on PH(P) of the Spanish trait alone: ${res.r2.phSpanish.toFixed(3)}; on the PH contrast (ph - PH caps): ${res.r2.phContrast.toFixed(3)}; on NLL@0: ${res.r2.nll0.toFixed(3)} (${res.rows.length - 1} prompts, control excluded)`);
  const oos = res.outOfSample;
  if (oos) {
    const p = oos.predictors;
    lines.push(`out of sample (lines fitted on ${oos.fitOn}, tested on these ${oos.n} prompts; can be negative): R^2 on PH(P) ${p.ph.r2.toFixed(3)}; on PH Spanish ${p.phSpanish.r2.toFixed(3)}; on the PH contrast ${p.phContrast.r2.toFixed(3)}; on NLL@0 ${p.nll0.r2.toFixed(3)}`);
  }
  return lines.join('\n');
}
