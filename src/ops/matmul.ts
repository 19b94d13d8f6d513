// Batched matmul with broadcast batch dims. A (..., M, K) @ B (..., K, N) -> (..., M, N).
// A rank-2 B (a Linear weight) folds A's batch into M: one big matmul, and one for dB.
import { record } from '../autograd.ts';
import { Tensor } from '../tensor.ts';
import { broadcastShapes, fmt, numel, sameShape } from '../shape.ts';
import { common, defineOp, empty } from './registry.ts';
import { expand } from './shape_ops.ts';
import { sumTo } from './sum_to.ts';

/** One backend matmul: out (batch, M, N) from opA(a), opB(b) with per-batch strides. */
function mm(a: Tensor, b: Tensor, batch: number, M: number, N: number, K: number, tA: boolean, tB: boolean, sA: number, sB: number, outShape: number[]): Tensor {
  const out = empty('matmul', outShape, a.dtype, a.backend);
  a.backend.matmul(out.buf, a.buf, b.buf, batch, M, N, K, tA, tB, sA, sB);
  return out;
}

export const matmul = defineOp('matmul', (a: Tensor, b: Tensor): Tensor => {
  common('matmul', a, b);
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`matmul: both operands need rank >= 2, got ${fmt(a.shape)} @ ${fmt(b.shape)} (reshape vectors to (1,K) or (K,1))`);
  }
  const [M, K] = a.shape.slice(-2), [K2, N] = b.shape.slice(-2);
  if (K !== K2) throw new Error(`matmul: inner dims differ: ${fmt(a.shape)} @ ${fmt(b.shape)}`);

  if (b.rank === 2) {
    // (..., M, K) @ (K, N): fold the batch into rows
    const rows = numel(a.shape.slice(0, -1));
    const outShape = [...a.shape.slice(0, -1), N];
    const out = mm(a, b, 1, rows, N, K, false, false, 0, 0, outShape);
    return record(out, 'matmul', [a, b], (g) => [
      a.requiresGrad ? mm(g, b, 1, rows, K, N, false, true, 0, 0, a.shape) : null,            // dA = g @ B^T
      b.requiresGrad ? mm(a, g, 1, K, N, rows, true, false, 0, 0, b.shape) : null,            // dB = A^T @ g
    ]);
  }

  const batchShape = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = numel(batchShape);
  // operands whose batch is all ones are shared (stride 0); partially broadcast ones are expanded
  const prep = (x: Tensor, rows: number, cols: number): [Tensor, number] => {
    const xb = x.shape.slice(0, -2);
    if (numel(xb) === 1) return [x, 0];
    if (sameShape(xb, batchShape)) return [x, rows * cols];
    return [expand(x, [...batchShape, rows, cols]), rows * cols];
  };
  const [ae, sA] = prep(a, M, K);
  const [be, sB] = prep(b, K, N);
  const out = mm(ae, be, batch, M, N, K, false, false, sA, sB, [...batchShape, M, N]);
  const sG = M * N;
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumTo(mm(g, be, batch, M, K, N, false, true, sG, sB, [...batchShape, M, K]), a.shape) : null,
    b.requiresGrad ? sumTo(mm(ae, g, batch, K, N, M, true, false, sA, sG, [...batchShape, K, N]), b.shape) : null,
  ]);
});

/**
 * a (..., M, K) @ b^T for b (N, K), b read as it is stored (the transposed form is a stride in the
 * kernel): the tied output layer, logits = h @ wte^T, with no (C, V) copy of the embedding forward
 * and none back in the backward. The same products in the same order as matmul(a, transpose(b)),
 * so the same bits. Backward: da = g @ b, db = g^T @ a.
 */
