// The experiment's --quick run end to end on the CPU backend: asserts structure (files, fields,
// rates in [0, 1], probes logged), not the effect, which needs the full run.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend } from '../src/backend/cpu.ts';
import { quickConfig } from '../src/inoculation/config.ts';
import { experimentTokenizer, probeSets, runExperiment } from '../src/inoculation/run.ts';
import { spanishCaps } from '../src/inoculation/settings/spanish_caps.ts';
import { CAPS_LOCK } from '../src/tokenizer/index.ts';
import { trainOrLoadBase } from '../src/inoculation/base.ts';
import { Interrupted } from '../src/inoculation/base_cache.ts';
import { makeSplits } from '../src/inoculation/data/corpus.ts';
import { GENERALISATION_PROBES, MIN_PROMPT_RISE, VARIANTS } from '../src/inoculation/results.ts';
import { readJsonl } from '../src/io/json.ts';

describe('spanish-caps --quick', () => {
  it('runs end to end and writes a complete run directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-exp-'));
    const out = join(root, 'run'), cache = join(root, 'cache');
    const cfg = structuredClone(quickConfig);
    const r = await runExperiment({ cfg, tokenizer: 'hybrid', outDir: out, cacheDir: cache, backend: new CpuBackend(), quiet: true, log: () => {} });
    expect(r.backend).toBe('cpu');
    expect(r.wall_s).toBeGreaterThan(0);
    const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    for (const v of VARIANTS) {
      for (const set of ['id', 'ood', 'idSampled', 'oodSampled'] as const) {
        for (const trait of ['spanish', 'caps'] as const) {
          const rate = saved.variants[v][set][trait];
          expect(rate.mean).toBeGreaterThanOrEqual(0);
          expect(rate.mean).toBeLessThanOrEqual(1);
          expect(rate.ci95[0]).toBeLessThanOrEqual(rate.mean);
          expect(rate.ci95[1]).toBeGreaterThanOrEqual(rate.mean);
        }
      }
      expect(Number.isFinite(saved.variants[v].mechanism.nll0)).toBe(true);
      // the generalisation factor: every variant with a training prompt, per probe style, from its four log-probs
      if (v === 'control') expect(saved.variants[v].generalisation).toBeUndefined();
      else {
        for (const g of GENERALISATION_PROBES) {
          const x = saved.variants[v].generalisation[g];
          for (const k of ['before0', 'after0', 'beforeP', 'afterP']) expect(x[k]).toBeLessThan(0);
          if (Math.abs(x.afterP - x.beforeP) < MIN_PROMPT_RISE) expect(x.factor).toBeNull();
          else expect(x.factor).toBeCloseTo((x.after0 - x.before0) / (x.afterP - x.beforeP), 12);
        }
      }
      const log = readJsonl<{ step: number; probeCapsEnglish?: number; probeCapsStart?: number; rateSpanish?: number; gradCosine?: number }>(join(out, `metrics-${v}-s1.jsonl`));
      expect(log[0].step).toBe(0);
      expect(log[log.length - 1].step).toBe(cfg.finetune.steps);
      expect(log.filter((x) => x.probeCapsEnglish !== undefined).length).toBeGreaterThanOrEqual(2);
      for (const x of log.filter((x) => x.probeCapsEnglish !== undefined)) expect(x.probeCapsStart, `step ${x.step}`).toBeLessThan(0);
      expect(log.filter((x) => x.rateSpanish !== undefined).map((x) => x.step)).toEqual(cfg.probes.rateSteps);
      if (v !== 'control') expect(log.some((x) => x.gradCosine !== undefined)).toBe(true);
    }
    expect(Object.keys(saved.base.conditions)).toEqual(['none', 'neutral', 'spanish', 'caps', 'both']);
    // memory: the fine-tunes hold the base's weights and a second model with its optimiser state
    const params = 4 * r.base.params;
    expect(saved.memory.basePeakBytes).toBeGreaterThan(params);
    expect(saved.memory.finetunePeakBytes).toBeGreaterThan(2 * params);
    // the most held at once over both stages: on the CPU backend (nothing pooled) the larger live peak
    expect(saved.memory.heldBytes).toBe(Math.max(saved.memory.basePeakBytes, saved.memory.finetunePeakBytes));
    // a second run finds the base model in the cache; interrupted after two fine-tunes and resumed,
    // it reuses those two and ends with exactly the first run's results
    const units = join(root, 'run2', 'units');
    const stopAfterTwo = () => existsSync(units) && readdirSync(units).length >= 2;
    const o2 = { cfg, tokenizer: 'hybrid' as const, outDir: join(root, 'run2'), cacheDir: cache, quiet: true, log: () => {} };
    await expect(runExperiment({ ...o2, backend: new CpuBackend(), shouldStop: stopAfterTwo })).rejects.toThrow(Interrupted);
    expect(readdirSync(units).sort()).toEqual(['control-s1.json', 'inoculate-spanish-s1.json']);
    const logs: string[] = [];
    const again = await runExperiment({ ...o2, backend: new CpuBackend(), resume: true, log: (x) => logs.push(x) });
    expect(again.base.cached).toBe(true);
    expect(logs.some((x) => /reused 2 finished fine-tunes/.test(x))).toBe(true);
    expect(again.variants).toEqual(r.variants);
    expect(existsSync(join(root, 'run2', 'results.json'))).toBe(true);
  });

  it('an interrupted base model resumes from its checkpoint to the same weights', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-base-'));
    const cfg = structuredClone(quickConfig);
    cfg.base.steps = 24;
    const splits = makeSplits({ seed: cfg.corpusSeed, fractions: cfg.split });
    const tok = experimentTokenizer('tagged'); // the default tokenizer, with the tag-forced copies of the quick config
    const opts = { setting: spanishCaps, mode: 'tagged' as const, cfg, tok, splits, quiet: true, log: () => {}, cacheName: 'base-h' };
    const whole = await trainOrLoadBase({ ...opts, backend: new CpuBackend(), cacheDir: join(root, 'a') });
    let steps = 0;
    await expect(trainOrLoadBase({ ...opts, backend: new CpuBackend(), cacheDir: join(root, 'b'), shouldStop: () => ++steps > 10 })).rejects.toThrow(Interrupted);
    expect(existsSync(join(root, 'b', 'base-h.partial', 'extra.json'))).toBe(true);
    const resumed = await trainOrLoadBase({ ...opts, backend: new CpuBackend(), cacheDir: join(root, 'b') });
    expect(existsSync(join(root, 'b', 'base-h.partial'))).toBe(false);
    for (const [name, t] of whole.state) expect(resumed.state.get(name)!.data, name).toEqual(t.data);
  });

  // two runs training the same cache entry at once would share its .partial checkpoint
  it('a base model another live process is training is refused, naming the lock; a dead holder\'s lock is replaced', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-baselock-'));
    const cfg = structuredClone(quickConfig);
    cfg.base.steps = 2;
    const splits = makeSplits({ seed: cfg.corpusSeed, fractions: cfg.split });
    const opts = { setting: spanishCaps, mode: 'tagged' as const, cfg, tok: experimentTokenizer('tagged'), splits, quiet: true, cacheName: 'base-h', cacheDir: root };
    const lock = join(root, 'base-h.lock');
    const holder = (pid: number) => writeFileSync(lock, JSON.stringify({ pid, host: hostname(), command: 'run', started: '2026-12-02T00:00:00Z' }));
    holder(process.ppid); // alive
    await expect(trainOrLoadBase({ ...opts, backend: new CpuBackend(), log: () => {} })).rejects.toThrow(`${lock}: another command is writing this directory: inoculum run (pid ${process.ppid}`);
    expect(existsSync(join(root, 'base-h'))).toBe(false);
    expect(existsSync(join(root, 'base-h.partial'))).toBe(false);
    holder(2 ** 22 + 12345); // no such process
    const logs: string[] = [];
    const b = await trainOrLoadBase({ ...opts, backend: new CpuBackend(), log: (x) => logs.push(x) });
    expect(b.report.cached).toBe(false);
    expect(logs.some((x) => x.includes(`removed a stale lock ${lock}`))).toBe(true);
    expect(existsSync(lock)).toBe(false); // released after saving
    expect(existsSync(join(root, 'base-h', 'checkpoint.json'))).toBe(true);
  });

  it.each(['tagged', 'capslock', 'hybrid'] as const)('the caps-start probe (%s) counts the first token of each caps-English probe answer', (mode) => {
    const tok = experimentTokenizer(mode);
    const ps = probeSets(tok, makeSplits({ seed: quickConfig.corpusSeed, fractions: quickConfig.split }), quickConfig);
    const marker = tok.vocab.ofChar(CAPS_LOCK.codePointAt(0)!);
    expect(ps.capsStart.length).toBe(ps.capsEnglish.length);
    ps.capsStart.forEach((e, i) => {
      const full = ps.capsEnglish[i], t = full.lossMask.indexOf(1);
      expect(e.ids).toEqual(full.ids.slice(0, t + 1));
      expect(e.lossMask.filter((m) => m === 1)).toHaveLength(1);
      // capslock: the caps-lock marker; tagged: the case tag, the same character (tokenizer.ts TAGS.caps)
      if (mode !== 'hybrid') expect(e.ids[t]).toBe(marker);
      else expect(e.ids[t]).not.toBe(marker);
    });
  });
});
