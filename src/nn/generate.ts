// Autoregressive generation with a KV cache: greedy, temperature, top-k, top-p, seeded, stops at
// an end id, batched over prompts of equal length (callers group prompts by length; see generateAll).
import { Tensor, indices, tidy, keep } from '../tensor.ts';
import { noGrad } from '../autograd.ts';
import { add, mulScalar, gelu } from '../ops/elementwise.ts';
import { reshape, permute, slice, transpose, concat } from '../ops/shape_ops.ts';
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

interface LayerCache { k: Tensor; v: Tensor } // (B, NH, t, HS) each

/** One forward of new tokens (B, Tn) at positions pos.. through the model, using and extending the cache. */
function forwardCached(model: GPT, ids: Tensor, pos: number, cache: LayerCache[]): Tensor {
  const [B, Tn] = ids.shape, C = model.config.nEmbd, NH = model.config.nHead, HS = C / NH;
  const posIds = indices(Array.from({ length: Tn }, (_, t) => pos + t), [Tn], { backend: ids.backend });
  let x = add(model.wte.forward(ids), model.wpe.forward(posIds));               // (B, Tn, C)
  model.h.forEach((block, li) => {
    const a = block.ln_1.forward(x);
    const qkv = permute(reshape(block.attn.c_attn.forward(a), [B, Tn, 3, NH, HS]), [2, 0, 3, 1, 4]); // (3, B, NH, Tn, HS)
    const part = (i: number) => reshape(slice(qkv, 0, i, i + 1), [B, NH, Tn, HS]);
    const q = part(0);
    const prev = cache[li];
    const k = prev ? concat([prev.k, part(1)], 2) : part(1);                 // (B, NH, pos+Tn, HS)
    const v = prev ? concat([prev.v, part(2)], 2) : part(2);
    if (prev) { prev.k.dispose(); prev.v.dispose(); }
    cache[li] = { k: keep(k), v: keep(v) };
    const L = pos + Tn;
    // scores (B, NH, Tn, L); new query i sits at position pos + i and sees keys 0..pos+i
    let att = mulScalar(matmul(q, transpose(k)), 1 / Math.sqrt(HS));
    if (Tn > 1) {
      const mask = new Array<number>(Tn * L);
      for (let i = 0; i < Tn; i++) for (let j = 0; j < L; j++) mask[i * L + j] = j > pos + i ? -1e30 : 0;
      att = add(att, fromHost(mask, [Tn, L], ids));
    }
    const y = matmul(softmax(att), v);                                        // (B, NH, Tn, HS)
    const merged = reshape(permute(y, [0, 2, 1, 3]), [B, Tn, C]);
    x = add(x, block.attn.c_proj.forward(merged));
    x = add(x, block.mlp.c_proj.forward(gelu(block.mlp.c_fc.forward(block.ln_2.forward(x)))));
  });
  const last = slice(model.ln_f.forward(x), 1, Tn - 1, Tn);                   // (B, 1, C)
  return reshape(matmul(last, transpose(model.wte.weight)), [B, model.config.vocabSize]);
}

function fromHost(data: number[], shape: number[], like: Tensor): Tensor {
  const be = like.backend, dtype = be.supports('f32') ? 'f32' : 'f64';
  const buf = be.alloc(data.length, dtype);
  be.write(buf, data);
  return new Tensor(buf, shape, be, 'generate');
}

/**
 * Continues each prompt (all the same length) by up to maxNewTokens ids; returns the new ids per
 * row, cut at (and without) endId.
 */
export async function generate(model: GPT, prompts: number[][], opts: SampleOptions): Promise<number[][]> {
  const B = prompts.length;
  if (B === 0) return [];
  const P = prompts[0].length;
  if (prompts.some((p) => p.length !== P)) throw new Error('generate: prompts in one batch must have the same length (use generateAll)');
  if (P === 0) throw new Error('generate: empty prompt');
  const maxNew = Math.min(opts.maxNewTokens, model.config.blockSize - P);
  const gen = new Generator(opts.seed ?? 0);
  const out: number[][] = prompts.map(() => []);
  const done = new Array<boolean>(B).fill(false);
  const wasTraining = model.training;
  model.eval();
  const cache: LayerCache[] = [];
  const be = model.wte.weight.backend;
  try {
    let next: number[] = [];
    for (let step = 0; step < maxNew; step++) {
      const logits = noGrad(() => tidy(() => {
        if (opts.kvCache === false) {
          const seqs = prompts.map((p, b) => [...p, ...out[b]]);
          const full = model.forward(indices(seqs.flat(), [B, seqs[0].length], { backend: be }));
          const L = seqs[0].length;
          return reshape(slice(full, 1, L - 1, L), [B, model.config.vocabSize]);
        }
        return step === 0
          ? forwardCached(model, indices(prompts.flat(), [B, P], { backend: be }), 0, cache)
          : forwardCached(model, indices(next, [B, 1], { backend: be }), P + step - 1, cache);
      }));
      const data = await logits.data();
      logits.dispose();
      const V = model.config.vocabSize;
      next = [];
      for (let b = 0; b < B; b++) {
        const id = sampleRow(data.subarray(b * V, (b + 1) * V), opts, gen);
        next.push(id);
        if (done[b]) continue;
        if (id === opts.endId) done[b] = true; else out[b].push(id);
      }
      if (done.every(Boolean)) break;
    }
  } finally {
    for (const c of cache) { c.k.dispose(); c.v.dispose(); }
    model.train(wasTraining);
  }
  return out;
}

/** Generates for prompts of any lengths: groups equal lengths into batches of at most batchSize. */
export async function generateAll(model: GPT, prompts: number[][], opts: SampleOptions & { batchSize?: number }): Promise<number[][]> {
  const out: number[][] = new Array(prompts.length);
  const byLen = new Map<number, number[]>();
  prompts.forEach((p, i) => { if (!byLen.has(p.length)) byLen.set(p.length, []); byLen.get(p.length)!.push(i); });
  const bs = opts.batchSize ?? 64;
  let group = 0;
  for (const [, idx] of [...byLen.entries()].sort((a, b) => a[0] - b[0])) {
    for (let s = 0; s < idx.length; s += bs) {
      const chunk = idx.slice(s, s + bs);
      // each batch gets its own sampler stream, so results do not depend on batch composition order
      const res = await generate(model, chunk.map((i) => prompts[i]), { ...opts, seed: (opts.seed ?? 0) + 7919 * group++ });
      chunk.forEach((i, j) => { out[i] = res[j]; });
    }
  }
  return out;
}
