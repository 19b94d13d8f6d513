// Probes of what fine-tuning does, read off the model directly:
// - answerLogprobs: mean token log-probability of each example's answer (trait probes, NLL@0, PH(P));
// - gradientsOf / gradientCosine: the gradient of one batch, and the cosine between two of them
//   (the same batch with and without the inoculation prompt);
// - layerNorms: per-block gradient norms from the per-parameter squared norms.
import { indices, tidy, type Tensor } from '../tensor.ts';
import { noGrad } from '../autograd.ts';
import { matmul } from '../ops/matmul.ts';
import { mul } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { concat, reshape, transpose } from '../ops/shape_ops.ts';
import { sumSquaresOf } from '../optim/adamw.ts';
import { batchTensors, makeBatch, targetRows, IGNORE, type Example } from '../train/batches.ts';
import { targetHidden } from '../train/soft_targets.ts';
import type { GPT } from '../nn/gpt.ts';

/**
 * Mean token log-probability of each example's targets (answer tokens + end), in nats. Only the
 * positions that have a target go through the output layer, and only their losses come back: the
 * fused cross-entropy kernel gives -log p(target) per row, so no (B, T, V) tensor is made or read.
 * Examples are packed into shared rows (batches.ts makeBatch; each computes what it does alone).
 */
export async function answerLogprobs(model: GPT, examples: Example[], padId: number, batchSize = 64, pack = true): Promise<number[]> {
  const out: number[] = [];
  const be = model.wte.weight.backend;
  const V = model.config.vocabSize;
  const wasTraining = model.training;
  model.eval();
  try {
    for (let i = 0; i < examples.length; i += batchSize) {
      const chunk = examples.slice(i, i + batchSize);
      const b = makeBatch(chunk, padId, model.config.blockSize, pack);
      const rows = targetRows(b), targets = rows.map((k) => b.targets[k]), owner = rows.map((k) => b.owner[k]);
      const nll = new Array<number>(chunk.length).fill(0), n = new Array<number>(chunk.length).fill(0);
      if (rows.length > 0) {
        const K = rows.length;
        const losses = be.alloc(K, model.wte.weight.dtype);
        noGrad(() => tidy(() => {
          const h = targetHidden(model, b, rows);                                                    // (K, C)
          const logits = matmul(h, transpose(model.wte.weight));                                     // (K, V)
          const y = indices(targets, [K], { backend: be });
          be.crossEntropyForward(losses, null, logits.bufFor('answerLogprobs'), y.bufFor('answerLogprobs'), K, V, IGNORE);
        }));
        const vals = await be.read(losses);
        be.free(losses);
        owner.forEach((r, j) => { nll[r] += vals[j]; n[r]++; });
      }
      for (let r = 0; r < chunk.length; r++) out.push(n[r] > 0 ? -nll[r] / n[r] : NaN);
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The gradient of the batch's loss for every trainable parameter (the model's .grad left empty). */
export function gradientsOf(model: GPT, examples: Example[], padId: number, pack = true): Map<string, Tensor> {
  const be = model.wte.weight.backend;
  const params = model.trainableParameters();
  const saved = params.map(([, p]) => p.grad);
  for (const [, p] of params) p.grad = null;
  const b = makeBatch(examples, padId, model.config.blockSize, pack);
  const wasTraining = model.training;
  model.eval(); // no dropout: the two gradients must differ only by the prompt
  tidy(() => { const x = batchTensors(b, be); model.loss(x.ids, x.targets, x.rows).backward(); });
  model.train(wasTraining);
  const grads = new Map<string, Tensor>();
  params.forEach(([n, p], i) => { if (p.grad) grads.set(n, p.grad); p.grad = saved[i]; });
  return grads;
}

/** cos(a, b) over all parameters, plus both norms; disposes neither input. */
export async function gradientCosine(a: Map<string, Tensor>, b: Map<string, Tensor>): Promise<{ cosine: number; normA: number; normB: number }> {
  const names = [...a.keys()].filter((n) => b.has(n));
  // tidy: the products are freed once summed (they are as large as the gradients: a leak per call)
  const dots = names.map((n) => noGrad(() => tidy(() => sum(mul(a.get(n)!, b.get(n)!)))));
  // sum of squares of a one-element tensor is its square: read the dots through the same path
  const [dd, aa, bb] = await Promise.all([
    readScalars(dots),
    sumSquaresOf(names.map((n) => a.get(n)!)),
    sumSquaresOf(names.map((n) => b.get(n)!)),
  ]);
  const dot = dd.reduce((x, y) => x + y, 0);
  const na = Math.sqrt(aa.reduce((x, y) => x + y, 0)), nb = Math.sqrt(bb.reduce((x, y) => x + y, 0));
  return { cosine: dot / (na * nb), normA: na, normB: nb };
}

/** Reads one-element tensors in one sync (concatenated on the device), disposing them. */
async function readScalars(ts: Tensor[]): Promise<number[]> {
  if (ts.length === 0) return [];
  const all = noGrad(() => tidy(() => concat(ts.map((t) => reshape(t, [1])), 0)));
  const out = Array.from(await all.data());
  all.dispose();
  for (const t of ts) t.dispose();
  return out;
}

/** Per-block gradient norms ("h.0", "h.1", ..., "embeddings", "ln_f") from per-parameter squared norms. */
export function layerNorms(squared: Map<string, number>): Record<string, number> {
  const acc: Record<string, number> = {};
  for (const [name, sq] of squared) {
    const m = /^h\.(\d+)\./.exec(name);
    const key = m ? `h.${m[1]}` : name.startsWith('w') ? 'embeddings' : name.split('.')[0];
    acc[key] = (acc[key] ?? 0) + sq;
  }
  for (const k of Object.keys(acc)) acc[k] = Math.sqrt(acc[k]);
  return acc;
}
