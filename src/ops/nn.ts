// Neural-net ops with fused kernels: softmax, logSoftmax, layerNorm, embedding, crossEntropy,
// dropout and causal attention. Each saves what its backward kernel needs (llm.c style).
import { isGradEnabled, record } from '../autograd.ts';
import { Tensor } from '../tensor.ts';
import { fmt, normDim } from '../shape.ts';
import { common, defineOp, empty } from './registry.ts';
import type { Generator } from '../random.ts';

function lastDimOnly(op: string, x: Tensor, dim: number): void {
  if (x.rank === 0) throw new Error(`${op}: needs at least one dim, got a scalar`);
  if (normDim(op, dim, x.rank) !== x.rank - 1) throw new Error(`${op}: only the last dim is supported (got dim ${dim} for ${fmt(x.shape)}); permute first`);
}

export const softmax = defineOp('softmax', (x: Tensor, dim = -1): Tensor => {
  const { backend, dtype } = common('softmax', x);
  lastDimOnly('softmax', x, dim);
  const C = x.shape[x.rank - 1], N = x.size / C;
  const out = empty('softmax', x.shape, dtype, backend);
  backend.softmaxForward(out.buf, x.buf, N, C);
  return record(out, 'softmax', [x], (g) => {
    const dx = empty('softmax', x.shape, dtype, backend);
    backend.softmaxBackward(dx.buf, g.buf, out.buf, N, C);
    return [dx];
  });
});

export const logSoftmax = defineOp('logSoftmax', (x: Tensor, dim = -1): Tensor => {
  const { backend, dtype } = common('logSoftmax', x);
  lastDimOnly('logSoftmax', x, dim);
  const C = x.shape[x.rank - 1], N = x.size / C;
  const out = empty('logSoftmax', x.shape, dtype, backend);
  backend.logSoftmaxForward(out.buf, x.buf, N, C);
  return record(out, 'logSoftmax', [x], (g) => {
    const dx = empty('logSoftmax', x.shape, dtype, backend);
    backend.logSoftmaxBackward(dx.buf, g.buf, out.buf, N, C);
    return [dx];
  });
});

