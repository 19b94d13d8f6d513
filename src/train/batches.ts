// Batches from tokenised conversations: one example per row, right-padded to the longest row of
// the batch (so attention never crosses examples), targets shifted by one with -100 where the
// loss mask is 0 or on padding. Seeded shuffling; the order is a pure function of (seed, epoch).
import { Generator } from '../random.ts';

export interface Example {
  ids: number[];
  /** 1 where the token is a training target (assistant tokens and the end marker). */
  lossMask: number[];
}

export interface Batch {
  B: number;
  T: number;
  /** (B, T) input ids. */
  ids: number[];
  /** (B, T) next-token targets, -100 where ignored. */
  targets: number[];
  /** Number of targets that count. */
  tokens: number;
}

export const IGNORE = -100;

export function makeBatch(examples: Example[], padId: number, blockSize: number): Batch {
  const T = Math.min(blockSize, Math.max(...examples.map((e) => e.ids.length - 1)));
  const B = examples.length;
  const ids = new Array<number>(B * T).fill(padId), targets = new Array<number>(B * T).fill(IGNORE);
  let tokens = 0;
  examples.forEach((e, b) => {
    if (e.ids.length - 1 > blockSize) {
      throw new Error(`makeBatch: example of ${e.ids.length} tokens does not fit blockSize ${blockSize} (+1 for the shifted target)`);
    }
    for (let t = 0; t < e.ids.length - 1 && t < T; t++) {
      ids[b * T + t] = e.ids[t];
      if (e.lossMask[t + 1]) { targets[b * T + t] = e.ids[t + 1]; tokens++; }
    }
  });
  return { B, T, ids, targets, tokens };
}

/** Example indices for an epoch, shuffled by (seed, epoch) alone: resumable from (epoch, position). */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  return new Generator((seed * 1000003 + epoch * 7919) >>> 0).shuffle(Array.from({ length: n }, (_, i) => i));
}

/**
 * Indices of the examples in the batch at global step `step` (see batchAt). With `group` > 1 and
 * the examples' lengths, batches are drawn by length: the epoch's shuffled order is cut into chunks
 * of group * B examples, each chunk sorted by length (stably) and cut into batches, and the batches
 * of a chunk shuffled; so each batch still holds examples drawn at random from the whole set, but
 * of similar length, and little of the padded (B, T) is padding. Still a pure function of
 * (seed, step): resumable.
 */
export function batchIndices(n: number, batchSize: number, seed: number, step: number, grouping?: { lengths: ArrayLike<number>; group: number }): number[] {
  const B = Math.min(batchSize, n);
  const perEpoch = Math.max(1, Math.floor(n / B));
  const epoch = Math.floor(step / perEpoch), pos = step % perEpoch;
  const order = epochOrder(n, seed, epoch);
  const G = grouping ? Math.max(1, Math.floor(grouping.group)) : 1;
  if (G <= 1) return order.slice(pos * B, pos * B + B);
  if (grouping!.lengths.length !== n) throw new Error(`batchIndices: ${grouping!.lengths.length} lengths for ${n} examples`);
  // chunk k holds batches [k G, (k + 1) G) of the epoch (the last chunk may hold fewer)
  const k = Math.floor(pos / G), first = k * G, count = Math.min(G, perEpoch - first);
  const lengths = grouping!.lengths;
  const chunk = order.slice(first * B, (first + count) * B).map((i, j) => [i, j] as const)
    .sort((a, b) => lengths[a[0]] - lengths[b[0]] || a[1] - b[1]).map(([i]) => i);
  const batchOrder = new Generator((seed * 1000003 + epoch * 7919 + (k + 1) * 104729) >>> 0).shuffle(Array.from({ length: count }, (_, i) => i));
  const slot = batchOrder[pos - first];
  return chunk.slice(slot * B, slot * B + B);
}

/** The batch at global step `step` (batches never straddle epochs; a short last batch is dropped unless n < B). */
export function batchAt(examples: Example[], batchSize: number, seed: number, step: number, padId: number, blockSize: number,
  grouping?: { lengths: ArrayLike<number>; group: number }): Batch {
  return makeBatch(batchIndices(examples.length, batchSize, seed, step, grouping).map((i) => examples[i]), padId, blockSize);
}
