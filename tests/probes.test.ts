// The probes' answer log-probabilities: the gathered, fused path (only target rows through the
// output layer, losses from the cross-entropy kernel) against the plain definition computed in
// float64 (log-softmax of the full logits, mean over each example's target positions).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/index.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { answerLogprobs, gradientCosine } from '../src/inoculation/probes.ts';
import { makeBatch, IGNORE, type Example } from '../src/train/batches.ts';

const cfg: GPTConfig = { vocabSize: 11, blockSize: 12, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, layerNormEps: 1e-5 };

/** log p(target) averaged per example, from the whole (B, T, V) logits in float64. */
function reference(model: GPT, examples: Example[], be: CpuBackend): number[] {
  const b = makeBatch(examples, 0, cfg.blockSize);
  const lp = T.noGrad(() => T.logSoftmax(model.forward(T.indices(b.ids, [b.B, b.T], { backend: be }))));
  const data = be.readSync(lp.buf);
  return Array.from({ length: b.B }, (_, r) => {
    let s = 0, n = 0;
    for (let t = 0; t < b.T; t++) {
      const y = b.targets[r * b.T + t];
      if (y !== IGNORE) { s += data[(r * b.T + t) * cfg.vocabSize + y]; n++; }
    }
    return n > 0 ? s / n : NaN;
  });
}

describe('answerLogprobs', () => {
  it('equals the mean target log-probability of the full logits, in batches of any size', async () => {
    const be = new CpuBackend();
    T.setDefaultDtype('f64');
    try {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), async (seed, count, batchSize) => {
        const g = new T.Generator(seed);
        const model = new GPT(cfg, seed, be);
        for (const p of model.parameters()) be.write(p.buf, Array.from({ length: p.size }, () => 0.3 * g.normal()));
        const examples: Example[] = Array.from({ length: count }, () => {
          const len = 2 + g.int(cfg.blockSize);
          const ids = Array.from({ length: len }, () => g.int(cfg.vocabSize));
          const start = g.int(len); // some examples have no target at all: NaN on both sides
          return { ids, lossMask: ids.map((_, i) => (i >= start ? 1 : 0)) };
        });
        const got = await answerLogprobs(model, examples, 0, batchSize);
        const want = reference(model, examples, be);
        expect(got.length).toBe(count);
        got.forEach((x, i) => {
          if (Number.isNaN(want[i])) expect(x).toBeNaN();
          else expect(Math.abs(x - want[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(want[i])));
        });
        model.dispose();
      }), { numRuns: 25 });
    } finally {
      T.setDefaultDtype('f32');
    }
  });
});

describe('gradientCosine', () => {
  it('is the cosine of the concatenated tensors, and leaves no buffer behind', async () => {
    const be = new CpuBackend();
    T.setDefaultDtype('f64');
    try {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }), async (seed, sizes) => {
        const g = new T.Generator(seed);
        const make = () => new Map(sizes.map((n, i) => [`p${i}`, T.fromArray(Array.from({ length: n }, () => g.normal()), [n], { backend: be })]));
        const a = make(), b = make();
        const start = be.stats();
        const got = await gradientCosine(a, b);
        expect(be.stats()).toEqual(start); // the products and dots freed (a leak per probe step before)
        const xs = [...a.values()].flatMap((t) => Array.from(be.readSync(t.buf))), ys = [...b.values()].flatMap((t) => Array.from(be.readSync(t.buf)));
        const dot = xs.reduce((s, x, i) => s + x * ys[i], 0), na = Math.hypot(...xs), nb = Math.hypot(...ys);
        expect(Math.abs(got.cosine - dot / (na * nb))).toBeLessThan(1e-12);
        expect(Math.abs(got.normA - na)).toBeLessThan(1e-12 * na);
        expect(Math.abs(got.normB - nb)).toBeLessThan(1e-12 * nb);
        for (const t of [...a.values(), ...b.values()]) t.dispose();
      }), { numRuns: 25 });
    } finally {
      T.setDefaultDtype('f32');
    }
  });
});