/** Layer norm over the last dim with weight and bias of shape (C). */
export const layerNorm = defineOp('layerNorm', (x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor => {
  const { backend, dtype } = common('layerNorm', x, weight, bias);
  const C = x.shape[x.rank - 1];
  if (weight.rank !== 1 || bias.rank !== 1 || weight.shape[0] !== C || bias.shape[0] !== C) {
    throw new Error(`layerNorm: weight ${fmt(weight.shape)} and bias ${fmt(bias.shape)} must be (${C}) for input ${fmt(x.shape)}`);
  }
  const N = x.size / C;
  const out = empty('layerNorm', x.shape, dtype, backend);
  const mean = empty('layerNorm', [N], dtype, backend), rstd = empty('layerNorm', [N], dtype, backend);
  backend.layernormForward(out.buf, mean.buf, rstd.buf, x.buf, weight.buf, bias.buf, N, C, eps);
  return record(out, 'layerNorm', [x, weight, bias], (g) => {
    // only what some input needs: a fine-tune that freezes the layer skips the column sums
    const dx = x.requiresGrad ? empty('layerNorm', x.shape, dtype, backend) : null;
    const wb = weight.requiresGrad || bias.requiresGrad;
    const dw = wb ? empty('layerNorm', [C], dtype, backend) : null, db = wb ? empty('layerNorm', [C], dtype, backend) : null;
    backend.layernormBackward(dx?.buf ?? null, dw?.buf ?? null, db?.buf ?? null, g.buf, x.buf, weight.buf, mean.buf, rstd.buf, N, C);
    return [dx, weight.requiresGrad ? dw : null, bias.requiresGrad ? db : null];
  });
});

function checkIndices(op: string, ids: Tensor, limit: number, allow?: number): void {
  if (ids.dtype !== 'i32') throw new Error(`${op}: indices must be an i32 tensor (use indices([...])), got ${ids.dtype} ${fmt(ids.shape)}`);
  const h = ids.hostData;
  if (!h) return; // made on the device: no host copy to check against
  for (let i = 0; i < h.length; i++) {
    if ((h[i] < 0 || h[i] >= limit) && h[i] !== allow) {
      throw new Error(`${op}: index ${h[i]} at position ${i} of ${fmt(ids.shape)} is out of range [0, ${limit})`);
    }
  }
}

/** Rows of weight (V, C) picked by integer ids (...): (..., C). */
export const embedding = defineOp('embedding', (ids: Tensor, weight: Tensor): Tensor => {
  const { backend, dtype } = common('embedding', weight);
  if (weight.rank !== 2) throw new Error(`embedding: weight must be (V, C), got ${fmt(weight.shape)}`);
  const [V, C] = weight.shape;
  checkIndices('embedding', ids, V);
  const N = ids.size;
  const out = empty('embedding', [...ids.shape, C], dtype, backend);
  backend.embeddingForward(out.buf, ids.bufFor('embedding'), weight.buf, N, C);
  return record(out, 'embedding', [weight], (g) => {
    const dw = empty('embedding', [V, C], dtype, backend);
    backend.embeddingBackward(dw.buf, g.buf, ids.buf, N, C, V);
    return [dw];
  });
});

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (torch's ignore_index); the mean is over the rest. */
  ignoreIndex?: number;
}

/**
 * Mean cross-entropy of logits (..., V) against integer targets (...), over the targets that are
 * not ignoreIndex (a loss mask: set masked targets to ignoreIndex). Fused: one kernel gives the
 * losses and the logits' gradient.
 */
export const crossEntropy = defineOp('crossEntropy', (logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor => {
  const { backend, dtype } = common('crossEntropy', logits);
  const ignore = opts.ignoreIndex ?? -100;
  const V = logits.shape[logits.rank - 1];
  const N = logits.size / V;
  if (targets.size !== N || targets.rank !== logits.rank - 1 || targets.shape.some((d, i) => d !== logits.shape[i])) {
    throw new Error(`crossEntropy: targets ${fmt(targets.shape)} must match logits ${fmt(logits.shape)} without the last dim`);
  }
  checkIndices('crossEntropy', targets, V, ignore);
  const h = targets.hostData;
  const kept = h ? h.reduce((a, t) => a + (t === ignore ? 0 : 1), 0) : N;
  const losses = empty('crossEntropy', [N], dtype, backend);
  const dlogits = logits.requiresGrad && isGradEnabled() ? empty('crossEntropy', logits.shape, dtype, backend) : null;
  backend.crossEntropyForward(losses.buf, dlogits?.buf ?? null, logits.buf, targets.bufFor('crossEntropy'), N, V, ignore);
  const total = empty('crossEntropy', [], dtype, backend);
  backend.reduce(total.buf, losses.buf, 'sum', 1, N, 1);
  losses.dispose();
  const out = empty('crossEntropy', [], dtype, backend);
  backend.unary(out.buf, total.buf, 'mulScalar', kept > 0 ? 1 / kept : 0);
  total.dispose();
  return record(out, 'crossEntropy', [logits], (g) => {
    // dlogits * g / kept, g a scalar on the device
    const s = empty('crossEntropy', [], dtype, backend);
    backend.unary(s.buf, g.buf, 'mulScalar', kept > 0 ? 1 / kept : 0);
    const dx = empty('crossEntropy', logits.shape, dtype, backend);
    backend.binary(dx.buf, dlogits!.buf, s.buf, 'mul', [logits.size], [1], [0]);
    return [dx];
  });
});

/** Zeroes each element with probability p and scales the rest by 1/(1-p); the mask comes from gen. */
export const dropout = defineOp('dropout', (x: Tensor, p: number, gen: Generator): Tensor => {
  const { backend, dtype } = common('dropout', x);
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const seed = gen.nextU32();
  const out = empty('dropout', x.shape, dtype, backend);
  backend.dropout(out.buf, x.buf, p, seed);
  return record(out, 'dropout', [x], (g) => {
    const dx = empty('dropout', x.shape, dtype, backend);
    backend.dropout(dx.buf, g.buf, p, seed); // same seed, same mask
    return [dx];
  });
});

/**
 * Why starts (B, T) is not a valid segmentation, or null: every row must be a run of contiguous
 * segments, so starts[b, 0] = 0 and each starts[b, t] is starts[b, t - 1] (same segment) or t (a
 * new one). The dk/dv kernel relies on it: the queries that see key j are j up to its segment's end.
 */
export function segmentStartsError(starts: ArrayLike<number>, B: number, T: number): string | null {
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
    const s = starts[b * T + t], prev = t === 0 ? 0 : starts[b * T + t - 1];
    if (t === 0 ? s !== 0 : s !== prev && s !== t) {
      return `starts[${b}, ${t}] = ${s}: each must be the previous one (same segment) or ${t} (a new segment)${t === 0 ? ', and 0 at t = 0' : ''}`;
    }
  }
  return null;
}

/**
 * Fused causal self-attention over the qkv projection: qkv (B, T, 3C) -> (B, T, C), C = nHead * HS,
 * q, k, v the three thirds of each token (nanoGPT's c_attn output, no split or head transposes),
 * scale 1/sqrt(HS). starts (B, T) i32, optional: packed rows, query t sees keys starts[b, t]..t,
 * where starts[b, t] is the first position of t's sequence in the row (segments must be contiguous).
 */
export const attention = defineOp('attention', (qkv: Tensor, nHead: number, starts?: Tensor): Tensor => {
  const { backend, dtype } = common('attention', qkv);
  const C3 = qkv.shape[2];
  if (qkv.rank !== 3 || !Number.isInteger(nHead) || nHead < 1 || C3 % (3 * nHead) !== 0) {
    throw new Error(`attention: qkv ${fmt(qkv.shape)} must be (B, T, 3 * nHead * HS) with nHead ${nHead}`);
  }
  const [B, T] = qkv.shape, C = C3 / 3, HS = C / nHead;
  if (starts) {
    if (starts.dtype !== 'i32' || starts.rank !== 2 || starts.shape[0] !== B || starts.shape[1] !== T) {
      throw new Error(`attention: starts must be i32 (B, T) = (${B},${T}), got ${starts.dtype} ${fmt(starts.shape)}`);
    }
    const bad = starts.hostData && segmentStartsError(starts.hostData, B, T);
    if (bad) throw new Error(`attention: ${bad}`);
  }
  const scale = 1 / Math.sqrt(HS);
  const out = empty('attention', [B, T, C], dtype, backend);
  const lse = empty('attention', [B, nHead, T], dtype, backend);
  const startsBuf = starts ? starts.bufFor('attention') : null;
  backend.attentionForward(out.buf, lse.buf, qkv.buf, startsBuf, B, T, nHead, HS, scale);
  return record(out, 'attention', [qkv], (g) => {
    const dqkv = empty('attention', qkv.shape, dtype, backend);
    backend.attentionBackward(dqkv.buf, g.buf, qkv.buf, out.buf, lse.buf, startsBuf, B, T, nHead, HS, scale);
    return [dqkv];
  });
});

