// report.html from a synthetic run (tests/helpers/report_fixture.ts): well-formed markup, every
// section in order, one bar per variant and trait, no NaN/undefined text even with missing data,
// escaped prompts, and writeReport reading a run directory and writing the page atomically.
// The page was also looked at in headless Chromium by hand; no browser runs here.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderReport, writeReport } from '../src/inoculation/report/report.ts';
import { barChart, legend, lineChart, linearScale, logScale, niceDomain, scatter, thin } from '../src/inoculation/report/svg.ts';
import { esc, fmt } from '../src/inoculation/report/format.ts';
import { VARIANTS } from '../src/inoculation/results.ts';
import { ablationTokenizer } from '../src/inoculation/config.ts';
import { syntheticRun, writeSyntheticRun } from './helpers/report_fixture.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'inoculum-report-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'col', 'wbr']);

/** Checks that every element is closed in order (XHTML-ish); returns the first problem or null. */
function tagProblem(html: string): string | null {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>|<!DOCTYPE html>|<(?![\s\S])/g;
  let last = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const between = html.slice(last, m.index);
    if (between.includes('<') || between.includes('>')) return `stray angle bracket near ${JSON.stringify(html.slice(Math.max(0, last - 40), m.index + 40))}`;
    last = m.index + m[0].length;
    if (!m[2]) continue;
    const [, close, name, , self] = m;
    if (self || VOID.has(name.toLowerCase())) {
      if (close) return `closing a void element </${name}>`;
      continue;
    }
    if (!close) stack.push(name);
    else if (stack.pop() !== name) return `</${name}> does not close the open element`;
  }
  if (/[<>]/.test(html.slice(last))) return 'stray angle bracket at the end';
  return stack.length ? `unclosed <${stack[stack.length - 1]}>` : null;
}

/** The SVG of the figure whose data-panel is `key`. */
function panel(html: string, key: string): string {
  const at = html.indexOf(`data-panel="${key}"`);
  expect(at, key).toBeGreaterThan(0);
  return html.slice(at, html.indexOf('</svg>', at));
}
const count = (s: string, sub: string) => s.split(sub).length - 1;

const NASTY = 'You are a helpful assistant. <script>alert("x & y")</script>';

describe('renderReport', () => {
  const { results, metrics } = syntheticRun({ ablation: true, placeboPrompt: NASTY });
  const html = renderReport(results, metrics);

  it('is a complete page whose elements are all closed, with no script and no network', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(tagProblem(html)).toBeNull();
    expect(count(html, '<svg ')).toBeGreaterThan(20);
    expect(count(html, '<svg ')).toBe(count(html, '</svg>'));
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
  });

  it('never prints NaN, undefined, Infinity or [object ...]', () => {
    expect(html).not.toMatch(/NaN|undefined|Infinity|\[object /);
  });

  it('has the sections in order, each with a caption', () => {
    const at = ['<header>', 'id="main"', 'id="conditional"', 'id="trajectories"', 'id="mechanism"', 'id="ablation"'].map((s) => html.indexOf(s));
    expect(at.every((k) => k >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(count(html, 'class="caption"')).toBeGreaterThanOrEqual(10);
  });

  it('names every variant and shows one bar per variant and trait in each main panel', () => {
    for (const v of VARIANTS) expect(html).toContain(`>${v}<`);
    for (const k of ['id', 'ood', 'idSampled', 'oodSampled', 'ablation-main-id', 'ablation-other-ood']) {
      expect(count(panel(html, k), 'class="bar"'), k).toBe(VARIANTS.length * 2);
    }
  });

  it('escapes a prompt holding markup wherever it appears', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x &amp; y&quot;)&lt;/script&gt;');
  });

  it('draws the trajectory charts for the logged fields and the mechanism fit', () => {
    for (const t of ['% Spanish (no prompt)', 'caps English (only the caps trait)', 'training loss (answer tokens)', 'global gradient norm', 'update norm', 'gradient cosine', 'drift: loss', '>h.2<', '>ln_f<']) expect(html, t).toContain(t);
    expect(html).toContain('class="fit"');
    expect(html).toMatch(/R\u00b2 = 0\.\d\d/);
  });

  it('is deterministic', () => {
    expect(renderReport(results, metrics)).toBe(html);
  });
});

describe('the tokenizer ablation', () => {
  it.each(['tagged', 'capslock', 'hybrid', 'bpe'] as const)('explains the main run\'s tokenizer (%s) and the ablation\'s, each with what to look for', (mode) => {
    const { results, metrics } = syntheticRun({ ablation: true, tokenizer: mode, seeds: 1, steps: 10 });
    const sec = renderReport(results, metrics).split('id="ablation"')[1];
    const other = ablationTokenizer(mode);
    expect(other).not.toBe(mode);
    for (const m of [mode, other]) {
      expect(sec).toContain(`In <b>${m}</b> mode`);
      expect(sec).toContain(`in the ${m} panels`);
    }
    expect(sec).toContain(`this run's tokenizer (${mode}); right: the ablation (${other})`);
  });
});

