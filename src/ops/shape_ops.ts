// Shape ops. Tensors are always contiguous: reshape shares the buffer, everything else
// (permute, slice, expand, concat) is one strided copy, and so is its backward.
import { record } from '../autograd.ts';
import { Tensor } from '../tensor.ts';
import { broadcastShapes, broadcastStrides, fmt, normDim, numel, sameShape, stridesOf, type Shape } from '../shape.ts';
import { defineOp, empty } from './registry.ts';
import { sumTo } from './sum_to.ts';

function checkAlive(op: string, ...ts: Tensor[]): void { for (const t of ts) t.bufFor(op); }

export const reshape = defineOp('reshape', (x: Tensor, shape: Shape): Tensor => {
  checkAlive('reshape', x);
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    if (s.indexOf(-1, free + 1) >= 0) throw new Error(`reshape: only one -1 allowed in ${fmt(shape)}`);
    const rest = numel(s.filter((_, i) => i !== free));
    s[free] = rest === 0 ? 0 : x.size / rest;
  }
  if (!s.every((d) => Number.isInteger(d) && d >= 0) || numel(s) !== x.size) {
    throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  }
  return record(x.view(s, 'reshape'), 'reshape', [x], (g) => [g.view(x.shape, 'reshape')]);
});

export const permute = defineOp('permute', (x: Tensor, dims: number[]): Tensor => {
  checkAlive('permute', x);
  const ds = dims.map((d) => normDim('permute', d, x.rank));
  if (ds.length !== x.rank || new Set(ds).size !== ds.length) {
    throw new Error(`permute: [${dims}] is not a permutation of the dims of ${fmt(x.shape)}`);
  }
  const shape = ds.map((d) => x.shape[d]);
  const st = stridesOf(x.shape);
  const out = empty('permute', shape, x.dtype, x.backend);
  x.backend.strided(out.buf, stridesOf(shape), 0, x.buf, ds.map((d) => st[d]), 0, shape);
  const inverse = ds.map((_, i) => ds.indexOf(i));
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
});

export function transpose(x: Tensor, d0 = -2, d1 = -1): Tensor {
  const a = normDim('transpose', d0, x.rank), b = normDim('transpose', d1, x.rank);
  const dims = x.shape.map((_, i) => i);
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(x, dims);
}

/** Elements start..end-1 along dim (torch's narrow / x[..., start:end, ...]). */
export const slice = defineOp('slice', (x: Tensor, dim: number, start: number, end: number): Tensor => {
  checkAlive('slice', x);
  const d = normDim('slice', dim, x.rank);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > x.shape[d] || start > end) {
    throw new Error(`slice: range [${start}, ${end}) is out of bounds for dim ${d} of ${fmt(x.shape)}`);
  }
  const shape = [...x.shape]; shape[d] = end - start;
  const st = stridesOf(x.shape);
  const out = empty('slice', shape, x.dtype, x.backend);
  x.backend.strided(out.buf, stridesOf(shape), 0, x.buf, st, start * st[d], shape);
  return record(out, 'slice', [x], (g) => {
    const dx = empty('slice', x.shape, x.dtype, x.backend);
    x.backend.fill(dx.buf, 0);
    x.backend.strided(dx.buf, st, start * st[d], g.buf, stridesOf(shape), 0, shape);
    return [dx];
  });
});

/** Joins tensors along dim; all other dims must agree. */
export const concat = defineOp('concat', (xs: Tensor[], dim: number): Tensor => {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  checkAlive('concat', ...xs);
  const d = normDim('concat', dim, xs[0].rank);
  for (const x of xs) {
    if (x.rank !== xs[0].rank || x.shape.some((s, i) => i !== d && s !== xs[0].shape[i])) {
      throw new Error(`concat: shapes ${xs.map((t) => fmt(t.shape)).join(', ')} differ outside dim ${d}`);
    }
    if (x.backend !== xs[0].backend || x.dtype !== xs[0].dtype) throw new Error('concat: inputs differ in backend or dtype');
  }
  const shape = [...xs[0].shape];
  shape[d] = xs.reduce((a, x) => a + x.shape[d], 0);
  const out = empty('concat', shape, xs[0].dtype, xs[0].backend);
  const st = stridesOf(shape);
  let off = 0;
  const offsets: number[] = [];
  for (const x of xs) {
    offsets.push(off);
    x.backend.strided(out.buf, st, off * st[d], x.buf, stridesOf(x.shape), 0, x.shape);
    off += x.shape[d];
  }
  return record(out, 'concat', xs, (g) => xs.map((x, i) => (x.requiresGrad ? slice(g, d, offsets[i], offsets[i] + x.shape[d]) : null)));
});

/** Broadcasts x to shape (materialised); the backward sums over the broadcast dims. */
export const expand = defineOp('expand', (x: Tensor, shape: Shape): Tensor => {
  checkAlive('expand', x);
  const target = broadcastShapes('expand', x.shape, shape);
  if (!sameShape(target, shape)) throw new Error(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  const out = empty('expand', shape, x.dtype, x.backend);
  x.backend.strided(out.buf, stridesOf(shape), 0, x.buf, broadcastStrides(x.shape, shape), 0, [...shape]);
  return record(out, 'expand', [x], (g) => [sumTo(g, x.shape)]);
});

/** A copy with its own buffer. */
export const clone = defineOp('clone', (x: Tensor): Tensor => {
  checkAlive('clone', x);
  const out = empty('clone', x.shape, x.dtype, x.backend);
  x.backend.strided(out.buf, [1], 0, x.buf, [1], 0, [x.size]);
  return record(out, 'clone', [x], (g) => [g]);
});
