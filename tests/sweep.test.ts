// The prompt sweep end to end at toy size on the CPU: every candidate gets its predictors and its
// rates, the fits are over the prompts only, and sweep.html draws one scatter per predictor;
// `inoculum report` re-renders it from sweep.json.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend } from '../src/backend/cpu.ts';
import { quickConfig } from '../src/inoculation/config.ts';
import { runSweep, SWEEP_PROMPTS } from '../src/inoculation/sweep.ts';
import { linearFit } from '../src/inoculation/stats.ts';
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
