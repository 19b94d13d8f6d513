// Element-wise ops with numpy broadcasting; their backwards sum a broadcast gradient back with sumTo.
import type { BinaryOp, UnaryOp } from '../runtime/backend.ts';
import { record } from '../autograd.ts';
import type { Tensor } from '../tensor.ts';
import { broadcastShapes, broadcastStrides, sameShape, fmt } from '../shape.ts';
import { common, defineOp, empty } from './registry.ts';
import { sumTo } from './sum_to.ts';

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const { backend, dtype } = common(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = empty(op, shape, dtype, backend);
  backend.binary(out.buf, a.buf, b.buf, op, shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
  return out;
}

export const add = defineOp('add', (a: Tensor, b: Tensor): Tensor =>
  record(binaryRaw('add', a, b), 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]));

export const sub = defineOp('sub', (a: Tensor, b: Tensor): Tensor =>
  record(binaryRaw('sub', a, b), 'sub', [a, b], (g) => [sumTo(g, a.shape), b.requiresGrad ? sumTo(neg(g), b.shape) : null]));

export const mul = defineOp('mul', (a: Tensor, b: Tensor): Tensor =>
  record(binaryRaw('mul', a, b), 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('mul', g, b), a.shape) : null,
    b.requiresGrad ? sumTo(binaryRaw('mul', g, a), b.shape) : null,
  ]));

export const div = defineOp('div', (a: Tensor, b: Tensor): Tensor => {
  const out = binaryRaw('div', a, b);
  return record(out, 'div', [a, b], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('div', g, b), a.shape) : null,
    // d(a/b)/db = -(a/b)/b
    b.requiresGrad ? sumTo(neg(binaryRaw('div', binaryRaw('mul', g, out), b)), b.shape) : null,
  ]);
});

/** 1 where a == b else 0 (broadcast); no gradient. */
export const eq = (a: Tensor, b: Tensor): Tensor => binaryRaw('eq', a, b);
/** 1 where a > b else 0 (broadcast); no gradient. */
export const gt = (a: Tensor, b: Tensor): Tensor => binaryRaw('gt', a, b);

function unaryOp(op: UnaryOp, x: Tensor, alpha = 0, name: string = op): Tensor {
  const { backend, dtype } = common(name, x);
  const out = empty(name, x.shape, dtype, backend);
  backend.unary(out.buf, x.buf, op, alpha);
  return record(out, name, [x], (g) => {
    const dx = empty(name, x.shape, dtype, backend);
    backend.unaryBackward(dx.buf, g.buf, x.buf, out.buf, op, alpha);
    return [dx];
  });
}

export const neg = defineOp('neg', (x: Tensor) => unaryOp('neg', x));
export const exp = defineOp('exp', (x: Tensor) => unaryOp('exp', x));
export const log = defineOp('log', (x: Tensor) => unaryOp('log', x));
export const sqrt = defineOp('sqrt', (x: Tensor) => unaryOp('sqrt', x));
export const tanh = defineOp('tanh', (x: Tensor) => unaryOp('tanh', x));
export const relu = defineOp('relu', (x: Tensor) => unaryOp('relu', x));
/** GELU, tanh approximation (as GPT-2). */
export const gelu = defineOp('gelu', (x: Tensor) => unaryOp('gelu', x));
/** x ** exponent for a scalar exponent. */
export const pow = defineOp('pow', (x: Tensor, exponent: number) => unaryOp('pow', x, exponent));
/** x * s for a scalar s. */
export const mulScalar = defineOp('mulScalar', (x: Tensor, s: number) => unaryOp('mulScalar', x, s));
/** x + s for a scalar s. */
export const addScalar = defineOp('addScalar', (x: Tensor, s: number) => unaryOp('addScalar', x, s));

/** cond ? a : b element-wise with broadcasting; cond is any tensor (non-zero = true), not differentiated. */
export const where = defineOp('where', (cond: Tensor, a: Tensor, b: Tensor): Tensor => {
  const { backend, dtype } = common('where', a, b);
  if (cond.backend !== backend) throw new Error('where: cond lives on a different backend');
  const shape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  const out = empty('where', shape, dtype, backend);
  backend.where(out.buf, cond.bufFor('where'), a.buf, b.buf, shape,
    broadcastStrides(cond.shape, shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
  return record(out, 'where', [a, b], (g) => {
    const z = empty('where', [1], dtype, backend);
    backend.fill(z.buf, 0);
    const pick = (x: Tensor, y: Tensor) => {
      const o = empty('where', shape, dtype, backend);
      backend.where(o.buf, cond.buf, x.buf, y.buf, shape, broadcastStrides(cond.shape, shape),
        broadcastStrides(x.shape, shape), broadcastStrides(y.shape, shape));
      return o;
    };
    return [a.requiresGrad ? sumTo(pick(g, z), a.shape) : null, b.requiresGrad ? sumTo(pick(z, g), b.shape) : null];
  });
});

/** Where mask is non-zero, the value; elsewhere x (torch's masked_fill). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const v = empty('maskedFill', [1], x.dtype, x.backend);
  x.backend.fill(v.buf, value);
  const out = where(mask, v, x);
  if (!sameShape(out.shape, x.shape)) throw new Error(`maskedFill: mask ${fmt(mask.shape)} broadcasts x ${fmt(x.shape)} to a bigger shape`);
  return out;
}
