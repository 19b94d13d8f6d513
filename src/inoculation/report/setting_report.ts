// report.html for a run of one of the smaller settings (`inoculum setting NAME`; spanish-caps has
// its own, report.ts): bar charts of correct and every trait per variant with 95% CIs (no prompt:
// ID and OOD, greedy and sampled; then each test-time condition), the setting's measures (e.g.
// subliminal's P(owl)) with their seed range, example answers with their marks, and the same tables
// as table.md. Self-contained: inline SVG and CSS, no script, no network.
import { join } from 'node:path';
import type { Rate } from '../stats.ts';
import type { AnyResults, Rates } from '../results.ts';
import type { Setting } from '../settings/setting.ts';
import { readJson } from '../../io/json.ts';
import { writeBytesAtomic } from '../../io/atomic.ts';
import { CHART_CSS, PALETTE, barChart, resetIds, type Bar } from './svg.ts';
import { esc, pct } from './format.ts';
import { PAGE_CSS } from './report.ts';
import { formatSettingTable } from './setting_table.ts';
import { FACTS } from '../data/facts.ts';

const FACT_BY_ID = new Map(FACTS.map((f) => [f.id, f]));

type VariantR = AnyResults['variants'][string];
const pctFmt = (v: number) => `${Math.round(100 * v)}%`;
const bar = (r: Rate | undefined): Bar | null => (r ? { value: r.mean, low: r.ci95[0], high: r.ci95[1], tip: `${pct(r.mean)} [${pct(r.ci95[0])}, ${pct(r.ci95[1])}], n = ${r.n}` } : null);

/** One chart: variants along x, correct and each trait as series, from the rates `pick` chooses. */
function rateChart(r: AnyResults, title: string, pick: (v: VariantR) => Rates | undefined): string {
  const keys = ['correct', ...(r.traits ?? [])];
  const names = Object.keys(r.variants);
  return barChart({
    title, groups: names, yDomain: [0, 1], yFormat: pctFmt, valueLabel: (b) => pctFmt(b.value), yLabel: '% of answers',
    width: 1060, height: 300,
    series: keys.map((k, i) => ({ name: k, color: PALETTE[i % PALETTE.length], values: names.map((v) => bar(pick(r.variants[v])?.[k])) })),
  });
}

function legendOf(keys: string[]): string {
  return `<p class="caption">${keys.map((k, i) => `<span style="color:${PALETTE[i % PALETTE.length]}">&#9632;</span> ${esc(k)}`).join(' &nbsp; ')}; whiskers: 95% CI.</p>`;
}

/** table.md's Markdown (headings, paragraphs, pipe tables, `code`) as HTML. */
export function markdownToHtml(md: string): string {
  const inline = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
  const out: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('### ')) { out.push(`<h3>${inline(l.slice(4))}</h3>`); continue; }
    if (l.startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i].slice(1, -1).split(' | ').map((c) => c.trim()));
      i--;
      const body = rows.slice(2).map((r) => `<tr>${r.map((c, k) => (k === 0 ? `<th>${inline(c)}</th>` : `<td>${inline(c)}</td>`)).join('')}</tr>`);
      out.push(`<table class="data"><thead><tr>${rows[0].map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`);
      continue;
    }
    if (l.trim()) out.push(`<p class="caption">${inline(l)}</p>`);
  }
  return out.join('\n');
}

