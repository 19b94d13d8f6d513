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

/** Indices of the examples in the batch at global step `step` (see batchAt). */
export function batchIndices(n: number, batchSize: number, seed: number, step: number): number[] {
  const B = Math.min(batchSize, n);
  const perEpoch = Math.max(1, Math.floor(n / B));
  const epoch = Math.floor(step / perEpoch), pos = step % perEpoch;
  return epochOrder(n, seed, epoch).slice(pos * B, pos * B + B);
}

/** The batch at global step `step` (batches never straddle epochs; a short last batch is dropped unless n < B). */
export function batchAt(examples: Example[], batchSize: number, seed: number, step: number, padId: number, blockSize: number): Batch {
  return makeBatch(batchIndices(examples.length, batchSize, seed, step).map((i) => examples[i]), padId, blockSize);
}
