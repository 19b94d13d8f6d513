// Generation: the KV-cache path equals full recomputation; samplers respect top-k/top-p and seeds;
// dropping finished rows from the batch (compaction) changes no token.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { generate, generateAll, sampleRow } from '../src/nn/generate.ts';
import { Generator } from '../src/random.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import * as T from '../src/index.ts';

const cfg: GPTConfig = { vocabSize: 13, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, layerNormEps: 1e-5 };

describe('generation', () => {
  it('with the KV cache equals generation without it (greedy and sampled)', async () => {
    const be = new CpuBackend();
    const model = new GPT(cfg, 11, be);
    // larger weights than the init so the argmax is not flat
    const g = new Generator(4);
    for (const p of model.parameters()) if (p.rank === 2) be.write(p.buf, Array.from({ length: p.size }, () => 0.3 * g.normal()));
    const prompts = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    for (const opts of [{ maxNewTokens: 10 }, { maxNewTokens: 10, temperature: 1, seed: 3 }, { maxNewTokens: 8, temperature: 0.7, topK: 4, seed: 5 }]) {
      const a = await generate(model, prompts, { ...opts, kvCache: true });
      const b = await generate(model, prompts, { ...opts, kvCache: false });
      expect(a).toEqual(b);
      expect(a.every((r) => r.length === opts.maxNewTokens)).toBe(true);
    }
  });

  it('greedy generation equals a plain argmax loop over the model\'s own forward', async () => {
    const be = new CpuBackend();
    const model = new GPT(cfg, 5, be);
    const g = new Generator(8);
    for (const p of model.parameters()) if (p.rank === 2) be.write(p.buf, Array.from({ length: p.size }, () => 0.3 * g.normal()));
    const seq = [3, 1, 4, 1];
    for (let i = 0; i < 6; i++) {
      const logits = model.forward(T.indices(seq, [1, seq.length], { backend: be })).dataSync();
      const last = Array.from(logits.subarray((seq.length - 1) * cfg.vocabSize, seq.length * cfg.vocabSize));
      seq.push(last.indexOf(Math.max(...last)));
    }
    expect((await generate(model, [[3, 1, 4, 1]], { maxNewTokens: 6 }))[0]).toEqual(seq.slice(4));
  });

  it('stops a row at the end id; a left-padded batch of different lengths equals each prompt alone', async () => {
    const be = new CpuBackend();
    const model = new GPT(cfg, 2, be);
    const prompts = [[1, 2], [3, 4, 5, 9, 10], [6, 7], [8]];
    const all = await generateAll(model, prompts, { maxNewTokens: 6 });
    for (let i = 0; i < prompts.length; i++) expect(all[i]).toEqual((await generate(model, [prompts[i]], { maxNewTokens: 6 }))[0]);
    const first = all[0][0];
    const stopped = await generate(model, [prompts[0]], { maxNewTokens: 6, endId: first });
    expect(stopped[0]).toEqual([]);
  });

  it('per-row sampling: a mixed batch of greedy and sampled rows equals each row generated alone', async () => {
    const be = new CpuBackend();
    const model = new GPT(cfg, 6, be);
    const g = new Generator(12);
    for (const p of model.parameters()) if (p.rank === 2) be.write(p.buf, Array.from({ length: p.size }, () => 0.3 * g.normal()));
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({
        prompt: fc.array(fc.integer({ min: 0, max: cfg.vocabSize - 1 }), { minLength: 1, maxLength: 6 }),
        temperature: fc.constantFrom(0, 0.5, 1), seed: fc.integer({ min: 0, max: 1e6 }),
      }), { minLength: 1, maxLength: 6 }),
      async (rows) => {
        const together = await generate(model, rows.map((r) => r.prompt), { maxNewTokens: 5, rows: rows.map(({ temperature, seed }) => ({ temperature, seed })) });
        for (let i = 0; i < rows.length; i++) {
          const alone = await generate(model, [rows[i].prompt], { maxNewTokens: 5, temperature: rows[i].temperature, seed: rows[i].seed });
          expect(together[i]).toEqual(alone[0]);
        }
      }), { numRuns: 15 });
    await expect(generate(model, [[1], [2]], { maxNewTokens: 2, rows: [{ temperature: 0, seed: 1 }] })).rejects.toThrow(/1 per-row options for 2 prompts/);
  });

  it('top-k and top-p sample only from the allowed set; a seed reproduces the draw', () => {
    fc.assert(fc.property(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 30 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (logits, k, seed) => {
      const order = logits.map((_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
      const allowed = new Set(order.slice(0, k));
      const gen = new Generator(seed);
      for (let i = 0; i < 20; i++) expect(allowed.has(sampleRow(logits, { maxNewTokens: 1, temperature: 1, topK: k }, gen))).toBe(true);
      const top = sampleRow(logits, { maxNewTokens: 1, temperature: 1, topP: 1e-9 }, new Generator(seed));
      expect(top).toBe(order[0]);
      expect(sampleRow(logits, { maxNewTokens: 1, temperature: 1 }, new Generator(seed))).toBe(sampleRow(logits, { maxNewTokens: 1, temperature: 1 }, new Generator(seed)));
    }), { numRuns: 50 });
  });
  it('sampleRow: the packed-key sort of f32 logits draws what the comparator sort draws (ties, -0, infinities)', () => {
    const value = fc.oneof(fc.float({ min: -5, max: 5, noNaN: true }), fc.constantFrom(0, -0, 1, -1, Infinity, -Infinity, 1e-30, -1e-30));
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.integer(), fc.constantFrom(1, 0.6), fc.constantFrom(0, 3), fc.constantFrom(1, 0.8),
      (vals, seed, temperature, topK, topP) => {
        const f32 = Float32Array.from(vals);
        const plain = Array.from(f32); // the same numbers as a plain array: the comparator path
        const opts = { maxNewTokens: 1, temperature, topK, topP };
        const a = new Generator(seed), b = new Generator(seed);
        for (let i = 0; i < 5; i++) expect(sampleRow(f32, opts, a)).toBe(sampleRow(plain, opts, b));
      }), { numRuns: 300 });
  });

  it('compaction: dropping finished rows from the batch gives the same tokens as keeping them (per-row, shared sampler, no cache)', async () => {
    const be = new CpuBackend();
    const big: GPTConfig = { ...cfg, vocabSize: 7, blockSize: 24 }; // few ids: rows hit the end id at different steps
    const model = new GPT(big, 9, be);
    const g = new Generator(31);
    for (const p of model.parameters()) if (p.rank === 2) be.write(p.buf, Array.from({ length: p.size }, () => 0.5 * g.normal()));
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({
        prompt: fc.array(fc.integer({ min: 0, max: big.vocabSize - 1 }), { minLength: 1, maxLength: 7 }),
        temperature: fc.constantFrom(0, 1), seed: fc.integer({ min: 0, max: 1e6 }),
      }), { minLength: 1, maxLength: 9 }),
      fc.integer({ min: 0, max: big.vocabSize - 1 }), fc.constantFrom(0, 0.3, 0.6), fc.integer({ min: 0, max: 1e6 }),
      async (rows, endId, compactAt, seed) => {
        const prompts = rows.map((r) => r.prompt);
        const perRow = { maxNewTokens: 12, endId, rows: rows.map(({ temperature, seed }) => ({ temperature, seed })) };
        const shared = { maxNewTokens: 12, endId, temperature: 1, seed };
        for (const o of [perRow, shared, { ...perRow, kvCache: false }, { ...shared, kvCache: false }]) {
          const kept = await generate(model, prompts, { ...o, compactAt: 2 });
          expect(await generate(model, prompts, { ...o, compactAt })).toEqual(kept);
        }
      }), { numRuns: 12 });
  });
});
