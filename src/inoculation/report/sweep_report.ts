// sweep.html: the prompt-strength sweep as a page (inline SVG, no network): for each predictor
// measured on the base model before training (PH(P), PH(P) of the Spanish trait alone, NLL@0), a
// scatter of it against the Spanish suppression after fine-tuning, with the least-squares line and
// R^2; then the table. The question it answers: does elicitation before training predict
// inoculation in a small model, as reported at 7B (R^2 > 0.9)?
import { join } from 'node:path';
import { readJson } from '../../io/json.ts';
import { writeBytesAtomic } from '../../io/atomic.ts';
import { linearFit } from '../stats.ts';
import { CHART_CSS, PALETTE, scatter } from './svg.ts';
import { esc, fmt, pct } from './format.ts';
import { PAGE_CSS } from './report.ts';

const PREDICTORS: { key: 'ph' | 'phSpanish' | 'phContrast' | 'nll0'; label: string; why: string }[] = [
  { key: 'ph', label: 'PH(P): log-prob gain of the training answers under P (nats/token)', why: 'the replication\'s predictor: how much the prompt raises the log-prob of the training answers on the base model' },
  { key: 'phSpanish', label: 'PH(P) of the Spanish trait alone (nats/token)', why: 'the same gain on the answers rewritten in lower-case Spanish: how much the prompt explains the trait being measured, not the whole answer' },
  { key: 'phContrast', label: 'PH(P) of the training answers minus PH(P) of them in English capitals (nats/token)', why: 'the Spanish trait\'s share of PH(P): the gain on the training answers that the same answers without Spanish do not get (added after the first sweep: post hoc)' },
  { key: 'nll0', label: 'NLL@0 under P (nats/token)', why: 'how surprising the training answers still are under the prompt; lower should mean more suppression' },
];

const TITLES = { ph: 'PH(P)', phSpanish: 'PH(P), Spanish alone', phContrast: 'PH contrast', nll0: 'NLL@0' } as const;

export interface SweepRow {
  name: string;
  prompt: string | null;
  /** Prompt tokens the base model's vocabulary does not know (encoded as <|unk|>). */
  unknownTokens: number;
  nll0: number;
  ph: number;
  /**
   * PH(P) of one trait alone: the same gain measured on the training answers rewritten with only
   * the Spanish trait (lower-case Spanish) or only the caps trait (English in capitals). Whole-answer
   * PH cannot tell which trait a prompt explains; these can.
   */
  phSpanish: number;
  phCaps: number;
  /**
   * The Spanish trait's share of PH(P): PH(P) of the training answers minus PH(P) of the same
   * answers without the Spanish trait (English in capitals) = ph - phCaps. Unlike phSpanish it does
   * not penalise a prompt that elicits Spanish in capitals (both-traits) for not eliciting it in
   * lower case. Added after the first three-seed sweep (post hoc; docs/results.md).
   */
  phContrast: number;
  /** No-prompt ID greedy rates after fine-tuning, per seed. */
  spanish: number[];
  caps: number[];
  /** Control's Spanish rate minus this prompt's (mean over seeds). */
  suppression: number;
}

