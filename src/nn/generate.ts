// Autoregressive generation with a KV cache: greedy, temperature, top-k, top-p, seeded, stops at
// an end id, batched over prompts of equal length (callers group prompts by length; see generateAll).
import { Tensor, indices, tidy } from '../tensor.ts';
import type { Backend, Buf } from '../runtime/backend.ts';
import { noGrad } from '../autograd.ts';
import { add, mulScalar } from '../ops/elementwise.ts';
import { reshape, permute, slice } from '../ops/shape_ops.ts';
import { softmax } from '../ops/nn.ts';
import { Generator } from '../random.ts';
import type { GPT } from './gpt.ts';

export interface SampleOptions {
  /** New tokens at most. */
  maxNewTokens: number;
  /** 0 = greedy (argmax); else logits are divided by it. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = all). */
  topP?: number;
  /** Generation stops for a row when it emits this id (the id is not returned). */
  endId?: number;
  /** Seed of the sampler (ignored when greedy). */
  seed?: number;
  /** Use the KV cache (default true); false recomputes the whole prefix every token. */
  kvCache?: boolean;
  /**
   * Per-row sampling (generate only): each row gets its own temperature and its own sampler seeded
   * by `seed`, so a row's draws depend on nothing else in the batch. Lets one batch carry greedy and
   * sampled requests together (one pass of dispatches instead of one per request).
   */
  rows?: { temperature: number; seed: number }[];
}

