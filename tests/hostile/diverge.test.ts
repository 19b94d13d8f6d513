// Divergence caught at once: a non-finite loss or gradient norm stops training at that step (no
// metrics line, no checkpoint of the NaN weights), pretrain marks run.json failed and says which
// setting to lower, and `run` stops in the base stage instead of training every step on NaN.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuBackend } from '../../src/backend/cpu.ts';
import { GPT } from '../../src/nn/gpt.ts';
import { Diverged, Trainer } from '../../src/train/trainer.ts';
import { inoculum, sandbox } from './harness.ts';

const cfg = { vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, layerNormEps: 1e-5 };
const examples = [{ ids: [1, 2, 3, 4, 5], lossMask: [0, 1, 1, 1, 1] }, { ids: [2, 4, 6, 8], lossMask: [0, 1, 1, 1] }];
/** A tiny config whose base stage diverges: the learning rate is absurd. */
const tiny = (lr: number) => JSON.stringify({ seeds: 1, base: { model: { nLayer: 1, nEmbd: 16, nHead: 2 }, steps: 12, batchSize: 4, warmup: 0, lr, minLr: 0 }, finetune: { steps: 2, batchSize: 4, warmup: 0 }, probes: { every: 1, rateSteps: [0], subset: 2 }, maxNewTokens: 2, evalLimit: 1 });

describe('divergence stops training at the step it happens', () => {
  it('a NaN weight: Diverged at step 1, nothing logged or saved', async () => {
    const d = sandbox('nan');
    const model = new GPT(cfg, 1, new CpuBackend());
    const w = model.stateDict().get('h.0.mlp.c_fc.weight')!;
    const data = Float32Array.from(await w.data());
    data[0] = NaN;
    model.loadStateDict(new Map([['h.0.mlp.c_fc.weight', { shape: w.shape, data }]]), false);
    const t = new Trainer(model, examples, { steps: 5, batchSize: 2, warmup: 0 }, 0);
    const metrics = join(d, 'metrics.jsonl');
    const e = await t.run({ quiet: true, metricsPath: metrics, checkpointDir: join(d, 'ck'), checkpointEvery: 1 }).then(() => null, (x) => x);
    expect(e).toBeInstanceOf(Diverged);
    expect((e as Diverged).step).toBe(1);
    expect((e as Diverged).message).toMatch(/^training diverged at step 1: loss NaN, gradient norm NaN at learning rate .*; a learning rate that is too high is the usual cause, try a smaller one$/);
    expect(readFileSync(metrics, 'utf8')).toBe('');
    expect(existsSync(join(d, 'ck'))).toBe(false);
  });
  it('an absurd learning rate: stopped at the first non-finite step, every earlier step logged finite', async () => {
    const d = sandbox('lr');
    const t = new Trainer(new GPT(cfg, 1, new CpuBackend()), examples, { steps: 50, batchSize: 2, warmup: 0, lr: 1e30, minLr: 1e30, gradClip: 0 }, 0);
    const metrics = join(d, 'metrics.jsonl');
    const e = await t.run({ quiet: true, metricsPath: metrics }).then(() => null, (x) => x);
    expect(e).toBeInstanceOf(Diverged);
    const rows = readFileSync(metrics, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: (e as Diverged).step - 1 }, (_, i) => i + 1));
    expect(rows.every((r) => Number.isFinite(r.loss) && Number.isFinite(r.gradNorm))).toBe(true);
    expect(Number.isFinite((e as Diverged).loss) && Number.isFinite((e as Diverged).gradNorm)).toBe(false);
  });
  it('pretrain: exit 1 naming the step and base.lr, run.json marked failed, nothing cached', async () => {
    const d = sandbox('pre');
    writeFileSync(join(d, 'c.json'), tiny(1e30));
    const r = await inoculum(['pretrain', '--config', join(d, 'c.json'), '--out', join(d, 'out'), '--cache', join(d, 'cache')]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/inoculum pretrain: training diverged at step \d+: loss .* at learning rate .*: lower base\.lr in the --config file \(it was 1e\+30\)\. .*run\.json is marked failed/);
    const run = JSON.parse(readFileSync(join(d, 'out', 'run.json'), 'utf8'));
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^training diverged at step \d+/);
    expect(existsSync(join(d, 'cache')) ? readdirSync(join(d, 'cache')) : []).toEqual([]);
  });
  it('run: the base stage stops at the divergent step, naming base.lr; no cache entry, no results', async () => {
    const d = sandbox('run');
    writeFileSync(join(d, 'c.json'), tiny(1e30));
    const r = await inoculum(['run', '--config', join(d, 'c.json'), '--out', join(d, 'out'), '--cache', join(d, 'cache')]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/inoculum run: base model: training diverged at step \d+: .*: lower base\.lr in a --config file \(it is 1e\+30\); nothing of the diverged base was cached/);
    expect(existsSync(join(d, 'out', 'results.json'))).toBe(false);
    const cached = existsSync(join(d, 'cache')) ? readdirSync(join(d, 'cache')) : [];
    expect(cached.filter((n) => !n.endsWith('.partial'))).toEqual([]);
  });
});
