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
});
