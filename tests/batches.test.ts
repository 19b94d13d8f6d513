// Batch drawing: every epoch uses each example at most once, the order is a pure function of
// (seed, step), and drawing by length keeps the same examples per epoch with less padding.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batchIndices, firstTargetOnly, targetOnly, makeBatch, IGNORE, type Example } from '../src/train/batches.ts';

const arb = fc.record({
  n: fc.integer({ min: 1, max: 300 }), B: fc.integer({ min: 1, max: 40 }), seed: fc.integer({ min: 0, max: 1e6 }),
  group: fc.integer({ min: 2, max: 9 }), epoch: fc.integer({ min: 0, max: 3 }), lenSeed: fc.integer({ min: 1, max: 1e6 }),
});

function lengthsOf(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) % 2147483648; return 5 + (s % 60); });
}

describe('batchIndices', () => {
  it('grouped by length: the same examples per epoch as uniform batches, each once, and never more padding', () => {
    fc.assert(fc.property(arb, ({ n, B, seed, group, epoch, lenSeed }) => {
      const lengths = lengthsOf(n, lenSeed);
      const b = Math.min(B, n), perEpoch = Math.max(1, Math.floor(n / b));
      const steps = Array.from({ length: perEpoch }, (_, i) => epoch * perEpoch + i);
      const plain = steps.map((s) => batchIndices(n, B, seed, s));
      const grouped = steps.map((s) => batchIndices(n, B, seed, s, { lengths, group }));
      for (const g of grouped) expect(g.length).toBe(b);
      const flat = grouped.flat();
      expect(new Set(flat).size).toBe(flat.length); // no example twice in an epoch
      expect([...flat].sort((x, y) => x - y)).toEqual(plain.flat().sort((x, y) => x - y));
      const padded = (bs: number[][]) => bs.reduce((a, x) => a + x.length * Math.max(...x.map((i) => lengths[i])), 0);
      expect(padded(grouped)).toBeLessThanOrEqual(padded(plain));
      // a pure function of (seed, step): resumable
      expect(batchIndices(n, B, seed, steps[steps.length - 1], { lengths, group })).toEqual(grouped[grouped.length - 1]);
    }), { numRuns: 200 });
  });

  it('group 1 is the uniform order; lengths of the wrong size are an error', () => {
    expect(batchIndices(50, 8, 3, 4, { lengths: lengthsOf(50, 1), group: 1 })).toEqual(batchIndices(50, 8, 3, 4));
    expect(() => batchIndices(50, 8, 3, 4, { lengths: [1, 2], group: 4 })).toThrow(/2 lengths for 50 examples/);
  });
});

describe('makeBatch packed', () => {
  const exArb = fc.record({ seed: fc.integer({ min: 1, max: 1e6 }), n: fc.integer({ min: 1, max: 30 }), block: fc.integer({ min: 4, max: 40 }) });
  const examplesOf = (seed: number, n: number, block: number): Example[] => {
    let s = seed;
    const rnd = (m: number) => { s = (s * 1103515245 + 12345) % 2147483648; return s % m; };
    return Array.from({ length: n }, () => {
      const ids = Array.from({ length: 2 + rnd(block) }, () => 1 + rnd(50));
      return { ids, lossMask: ids.map(() => rnd(3) === 0 ? 0 : 1) };
    });
  };

  it('holds every example once, whole and in order, with its targets, positions and segment starts', () => {
    fc.assert(fc.property(exArb, ({ seed, n, block }) => {
      const ex = examplesOf(seed, n, block);
      const padded = makeBatch(ex, 0, block), packed = makeBatch(ex, 0, block, true);
      expect(packed.tokens).toBe(padded.tokens);
      expect(packed.T).toBeLessThanOrEqual(block);
      expect(packed.B * packed.T).toBeLessThanOrEqual(padded.B * padded.T); // never more positions
      ex.forEach((e, i) => {
        const at = packed.owner.map((o, k) => (o === i ? k : -1)).filter((k) => k >= 0);
        expect(at.length).toBe(e.ids.length - 1);
        const first = at[0], row = Math.floor(first / packed.T);
        at.forEach((k, t) => {
          expect(k).toBe(first + t); // contiguous, in one row
          expect(Math.floor(k / packed.T)).toBe(row);
          expect(packed.ids[k]).toBe(e.ids[t]);
          expect(packed.targets[k]).toBe(e.lossMask[t + 1] ? e.ids[t + 1] : IGNORE);
          expect(packed.pos![k]).toBe(t);
          expect(packed.starts![k]).toBe(first % packed.T);
        });
      });
      // padding: no target, its own one-token segment
      packed.owner.forEach((o, k) => { if (o < 0) { expect(packed.targets[k]).toBe(IGNORE); expect(packed.starts![k]).toBe(k % packed.T); } });
    }));
  });

  it('padded batches keep one example per row and no pos/starts', () => {
    const b = makeBatch(examplesOf(3, 5, 10), 0, 10);
    expect(b.B).toBe(5);
    expect(b.pos).toBeUndefined();
    b.owner.forEach((o, k) => { if (o >= 0) expect(o).toBe(Math.floor(k / b.T)); });
  });

  it('rejects an example longer than blockSize + 1', () => {
    expect(() => makeBatch([{ ids: [1, 2, 3, 4, 5, 6], lossMask: [1, 1, 1, 1, 1, 1] }], 0, 4, true)).toThrow(/example of 6 tokens does not fit blockSize 4/);
  });
});

describe('firstTargetOnly', () => {
  it('keeps the prefix up to the first target and counts only that target', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 2, maxLength: 40 }), fc.nat(), (ids, s) => {
      const start = 1 + (s % (ids.length - 1));
      const e: Example = { ids, lossMask: ids.map((_, i) => (i >= start ? 1 : 0)) };
      const f = firstTargetOnly(e);
      expect(f.ids).toEqual(ids.slice(0, start + 1));
      expect(f.lossMask).toEqual([...new Array(start).fill(0), 1]);
      const b = makeBatch([f], 0, 64);
      expect(b.targets.filter((t) => t !== IGNORE)).toEqual([ids[start]]);
    }));
  });

  it('names the example when it has no target', () => {
    expect(() => firstTargetOnly({ ids: [1, 2, 3], lossMask: [0, 0, 0] })).toThrow('firstTargetOnly: the example has no target (3 tokens, loss mask all 0)');
    expect(targetOnly({ ids: [1, 2, 3, 4], lossMask: [0, 1, 1, 1] }, 1)).toEqual({ ids: [1, 2, 3], lossMask: [0, 0, 1] });
    expect(() => targetOnly({ ids: [1, 2, 3], lossMask: [0, 1, 0] }, 1)).toThrow('targetOnly: the example has no target 1 (3 tokens, 1 targets)');
  });
});