export const matmulTransposed = defineOp('matmulTransposed', (a: Tensor, b: Tensor): Tensor => {
  common('matmulTransposed', a, b);
  const K = a.shape[a.rank - 1];
  if (a.rank < 2 || b.rank !== 2 || b.shape[1] !== K) {
    throw new Error(`matmulTransposed: a ${fmt(a.shape)} @ b^T needs a (..., M, K) and b (N, K) with the same K, got b ${fmt(b.shape)}`);
  }
  const N = b.shape[0], rows = numel(a.shape.slice(0, -1));
  const out = mm(a, b, 1, rows, N, K, false, true, 0, 0, [...a.shape.slice(0, -1), N]);
  return record(out, 'matmulTransposed', [a, b], (g) => [
    a.requiresGrad ? mm(g, b, 1, rows, K, N, false, false, 0, 0, a.shape) : null,           // da = g @ b
    b.requiresGrad ? mm(g, a, 1, N, K, rows, true, false, 0, 0, b.shape) : null,            // db = g^T @ a
  ]);
});

/**
 * A Linear layer: x (..., K) @ w (K, N) + bias (N), the product and the bias in one matmul
 * dispatch (the bias added after rounding, so exactly matmul then add). Backward: dx = g @ w^T,
 * dw = x^T @ g (the batch folded into rows, as matmul), dbias = g summed over rows.
 */
export const linear = defineOp('linear', (x: Tensor, w: Tensor, bias: Tensor): Tensor => {
  const { rows, N, K } = linearDims('linear', x, w, bias);
  const out = empty('linear', [...x.shape.slice(0, -1), N], x.dtype, x.backend);
  x.backend.matmul(out.buf, x.buf, w.buf, 1, rows, N, K, false, false, 0, 0, bias.buf);
  return record(out, 'linear', [x, w, bias], (g) => linearBackward(g, x, w, bias, rows, N, K));
});

/**
 * gelu(linear(x, w, bias)) in one matmul dispatch (the MLP's first layer): the GELU epilogue writes
 * the activation beside the pre-activation, which the backward keeps, as the two ops would.
 * The same bits as linear then gelu (tests/matmul.test.ts); backward: the gelu derivative, then linear's.
 */
export const linearGelu = defineOp('linearGelu', (x: Tensor, w: Tensor, bias: Tensor): Tensor => {
  const { rows, N, K } = linearDims('linearGelu', x, w, bias);
  const shape = [...x.shape.slice(0, -1), N];
  const pre = empty('linearGelu', shape, x.dtype, x.backend), out = empty('linearGelu', shape, x.dtype, x.backend);
  x.backend.matmul(pre.buf, x.buf, w.buf, 1, rows, N, K, false, false, 0, 0, bias.buf, { gelu: out.buf });
  return record(out, 'linearGelu', [x, w, bias], (g) => {
    const dpre = empty('linearGelu', shape, x.dtype, x.backend);
    x.backend.unaryBackward(dpre.buf, g.buf, pre.buf, out.buf, 'gelu', 0);
    return linearBackward(dpre, x, w, bias, rows, N, K);
  });
});

/**
 * residual + linear(x, w, bias) in one matmul dispatch (a projection joining the residual stream):
 * the same bits as linear then add(residual, .) (tests/matmul.test.ts). Backward: the gradient goes
 * to the residual unchanged and through linear's backward.
 */
export const linearResidual = defineOp('linearResidual', (x: Tensor, w: Tensor, bias: Tensor, residual: Tensor): Tensor => {
  const { rows, N, K } = linearDims('linearResidual', x, w, bias, residual);
  const shape = [...x.shape.slice(0, -1), N];
  if (!sameShape(residual.shape, shape)) throw new Error(`linearResidual: residual ${fmt(residual.shape)} must be the output's shape ${fmt(shape)}`);
  const out = empty('linearResidual', shape, x.dtype, x.backend);
  x.backend.matmul(out.buf, x.buf, w.buf, 1, rows, N, K, false, false, 0, 0, bias.buf, { residual: residual.buf });
  return record(out, 'linearResidual', [x, w, bias, residual], (g) => [...linearBackward(g, x, w, bias, rows, N, K), g]);
});

/**
 * residual + linear(gelu(linear(x, w1, b1)), w2, b2): a GPT block's MLP path in one op, so that its
 * backward can run the GELU's derivative in the epilogue of the matmul that makes its input's
 * gradient, dpre = (g @ w2^T) * gelu'(pre), instead of a unary_backward dispatch over (rows, 4C).
 * Forward: linearGelu's and linearResidual's dispatches. The bits of those ops (and of linear,
 * gelu, add), checked end to end. x (..., K), w1 (K, H), b1 (H), w2 (H, N), b2 (N), residual (..., N).
 */
