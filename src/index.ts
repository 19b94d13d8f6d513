// The public API: tensors, ops, autograd, memory scopes and backends, torch-like names.
import { Tensor, getBackend } from './tensor.ts';
import * as ew from './ops/elementwise.ts';
import * as sh from './ops/shape_ops.ts';
import * as rd from './ops/reduce.ts';
import * as mm from './ops/matmul.ts';
import * as nn from './ops/nn.ts';
import { setBackend } from './tensor.ts';
import { CpuBackend } from './backend/cpu.ts';
import { backendFromEnv, type Backend } from './backend/backend.ts';
import type { Shape } from './shape.ts';

export { Tensor, tidy, keep, zeros, ones, full, fromArray, indices, arange, randn, rand, memory,
  getBackend, setBackend, getDefaultDtype, setDefaultDtype, type TensorOptions } from './tensor.ts';
export { noGrad, detach, isGradEnabled } from './autograd.ts';
export { Generator } from './random.ts';
export { add, sub, mul, div, neg, exp, log, sqrt, tanh, relu, gelu, pow, mulScalar, addScalar, where, maskedFill, eq, gt, sumTo } from './ops/elementwise.ts';
export { reshape, permute, transpose, slice, concat, expand, clone } from './ops/shape_ops.ts';
export { sum, mean, max } from './ops/reduce.ts';
export { matmul, linear } from './ops/matmul.ts';
export { softmax, logSoftmax, layerNorm, embedding, crossEntropy, dropout, attention } from './ops/nn.ts';
export { OP_NAMES } from './ops/registry.ts';
export type { Backend, DType } from './backend/backend.ts';

import type { BackwardOptions } from './ops/elementwise.ts';
export type { BackwardOptions };


declare module './tensor.ts' {
  interface Tensor {
    /** Accumulates d(this)/d(leaf) into every leaf's .grad (this must be a scalar unless grad is given). */
    backward(grad?: Tensor, opts?: BackwardOptions): void;
    add(o: Tensor): Tensor; sub(o: Tensor): Tensor; mul(o: Tensor): Tensor; div(o: Tensor): Tensor;
    matmul(o: Tensor): Tensor;
    reshape(shape: Shape): Tensor; permute(dims: number[]): Tensor; transpose(d0?: number, d1?: number): Tensor;
    sum(dims?: number | number[], keepdim?: boolean): Tensor; mean(dims?: number | number[], keepdim?: boolean): Tensor;
    /** A tensor over the same buffer, cut from the graph. */
    detach(): Tensor;
  }
}

Tensor.prototype.add = function (o) { return ew.add(this, o); };
Tensor.prototype.sub = function (o) { return ew.sub(this, o); };
Tensor.prototype.mul = function (o) { return ew.mul(this, o); };
Tensor.prototype.div = function (o) { return ew.div(this, o); };
Tensor.prototype.matmul = function (o) { return mm.matmul(this, o); };
Tensor.prototype.reshape = function (s) { return sh.reshape(this, s); };
Tensor.prototype.permute = function (d) { return sh.permute(this, d); };
Tensor.prototype.transpose = function (a, b) { return sh.transpose(this, a, b); };
Tensor.prototype.sum = function (d, k) { return rd.sum(this, d, k); };
Tensor.prototype.mean = function (d, k) { return rd.mean(this, d, k); };
Tensor.prototype.detach = function () { return this.view(this.shape, 'detach'); };
void nn;

/**
 * Picks the process-wide backend: INOCULUM_BACKEND=cpu|webgpu, or the argument, default webgpu
 * (falling back to cpu with a warning when no adapter can be had and none was asked for).
 */
export async function useBackend(name?: 'cpu' | 'webgpu'): Promise<Backend> {
  const env = backendFromEnv();
  const want = name ?? env ?? 'webgpu';
  if (want !== 'cpu' && want !== 'webgpu') throw new Error(`useBackend: unknown backend '${want}' (cpu or webgpu)`);
  if (want === 'cpu') { setBackend(new CpuBackend()); return getBackend(); }
  const { WebGpuBackend } = await import('./backend/webgpu.ts');
  try {
    setBackend(await WebGpuBackend.create());
  } catch (e) {
    if (name === 'webgpu' || env === 'webgpu') throw e;
    console.warn(`${(e as Error).message}\nFalling back to the cpu backend.`);
    setBackend(new CpuBackend());
  }
  return getBackend();
}