/** sweep.json: the rows and the R^2 of suppression on each predictor (control excluded from the fits). */
export interface SweepResult {
  tokenizer: string; seeds: number; backend: string; adapter: string; wall_s: number;
  rows: SweepRow[];
  r2: { ph: number; nll0: number; phSpanish: number; phContrast: number };
  /**
   * Each predictor's line fitted on an earlier sweep's prompts (--fit-on), and its R^2 on this
   * sweep's prompts (stats.ts predictionR2: out of sample, can be negative). Absent without --fit-on.
   */
  outOfSample?: { fitOn: string; n: number; predictors: Record<'ph' | 'nll0' | 'phSpanish' | 'phContrast', { slope: number; intercept: number; r2: number }> };
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function renderSweepReport(r: SweepResult): string {
  const rows = r.rows.filter((x) => x.prompt !== null);
  const colour = (i: number) => PALETTE[i % PALETTE.length];
  const charts = PREDICTORS.map((p) => {
    const xs = rows.map((x) => x[p.key]), ys = rows.map((x) => 100 * x.suppression);
    const f = rows.length >= 3 && Math.max(...xs) > Math.min(...xs) ? linearFit(xs, ys) : null;
    const svg = scatter({
      title: `${TITLES[p.key]} vs Spanish suppression${f ? ` (R\u00b2 = ${f.r2.toFixed(2)})` : ''}`,
      points: rows.map((x, i) => ({ x: x[p.key], y: 100 * x.suppression, label: x.name, color: colour(i), tip: `${x.name} ${JSON.stringify(x.prompt)}: ${p.key} ${fmt(x[p.key], 3)}, suppression ${(100 * x.suppression).toFixed(1)} points` })),
      xLabel: p.label, yLabel: 'Spanish suppression (points vs no prompt)',
      fit: f ? { slope: f.slope, intercept: f.intercept, label: `least squares, R\u00b2 = ${f.r2.toFixed(3)}` } : undefined,
      refY: 0, width: 560, height: 360,
    });
    return `<figure class="fig">${svg}<figcaption class="caption">${esc(p.why)}.</figcaption></figure>`;
  });
  const body = r.rows.map((x: SweepRow) => `<tr><th>${esc(x.name)}</th><td>${x.prompt === null ? '<span class="muted">(none)</span>' : esc(x.prompt)}</td><td class="r">${fmt(x.ph, 2)}</td><td class="r">${fmt(x.phSpanish, 2)}</td><td class="r">${fmt(x.phCaps, 2)}</td><td class="r">${fmt(x.phContrast, 2)}</td><td class="r">${fmt(x.nll0, 2)}</td><td class="r">${pct(meanOf(x.spanish))}</td><td class="r">${pct(meanOf(x.caps))}</td><td class="r">${(100 * x.suppression).toFixed(0)}</td><td class="r">${x.unknownTokens}</td></tr>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Inoculation prompt sweep (${esc(r.tokenizer)}, ${r.seeds} seeds)</title>
<style>${PAGE_CSS}${CHART_CSS}</style>
</head>
<body>
<main>
<header><h1>Prompt-strength sweep</h1>
<p class="caption">Does elicitation before training predict inoculation? For each candidate system prompt P: measured on the base model before any fine-tuning, PH(P) (mean over the training examples of the answer's mean token log-prob with P minus without it), the same gain on the answers with only the Spanish trait, and NLL@0; then the model is fine-tuned on the Spanish + ALL-CAPS data under P (${r.seeds} seed${r.seeds === 1 ? '' : 's'}) and evaluated without any prompt on held-out facts. Suppression = the no-prompt control's Spanish rate minus P's. A replication at 7B reported R\u00b2 &gt; 0.9 for PH(P). Here: R\u00b2 on PH(P) <b>${fmt(r.r2.ph, 3)}</b>, on PH(P) of the Spanish trait alone <b>${fmt(r.r2.phSpanish, 3)}</b>, on the PH contrast <b>${fmt(r.r2.phContrast, 3)}</b>, on NLL@0 <b>${fmt(r.r2.nll0, 3)}</b> (${rows.length} prompts; control excluded from the fits). Tokenizer ${esc(r.tokenizer)}, backend ${esc(r.backend)} (${esc(r.adapter)}), wall time ${(r.wall_s / 60).toFixed(1)} min.</p></header>
<section><div class="grid cols2">${charts.join('\n')}</div></section>
<section><h2>Table</h2>
<table class="data"><thead><tr><th>name</th><th>prompt</th><th>PH(P)</th><th>PH Spanish</th><th>PH caps</th><th>PH contrast</th><th>NLL@0</th><th>% Spanish</th><th>% caps</th><th>suppression (points)</th><th>unknown tokens</th></tr></thead><tbody>${body.join('')}</tbody></table>
<p class="caption">Rates: no system prompt, greedy, held-out facts, mean over seeds. PH columns in nats/token. Unknown tokens: words of the prompt the base model's vocabulary never saw (such a prompt is partly noise to the model).</p>
</section>
</main>
</body>
</html>
`;
}

/** Renders dir/sweep.json into dir/sweep.html (atomically); returns the path. */
export function writeSweepReport(dir: string): string {
  const file = join(dir, 'sweep.html');
  writeBytesAtomic(file, renderSweepReport(readJson<SweepResult>(join(dir, 'sweep.json'), 'sweep results')));
  return file;
}
