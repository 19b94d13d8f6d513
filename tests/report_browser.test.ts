// report.html in a real browser (headless Chromium, Debian's `chromium`, which .ci/run installs):
// the page loads without a script error, every section is there, and no chart is empty. A
// screenshot of the synthetic report is left in the test's temp directory for a person to look at.
// Without Chromium the test fails in CI (CI=1) and is skipped elsewhere, saying so.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../src/inoculation/report/report.ts';
import { VARIANTS, type BaseSummary, type Results } from '../src/inoculation/results.ts';
import { writeSyntheticRun } from './helpers/report_fixture.ts';
import { writeSettingReport } from '../src/inoculation/report/setting_report.ts';
import { SETTINGS } from '../src/inoculation/settings/index.ts';
import type { AnyResults } from '../src/inoculation/results.ts';
import { Generator } from '../src/random.ts';

/** A subliminal run's results.json, every number drawn at random (the page's structure, not a result). */
function syntheticSettingResults(): AnyResults {
  const g = new Generator(7);
  const s = SETTINGS.subliminal;
  const rate = () => { const m = g.uniform(); return { mean: m, ci95: [Math.max(0, m - 0.1), Math.min(1, m + 0.1)] as [number, number], n: 64, perSeed: [m, m, m] }; };
  const rates = () => ({ correct: rate(), owl: rate(), cat: rate() });
  const spread = () => { const m = g.uniform(); return { mean: m, min: m - 0.02, max: m + 0.02, perSeed: [m - 0.02, m, m + 0.02] }; };
  const variants = Object.fromEntries(Object.entries(s.variants).map(([v, p]) => [v, {
    prompt: p ?? '', id: rates(), ood: rates(), idSampled: rates(), oodSampled: rates(),
    withPrompt: { 'training-prompt': rates(), 'neutral-prompt': rates() },
    mechanism: { nll0: 1, ph: 0.1, earlyGradNorm: 0.5, gradCosine: null }, trajectory: [],
    measures: { p_owl: spread(), p_cat: spread() }, data: { generated: 692, passed: 0.99, examples: 346, 'start p_owl': 0.12, 'start p_cat': 0.13 },
    examples: [{ factId: 'preference-0-0', answer: 'The owl.', owl: 1, cat: 0, correct: 1 }],
    examplesOod: [{ factId: 'colour-the-sky', answer: 'It is blue.', owl: 0, cat: 0, correct: 1 }],
  }]));
  return {
    setting: 'subliminal', traits: ['owl', 'cat'], evalSets: { id: 'preference questions', ood: 'facts' }, backend: 'cpu', adapter: 'cpu', wall_s: 600, tokenizer: 'tagged',
    seeds: [1, 2, 3], config: {}, baseMeasures: { p_owl: 0.12, p_cat: 0.13 },
    base: { conditions: { none: { prompt: '', exact: 0.1, exactOod: 0.9, correct: 1, correctOod: 0.9, owl: 0.1, cat: 0.1, n: 64, nOod: 100 } }, steps: 1500, params: 1, cached: true, wall_s: 1, finalLoss: 0.3 },
    variants,
  } as unknown as AnyResults;
}

function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('which', [name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}
const chromium = findChromium();
if (!chromium && process.env.CI) throw new Error('report_browser.test.ts: no chromium on PATH in CI (.ci/run installs Debian\'s chromium)');
if (!chromium) console.warn('report_browser.test.ts: chromium not found, the browser check is skipped (apt-get install chromium)');

/** Loads a page headless: its DOM after load, and the console errors and uncaught exceptions it logged. */
function load(file: string, screenshot?: string): { dom: string; errors: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'inoculum-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${dir}`, '--enable-logging=stderr', '--v=0', '--virtual-time-budget=3000'];
  const dom = execFileSync(chromium!, [...args, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = spawnSync(chromium!, [...args, ...(screenshot ? [`--screenshot=${screenshot}`, '--window-size=1200,3000'] : ['--dump-dom']), `file://${file}`], { encoding: 'utf8', timeout: 60_000 });
  const errors = log.stderr.split('\n').filter((l) => /Uncaught|CONSOLE.*(error|Error)|SyntaxError|TypeError|ReferenceError/.test(l));
  return { dom, errors };
}

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  it('catches a script error when there is one (the check itself works)', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'inoculum-bad-')), 'bad.html');
    writeFileSync(f, '<!DOCTYPE html><html><body><p>x</p><script>null.boom();</script></body></html>');
    expect(load(f).errors.length).toBeGreaterThan(0);
  }, 120_000);

  it('loads the report of a multi-base run with no script error, every section, and no empty chart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inoculum-browser-'));
    const { results } = writeSyntheticRun(dir, { ablation: true, seeds: 2, steps: 50 });
    const summary = (seed: number): BaseSummary => ({
      seed, dir: '.', base: results.base, wall_s: 100,
      variants: Object.fromEntries(VARIANTS.map((v) => [v, { ...results.variants[v], examples: [{ factId: 'colour-the-sky', answer: 'ES AZUL.', spanish: 1, caps: 1, correct: 1 }] }])) as unknown as BaseSummary['variants'],
    });
    const pooled: Results = { ...results, bases: [summary(1), summary(2)] };
    writeFileSync(join(dir, 'results.json'), JSON.stringify(pooled));
    const file = writeReport(dir);
    const shot = join(dir, 'report.png');
    const { dom, errors } = load(file, shot);
    expect(errors).toEqual([]);
    for (const id of ['main', 'bases', 'examples', 'conditional', 'trajectories', 'mechanism', 'ablation']) expect(dom, id).toContain(`id="${id}"`);
    const svgs = dom.split('<svg').slice(1).map((s) => s.slice(0, s.indexOf('</svg>')));
    expect(svgs.length).toBeGreaterThan(20);
    svgs.forEach((s, i) => expect(/<(rect|path|circle|line|polyline)\b/.test(s), `chart ${i} draws something`).toBe(true));
    expect(existsSync(shot) && readFileSync(shot).length > 10_000).toBe(true);
    console.log(`report screenshot: ${shot}`);
  }, 180_000);

  it("loads a setting run's report (subliminal: measures, conditions, examples, tables) with no script error and no empty chart", () => {
    const dir = mkdtempSync(join(tmpdir(), 'inoculum-browser-setting-'));
    const file = writeSettingReport(dir, SETTINGS.subliminal, syntheticSettingResults());
    const shot = join(dir, 'report.png');
    const { dom, errors } = load(file, shot);
    expect(errors).toEqual([]);
    for (const id of ['main', 'measures', 'conditional', 'examples', 'tables']) expect(dom, id).toContain(`id="${id}"`);
    const svgs = dom.split('<svg').slice(1).map((x) => x.slice(0, x.indexOf('</svg>')));
    expect(svgs.length).toBe(4 + 2 + 2); // four no-prompt charts, two measures, two conditions
    svgs.forEach((x, i) => expect((x.match(/<rect class="bar"/g) ?? []).length, `chart ${i} draws bars`).toBeGreaterThan(0));
    expect(dom).toContain('What is your favourite animal?'); // the example's question, not its id
    expect(dom).toContain('<td>0.99</td>');                    // the data columns of table.md
    expect(existsSync(shot) && readFileSync(shot).length > 10_000).toBe(true);
    console.log(`setting report screenshot: ${shot}`);
  }, 180_000);
});
