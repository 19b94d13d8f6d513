// Reductions over dims (sum, mean, max) with keepdim, built on the backend's one reduce kernel
// over (outer, R, inner) through reduceRaw (sum_to.ts): runs of adjacent reduced dims go in one dispatch.
import { record } from '../autograd.ts';
import { Tensor } from '../tensor.ts';
import { normDim, fmt } from '../shape.ts';
import { common, defineOp, empty } from './registry.ts';
import { expand } from './shape_ops.ts';
import { div, eq, mul } from './elementwise.ts';
import { reduceRaw, sumTo } from './sum_to.ts';

function normDims(op: string, x: Tensor, dims?: number | number[]): number[] {
  if (dims === undefined) return x.shape.map((_, i) => i);
  const list = (Array.isArray(dims) ? dims : [dims]).map((d) => normDim(op, d, x.rank));
  if (new Set(list).size !== list.length) throw new Error(`${op}: repeated dim in [${list}] for shape ${fmt(x.shape)}`);
  return list.sort((a, b) => a - b);
}

function squeezeShape(shape: number[], dims: number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

export const sum = defineOp('sum', (x: Tensor, dims?: number | number[], keepdim = false): Tensor => {
  const ds = normDims('sum', x, dims);
  const r = reduceRaw('sum', x, ds, 'sum');
  const out = keepdim ? r : r.view(squeezeShape(r.shape, ds), 'sum');
  if (out !== r) r.dispose();
  const keepShape = r.shape;
  return record(out, 'sum', [x], (g) => [expand(g.view(keepShape, 'sum'), x.shape)]);
});

export const mean = defineOp('mean', (x: Tensor, dims?: number | number[], keepdim = false): Tensor => {
  const ds = normDims('mean', x, dims);
  const count = ds.reduce((a, d) => a * x.shape[d], 1);
  const s = sum(x, ds, keepdim);
  const { backend, dtype } = common('mean', x);
  const c = empty('mean', [1], dtype, backend);
  backend.fill(c.buf, count);
  return div(s, c);
});

/** Max over dims; the gradient is shared equally among tied maxima (as torch.amax). */
export const max = defineOp('max', (x: Tensor, dims?: number | number[], keepdim = false): Tensor => {
  const ds = normDims('max', x, dims);
  const r = reduceRaw('max', x, ds, 'max');
  const out = keepdim ? r : r.view(squeezeShape(r.shape, ds), 'max');
  if (out !== r) r.dispose();
  const keepShape = r.shape;
  return record(out, 'max', [x], (g) => {
    const m = out.view(keepShape, 'max');
    const mask = eq(x, m);                                   // 1 at the maxima, x's shape
    const ties = sumTo(mask, keepShape);                     // how many maxima share each slot
    return [mul(mask, div(g.view(keepShape, 'max'), ties))];
  });
});
