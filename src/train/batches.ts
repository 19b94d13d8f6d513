// Batches from tokenised conversations, targets shifted by one with -100 where the loss mask is 0
// or on padding. Two layouts of the same examples:
// - padded: one example per row, right-padded to the longest row of the batch;
// - packed: examples placed whole into rows of up to blockSize tokens (first fit, longest first),
//   each position carrying its place in its own example (pos) and its example's first position in
//   the row (starts), so attention stays inside each example (the attention op's segment starts)
//   and positions restart per example. Every example computes exactly what it computes alone, so
//   the loss (a mean over the same targets) and its gradient are those of the padded batch, up to
//   float summation order, with a fraction of the padding (conversations of 22-70 tokens in batches
//   of 32: ~30% of a padded batch is padding).
// Seeded shuffling; the order is a pure function of (seed, epoch).
import { Generator } from '../random.ts';
import { indices, type Tensor } from '../tensor.ts';
import type { Backend } from '../runtime/backend.ts';

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
  /** (B, T) index of the example (in the order given) each position belongs to, -1 on padding. */
  owner: number[];
  /** Packed batches only, (B, T): each position's place in its example, and the example's first position in the row. */
  pos?: number[];
  starts?: number[];
}

export const IGNORE = -100;

/**
 * The example cut after its first target: the same prefix, and only the first target counted (its
 * log-probability alone, e.g. the decision an answer opens with). Throws if it has no target.
 */
export function firstTargetOnly(e: Example): Example { return targetOnly(e, 0); }

/** The example cut after its k-th target (0-based), only that target counted (e.g. k = 1: a tagged answer's language tag). */
export function targetOnly(e: Example, k: number): Example {
  let t = -1;
  for (let i = 0, seen = -1; i < e.lossMask.length && t < 0; i++) if (e.lossMask[i] && ++seen === k) t = i;
  if (t < 0 && k === 0) throw new Error(`firstTargetOnly: the example has no target (${e.ids.length} tokens, loss mask all 0)`);
  if (t < 0) throw new Error(`targetOnly: the example has no target ${k} (${e.ids.length} tokens, ${e.lossMask.filter(Boolean).length} targets)`);
  return { ids: e.ids.slice(0, t + 1), lossMask: e.lossMask.slice(0, t + 1).map((_, i) => (i === t ? 1 : 0)) };
}

export function makeBatch(examples: Example[], padId: number, blockSize: number, pack = false): Batch {
  examples.forEach((e) => {
    if (e.ids.length - 1 > blockSize) {
      throw new Error(`makeBatch: example of ${e.ids.length} tokens does not fit blockSize ${blockSize} (+1 for the shifted target)`);
    }
  });
  // rows[r] lists [example, offset] placements; padded: one example per row at offset 0
  let rows: [number, number][][] = examples.map((_, i) => [[i, 0]]);
  let fill = examples.map((e) => e.ids.length - 1);
  if (pack) {
    const pRows: [number, number][][] = [], pFill: number[] = [];
    const order = examples.map((_, i) => i).sort((a, b) => examples[b].ids.length - examples[a].ids.length || a - b);
    for (const i of order) {
      const len = examples[i].ids.length - 1;
      let r = pFill.findIndex((f) => f + len <= blockSize);
      if (r < 0) { r = pRows.length; pRows.push([]); pFill.push(0); }
      pRows[r].push([i, pFill[r]]);
      pFill[r] += len;
    }
    // first fit can make rows so uneven that one padded row per example is smaller: keep the smaller
    const size = (f: number[]) => f.length * Math.max(1, ...f);
    if (size(pFill) < size(fill)) { rows = pRows; fill = pFill; }
  }
  const B = rows.length, T = Math.max(1, ...fill);
  const ids = new Array<number>(B * T).fill(padId), targets = new Array<number>(B * T).fill(IGNORE);
  const owner = new Array<number>(B * T).fill(-1);
  // padding after the last example of a row: each position its own one-token segment at position 0
  const pos = pack ? new Array<number>(B * T).fill(0) : undefined;
  const starts = pack ? Array.from({ length: B * T }, (_, k) => k % T) : undefined;
  let tokens = 0;
  rows.forEach((placed, b) => {
    for (const [i, off] of placed) {
      const e = examples[i];
      for (let t = 0; t < e.ids.length - 1; t++) {
        const k = b * T + off + t;
        ids[k] = e.ids[t];
        owner[k] = i;
        if (pos) { pos[k] = t; starts![k] = off; }
        if (e.lossMask[t + 1]) { targets[k] = e.ids[t + 1]; tokens++; }
      }
    }
  });
  return { B, T, ids, targets, tokens, owner, ...(pack ? { pos, starts } : {}) };
}

/** The positions (of the batch's B*T, row-major) that have a target, in order. */
export function targetRows(b: Batch): number[] {
  const rows: number[] = [];
  for (let k = 0; k < b.targets.length; k++) if (b.targets[k] !== IGNORE) rows.push(k);
  return rows;
}

/** The batch as model inputs: ids and targets (B, T), and for packed batches the forward's pos and starts. */
export function batchTensors(b: Batch, backend: Backend | undefined): { ids: Tensor; targets: Tensor; rows: { pos?: Tensor; starts?: Tensor } } {
  const t = (a: number[]) => indices(a, [b.B, b.T], { backend });
  return {
    ids: t(b.ids), targets: t(b.targets),
    rows: b.pos && b.starts ? { pos: t(b.pos), starts: t(b.starts) } : {},
  };
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
  grouping?: { lengths: ArrayLike<number>; group: number }, pack = false): Batch {
  return makeBatch(batchIndices(examples.length, batchSize, seed, step, grouping).map((i) => examples[i]), padId, blockSize, pack);
}
