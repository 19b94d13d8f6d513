// The trainer: a run stopped, checkpointed and resumed gives the same losses as an uninterrupted
// run (CPU backend), gradient accumulation equals a bigger batch, batches never cross examples.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { Trainer } from '../src/train/trainer.ts';
import { makeBatch, type Example } from '../src/train/batches.ts';
import { Generator } from '../src/random.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { prepareForFinetune } from '../src/inoculation/finetune.ts';

const cfg: GPTConfig = { vocabSize: 12, blockSize: 10, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.1, layerNormEps: 1e-5 };

function examples(n: number, seed: number): Example[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => {
    const len = 4 + g.int(7);
    const ids = Array.from({ length: len }, () => 1 + g.int(11));
    return { ids, lossMask: ids.map((_, i) => (i >= 2 ? 1 : 0)) };
  });
}

describe('trainer', () => {
  it('resumes exactly: stop, checkpoint, reload gives the same losses as an uninterrupted run', async () => {
    const data = examples(40, 1);
    const tc = { steps: 12, batchSize: 6, lr: 5e-3, warmup: 3, seed: 7 };
    const a = new Trainer(new GPT(cfg, 3, new CpuBackend()), data, tc, 0);
    const full = (await a.run({ quiet: true })).map((m) => m.loss);

    const dir = join(mkdtempSync(join(tmpdir(), 'inoculum-')), 'ck');
    const b = new Trainer(new GPT(cfg, 3, new CpuBackend()), data, tc, 0);
    const first: number[] = [];
    for (let i = 0; i < 5; i++) first.push((await b.trainStep()).loss);
    await b.save(dir);
    const c = new Trainer(new GPT(cfg, 99, new CpuBackend()), data, tc, 0); // different init: load must overwrite it
    c.load(dir);
    expect(c.step).toBe(5);
    const rest = (await c.run({ quiet: true })).map((m) => m.loss);
    expect([...first, ...rest]).toEqual(full);
  });

  it('writes a metrics line per step; a run interrupted at step 4 resumes from its checkpoint exactly', async () => {
    const data = examples(30, 4);
    const root = mkdtempSync(join(tmpdir(), 'inoculum-'));
    const tc = { steps: 6, batchSize: 5, lr: 5e-3, warmup: 2, seed: 1 };
    const a = new Trainer(new GPT(cfg, 2, new CpuBackend()), data, tc, 0);
    const full = (await a.run({ quiet: true })).map((m) => m.loss);
    const b = new Trainer(new GPT(cfg, 2, new CpuBackend()), data, tc, 0);
    await b.run({ quiet: true, metricsPath: join(root, 'm.jsonl'), checkpointDir: join(root, 'ck'), checkpointEvery: 3, until: 4 });
    const c = new Trainer(new GPT(cfg, 2, new CpuBackend()), data, tc, 0);
    c.load(join(root, 'ck'));
    await c.run({ quiet: true, metricsPath: join(root, 'm.jsonl') });
    const lines = readFileSync(join(root, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines.map((l) => l.loss)).toEqual(full);
  });

  it('accumulating two half batches gives the loss and gradient norm of one full batch', async () => {
    // equal lengths and masks, so the mean of two half-batch means is the full-batch mean
    const g = new Generator(2);
    const data: Example[] = Array.from({ length: 8 }, () => {
      const ids = Array.from({ length: 7 }, () => 1 + g.int(11));
      return { ids, lossMask: ids.map((_, i) => (i >= 2 ? 1 : 0)) };
    });
    const nodrop = { ...cfg, dropout: 0 };
    const big = new Trainer(new GPT(nodrop, 1, new CpuBackend()), data, { steps: 1, batchSize: 8, gradAccum: 1, seed: 3, warmup: 0, gradClip: 0 }, 0);
    const small = new Trainer(new GPT(nodrop, 1, new CpuBackend()), data, { steps: 1, batchSize: 4, gradAccum: 2, seed: 3, warmup: 0, gradClip: 0 }, 0);
    const mb = await big.trainStep(), ms = await small.trainStep();
    expect(Math.abs(mb.loss - ms.loss)).toBeLessThan(1e-6 * mb.loss);
    expect(Math.abs(mb.gradNorm - ms.gradNorm)).toBeLessThan(1e-5 * mb.gradNorm);
    expect(mb.tokens).toBe(ms.tokens);
  });

  it('pads each row on its own: targets never point into another example', () => {
    const ex: Example[] = [{ ids: [1, 2, 3], lossMask: [0, 1, 1] }, { ids: [4, 5, 6, 7, 8], lossMask: [0, 0, 1, 1, 1] }];
    const b = makeBatch(ex, 0, 16);
    expect(b.T).toBe(4);
    expect(b.ids).toEqual([1, 2, 0, 0, 4, 5, 6, 7]);
    expect(b.targets).toEqual([2, 3, -100, -100, -100, 6, 7, 8]);
    expect(b.tokens).toBe(5);
    expect(() => makeBatch(ex, 0, 3)).toThrow(/does not fit blockSize 3/);
  });
});

describe('prepareForFinetune (finetune.train)', () => {
  const snapshot = async (m: GPT) => new Map(await Promise.all(m.namedParameters().map(async ([n, p]) => [n, Array.from(await p.data())] as const)));
  it.each([
    ['mlp', 0], ['all', 0], ['mlp', 2], ['mlp-out', 0], ['mlp-out', 2],
  ] as const)("train '%s' (LoRA rank %d): exactly the named weights move, every other one stays bit for bit", async (train, loraRank) => {
    const m = new GPT({ ...cfg, dropout: 0 }, 5, new CpuBackend());
    const n = prepareForFinetune(m, { train, loraRank, loraAlpha: 4 }, 3);
    const trained = m.trainableParameters();
    expect(n).toBe(trained.reduce((a, [, p]) => a + p.size, 0));
    expect(trained.every(([name]) => train === 'all' || /^h\.\d+\.mlp\./.test(name))).toBe(true);
    if (train === 'mlp-out') expect(trained.every(([name]) => /^h\.\d+\.mlp\.c_proj\./.test(name))).toBe(true);
    if (loraRank > 0) expect(trained.every(([name]) => /lora/i.test(name))).toBe(true);
    const before = await snapshot(m);
    await new Trainer(m, examples(20, 2), { steps: 3, batchSize: 4, lr: 1e-2, seed: 1 }, 0).run({ quiet: true });
    const after = await snapshot(m);
    const names = new Set(trained.map(([name]) => name));
    for (const [name, v] of before) if (!names.has(name)) expect(after.get(name), name).toEqual(v);
    // something trained moved
    expect(trained.some(([name]) => after.get(name)!.some((x, i) => x !== before.get(name)![i]))).toBe(true);
    if (train === 'mlp' && loraRank === 0) expect(names.has('h.0.attn.c_attn.weight')).toBe(false);
    if (train === 'mlp-out' && loraRank === 0) expect([...names].sort()).toEqual(m.namedParameters().map(([name]) => name).filter((name) => /^h\.\d+\.mlp\.c_proj\./.test(name)).sort());
    if (train === 'all' && loraRank === 0) expect(names.size).toBe(m.namedParameters().length);
  });
});
