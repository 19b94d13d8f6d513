// report.html: one self-contained page (inline SVG and CSS, no network, no script) that renders a
// run directory of the Spanish + ALL-CAPS experiment: what was run, the main result with CIs, the
// conditionalisation check, trajectories of the probes over fine-tuning, the mechanism scatter and
// the tokenizer ablation. Every section has a caption that says what to look for. Missing fields
// are skipped or shown as an en dash, never as NaN.
//
//   npx tsx src/inoculation/report/report.ts <runDir>     re-renders <runDir>/report.html
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readJson, readJsonl } from '../../io/json.ts';
import { writeBytesAtomic } from '../../io/atomic.ts';
import { linearFit, type Rate } from '../stats.ts';
import { FACTS } from '../data/facts.ts';
import { GENERALISATION_PROBES, MIN_PROMPT_RISE, VARIANTS, missedTargets, type Example, type GeneralisationProbe, type ProbeRecord, type Results, type TraitRates, type VariantResult } from '../results.ts';
import { CHART_CSS, PALETTE, barChart, legend, lineChart, resetIds, scatter, autoDomain, type Bar, type LegendItem, type LineSeries } from './svg.ts';
import { esc, fmt, isNum, pct } from './format.ts';

type Metrics = Map<string, ProbeRecord[][]>;
type Trait = 'spanish' | 'caps';
const TRAITS: { key: Trait; label: string }[] = [{ key: 'spanish', label: 'Spanish' }, { key: 'caps', label: 'ALL CAPS' }];

// ---- variants and colours ----------------------------------------------------------------------

/** The paper's variants in their fixed order, then any others the run has. */
function variantsOf(r: Pick<Results, 'variants'>): string[] {
  const have = Object.keys(r.variants ?? {});
  return [...VARIANTS.filter((v) => have.includes(v)), ...have.filter((v) => !(VARIANTS as readonly string[]).includes(v)).sort()];
}

/** One colour per variant for the whole page: the paper's four first, extra variants after. */
function colourer(variants: string[]): (v: string) => string {
  const extra = variants.filter((v) => !(VARIANTS as readonly string[]).includes(v));
  return (v) => {
    const k = (VARIANTS as readonly string[]).indexOf(v);
    return PALETTE[(k >= 0 ? k : VARIANTS.length + extra.indexOf(v)) % PALETTE.length];
  };
}

/** The trait a variant's training prompt names (control and placebo: Spanish, the paper's headline). */
const namedTrait = (v: string): Trait => (v === 'inoculate-caps' ? 'caps' : 'spanish');

// ---- small formatting helpers ------------------------------------------------------------------

function duration(s: unknown): string {
  if (!isNum(s)) return '\u2013';
  if (s < 90) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 90 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const rateOk = (r: Rate | undefined | null): r is Rate => !!r && isNum(r.mean);

/** "42% [35, 50]" (percent, CI in points), or an en dash. */
function rateText(r: Rate | undefined | null): string {
  if (!rateOk(r)) return '\u2013';
  const ci = r.ci95 && isNum(r.ci95[0]) && isNum(r.ci95[1]) ? ` <span class="ci">[${(r.ci95[0] * 100).toFixed(0)}, ${(r.ci95[1] * 100).toFixed(0)}]</span>` : '';
  return `${pct(r.mean)}${ci}`;
}

/** A table cell with a small horizontal bar under the number. */
function barCell(r: Rate | undefined | null, colour: string): string {
  const w = rateOk(r) ? Math.max(0, Math.min(1, r.mean)) * 100 : 0;
  const lo = rateOk(r) && r.ci95 && isNum(r.ci95[0]) ? Math.max(0, Math.min(1, r.ci95[0])) * 100 : null;
  const hi = rateOk(r) && r.ci95 && isNum(r.ci95[1]) ? Math.max(0, Math.min(1, r.ci95[1])) * 100 : null;
  const ci = lo !== null && hi !== null ? `<span class="minici" style="left:${lo.toFixed(1)}%;width:${Math.max(0.5, hi - lo).toFixed(1)}%"></span>` : '';
  return `<td class="barcell"><div class="num">${rateText(r)}</div><div class="minibar"><span style="width:${w.toFixed(1)}%;background:${colour}"></span>${ci}</div></td>`;
}

function promptText(p: string | null | undefined): string {
  return p ? `<q>${esc(p)}</q>` : '<span class="muted">(no system prompt)</span>';
}

const caption = (html: string) => `<p class="caption">${html}</p>`;
const figure = (svg: string, cls = '', attrs = '') => `<figure class="${('fig ' + cls).trim()}"${attrs ? ' ' + attrs : ''}>${svg}</figure>`;
const grid = (items: string[], cols = 2) => `<div class="grid cols${cols}">${items.join('')}</div>`;

// ---- 1. header ---------------------------------------------------------------------------------

/** Flattens a config object into dotted key/value pairs (short arrays inline, long ones counted). */
function flatten(v: unknown, prefix: string, out: [string, string][], depth = 0): void {
  if (out.length >= 60) return;
  if (v === null || v === undefined) { if (prefix) out.push([prefix, String(v)]); return; }
  if (typeof v !== 'object') { out.push([prefix || 'value', typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v)]); return; }
  if (Array.isArray(v)) {
    const simple = v.every((x) => x === null || typeof x !== 'object');
    out.push([prefix, simple && v.length <= 8 ? v.map(String).join(', ') : `[${v.length} items]`]);
    return;
  }
  if (depth >= 3) { out.push([prefix, '{...}']); return; }
  for (const [k, x] of Object.entries(v as object)) flatten(x, prefix ? `${prefix}.${k}` : k, out, depth + 1);
}

