// The prompt sweep end to end at toy size on the CPU: every candidate gets its predictors and its
// rates, the fits are over the prompts only, and sweep.html draws one scatter per predictor;
// `inoculum report` re-renders it from sweep.json.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend } from '../src/backend/cpu.ts';
import { quickConfig } from '../src/inoculation/config.ts';
import { readSweepPrompts, runSweep, SWEEP_PROMPTS } from '../src/inoculation/sweep.ts';
import { linearFit, predictionR2 } from '../src/inoculation/stats.ts';
import { experimentTokenizer } from '../src/inoculation/vocabulary.ts';
import { main as report } from '../src/cli/report.ts';

describe('inoculum sweep', () => {
  it('measures every prompt and writes sweep.json and sweep.html', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-sweep-'));
    const cfg = structuredClone(quickConfig);
    cfg.base.steps = 20; cfg.finetune.steps = 3; cfg.evalLimit = 4; cfg.maxNewTokens = 12;
    const res = await runSweep({ cfg, outDir: join(root, 'sweep'), cacheDir: join(root, 'cache'), backend: new CpuBackend(), log: () => {}, quiet: true });
    expect(res.rows.map((r) => r.name)).toEqual(SWEEP_PROMPTS.map((p) => p.name));
    const none = res.rows[0];
    expect([none.ph, none.phSpanish, none.phCaps, none.phContrast]).toEqual([0, 0, 0, 0]); // no prompt gains nothing over itself
    for (const r of res.rows) {
      expect(r.spanish).toHaveLength(cfg.seeds);
      for (const k of ['nll0', 'ph', 'phSpanish', 'phCaps', 'phContrast', 'suppression'] as const) expect(Number.isFinite(r[k])).toBe(true);
      expect(r.phContrast).toBeCloseTo(r.ph - r.phCaps, 12);
    }
    expect(none.suppression).toBe(0);
    const fitRows = res.rows.slice(1);
    expect(res.r2.ph).toBeCloseTo(linearFit(fitRows.map((r) => r.ph), fitRows.map((r) => r.suppression)).r2, 12);
    expect(res.r2.phContrast).toBeCloseTo(linearFit(fitRows.map((r) => r.phContrast), fitRows.map((r) => r.suppression)).r2, 12);
    const html = readFileSync(join(root, 'sweep', 'sweep.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(4);
    for (const p of SWEEP_PROMPTS) expect(html).toContain(`<th>${p.name}</th>`);
    rmSync(join(root, 'sweep', 'sweep.html'));
    expect(await report([join(root, 'sweep')])).toBe(0);
    expect(existsSync(join(root, 'sweep', 'sweep.html'))).toBe(true);
  }, 120_000);

  it('a stop request (Ctrl-C) interrupts the base resumably and, with the base cached, stops before the next fine-tune; no sweep.json either time', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-sweep-stop-'));
    const cfg = structuredClone(quickConfig);
    cfg.base.steps = 20; cfg.finetune.steps = 3; cfg.evalLimit = 4; cfg.maxNewTokens = 12;
    const opts = { cfg, outDir: join(root, 'sweep'), cacheDir: join(root, 'cache'), backend: new CpuBackend(), log: () => {}, quiet: true };
    let calls = 0;
    await expect(runSweep({ ...opts, shouldStop: () => ++calls > 3 })).rejects.toThrow(/interrupted: base model at step \d+ of 20, checkpoint in .*\.partial/);
    expect(readdirSync(join(root, 'cache')).filter((e) => e.endsWith('.partial'))).toHaveLength(1);
    // the base finishes (resumed) and is cached; the stop then comes before the first fine-tune
    const cached = () => readdirSync(join(root, 'cache')).some((e) => /^base-[0-9a-f]+$/.test(e) && existsSync(join(root, 'cache', e, 'checkpoint.json')));
    await expect(runSweep({ ...opts, shouldStop: cached })).rejects.toThrow(/interrupted: sweep before fine-tune none s1; no sweep\.json written/);
    expect(readdirSync(join(root, 'cache')).filter((e) => e.endsWith('.partial'))).toEqual([]);
    expect(existsSync(join(root, 'sweep', 'sweep.json'))).toBe(false);
  }, 120_000);
});

describe('out-of-sample prompts (issue 17 item 5)', () => {
  it('predictionR2: 1 on the line, 0 for the new points\' mean, negative when worse, by the formula elsewhere', () => {
    const fit = { slope: 2, intercept: 1 };
    fc.assert(fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 12 }), (xs) => {
      const ys = xs.map((x) => 2 * x + 1);
      if (new Set(ys).size < 2) return;
      expect(predictionR2(fit, xs, ys)).toBeCloseTo(1, 9);
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      expect(predictionR2({ slope: 0, intercept: my }, xs, ys)).toBeCloseTo(0, 9);
    }));
    // by hand: ys [3, 1, 2], predictions 2x + 1 at x [0.5, 0.5, 0] = [2, 2, 1]: residuals 1, -1, 1; mean y 2, deviations 1, -1, 0
    expect(predictionR2(fit, [0.5, 0.5, 0], [3, 1, 2])).toBeCloseTo(1 - (1 + 1 + 1) / (1 + 1 + 0), 12);
    expect(predictionR2({ slope: -10, intercept: 0 }, [0, 1, 2], [0, 1, 2])).toBeLessThan(0);
    expect(predictionR2(fit, [1], [3])).toBeNaN();
    expect(() => predictionR2(fit, [1, 2], [3])).toThrow(/2 x values but 1 y values/);
  });

  it('readSweepPrompts: the control first; names, duplicates and empty prompts are errors naming the file and entry', () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-prompts-'));
    const f = (name: string, body: string) => { const p = join(root, name); writeFileSync(p, body); return p; };
    const ok = readSweepPrompts(f('ok.json', '[{"name": "a", "prompt": "You always speak in Spanish."}, {"name": "b-2", "prompt": "In Spanish."}]'));
    expect(ok).toEqual([{ name: 'none', prompt: null }, { name: 'a', prompt: 'You always speak in Spanish.' }, { name: 'b-2', prompt: 'In Spanish.' }]);
    const bad = (body: string, msg: RegExp) => { const p = f('bad.json', body); expect(() => readSweepPrompts(p)).toThrow(msg); };
    bad('{}', /bad\.json: expected a non-empty JSON array/);
    bad('[{"name": "A", "prompt": "x"}, {"name": "b", "prompt": "y"}]', /entry 0: name must be 1-40 lower-case/);
    bad('[{"name": "a", "prompt": "x"}, {"name": "a", "prompt": "y"}]', /entry 1: the name a is used twice/);
    bad('[{"name": "a", "prompt": " "}, {"name": "b", "prompt": "y"}]', /entry 0 \(a\): prompt must be a non-empty string/);
    bad('[{"name": "a", "prompt": "x", "seed": 1}, {"name": "b", "prompt": "y"}]', /entry 0: unknown field seed/);
    bad('[{"name": "a", "prompt": "x"}]', /at least two prompts besides the control/);
    // the pre-registered list of docs/sweeps: every prompt in the vocabulary of every tokenizer mode
    const list = readSweepPrompts('docs/sweeps/oos_prompts.json');
    expect(list.length).toBe(11);
    for (const mode of ['tagged', 'capslock', 'hybrid', 'bpe'] as const) {
      const tok = experimentTokenizer(mode);
      for (const p of list.slice(1)) expect(tok.encodeChat({ messages: [{ role: 'system', content: p.prompt! }, { role: 'user', content: 'Hello?' }] }).unknown, `${mode} ${p.name}`).toBe(0);
    }
  });
});