export const mlpResidual = defineOp('mlpResidual', (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, residual: Tensor): Tensor => {
  const { rows, N: H, K } = linearDims('mlpResidual', x, w1, b1, w2, b2, residual);
  if (w2.rank !== 2 || b2.rank !== 1 || w2.shape[0] !== H || b2.shape[0] !== w2.shape[1]) {
    throw new Error(`mlpResidual: second weight ${fmt(w2.shape)} and bias ${fmt(b2.shape)} must be (${H}, N) and (N)`);
  }
  const N = w2.shape[1], lead = x.shape.slice(0, -1);
  if (!sameShape(residual.shape, [...lead, N])) throw new Error(`mlpResidual: residual ${fmt(residual.shape)} must be the output's shape ${fmt([...lead, N])}`);
  const be = x.backend;
  const pre = empty('mlpResidual', [...lead, H], x.dtype, be), h = empty('mlpResidual', [...lead, H], x.dtype, be);
  be.matmul(pre.buf, x.buf, w1.buf, 1, rows, H, K, false, false, 0, 0, b1.buf, { gelu: h.buf });
  const out = empty('mlpResidual', [...lead, N], x.dtype, be);
  be.matmul(out.buf, h.buf, w2.buf, 1, rows, N, H, false, false, 0, 0, b2.buf, { residual: residual.buf });
  return record(out, 'mlpResidual', [x, w1, b1, w2, b2, residual], (g) => {
    const [, dw2, db2] = linearBackward(g, h, w2, b2, rows, N, H); // h needs no gradient of its own
    if (!(x.requiresGrad || w1.requiresGrad || b1.requiresGrad)) return [null, null, null, dw2, db2, g];
    const dpre = empty('mlpResidual', [...lead, H], x.dtype, be);
    be.matmul(dpre.buf, g.buf, w2.buf, 1, rows, H, N, false, true, 0, 0, null, { geluGrad: pre.buf });
    return [...linearBackward(dpre, x, w1, b1, rows, H, K), dw2, db2, g];
  });
});

function linearDims(op: string, x: Tensor, w: Tensor, bias: Tensor, ...more: Tensor[]): { rows: number; N: number; K: number } {
  common(op, x, w, bias, ...more);
  const K = x.shape[x.rank - 1];
  if (x.rank < 1 || w.rank !== 2 || bias.rank !== 1 || w.shape[0] !== K || bias.shape[0] !== w.shape[1]) {
    throw new Error(`${op}: x ${fmt(x.shape)}, weight ${fmt(w.shape)}, bias ${fmt(bias.shape)} must be (..., K), (K, N), (N)`);
  }
  return { rows: numel(x.shape.slice(0, -1)), N: w.shape[1], K };
}

// gradients of x (..., K), w (K, N), bias (N) from g (..., N); dbias, g summed over rows, comes
// out of dW's matmul, which walks every row of g anyway (the same sum as sumTo's reduce)
function linearBackward(g: Tensor, x: Tensor, w: Tensor, bias: Tensor, rows: number, N: number, K: number): (Tensor | null)[] {
  const dx = x.requiresGrad ? mm(g, w, 1, rows, K, N, false, true, 0, 0, x.shape) : null;   // dx = g @ W^T
  // a rank-1 g is its own sum (sumTo hands it back, -0s included): no reduce to fold in then
  if (!w.requiresGrad || g.rank < 2) {
    return [dx, w.requiresGrad ? mm(x, g, 1, K, N, rows, true, false, 0, 0, w.shape) : null, bias.requiresGrad ? sumTo(g, bias.shape) : null];
  }
  const dw = empty('linear', w.shape, x.dtype, x.backend);                                     // dW = x^T @ g
  const db = bias.requiresGrad ? empty('linear', bias.shape, x.dtype, x.backend) : null;
  x.backend.matmul(dw.buf, x.buf, g.buf, 1, K, N, rows, true, false, 0, 0, null, db ? { bSum: db.buf } : {});
  return [dx, dw, db];
}
