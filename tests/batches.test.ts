// Batch drawing: every epoch uses each example at most once, the order is a pure function of
// (seed, step), and drawing by length keeps the same examples per epoch with less padding.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batchIndices } from '../src/train/batches.ts';

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