export function renderSettingReport(r: AnyResults, s: Setting): string {
  resetIds();
  const keys = ['correct', ...(r.traits ?? [])];
  const sets = r.evalSets ?? { id: 'held out, fine-tuned categories', ood: 'categories never fine-tuned on' };
  const fig = (svg: string) => `<figure class="fig">${svg}</figure>`;
  const main = [
    rateChart(r, `No prompt, ID (${sets.id}), greedy`, (v) => v.id),
    rateChart(r, `No prompt, OOD (${sets.ood}), greedy`, (v) => v.ood),
    rateChart(r, 'No prompt, ID, sampled at T = 1', (v) => v.idSampled),
    rateChart(r, 'No prompt, OOD, sampled at T = 1', (v) => v.oodSampled),
  ].map(fig);
  const conds = [...new Set(Object.values(r.variants).flatMap((x) => Object.keys(x.withPrompt)))];
  const cond = conds.map((c) => fig(rateChart(r, `Under condition ${c}, ID greedy`, (v) => v.withPrompt[c])));
  const measureNames = Object.keys(Object.values(r.variants)[0]?.measures ?? {});
  const measures = measureNames.map((m, i) => {
    const names = ['(base)', ...Object.keys(r.variants)];
    const values = names.map((v) => {
      if (v === '(base)') return r.baseMeasures?.[m] === undefined ? null : { value: r.baseMeasures[m], tip: `the base model: ${r.baseMeasures[m].toFixed(3)}` };
      const x = r.variants[v].measures?.[m];
      return x ? { value: x.mean, low: x.min, high: x.max, tip: `mean ${x.mean.toFixed(3)}, seeds ${x.perSeed.map((y) => y.toFixed(3)).join(', ')}` } : null;
    });
    return fig(barChart({ title: `${m}, mean over seeds (whiskers: smallest and largest seed)`, groups: names, series: [{ name: m, color: PALETTE[(i + 1) % PALETTE.length], values }], yFormat: (v) => v.toFixed(2), valueLabel: (b) => b.value.toFixed(3), width: 1060, height: 300 }));
  });
  const question = (id: string) => s.questionOf?.(id) ?? FACT_BY_ID.get(id)?.question ?? id;
  const examples = Object.entries(r.variants).map(([v, x]) => {
    const rows = [...(x.examples ?? []).slice(0, 4), ...(x.examplesOod ?? []).slice(0, 4)].map((e) => `<tr><th>${esc(question(e.factId))}</th><td><code>${esc(e.answer)}</code></td>${keys.map((k) => `<td class="r">${e[k] === 1 ? '&#10003;' : e[k] === 0 ? '&middot;' : '-'}</td>`).join('')}</tr>`);
    return `<h3>${esc(v)} <span class="muted">${x.prompt ? esc(x.prompt) : '(no training prompt)'}</span></h3><table class="data"><thead><tr><th>question</th><th>answer (no prompt, greedy, first seed; ID then OOD)</th>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${esc(s.name)}: ${esc(s.title)}</title>
<style>${PAGE_CSS}${CHART_CSS}</style>
</head>
<body>
<main>
<header><h1>Setting ${esc(s.name)}</h1>
<p class="caption">${esc(s.title)} Seeds ${r.seeds.join(', ')}${r.bases ? `; ${r.bases.length} base models` : ''}; backend ${esc(r.backend)} (${esc(r.adapter)}); wall time ${(r.wall_s / 60).toFixed(1)} min. Correct: the answer states the fact (${esc(s.correctStyles.join(' or '))}; case, accents and final punctuation ignored)${s.expected ? ', or as the setting defines it' : ''}.</p></header>
<section id="main"><h2>Without a system prompt</h2>${legendOf(keys)}<div class="grid">${main.join('\n')}</div></section>
${measures.length ? `<section id="measures"><h2>Measures</h2><div class="grid">${measures.join('\n')}</div></section>` : ''}
${cond.length ? `<section id="conditional"><h2>The conditionalisation and leak checks</h2>${legendOf(keys)}<div class="grid">${cond.join('\n')}</div></section>` : ''}
<section id="examples"><h2>Examples</h2><div class="grid cols2">${examples.map((e) => `<div>${e}</div>`).join('\n')}</div></section>
<section id="tables"><h2>Tables</h2>${markdownToHtml(formatSettingTable(r, s))}</section>
</main>
</body>
</html>
`;
}

/** Renders dir/results.json of a setting run into dir/report.html (atomically); returns the path. */
export function writeSettingReport(dir: string, s: Setting, r: AnyResults = readJson<AnyResults>(join(dir, 'results.json'), 'run results')): string {
  const file = join(dir, 'report.html');
  writeBytesAtomic(file, renderSettingReport(r, s));
  return file;
}