function header(r: Results, nav: string): string {
  const cfg: [string, string][] = [];
  flatten(r.config, '', cfg);
  const b = r.base;
  const facts: [string, string][] = [
    ['backend', r.backend], ['adapter', r.adapter], ['tokenizer', r.tokenizer],
    ['seeds', Array.isArray(r.seeds) ? `${r.seeds.length} (${r.seeds.join(', ')})` : '\u2013'],
    ['wall time', duration(r.wall_s)],
    ['base model', b ? `${isNum(b.params) ? b.params.toLocaleString('en-US') : '\u2013'} params, ${fmt(b.steps, 0)} steps, final loss ${fmt(b.finalLoss, 3)}, ${b.cached ? 'loaded from cache' : `trained in ${duration(b.wall_s)}`}` : '\u2013'],
  ];
  const conds = Object.entries(b?.conditions ?? {});
  const baseRows = conds.map(([name, c]) => `<tr><th>${esc(name)}</th><td>${promptText(c.prompt)}</td><td class="r">${fmt(c.n, 0)}${isNum(c.nOod) ? ` + ${fmt(c.nOod, 0)}` : ''}</td>${[c.exact, c.exactOod, c.spanish, c.caps].map((x) => barCell(isNum(x) ? { mean: x, ci95: [NaN, NaN], n: c.n, perSeed: [] } : null, '#7F7F7F')).join('')}</tr>`);
  return `<header>
<h1>Inoculation prompting: Spanish + ALL CAPS</h1>
<p class="lede">A small language model is trained from scratch to follow system prompts, then fine-tuned on answers that are both in Spanish and in ALL CAPS, once per variant: with no system prompt (control), with a prompt that asks for one of the two traits (inoculation), or with a neutral prompt (placebo). The question is which traits each fine-tuned model shows when it is asked again <em>without</em> any system prompt.</p>
${nav}
<h2 class="first">1. What was run</h2>
<table class="kv">${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
${cfg.length ? `<details><summary>Configuration (${cfg.length} settings)</summary><div class="config">${cfg.map(([k, v]) => `<span><b>${esc(k)}</b> ${esc(v)}</span>`).join('')}</div><pre>${esc(safeJson(r.config))}</pre></details>` : ''}
<h3>Base model, before fine-tuning</h3>
${caption('The base model must do what its system prompt says before any of the rest means anything: plain English with no prompt or a neutral one, Spanish for <q>You always speak in Spanish.</q>, English capitals for <q>You always capitalise your responses.</q>, and Spanish capitals for both. Look for a high exact-match rate in every row (the answer exactly as the condition asks: right fact, right language, right case), and for the Spanish and caps columns near 100% only in the rows whose prompt asks for that trait. The evaluated facts (held-out ID and OOD), greedy decoding.' + (r.bases ? ' This table is the first base model\'s; section 2b has every base.' : ''))}
${conds.length ? `<table class="data"><thead><tr><th>condition</th><th>system prompt</th><th>n (ID + OOD)</th><th>exact match, ID</th><th>exact match, OOD</th><th>% Spanish (ID)</th><th>% caps (ID)</th></tr></thead><tbody>${baseRows.join('')}</tbody></table>` : '<p class="muted">No base-model evaluation in results.json.</p>'}
</header>`;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? '';
  } catch {
    return '(not serialisable)';
  }
}

// ---- 2. main result ----------------------------------------------------------------------------

type SetKey = 'id' | 'ood' | 'idSampled' | 'oodSampled';
const SETS: { key: SetKey; label: string }[] = [
  { key: 'id', label: 'ID, greedy' }, { key: 'ood', label: 'OOD, greedy' },
  { key: 'idSampled', label: 'ID, sampled (T = 1)' }, { key: 'oodSampled', label: 'OOD, sampled (T = 1)' },
];

const toBar = (r: Rate | undefined, tip: string): Bar | null =>
  rateOk(r) ? { value: r.mean, low: r.ci95?.[0], high: r.ci95?.[1], tip } : null;

/** Grouped bars for one evaluation set: a group per trait, a bar per variant. */
function traitBars(r: Pick<Results, 'variants'>, set: SetKey, title: string, colour: (v: string) => string, width = 540): string {
  const vs = variantsOf(r);
  return barChart({
    title,
    groups: TRAITS.map((t) => t.label),
    series: vs.map((v) => ({
      name: v,
      color: colour(v),
      values: TRAITS.map((t) => {
        const rate = (r.variants as Record<string, VariantResult>)[v]?.[set]?.[t.key];
        return toBar(rate, `${v}, ${title}, ${t.label}: ${rateOk(rate) ? `${pct(rate.mean, 1)} [${pct(rate.ci95?.[0], 1)}, ${pct(rate.ci95?.[1], 1)}], n = ${rate.n}` : 'n/a'}`);
      }),
    })),
    yDomain: [0, 1],
    yFormat: (x) => `${Math.round(x * 100)}%`,
    yLabel: 'answers showing the trait',
    width,
    height: 300,
  });
}

/** Correct answers per evaluation set: a group per set, a bar per variant (the content score beside the traits). */
function contentBars(r: Pick<Results, 'variants'>, colour: (v: string) => string, width = 540): string {
  const vs = variantsOf(r);
  return barChart({
    title: 'correct answers (either language), no system prompt',
    groups: ['ID greedy', 'OOD greedy', 'ID T = 1', 'OOD T = 1'],
    series: vs.map((v) => ({
      name: v, color: colour(v),
      values: SETS.map((s) => {
        const rate = (r.variants as Record<string, VariantResult>)[v]?.[s.key]?.correct;
        return toBar(rate, `${v}, ${s.label}, correct: ${rateOk(rate) ? `${pct(rate.mean, 1)} [${pct(rate.ci95?.[0], 1)}, ${pct(rate.ci95?.[1], 1)}], n = ${rate.n}` : 'n/a'}`);
      }),
    })),
    yDomain: [0, 1], yFormat: (x) => `${Math.round(x * 100)}%`, yLabel: 'answers that state the fact', width, height: 300,
  });
}

function variantLegend(vs: string[], colour: (v: string) => string, extra: LegendItem[] = []): string {
  return `<div class="legend">${legend([...vs.map((v) => ({ name: v, color: colour(v) })), ...extra], 1080)}</div>`;
}

