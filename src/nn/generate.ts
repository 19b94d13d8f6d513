// Autoregressive generation with a KV cache: greedy, temperature, top-k, top-p, seeded, stops at
// an end id, batched over prompts of equal length (callers group prompts by length; see generateAll).
import { Tensor, indices, tidy } from '../tensor.ts';
import type { Buf } from '../backend/backend.ts';
import { noGrad } from '../autograd.ts';
import { add, mulScalar, gelu } from '../ops/elementwise.ts';
import { reshape, permute, slice, transpose } from '../ops/shape_ops.ts';
import { matmul } from '../ops/matmul.ts';
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
  let order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  if (opts.topK && opts.topK > 0) order = order.slice(0, opts.topK);
  const max = logits[order[0]];
  let probs = order.map((i) => Math.exp((logits[i] - max) / temp));
  let total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (opts.topP !== undefined && opts.topP < 1) {
    let acc = 0, keepN = 0;
    while (keepN < probs.length && acc < opts.topP) acc += probs[keepN++];
    order = order.slice(0, Math.max(1, keepN)); probs = probs.slice(0, Math.max(1, keepN));
    total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
  }
  let u = gen.uniform(), i = 0;
  for (; i < probs.length - 1; i++) { u -= probs[i]; if (u < 0) break; }
  return order[i];
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
 */
function forwardCached(model: GPT, ids: Tensor, posIds: number[], mask: number[], cache: KVCache): Tensor {
  const [B, Tn] = ids.shape, C = model.config.nEmbd, NH = model.config.nHead, HS = C / NH;
  const be = ids.backend, dtype = model.wte.weight.dtype;
  const L = cache.len + Tn, M = cache.maxLen;
  if (L > M) throw new Error(`generate: cache of ${M} positions cannot hold ${L}`);
  let x = add(model.wte.forward(ids), model.wpe.forward(indices(posIds, [B, Tn], { backend: be }))); // (B, Tn, C)
  const bias = fromHost(mask, [B, 1, Tn, L], ids);
  const wrap = (buf: Buf, shape: number[]) => new Tensor(buf, shape, be, 'generate');
  model.h.forEach((block, li) => {
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
    const att = softmax(add(mulScalar(wrap(scores, [B, NH, Tn, L]), 1 / Math.sqrt(HS)), bias)); // (B, NH, Tn, L)
    const y = be.alloc(B * NH * Tn * HS, dtype);                                    // att @ v[:L]
    be.matmul(y, att.bufFor('generate'), cache.v[li], B * NH, Tn, HS, L, false, false, Tn * L, M * HS);
    const merged = reshape(permute(wrap(y, [B, NH, Tn, HS]), [0, 2, 1, 3]), [B, Tn, C]);
    x = add(x, block.attn.c_proj.forward(merged));
    x = add(x, block.mlp.c_proj.forward(gelu(block.mlp.c_fc.forward(block.ln_2.forward(x)))));
  });
  cache.len = L;
  const last = slice(model.ln_f.forward(x), 1, Tn - 1, Tn);                   // (B, 1, C)
  return reshape(matmul(last, transpose(model.wte.weight)), [B, model.config.vocabSize]);
}

function fromHost(data: number[], shape: number[], like: Tensor): Tensor {
  const be = like.backend, dtype = be.supports('f32') ? 'f32' : 'f64';
  const buf = be.alloc(data.length, dtype);
  be.write(buf, data);
  return new Tensor(buf, shape, be, 'generate');
}

const NEG = -1e30;

/**
 * Continues each prompt by up to maxNewTokens ids; returns the new ids per row, cut at (and
 * without) endId. Prompts of different lengths share the batch: shorter ones are left-padded, the
 * padding masked out of attention and positions counted from each prompt's own start, so every
 * row computes what it would alone.
 */
export async function generate(model: GPT, prompts: number[][], opts: SampleOptions): Promise<number[][]> {
  const B = prompts.length;
  if (B === 0) return [];
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: empty prompt');
  const P = Math.max(...prompts.map((p) => p.length));
  const pad = prompts.map((p) => P - p.length);
  const maxNew = Math.min(opts.maxNewTokens, model.config.blockSize - P);
  if (maxNew <= 0) throw new Error(`generate: prompts of ${P} tokens leave no room in blockSize ${model.config.blockSize}`);
  if (opts.rows && opts.rows.length !== B) throw new Error(`generate: ${opts.rows.length} per-row options for ${B} prompts`);
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
  /** Positions and mask for the query columns [from, to) of a sequence of length `to`. */
  const geometry = (from: number, to: number) => {
    const posIds: number[] = [], mask: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let i = from; i < to; i++) {
        posIds.push(Math.max(0, i - pad[b]));
        for (let j = 0; j < to; j++) mask.push(j > i || j < pad[b] ? NEG : 0);
      }
    }
    return { posIds, mask };
  };
  const { nLayer, nEmbd } = model.config;
  const dtype = model.wte.weight.dtype;
  const alloc = () => Array.from({ length: nLayer }, () => be.alloc(B * nEmbd * (P + maxNew), dtype));
  let cache: KVCache | null = null;
  const clear = () => { if (cache) for (const b of [...cache.k, ...cache.v]) be.free(b); cache = null; };
  try {
    for (let step = 0; step < maxNew; step++) {
      const len = P + step;
      // with the cache, feed only the newest column after the first step; without, the whole row
      const from = opts.kvCache === false || step === 0 ? 0 : len - 1;
      if (from === 0) { clear(); cache = { k: alloc(), v: alloc(), maxLen: P + maxNew, len: 0 }; }
      const { posIds, mask } = geometry(from, len);
      const ids = seqs.flatMap((s) => s.slice(from, len));
      const c = cache!;
      const logits = noGrad(() => tidy(() => forwardCached(model, indices(ids, [B, len - from], { backend: be }), posIds, mask, c)));
      const data = await logits.data();
      logits.dispose();
      const V = model.config.vocabSize;
      for (let b = 0; b < B; b++) {
        const id = sampleRow(data.subarray(b * V, (b + 1) * V), rowOpts?.[b] ?? opts, rowGens?.[b] ?? gen);
        seqs[b].push(id);
        if (done[b]) continue;
        if (id === opts.endId) done[b] = true; else out[b].push(id);
      }
      if (done.every(Boolean)) break;
    }
  } finally {
    clear();
    model.train(wasTraining);
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