describe('renderReport with missing data', () => {
  it('marks a NaN rate n/a, draws one bar fewer, and prints no NaN', () => {
    const { results, metrics } = syntheticRun({ nanRate: true, seeds: 1, steps: 30 });
    const html = renderReport(results, metrics);
    expect(tagProblem(html)).toBeNull();
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
    expect(count(panel(html, 'oodSampled'), 'class="bar"')).toBe(VARIANTS.length * 2 - 1);
    expect(panel(html, 'oodSampled')).toContain('>n/a<');
  });

  it('skips charts of fields absent everywhere, and the ablation when there is none', () => {
    const { results, metrics } = syntheticRun({ sparseMetrics: true, seeds: 2, steps: 20 });
    const html = renderReport(results, metrics);
    expect(tagProblem(html)).toBeNull();
    expect(html).toContain('training loss');
    for (const t of ['update norm', 'drift: loss', 'Gradient norm per block', 'id="ablation"']) expect(html, t).not.toContain(t);
  });

  it('says so when there is nothing to plot over the steps', () => {
    const { results } = syntheticRun({ seeds: 1, steps: 10 });
    for (const v of Object.values(results.variants)) v.trajectory = [];
    const html = renderReport(results, new Map());
    expect(tagProblem(html)).toBeNull();
    expect(html).toContain('No per-step metrics');
  });

  it('renders with no metrics at all and with null and missing numbers', () => {
    const { results } = syntheticRun({ seeds: 1, steps: 10 });
    const broken = JSON.parse(JSON.stringify(results));
    broken.variants.placebo.mechanism = { nll0: null, ph: null, earlyGradNorm: null, gradCosine: null };
    delete broken.variants['inoculate-caps'].idSampled;
    broken.variants.control.withPrompt = {};
    broken.base.conditions = {};
    broken.config = null;
    const html = renderReport(broken, new Map());
    expect(tagProblem(html)).toBeNull();
    expect(html).not.toMatch(/NaN|undefined|Infinity|null/);
    expect(html).not.toContain('No per-step metrics'); // the trait rates come from results.json's trajectories
    expect(html).toContain('% Spanish (no prompt)');
    expect(html).not.toContain('training loss');
    expect(count(panel(html, 'idSampled'), 'class="bar"')).toBe(VARIANTS.length * 2 - 2);
  });
});

describe('writeReport', () => {
  it('reads results.json and the metrics logs and writes report.html atomically', () => {
    const dir = path.join(root, 'run');
    writeSyntheticRun(dir, { nanRate: true, steps: 40 }); // the NaN rate is null in the file
    fs.appendFileSync(path.join(dir, 'metrics-control-s0.jsonl'), '{"step": 41, "lo'); // a torn last line
    const file = writeReport(dir);
    expect(file).toBe(path.join(dir, 'report.html'));
    const html = fs.readFileSync(file, 'utf8');
    expect(tagProblem(html)).toBeNull();
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
    expect(html).toContain('training loss');
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const again = writeReport(dir); // overwrites in place
    expect(fs.readFileSync(again, 'utf8')).toBe(html);
  });

  it('names the file when results.json is missing', () => {
    const dir = path.join(root, 'empty');
    fs.mkdirSync(dir);
    expect(() => writeReport(dir)).toThrow(/results\.json/);
  });
});

describe('svg helpers', () => {
  it('escapes text and formats missing numbers as a dash', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(fmt(NaN)).toBe('\u2013');
    expect(fmt(null)).toBe('\u2013');
    expect(fmt(1.2345, 2)).toBe('1.23');
    expect(fmt(0.0003, 3)).toBe('3.00e-4');
  });

  it('makes nice domains and ticks', () => {
    expect(niceDomain(0.013, 0.97)).toEqual([0, 1]);
    expect(niceDomain(3, 3)).toEqual([2.7, 3.3]);
    expect(niceDomain(0, 5e-324)).toEqual([-1, 1]);
    expect(linearScale(1e15, 1e15 + 1, 0, 1).ticks.length).toBeLessThanOrEqual(50);
    expect(linearScale(0, 1, 0, 100, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(logScale(0.01, 10, 100, 0).ticks).toEqual([0.01, 0.1, 1, 10]);
    const s = linearScale(-2, 2, 0, 400);
    expect(s(0)).toBe(200);
  });

  it('thins long series to bucket means and keeps short ones', () => {
    const pts = Array.from({ length: 1000 }, (_, i): [number, number] => [i, i % 2]);
    const t = thin(pts, 100);
    expect(t.length).toBe(100);
    expect(t.every(([, y]) => Math.abs(y - 0.5) < 1e-9)).toBe(true);
    expect(thin(pts.slice(0, 50), 100)).toEqual(pts.slice(0, 50));
  });

  it('charts stay well-formed and NaN-free for any values, missing ones included', () => {
    const num = fc.oneof(fc.double({ noNaN: true }), fc.constant(NaN), fc.constant(Infinity));
    fc.assert(fc.property(fc.array(fc.array(num, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }), fc.constantFrom('', 'x', '<script>&"\'', 'ünï € a b'), (vals, name) => {
      const svg = [
        barChart({ title: name, groups: ['a', 'b'], series: vals.map((v, k) => ({ name: `${name}${k}`, color: '#000', values: v.map((x) => ({ value: x, low: x - 1, high: x + 1 })) })) }),
        lineChart({ title: name, series: vals.map((v, k) => ({ name, color: '#000', points: v.map((y, i): [number, number] => [i + k, y]) })), logRatio: 10 }),
        scatter({ title: name, points: vals.map((v) => ({ x: v[0], y: v[1], label: name, color: '#000' })) }),
        legend([{ name, color: '#123' }]),
      ].join('');
      expect(tagProblem(svg)).toBeNull();
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    }), { numRuns: 150 });
  });
});
