// sumTo, the reduction every broadcast backward needs, and reduceRaw, the dim reduction under it
// and under sum and max. Built on the backend's reduce kernel alone, below every op file, so that
// elementwise, shape_ops, matmul, nn and reduce use it without importing one another.
import type { Tensor } from '../tensor.ts';
import { numel, sameShape, type Shape } from '../shape.ts';
import { common, empty } from './registry.ts';
import type { ReduceOp } from '../runtime/backend.ts';

/**
 * Reduces the sorted, distinct dims of x to size 1 (the keepdim shape), one dispatch of the
 * backend's reduce over (outer, R, inner) per run of adjacent dims. Records no graph.
 */
export function reduceRaw(op: ReduceOp, x: Tensor, dims: number[], name: string): Tensor {
  const { backend, dtype } = common(name, x);
  let cur = x;
  const shape = [...x.shape];
  // runs of adjacent dims, last first, so earlier indices stay valid
  const runs: [number, number][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d) last[1] = d + 1; else runs.push([d, d + 1]);
  }
  for (const [s, e] of runs.reverse()) {
    const outer = numel(shape.slice(0, s)), R = numel(shape.slice(s, e)), inner = numel(shape.slice(e));
    for (let d = s; d < e; d++) shape[d] = 1;
    const out = empty(name, shape, dtype, backend);
    if (R === 0) backend.fill(out.buf, op === 'sum' ? 0 : -Infinity);
    else backend.reduce(out.buf, cur.buf, op, outer, R, inner);
    if (cur !== x) cur.dispose();
    cur = out;
  }
  return cur === x ? x.view(x.shape, name) : cur;
}

/**
 * Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). The result is a
 * view, so it carries no graph: sumTo is for gradients, which backward computes under noGrad.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) dims.push(i);
  return reduceRaw('sum', g, dims, 'sum').view(shape, 'sumTo');
}
