// The registry of differentiable ops: every op defined with defineOp is listed here, so the
// gradient-check test can fail when an op has no gradcheck case.
import { Tensor } from '../tensor.ts';
import { fmt } from '../shape.ts';
import type { Backend, DType } from '../runtime/backend.ts';

export const OP_NAMES: string[] = [];

/** Names an op and registers it as differentiable. */
export function defineOp<F extends (...args: never[]) => Tensor>(name: string, fn: F): F {
  if (OP_NAMES.includes(name)) throw new Error(`defineOp: ${name} defined twice`);
  OP_NAMES.push(name);
  return fn;
}

/** A fresh, uninitialised result tensor. */
export function empty(op: string, shape: readonly number[], dtype: DType, backend: Backend): Tensor {
  return new Tensor(backend.alloc(shape.reduce((a, b) => a * b, 1), dtype), shape, backend, op);
}

/** Checks that all inputs live on one backend with one float dtype; returns them. */
export function common(op: string, ...ts: Tensor[]): { backend: Backend; dtype: DType } {
  const be = ts[0].backend, dt = ts[0].dtype;
  for (const t of ts) {
    t.bufFor(op); // use-after-dispose check
    if (t.backend !== be) throw new Error(`${op}: inputs live on different backends (${be.name} and ${t.backend.name})`);
    if (t.dtype !== dt) throw new Error(`${op}: inputs have different dtypes (${dt} ${fmt(ts[0].shape)} and ${t.dtype} ${fmt(t.shape)})`);
  }
  if (dt === 'i32') throw new Error(`${op}: expects float tensors, got i32 ${fmt(ts[0].shape)}`);
  return { backend: be, dtype: dt };
}