/** Picks the next id from one row of logits. */
export function sampleRow(logits: ArrayLike<number>, opts: SampleOptions, gen: Generator): number {
  const V = logits.length;
  const temp = opts.temperature ?? 0;
  if (temp <= 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let order = descendingOrder(logits);
  if (opts.topK && opts.topK > 0) order = order.slice(0, opts.topK);
  // the same double arithmetic, in the same order, as map/reduce over plain arrays did
  const max = logits[order[0]];
  let n = order.length;
  let probs = new Float64Array(n);
  let total = 0;
  for (let j = 0; j < n; j++) { const p = Math.exp((logits[order[j]] - max) / temp); probs[j] = p; total += p; }
  for (let j = 0; j < n; j++) probs[j] /= total;
  if (opts.topP !== undefined && opts.topP < 1) {
    let acc = 0, keepN = 0;
    while (keepN < n && acc < opts.topP) acc += probs[keepN++];
    n = Math.max(1, keepN);
    order = order.slice(0, n); probs = probs.slice(0, n);
    total = 0;
    for (let j = 0; j < n; j++) total += probs[j];
    for (let j = 0; j < n; j++) probs[j] /= total;
  }
  let u = gen.uniform(), i = 0;
  for (; i < n - 1; i++) { u -= probs[i]; if (u < 0) break; }
  return order[i];
}

/** 2^21: the packed sort keys below hold an index below this in their low bits. */
const INDEX_SPAN = 2097152;

/**
 * The ids of `logits` from the largest logit to the smallest, ties by id: the order of the comparator
 * sort `(a, b) => logits[b] - logits[a] || a - b`, which took ~100 us per row of 421 (half a second
 * per evaluation of a model). For f32 logits each id is packed with its logit into one float64 key
 * (the logit's bits mapped to an unsigned integer that grows with the value, times 2^21, plus the id)
 * and the keys sorted natively; anything else (f64 logits, NaN) takes the comparator sort.
 */
function descendingOrder(logits: ArrayLike<number>): number[] {
  const V = logits.length;
  if (logits instanceof Float32Array && V <= INDEX_SPAN) {
    const bits = new Uint32Array(logits.buffer, logits.byteOffset, V);
    const keys = new Float64Array(V);
    let i = 0;
    for (; i < V; i++) {
      const x = logits[i];
      if (x !== x) break; // NaN
      const u = x === 0 ? 0 : bits[i]; // -0 ties with +0, as in the comparator
      const up = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0; // increases with x
      keys[i] = (0xffffffff - up) * INDEX_SPAN + i; // exact: below 2^53
    }
    if (i === V) {
      keys.sort();
      const order = new Array<number>(V);
      for (let j = 0; j < V; j++) order[j] = keys[j] % INDEX_SPAN;
      return order;
    }
  }
  return Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
}

/**
 * Keys and values of every layer, preallocated at (B, NH, maxLen, HS) so each new column is written
 * in place: the attention reads the first `len` positions through batch strides (matmul's strideB),
 * with no concatenation (which copied the whole cache every token and was half the time of a large
 * evaluation batch on llvmpipe).
 */
interface KVCache { k: Buf[]; v: Buf[]; maxLen: number; len: number }

/**
 * One forward of new tokens (B, Tn) through the model, using and extending the cache.
 * posIds (B*Tn) are each token's position; mask (B*Tn*L) is added to the attention scores
 * (0 = attend, -1e30 = not: the causal mask and the left padding of shorter prompts).
 * Returns the logits (B, V) of each row's last token.
 */
function forwardCached(model: GPT, ids: Tensor, posIds: number[], mask: Float32Array, cache: KVCache): Tensor {
  const [B, Tn] = ids.shape, C = model.config.nEmbd, NH = model.config.nHead, HS = C / NH, V = model.config.vocabSize;
  const be = ids.backend, dtype = model.wte.weight.dtype;
  const L = cache.len + Tn, M = cache.maxLen;
  if (L > M) throw new Error(`generate: cache of ${M} positions cannot hold ${L}`);
  let x = add(model.wte.forward(ids), model.wpe.forward(indices(posIds, [B, Tn], { backend: be }))); // (B, Tn, C)
  const bias = fromHost(mask, [B, 1, Tn, L], ids);
  const wrap = (buf: Buf, shape: number[]) => new Tensor(buf, shape, be, 'generate');
  // a scope per block: its intermediates are freed before the next block runs (the caller's tidy
  // alone kept every block's until the logits, ~330 MiB for a prefill of 512 rows on the base model)
  model.h.forEach((block, li) => { x = tidy(() => {
    const qkv = block.attn.c_attn.forward(block.ln_1.forward(x));                  // (B, Tn, 3, NH, HS) contiguous
    const qkvBuf = qkv.bufFor('generate');
    // q -> (B, NH, Tn, HS); the new keys and values straight into positions [len, L) of the cache
    const q = be.alloc(B * NH * Tn * HS, dtype);
    const from = [Tn * 3 * C, HS, 3 * C, 1];                                        // (b, h, t, d) in qkv
    be.strided(q, [NH * Tn * HS, Tn * HS, HS, 1], 0, qkvBuf, from, 0, [B, NH, Tn, HS]);
    const to = [NH * M * HS, M * HS, HS, 1];
    be.strided(cache.k[li], to, cache.len * HS, qkvBuf, from, C, [B, NH, Tn, HS]);
    be.strided(cache.v[li], to, cache.len * HS, qkvBuf, from, 2 * C, [B, NH, Tn, HS]);
    const scores = be.alloc(B * NH * Tn * L, dtype);                                // q @ k[:L]^T
    be.matmul(scores, q, cache.k[li], B * NH, Tn, L, HS, false, true, Tn * HS, M * HS);
    be.free(q);
    const y = be.alloc(B * NH * Tn * HS, dtype);                                    // att @ v[:L]
    tidy(() => {
      const att = softmax(add(mulScalar(wrap(scores, [B, NH, Tn, L]), 1 / Math.sqrt(HS)), bias)); // (B, NH, Tn, L)
      be.matmul(y, att.bufFor('generate'), cache.v[li], B * NH, Tn, HS, L, false, false, Tn * L, M * HS);
    });
    // (B, NH, Tn, HS) -> (B, Tn, C): with one new token per row that is already the layout (no copy)
    const merged = Tn === 1 ? wrap(y, [B, 1, C]) : reshape(permute(wrap(y, [B, NH, Tn, HS]), [0, 2, 1, 3]), [B, Tn, C]);
    const x1 = block.attn.c_proj.forwardAdd(merged, x);                             // the adds and the GELU ride on the matmuls
    return block.mlp.c_proj.forwardAdd(block.mlp.c_fc.forwardGelu(block.ln_2.forward(x1)), x1);
  }); });
  cache.len = L;
  const last = model.ln_f.forward(Tn === 1 ? x : slice(x, 1, Tn - 1, Tn));       // (B, 1, C); layernorm is per row
  // logits = last @ wte^T, reading wte transposed in place (no copy of the table every token)
  const logits = be.alloc(B * V, dtype);
  be.matmul(logits, last.bufFor('generate'), model.wte.weight.bufFor('generate'), 1, B, V, C, false, true, 0, 0);
  return wrap(logits, [B, V]);
}

function fromHost(data: ArrayLike<number>, shape: number[], like: Tensor): Tensor {
  const be = like.backend, dtype = be.supports('f32') ? 'f32' : 'f64';
  const buf = be.alloc(data.length, dtype);
  be.write(buf, data);
  return new Tensor(buf, shape, be, 'generate');
}

const NEG = -1e30;

/**
 * Drops the finished rows from the cache: keeps rows `keep` (indices into the cache's batch, in
 * order) by one gather per buffer, each row of the cache (NH * maxLen * HS) a row of the gather.
 * Every row's numbers stay the same (each kernel computes a row independently of the batch size; a
 * test checks it), the next tokens cost only the rows still generating.
 */
function compactCache(be: Backend, cache: KVCache, keep: number[], rowLen: number): void {
  const ids = be.alloc(keep.length, 'i32');
  be.write(ids, keep);
  for (const bufs of [cache.k, cache.v]) {
    for (let li = 0; li < bufs.length; li++) {
      const next = be.alloc(keep.length * rowLen, bufs[li].dtype);
      be.embeddingForward(next, ids, bufs[li], keep.length, rowLen);
      be.free(bufs[li]);
      bufs[li] = next;
    }
  }
  be.free(ids);
}

/**
 * Compact the batch when at least this fraction of its rows has finished (default). A gather of a
 * row's cache costs about as much as 3-4 tokens of that row (llvmpipe, the experiment's model), so
 * compacting pays when the finished rows would otherwise run on for a while.
 */
const COMPACT_AT = 0.25;

/**
 * Continues each prompt by up to maxNewTokens ids; returns the new ids per row, cut at (and
 * without) endId. Prompts of different lengths share the batch: shorter ones are left-padded, the
 * padding masked out of attention and positions counted from each prompt's own start, so every
 * row computes what it would alone. Rows that have emitted endId leave the batch (see COMPACT_AT):
 * the tokens of the others do not change.
 */
export async function generate(model: GPT, prompts: number[][], opts: SampleOptions & {
  /** Drop finished rows from the batch once this fraction of it has finished (0..1; > 1 never). */
  compactAt?: number;
}): Promise<number[][]> {
  const B = prompts.length;
  if (B === 0) return [];
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: empty prompt');
  const P = Math.max(...prompts.map((p) => p.length));
  const pad = prompts.map((p) => P - p.length);
  const maxNew = Math.min(opts.maxNewTokens, model.config.blockSize - P);
  if (maxNew <= 0) throw new Error(`generate: prompts of ${P} tokens leave no room in blockSize ${model.config.blockSize}`);
  if (opts.rows && opts.rows.length !== B) throw new Error(`generate: ${opts.rows.length} per-row options for ${B} prompts`);
  const compactAt = opts.compactAt ?? COMPACT_AT;
  const gen = new Generator(opts.seed ?? 0);
  const rowGens = opts.rows?.map((r) => new Generator(r.seed));
  const rowOpts = opts.rows?.map((r) => ({ ...opts, temperature: r.temperature }));
  const out: number[][] = prompts.map(() => []);
  const done = new Array<boolean>(B).fill(false);
  const wasTraining = model.training;
  model.eval();
  const be = model.wte.weight.backend;
  // the full (left-padded) sequence of each row so far
  const seqs = prompts.map((p, b) => [...new Array<number>(pad[b]).fill(0), ...p]);
  // the rows in the batch now (indices into prompts, ascending): all, until finished ones are dropped
  let act = prompts.map((_, b) => b);
  /** Positions and mask of the batch's rows for the query columns [from, to) of a sequence of length `to`. */
  const geometry = (from: number, to: number) => {
    const posIds: number[] = [], mask = new Float32Array(act.length * (to - from) * to);
    let m = 0;
    for (const b of act) {
      for (let i = from; i < to; i++) {
        posIds.push(Math.max(0, i - pad[b]));
        for (let j = 0; j < to; j++) mask[m++] = j > i || j < pad[b] ? NEG : 0;
      }
    }
    return { posIds, mask };
  };
  const { nLayer, nEmbd } = model.config;
  const dtype = model.wte.weight.dtype;
  const maxLen = P + maxNew;
  const alloc = () => Array.from({ length: nLayer }, () => be.alloc(act.length * nEmbd * maxLen, dtype));
  let cache: KVCache | null = null;
  const clear = () => { if (cache) for (const b of [...cache.k, ...cache.v]) be.free(b); cache = null; };
  const V = model.config.vocabSize;
  // a finished row drew one number per token from a shared sampler: it still does, to keep the stream
  const sharedDraw = !rowGens && (opts.temperature ?? 0) > 0;
  try {
    for (let step = 0; step < maxNew; step++) {
      const len = P + step;
      // with the cache, feed only the newest column after the first step; without, the whole row
      const from = opts.kvCache === false || step === 0 ? 0 : len - 1;
      if (from === 0) { clear(); cache = { k: alloc(), v: alloc(), maxLen, len: 0 }; }
      const { posIds, mask } = geometry(from, len);
      const ids = act.flatMap((b) => seqs[b].slice(from, len));
      const c = cache!;
      const logits = noGrad(() => tidy(() => forwardCached(model, indices(ids, [act.length, len - from], { backend: be }), posIds, mask, c)));
      const data = await logits.data();
      logits.dispose();
      const row = new Map(act.map((b, i) => [b, i]));
      for (let b = 0; b < B; b++) {
        if (done[b]) {
          if (sharedDraw) gen.uniform();
          seqs[b].push(0); // still in the batch until it is compacted: any id will do
          continue;
        }
        const i = row.get(b)!;
        const id = sampleRow(data.subarray(i * V, (i + 1) * V), rowOpts?.[b] ?? opts, rowGens?.[b] ?? gen);
        seqs[b].push(id);
        if (id === opts.endId) done[b] = true; else out[b].push(id);
      }
      const live = act.filter((b) => !done[b]);
      if (live.length === 0) break;
      if (live.length < act.length && act.length - live.length >= compactAt * act.length && step + 1 < maxNew) {
        // without the cache the next step rebuilds it from the rows left; with it, gather them
        if (opts.kvCache !== false) compactCache(be, c, live.map((b) => row.get(b)!), nEmbd * maxLen);
        act = live;
      }
    }
  } finally {
    clear();
    model.train(wasTraining);
    // the batch shrank as rows finished, each size its own pooled buffers: give them back (the
    // training that often comes next allocates other sizes)
    be.releaseFree();
  }
  return out;
}

/** Generates for any number of prompts in batches of at most batchSize (default 128). */
export async function generateAll(model: GPT, prompts: number[][], opts: SampleOptions & { batchSize?: number }): Promise<number[][]> {
  const out: number[][] = [];
  const bs = opts.batchSize ?? 128;
  for (let s = 0, group = 0; s < prompts.length; s += bs, group++) {
    // each batch gets its own sampler stream, so a row's draw depends only on its batch
    out.push(...(await generate(model, prompts.slice(s, s + bs), { ...opts, seed: (opts.seed ?? 0) + 7919 * group })));
  }
  return out;
}