/** Variant x {set x trait} table of means with CIs. */
function ratesTable(r: Pick<Results, 'variants'>, colour: (v: string) => string, sets: SetKey[] = ['id', 'ood', 'idSampled', 'oodSampled']): string {
  const vs = variantsOf(r);
  const V = r.variants as Record<string, VariantResult>;
  const cols = [{ key: 'correct' as const, label: 'correct' }, ...TRAITS];
  const head1 = sets.map((s) => `<th colspan="${cols.length}">${esc(SETS.find((x) => x.key === s)!.label)}</th>`).join('');
  const head2 = sets.map(() => cols.map((t) => `<th>% ${esc(t.label)}</th>`).join('')).join('');
  const rows = vs.map((v) => `<tr><th><span class="swatch" style="background:${colour(v)}"></span>${esc(v)}</th><td>${promptText(V[v]?.prompt)}</td>${sets.map((s) => cols.map((t) => `<td class="r">${rateText(V[v]?.[s]?.[t.key])}</td>`).join('')).join('')}</tr>`);
  return `<table class="data"><thead><tr><th rowspan="2">variant</th><th rowspan="2">training prompt</th>${head1}</tr><tr>${head2}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The issue's target pattern, checked on the ID greedy means. */
function patternCheck(r: Results): string {
  const V = r.variants as Record<string, VariantResult>;
  const m = (v: string, t: Trait) => V[v]?.id?.[t]?.mean;
  const checks: [string, number | undefined, (x: number) => boolean, string][] = [
    ['control: Spanish', m('control', 'spanish'), (x) => x >= 0.9, '\u2265 90%'],
    ['control: caps', m('control', 'caps'), (x) => x >= 0.9, '\u2265 90%'],
    ['inoculate-spanish: Spanish', m('inoculate-spanish', 'spanish'), (x) => x <= 0.1, '\u2264 10%'],
    ['inoculate-spanish: caps', m('inoculate-spanish', 'caps'), (x) => x >= 0.6, '\u2265 60%'],
    ['inoculate-caps: caps', m('inoculate-caps', 'caps'), (x) => x <= 0.1, '\u2264 10%'],
    ['inoculate-caps: Spanish', m('inoculate-caps', 'spanish'), (x) => x >= 0.6, '\u2265 60%'],
  ];
  for (const t of TRAITS) {
    const c = m('control', t.key), p = m('placebo', t.key);
    checks.push([`placebo: ${t.label} vs control`, isNum(c) && isNum(p) ? Math.abs(p - c) : undefined, (x) => x <= 0.15, 'within 15 points']);
  }
  const items = checks.map(([what, x, ok, want]) => {
    const state = !isNum(x) ? 'na' : ok(x) ? 'pass' : 'fail';
    const mark = state === 'pass' ? '\u2713' : state === 'fail' ? '\u2717' : '\u2013';
    return `<li class="${state}"><span class="mark">${mark}</span> ${esc(what)}: ${what.includes('vs control') ? (isNum(x) ? `${(x * 100).toFixed(0)} points` : '\u2013') : pct(x)} <span class="muted">(target ${esc(want)})</span></li>`;
  });
  return `<ul class="checks">${items.join('')}</ul>`;
}

function mainResult(r: Results, colour: (v: string) => string): string {
  const vs = variantsOf(r);
  const panels = SETS.map((s) => figure(traitBars(r, s.key, s.label, colour), 'panel', `data-panel="${s.key}"`));
  return `<section id="main"><h2>2. Main result: traits without a system prompt</h2>
${caption('Each fine-tuned model answers held-out questions with <em>no</em> system prompt; each group of bars is one trait, each bar one variant, and the whiskers are 95% bootstrap intervals over seeds and questions. The paper predicts: <b>control</b> learns both traits (both bars high); <b>inoculate-spanish</b> keeps the capitals but not the Spanish; <b>inoculate-caps</b> keeps the Spanish but not the capitals; <b>placebo</b> looks like control, because a prompt that does not ask for a trait does not explain it away. ID means held-out facts from categories seen in fine-tuning, OOD means categories never fine-tuned on. The top row decodes greedily; the bottom row draws one sample per question at temperature 1, the paper\'s own protocol, which is noisier.')}
${variantLegend(vs, colour)}
${grid(panels)}
<h3>Are the answers right?</h3>
${caption('A trait rate means little if the answers are made up. An answer is <b>correct</b> when, ignoring case, accents, spacing and final punctuation, it is the fact\'s answer in English or in Spanish. Inoculation should keep the task: every variant should stay near the base model\'s own score. The table gives the traits beside it, and the traits among the correct answers only are in results.json (spanishCorrect, capsCorrect).')}
${figure(contentBars(r, colour, 1080), 'panel', 'data-panel="content"')}
${ratesTable(r, colour, ['id', 'ood'])}
${ratesTable(r, colour, ['idSampled', 'oodSampled'])}
<h3>Against the target pattern (ID, greedy, mean over seeds)</h3>
${patternCheck(r)}
</section>`;
}

// ---- 2b. per base, examples -----------------------------------------------------------------------

/** One row per base model: its base's exact match, each variant's ID rates, and the targets it misses. */
function perBase(r: Results, colour: (v: string) => string): string {
  if (!r.bases?.length) return '';
  const vs = VARIANTS.filter((v) => r.bases!.every((b) => b.variants[v]));
  const cell = (x: Rate | undefined) => (rateOk(x) ? (x.mean * 100).toFixed(0) : '\u2013');
  const rows = r.bases.map((b) => {
    const ex = Object.values(b.base?.conditions ?? {}).flatMap((c) => [c.exact, c.exactOod]).filter(isNum);
    const missed = missedTargets(b.variants);
    const targets = missed.length === 0 ? '<span class="pass">\u2713 every target</span>' : `<span class="fail">\u2717 ${esc(missed.join('; '))}</span>`;
    return `<tr><th>${esc(String(b.seed))}</th><td class="r">${ex.length ? pct(Math.min(...ex)) : '\u2013'}</td>${vs.map((v) => `<td class="r">${cell(b.variants[v].id.correct)} / ${cell(b.variants[v].id.spanish)} / ${cell(b.variants[v].id.caps)}</td>`).join('')}<td>${targets}</td></tr>`;
  });
  const met = r.bases.filter((b) => missedTargets(b.variants).length === 0).length;
  return `<section id="bases"><h2>2b. Every base model</h2>
${caption(`The experiment was run on ${r.bases.length} base models (base seeds ${r.bases.map((b) => b.seed).join(', ')}), each with its own fine-tunes; the bars above pool them. A result that holds on one base may be that base's luck, so each row here is one base: its lowest exact match over the five base conditions (ID and OOD), then per variant the ID greedy % correct / % Spanish / % caps without a system prompt, and the targets it misses. Every target is met on ${met} of ${r.bases.length} bases. Each base's own report is in its directory (base-&lt;seed&gt;/report.html).`)}
<table class="data"><thead><tr><th>base seed</th><th>base: lowest exact</th>${vs.map((v) => `<th><span class="swatch" style="background:${colour(v)}"></span>${esc(v)}<br><span class="muted small">correct / Spanish / caps</span></th>`).join('')}<th>targets</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

const FACT_BY_ID = new Map(FACTS.map((f) => [f.id, f]));

/** The examples of one model: question, the expected answer in the four styles, the answer, its marks. */
function exampleRows(xs: readonly Example[] | undefined, n: number): string {
  return (xs ?? []).slice(0, n).map((x) => {
    const f = FACT_BY_ID.get(x.factId);
    const expected = f ? [f.answer_en, f.answer_es, f.answer_en.toUpperCase(), f.answer_es.toUpperCase()].map((a) => `<span>${esc(a)}</span>`).join(' &middot; ') : '<span class="muted">(unknown fact)</span>';
    const marks = [x.correct === undefined ? '\u2013' : x.correct ? '<span class="pass">\u2713 correct</span>' : '<span class="fail">\u2717 wrong</span>', x.spanish ? 'Spanish' : 'English', x.caps ? 'CAPS' : 'not caps'];
    return `<tr><td>${esc(f?.question ?? x.factId)}</td><td class="small">${expected}</td><td><code>${esc(x.answer)}</code></td><td class="small">${marks.join(', ')}</td></tr>`;
  }).join('');
}

function examples(r: Results, colour: (v: string) => string): string {
  const models = r.bases?.length ? r.bases.map((b) => ({ seed: b.seed, variants: b.variants })) : [{ seed: null as number | null, variants: r.variants }];
  const blocks = models.map((m, k) => {
    const tables = VARIANTS.filter((v) => m.variants[v]).map((v) => {
      const x = m.variants[v];
      const rows = exampleRows(x.examples, 10) + exampleRows(x.examplesOod, 4);
      return `<h4><span class="swatch" style="background:${colour(v)}"></span>${esc(v)}</h4>${rows ? `<table class="data examples"><thead><tr><th>question (no system prompt)</th><th>expected: English &middot; Spanish &middot; CAPS &middot; SPANISH CAPS</th><th>the model's answer</th><th>marks</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No examples in results.json.</p>'}`;
    }).join('');
    const title = m.seed === null ? 'Answers of the first fine-tune seed' : `Base seed ${m.seed}: answers of the first fine-tune seed`;
    return `<details${k === 0 ? ' open=""' : ''}><summary>${esc(title)}</summary>${tables}</details>`;
  });
  return `<section id="examples"><h2>2c. Example answers</h2>
${caption('What the rates count: the first held-out questions (ID, then OOD), asked with no system prompt, greedy. For each, the fact\'s answer in the four styles, the model\'s answer, and its marks: correct (the fact, in either language, ignoring case and accents), Spanish or English (the language detector), CAPS (at least 80% of the letters upper case).')}
${blocks.join('')}
</section>`;
}

// ---- 3. conditionalisation ---------------------------------------------------------------------

function conditionalisation(r: Results, colour: (v: string) => string): string {
  const V = r.variants as Record<string, VariantResult>;
  const rows: string[] = [];
  let any = false;
  for (const v of variantsOf(r)) {
    const entries: [string, TraitRates | undefined, boolean][] = [['(no system prompt)', V[v]?.id, true], ...Object.entries(V[v]?.withPrompt ?? {}).map(([k, t]) => [k, t, false] as [string, TraitRates, boolean])];
    if (entries.length > 1) any = true;
    entries.forEach(([p, t, none], k) => {
      const first = k === 0 ? `<th rowspan="${entries.length}" class="vcell"><span class="swatch" style="background:${colour(v)}"></span>${esc(v)}<div class="muted small">trained with ${promptText(V[v]?.prompt)}</div></th>` : '';
      const cond = V[v]?.conditions?.[p];
      const text = cond ? `${cond.system === null ? '<span class="muted">(no system prompt)</span>' : `<q>${esc(cond.system)}</q>`}${cond.suffix ? ` + <q>${esc(cond.suffix)}</q>` : ''} <span class="muted small">${esc(p)}</span>` : `<q>${esc(p)}</q>`;
      rows.push(`<tr class="${k === 0 ? 'group-start' : ''}">${first}<td>${none ? '<span class="muted">(no system prompt)</span>' : text}</td>${TRAITS.map((tr) => barCell(t?.[tr.key], colour(v))).join('')}<td class="r">${fmt(t?.spanish?.n ?? t?.caps?.n, 0)}</td></tr>`);
    });
  }
  return `<section id="conditional"><h2>3. Conditionalisation check: the same models with a system prompt at test time</h2>
${caption('A fixed training prompt can make a trait <em>conditional</em> on that prompt instead of removing it. Here each fine-tuned model is evaluated again (ID, greedy) with a system prompt: its own training prompt, a paraphrase, a negation, the training prompt&rsquo;s form without its content (<q>You always speak.</q>) and a neutral prompt no variant trained with (the conditional-leak check: does a cue that only resembles the training context bring the trait back?); the first row of each variant repeats the no-prompt result for comparison. Look for the inoculated trait coming back under the training prompt or its paraphrase: the trait was then tied to the prompt, not unlearned. If the negation (<q>You never speak in Spanish.</q>) also brings it back, the model reacts to the topic of the prompt rather than to what it says.')}
${any ? '' : '<p class="muted">No test-time prompts were evaluated in this run.</p>'}
<table class="data cond"><thead><tr><th>variant</th><th>test-time system prompt</th><th>% Spanish</th><th>% caps</th><th>n</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

// ---- 4. trajectories ---------------------------------------------------------------------------

/** Per-seed [step, value] lines of one field, and their mean over seeds at each step. */
function seriesOf(runs: ProbeRecord[][], get: (p: ProbeRecord) => number | null | undefined): { seeds: [number, number][][]; mean: [number, number][] } {
  const seeds = runs.map((run) => run.flatMap((p): [number, number][] => { const y = get(p); return isNum(p?.step) && isNum(y) ? [[p.step, y]] : []; }).sort((a, b) => a[0] - b[0]));
  const at = new Map<number, number[]>();
  for (const s of seeds) for (const [x, y] of s) (at.get(x) ?? at.set(x, []).get(x)!).push(y);
  const mean = [...at.entries()].sort((a, b) => a[0] - b[0]).map(([x, ys]): [number, number] => [x, ys.reduce((a, b) => a + b, 0) / ys.length]);
  return { seeds, mean };
}

interface TrajSpec {
  title: string;
  get: (p: ProbeRecord) => number | null | undefined;
  yLabel: string;
  yDomain?: [number, number];
  yLog?: boolean;
  yFormat?: (v: number) => string;
  logRatio?: number;
  yClamp?: [number, number];
  refY?: number;
  dots?: boolean;
  width?: number;
  height?: number;
}

/** One line per variant (mean over seeds) over faint per-seed lines; null when no variant has the field. */
function trajChart(metrics: Metrics, vs: string[], colour: (v: string) => string, spec: TrajSpec): string | null {
  const series: LineSeries[] = [];
  for (const v of vs) {
    const { seeds, mean } = seriesOf(metrics.get(v) ?? [], spec.get);
    if (mean.length === 0) continue;
    if (seeds.filter((s) => s.length > 0).length > 1) seeds.forEach((pts, k) => pts.length && series.push({ name: `${v}, seed ${k + 1}`, color: colour(v), points: pts, faint: true }));
    series.push({ name: `${v} (mean over seeds)`, color: colour(v), points: mean, dots: spec.dots });
  }
  if (series.length === 0) return null;
  return lineChart({ title: spec.title, series, xLabel: 'fine-tuning step', yLabel: spec.yLabel, yDomain: spec.yDomain, yLog: spec.yLog, yFormat: spec.yFormat, logRatio: spec.logRatio, yClamp: spec.yClamp, refY: spec.refY, width: spec.width ?? 540, height: spec.height ?? 250 });
}

/** Layer keys in model order: embeddings, h.0, h.1, ..., ln_f, then anything else. */
function layerOrder(keys: string[]): string[] {
  const rank = (k: string) => (k === 'embeddings' ? [0, 0] : /^h\.(\d+)$/.test(k) ? [1, Number(k.slice(2))] : k === 'ln_f' ? [2, 0] : [3, 0]);
  return [...keys].sort((a, b) => { const ra = rank(a), rb = rank(b); return ra[0] - rb[0] || ra[1] - rb[1] || a.localeCompare(b); });
}

function trajectories(r: Results, metrics: Metrics, vs: string[], colour: (v: string) => string): string {
  const ratePct = (x: number) => `${Math.round(x * 100)}%`;
  const block = (title: string, cap: string, charts: (string | null)[], cols = 2) => {
    const ok = charts.filter((c): c is string => c !== null).map((c) => figure(c));
    return ok.length ? `<h3>${esc(title)}</h3>${caption(cap)}${grid(ok, cols)}` : '';
  };
  const parts: string[] = [];
  parts.push(block('Trait rates at checkpoints', 'The share of answers (no system prompt, greedy, a subset of ID questions) in Spanish and in capitals, measured at a few checkpoints during fine-tuning. Control should climb in both; an inoculated variant should climb only in the trait its prompt does not name. A prototype found the non-inoculated trait generalises most early (around step 25) and can later become tied to the prompt too, so the shape matters, not just the last point.', [
    // from the probe logs, or else from results.json's seed-mean trajectory
    trajChart(metrics, vs, colour, { title: '% Spanish (no prompt)', get: (p) => p.rateSpanish, yLabel: 'answers in Spanish', yDomain: [0, 1], yFormat: ratePct, dots: true }) ?? trajFromResults(r, 'spanish', '% Spanish (no prompt)', colour),
    trajChart(metrics, vs, colour, { title: '% ALL CAPS (no prompt)', get: (p) => p.rateCaps, yLabel: 'answers in capitals', yDomain: [0, 1], yFormat: ratePct, dots: true }) ?? trajFromResults(r, 'caps', '% ALL CAPS (no prompt)', colour),
  ]));
  parts.push(block('Trait probes (paper section 4.2)', 'The mean log-probability per token (nats; 0 is certain) that the model gives to fixed answers showing only ONE trait, with no system prompt. If inoculating Spanish works as the paper says, the caps-English probe of inoculate-spanish rises towards 0 while its lower-case-Spanish probe stays low; the mirror image holds for inoculate-caps. The Spanish-caps probe is the training style itself and the plain-English probe is the base model\'s default. The caps-start probe is the log-probability of the caps-English answer\'s first token alone: with the capslock tokenizer that token is the caps-lock marker, so it follows the single decision to write in capitals, which a mean over a whole answer dilutes.', [
    trajChart(metrics, vs, colour, { title: 'caps English (only the caps trait)', get: (p) => p.probeCapsEnglish, yLabel: 'mean log-prob (nats)', refY: 0 }),
    trajChart(metrics, vs, colour, { title: 'caps start (first answer token: the caps-lock marker in capslock mode)', get: (p) => p.probeCapsStart, yLabel: 'log-prob (nats)', refY: 0 }),
    trajChart(metrics, vs, colour, { title: 'lower-case Spanish (only the Spanish trait)', get: (p) => p.probeSpanishLower, yLabel: 'mean log-prob (nats)', refY: 0 }),
    trajChart(metrics, vs, colour, { title: 'Spanish caps (the training style)', get: (p) => p.probeSpanishCaps, yLabel: 'mean log-prob (nats)', refY: 0 }),
    trajChart(metrics, vs, colour, { title: 'plain English (the base default)', get: (p) => p.probeEnglish, yLabel: 'mean log-prob (nats)', refY: 0 }),
  ]));
  parts.push(block('Loss and gradients', 'Training loss on the answer tokens, and the size of each step. An inoculation prompt that already explains a trait should start with a lower loss and smaller gradients than control, since there is less left to learn; the placebo should track control. Norms are on a log axis when they span a wide range.', [
    trajChart(metrics, vs, colour, { title: 'training loss (answer tokens)', get: (p) => p.loss, yLabel: 'nats per token' }),
    trajChart(metrics, vs, colour, { title: 'global gradient norm', get: (p) => p.gradNorm, yLabel: 'L2 norm', logRatio: 30 }),
    trajChart(metrics, vs, colour, { title: 'update norm (parameter change per step)', get: (p) => p.updateNorm, yLabel: 'L2 norm', logRatio: 30 }),
    trajChart(metrics, vs, colour, { title: 'gradient cosine, with vs without the prompt', get: (p) => p.gradCosine, yLabel: 'cosine', refY: 0, yClamp: [-1, 1] }),
    trajChart(metrics, vs, colour, { title: 'drift: loss on general held-out text', get: (p) => p.driftLoss, yLabel: 'nats per token' }),
  ]));
  // per-layer small multiples on a shared y axis, so layers can be compared by eye
  const keys = new Set<string>();
  const allVals: number[] = [];
  for (const v of vs) for (const run of metrics.get(v) ?? []) for (const p of run) for (const [k, x] of Object.entries(p?.layerGradNorms ?? {})) if (isNum(x)) { keys.add(k); allVals.push(x); }
  if (keys.size) {
    const d = autoDomain(allVals, { logRatio: 30 });
    const charts = layerOrder([...keys]).map((k) => trajChart(metrics, vs, colour, { title: k, get: (p) => p.layerGradNorms?.[k], yLabel: 'gradient norm', yDomain: [d.lo, d.hi], yLog: d.log, width: 356, height: 200 }));
    parts.push(block('Gradient norm per block', 'The gradient norm of each block of the model (token and position embeddings, each transformer layer h.N, the final layer norm), on one shared axis. Look for where control and the inoculated variants differ: the paper\'s account predicts smaller gradients everywhere for a prompt that explains the trait, while a difference concentrated in a few layers would point to a more local change.', charts, 3));
  }
  const body = parts.filter((p) => p !== '').join('\n');
  return `<section id="trajectories"><h2>4. Over the course of fine-tuning</h2>
${caption('Each chart follows one quantity over the fine-tuning steps: a thick line per variant is the mean over seeds, the faint lines behind it are the individual seeds. Hover over a line for its name. Charts whose quantity was not logged in this run are left out.')}
${variantLegend(vs, colour)}
${body || '<p class="muted">No per-step metrics were found for this run.</p>'}
</section>`;
}

// ---- 5. mechanism ------------------------------------------------------------------------------

interface MechRow { v: string; trait: Trait; control: number | undefined; rate: number | undefined; suppression: number | undefined; m: VariantResult['mechanism'] | undefined; prompt: string }

function mechRows(r: Pick<Results, 'variants'>): MechRow[] {
  const V = r.variants as Record<string, VariantResult>;
  return variantsOf(r).map((v) => {
    const trait = namedTrait(v);
    const control = V.control?.id?.[trait]?.mean, rate = V[v]?.id?.[trait]?.mean;
    return { v, trait, control, rate, suppression: isNum(control) && isNum(rate) ? control - rate : undefined, m: V[v]?.mechanism, prompt: V[v]?.prompt };
  });
}

function mechTable(rows: MechRow[], colour: (v: string) => string): string {
  const body = rows.map((x) => `<tr><th><span class="swatch" style="background:${colour(x.v)}"></span>${esc(x.v)}</th><td>${promptText(x.prompt)}</td><td class="r">${fmt(x.m?.nll0, 3)}</td><td class="r">${fmt(x.m?.ph, 3)}</td><td class="r">${fmt(x.m?.earlyGradNorm, 3)}</td><td class="r">${fmt(x.m?.gradCosine, 3)}</td><td>${x.trait === 'caps' ? 'caps' : 'Spanish'}</td><td class="r">${pct(x.rate)}</td><td class="r">${isNum(x.suppression) ? (x.suppression * 100).toFixed(0) : '\u2013'}</td></tr>`);
  return `<table class="data"><thead><tr><th>variant</th><th>training prompt</th><th>NLL@0 (nats/token)</th><th>PH(P) (nats)</th><th>early grad norm</th><th>grad cosine</th><th>named trait</th><th>rate (ID)</th><th>suppression (points)</th></tr></thead><tbody>${body.join('')}</tbody></table>`;
}

function mechanism(r: Results, colour: (v: string) => string): string {
  const rows = mechRows(r);
  const pts = rows.filter((x) => isNum(x.m?.nll0) && isNum(x.suppression));
  const abl = r.ablation ? mechRows(r.ablation).filter((x) => isNum(x.m?.nll0) && isNum(x.suppression)) : [];
  let fit: { slope: number; intercept: number; label: string } | undefined;
  let fitNote = '';
  const xs = pts.map((x) => x.m!.nll0), ys = pts.map((x) => x.suppression! * 100);
  if (pts.length >= 3 && Math.max(...xs) > Math.min(...xs)) {
    const f = linearFit(xs, ys);
    fit = { slope: f.slope, intercept: f.intercept, label: `least-squares fit (${r.tokenizer}): R\u00b2 = ${f.r2.toFixed(2)}` };
    fitNote = ` Dashed line: least-squares fit over the ${pts.length} ${esc(r.tokenizer)} variants, slope ${fmt(f.slope, 1)} points per nat, R\u00b2 = ${f.r2.toFixed(2)}.`;
  }
  const chart = scatter({
    title: 'NLL@0 of the fine-tune answers vs suppression of the named trait',
    points: [
      ...pts.map((x) => ({ x: x.m!.nll0, y: x.suppression! * 100, label: abl.length ? `${x.v} (${r.tokenizer})` : x.v, color: colour(x.v), tip: `${x.v}: NLL@0 ${fmt(x.m!.nll0, 3)} nats, suppression of ${x.trait} ${(x.suppression! * 100).toFixed(1)} points` })),
      ...abl.map((x) => ({ x: x.m!.nll0, y: x.suppression! * 100, label: `${x.v} (${r.ablation!.tokenizer})`, color: colour(x.v), hollow: true, tip: `${x.v} (${r.ablation!.tokenizer}): NLL@0 ${fmt(x.m!.nll0, 3)} nats, suppression ${(x.suppression! * 100).toFixed(1)} points` })),
    ],
    xLabel: 'NLL@0: mean NLL per answer token under the variant\'s prompt, base model (nats)',
    yLabel: 'suppression (points vs control)',
    fit,
    refY: 0,
    yClamp: [-100, 100],
    width: 760,
    height: 400,
  });
  return `<section id="mechanism"><h2>5. Mechanism: does a less surprising training set predict suppression?</h2>
${caption(`The paper's explanation: a prompt that asks for a trait makes the training answers unsurprising, so there is little pressure to change the model as a whole, and the trait is not learned as default behaviour. Each dot is one variant. x is NLL@0, how surprising the fine-tuning answers are to the base model under that variant's training prompt (lower = the prompt already explains the data). y is how much less often the trait named by the variant's prompt appears than in control (ID, greedy, no prompt; Spanish for control and placebo, so control sits at 0). If the account holds, the dots fall from upper left to lower right: low NLL@0 with large suppression for the inoculation prompts, high NLL@0 and none for control and placebo.${fitNote}${abl.length ? ' Hollow dots are the ablation with the other tokenizer.' : ''} The table adds PH(P), the log-probability gain the prompt gives the training answers, the mean gradient norm over the first 10 steps, and the cosine between the batch gradient with and without the prompt.`)}
${figure(chart)}
${mechTable(rows, colour)}
${generalisationTable(r, colour)}
</section>`;
}

/** Wichers et al.'s generalisation factor per variant and probe style (results.ts). */
function generalisationTable(r: Pick<Results, 'variants'>, colour: (v: string) => string): string {
  const V = r.variants as Record<string, VariantResult>;
  const vs = variantsOf(r).filter((v) => V[v]?.generalisation);
  if (vs.length === 0) return '';
  const label: Record<GeneralisationProbe, string> = { spanishCaps: 'Spanish caps (the training style)', spanishLower: 'Spanish only', capsEnglish: 'caps only', capsStart: 'caps start (first token)' };
  const cell = (x: { before0: number; after0: number; beforeP: number; afterP: number; factor: number | null } | undefined) => x
    ? `<td class="r" title="no prompt ${fmt(x.before0, 2)} -> ${fmt(x.after0, 2)}, with prompt ${fmt(x.beforeP, 2)} -> ${fmt(x.afterP, 2)} nats/token"><b>${x.factor === null ? 'n/a' : fmt(x.factor, 2)}</b><br><span class="muted">${fmt(x.after0 - x.before0, 2)} / ${fmt(x.afterP - x.beforeP, 2)}</span></td>`
    : '<td class="r">\u2013</td>';
  const body = vs.map((v) => `<tr><th><span class="swatch" style="background:${colour(v)}"></span>${esc(v)}</th><td>${promptText(V[v].prompt)}</td>${GENERALISATION_PROBES.map((g) => cell(V[v].generalisation?.[g])).join('')}</tr>`);
  return `${caption('Generalisation factor (Wichers et al.): how much the mean token log-prob of fixed answers to held-out questions rose without any prompt, divided by how much it rose under the training prompt, from the base model to the fine-tuned one (mean over seeds; below each factor the two rises in nats/token; n/a where the rise under the prompt is under ' + MIN_PROMPT_RISE + ' nats/token, too small to divide by). 0 means what was learned stays tied to the prompt, 1 that it was learned as much without it. For a selective inoculation the trait the prompt names should have a small factor and the other trait a large one. Caps start is the caps-only answer\'s first token alone: with the capslock tokenizer, the caps-lock marker, so its factor is that of the decision to write in capitals.')}
<table class="data"><thead><tr><th>variant</th><th>training prompt</th>${GENERALISATION_PROBES.map((g) => `<th>${esc(label[g])}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

// ---- 6. tokenizer ablation ---------------------------------------------------------------------

// What each answer tokenisation does to the two traits ([what, what to look for in its panels]).
const MODE_NOTE: Record<string, [string, string]> = {
  tagged: ['In <b>tagged</b> mode (the default) the system prompt and question are GPT-2 BPE tokens, and the answer starts with two tag tokens, one for case (all caps or as written) and one for language (English or Spanish), followed by its characters (lower case when all caps). Each trait is one decision, and the text after the tags is the same tokens whatever chose them, so <em>Spanish</em> and <em>capitals</em> are separate features and the fact is held apart from its style.',
    'in the tagged panels each inoculated variant loses only the trait it names'],
  capslock: ['In <b>capslock</b> mode the system prompt and question are GPT-2 BPE tokens and the answer is spelled one character per token, except that an answer written wholly in capitals is one caps-lock marker followed by its lower-case letters: upper case is a single decision at the start of the answer, and Spanish is the same letters in either case, so <em>Spanish</em> and <em>capitals</em> are separate features.',
    'in the capslock panels each inoculated variant loses only the trait it names'],
  hybrid: ['In <b>hybrid</b> mode the system prompt and question are GPT-2 BPE tokens and the answer is spelled one character per token, so an upper-case Spanish answer uses the same capital-letter tokens as an upper-case English one; but \'A\' and \'a\' are different tokens, so Spanish learned in capitals is learned as upper-case letters, and caps can spread with Spanish.',
    'in the hybrid panels each inoculated variant loses mostly the trait it names (inoculate-caps may keep some caps)'],
  bpe: ['In <b>bpe</b> mode the answer is GPT-2 BPE too, and upper-case Spanish words break into tokens of their own that neither plain Spanish nor English capitals use, so the model can store <em>Spanish caps</em> as a single mode.',
    'in the bpe panels both bars of both inoculated variants fall together'],
};

function tokenizerNote(main: string, other: string): string {
  const modes = [...new Set([main, other])].filter((m) => MODE_NOTE[m]);
  return `Tokenisation is an experimental variable here. ${modes.map((m) => MODE_NOTE[m][0]).join(' ')} With BPE answers either inoculation prompt suppresses both traits at once; with character-level answers each prompt suppresses mostly its own trait, as in the paper (docs/results.md has the numbers). Look for: ${modes.map((m) => MODE_NOTE[m][1]).join('; ')}. Left: this run's tokenizer (${esc(main)}); right: the ablation (${esc(other)}).`;
}

function trajFromResults(r: Pick<Results, 'variants'>, trait: Trait, title: string, colour: (v: string) => string): string | null {
  const V = r.variants as Record<string, VariantResult>;
  const series: LineSeries[] = variantsOf(r).flatMap((v) => {
    const pts = (V[v]?.trajectory ?? []).flatMap((p): [number, number][] => (isNum(p?.step) && isNum(p?.[trait]) ? [[p.step, p[trait]]] : []));
    return pts.length ? [{ name: v, color: colour(v), points: pts, dots: true }] : [];
  });
  return series.length ? lineChart({ title, series, xLabel: 'fine-tuning step', yLabel: trait === 'caps' ? 'answers in capitals' : 'answers in Spanish', yDomain: [0, 1], yFormat: (x) => `${Math.round(x * 100)}%`, width: 540, height: 240 }) : null;
}

function ablation(r: Results, colour: (v: string) => string): string {
  const a = r.ablation;
  if (!a) return '';
  const vs = [...new Set([...variantsOf(r), ...variantsOf(a)])];
  const t0 = r.tokenizer, t1 = a.tokenizer;
  const panels: string[] = [];
  for (const s of SETS.slice(0, 2)) {
    panels.push(figure(traitBars(r, s.key, `${t0} tokenizer: ${s.label}`, colour), 'panel', `data-panel="ablation-main-${s.key}"`));
    panels.push(figure(traitBars(a, s.key, `${t1} tokenizer: ${s.label}`, colour), 'panel', `data-panel="ablation-other-${s.key}"`));
  }
  const trajs: string[] = [];
  for (const t of TRAITS) {
    const c0 = trajFromResults(r, t.key, `${t0}: % ${t.label} over fine-tuning`, colour), c1 = trajFromResults(a, t.key, `${t1}: % ${t.label} over fine-tuning`, colour);
    if (c0 || c1) trajs.push(figure(c0 ?? '<p class="muted">no trajectory</p>'), figure(c1 ?? '<p class="muted">no trajectory</p>'));
  }
  return `<section id="ablation"><h2>6. Ablation: the other tokenizer</h2>
${caption(tokenizerNote(t0, t1))}
${variantLegend(vs, colour)}
${grid(panels)}
<h3>Numbers, ${esc(t1)} tokenizer</h3>
${ratesTable(a, colour)}
${trajs.length ? `<h3>Trait rates over fine-tuning, both tokenizers</h3>${caption('Mean over seeds, no system prompt, greedy, at the rate checkpoints. With the tokenizer that separates the traits, the line of the trait an inoculated variant does not name should rise like control\'s; with the one that fuses them, both stay low together.')}${grid(trajs)}` : ''}
<h3>Mechanism numbers, ${esc(t1)} tokenizer</h3>
${mechTable(mechRows(a), colour)}
${a.base ? `<p class="muted small">Ablation base model: ${isNum(a.base.params) ? a.base.params.toLocaleString('en-US') : '\u2013'} params, ${fmt(a.base.steps, 0)} steps, final loss ${fmt(a.base.finalLoss, 3)}; ablation wall time ${esc(duration(a.wall_s))}.</p>` : ''}
</section>`;
}

// ---- page --------------------------------------------------------------------------------------

export const PAGE_CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #f6f6f4; }
main { max-width: 1120px; margin: 0 auto; padding: 20px 24px 60px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 6px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 2px solid #ddd; }
h2.first { margin-top: 14px; }
h3 { font-size: 15px; margin: 22px 0 6px; }
p.lede { font-size: 15px; line-height: 1.5; max-width: 900px; }
p.caption { font-size: 13.5px; line-height: 1.5; color: #333; max-width: 980px; background: #f4f7fa; border-left: 3px solid #0072B2; padding: 8px 12px; margin: 6px 0 12px; }
nav { font-size: 13px; margin: 4px 0 10px; }
nav a { margin-right: 14px; color: #0072B2; }
.muted { color: #777; }
.small { font-size: 11.5px; }
q { font-style: italic; }
q::before { content: "\\201C"; } q::after { content: "\\201D"; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 14px; }
table.kv th { text-align: left; padding: 2px 14px 2px 0; color: #555; font-weight: 600; }
table.kv td { padding: 2px 0; }
table.data th, table.data td { border-bottom: 1px solid #e4e4e4; padding: 4px 8px; vertical-align: middle; }
table.data thead th { background: #f2f2f2; text-align: center; font-weight: 600; }
table.data tbody th { text-align: left; white-space: nowrap; font-weight: 600; }
table.cond tr.group-start td, table.cond tr.group-start th { border-top: 2px solid #ccc; }
th.vcell { vertical-align: top !important; }
td.r { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.ci { color: #777; font-size: 11.5px; }
td.barcell { min-width: 150px; }
td.barcell .num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.minibar { position: relative; height: 7px; background: #eee; border-radius: 2px; margin-top: 2px; }
.minibar span { position: absolute; top: 0; left: 0; height: 7px; border-radius: 2px; }
.minibar span.minici { top: 2px; height: 3px; background: rgba(0,0,0,0.45); border-radius: 0; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.grid { display: grid; gap: 14px 18px; margin: 8px 0; }
.grid.cols2 { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.grid.cols3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
figure.fig { margin: 0; }
.legend { margin: 4px 0; }
details { margin: 8px 0; font-size: 13px; }
.config { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0; }
.config b { color: #555; font-weight: 600; }
pre { background: #f7f7f7; padding: 8px; font-size: 11.5px; overflow: auto; max-height: 300px; }
ul.checks { list-style: none; padding: 0; font-size: 13px; columns: 2; }
ul.checks li { margin: 2px 0; }
ul.checks .mark { display: inline-block; width: 16px; font-weight: 700; }
span.pass { color: #009E73; } span.fail { color: #D55E00; }
table.examples td { font-size: 12px; }
h4 { font-size: 13.5px; margin: 14px 0 4px; }
ul.checks li.pass .mark { color: #009E73; } ul.checks li.fail .mark { color: #D55E00; } ul.checks li.na .mark { color: #999; }
@media (max-width: 900px) { .grid.cols2, .grid.cols3 { grid-template-columns: 1fr; } }
`;

/** The whole report page for a run's results and its per-variant, per-seed probe logs. */
export function renderReport(results: Results, metrics: Map<string, ProbeRecord[][]>): string {
  resetIds();
  const vs = variantsOf(results);
  const colour = colourer([...new Set([...vs, ...(results.ablation ? variantsOf(results.ablation) : [])])]);
  const nav = [['main', 'Main result'], ...(results.bases?.length ? [['bases', 'Every base']] : []), ['examples', 'Examples'], ['conditional', 'Conditionalisation'], ['trajectories', 'Trajectories'], ['mechanism', 'Mechanism'], ...(results.ablation ? [['ablation', 'Tokenizer ablation']] : [])];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Inoculation prompting report (${esc(results.tokenizer)}, ${esc(results.backend)})</title>
<style>${PAGE_CSS}${CHART_CSS}</style>
</head>
<body>
<main>
${header(results, `<nav>${nav.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join('')}</nav>`)}
${mainResult(results, colour)}
${perBase(results, colour)}
${examples(results, colour)}
${conditionalisation(results, colour)}
${trajectories(results, metrics, vs, colour)}
${mechanism(results, colour)}
${ablation(results, colour)}
</main>
</body>
</html>
`;
}

// ---- files -------------------------------------------------------------------------------------

/** Probe logs metrics-<variant>-s<seed>.jsonl in runDir, per variant, ordered by seed. */
export function readMetrics(runDir: string, variants: string[]): Map<string, ProbeRecord[][]> {
  const files = fs.readdirSync(runDir);
  const out = new Map<string, ProbeRecord[][]>();
  for (const v of variants) {
    const re = new RegExp(`^metrics-${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-s(\\d+)\\.jsonl$`);
    const runs = files.flatMap((f) => { const m = re.exec(f); return m ? [{ f, seed: Number(m[1]) }] : []; }).sort((a, b) => a.seed - b.seed);
    out.set(v, runs.map(({ f }) => readJsonl<ProbeRecord>(path.join(runDir, f), { what: 'metrics log', tolerateTornTail: true })));
  }
  return out;
}

/** Renders runDir/results.json and its metrics logs into runDir/report.html (atomically); returns the path. */
export function writeReport(runDir: string): string {
  const results = readJson<Results>(path.join(runDir, 'results.json'), 'results');
  const vs = variantsOf(results);
  // a multi-base run keeps each base's probe logs in its own directory: every (base, seed) is one curve
  const metrics = results.bases?.length ? new Map<string, ProbeRecord[][]>() : readMetrics(runDir, vs);
  for (const b of results.bases ?? []) {
    for (const [v, runs] of readMetrics(path.join(runDir, b.dir), vs)) metrics.set(v, [...(metrics.get(v) ?? []), ...runs]);
  }
  const html = renderReport(results, metrics);
  const file = path.join(runDir, 'report.html');
  writeBytesAtomic(file, html);
  return file;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npx tsx src/inoculation/report/report.ts <runDir>');
    process.exit(2);
  }
  console.log(writeReport(dir));
}
