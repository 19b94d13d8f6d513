// The public API: tensors, ops, autograd, memory scopes and backends, torch-like names.
import { getBackend, setBackend } from './tensor.ts';
import { CpuBackend } from './backend/cpu.ts';
import { backendFromEnv, type Backend } from './runtime/backend.ts';

// Ops are functions (T.add(a, b), T.matmul(a, b)), not Tensor methods: a method would make
// tensor.ts import the ops, which import tensor.ts. Tensor's own methods need no op: backward,
// detach, data, dispose, registerHook.
export { Tensor, tidy, keep, zeros, ones, full, fromArray, indices, arange, randn, rand, memory,
  getBackend, setBackend, getDefaultDtype, setDefaultDtype, type TensorOptions, type BackwardOptions } from './tensor.ts';
export { noGrad, detach, isGradEnabled } from './autograd.ts';
export { Generator } from './random.ts';
export { add, sub, mul, div, neg, exp, log, sqrt, tanh, relu, gelu, pow, mulScalar, addScalar, where, maskedFill, eq, gt } from './ops/elementwise.ts';
export { sumTo } from './ops/sum_to.ts';
export { reshape, permute, transpose, slice, concat, expand, clone } from './ops/shape_ops.ts';
export { sum, mean, max } from './ops/reduce.ts';
export { matmul, matmulTransposed, linear, linearGelu, linearResidual, mlpResidual } from './ops/matmul.ts';
export { softmax, logSoftmax, layerNorm, embedding, crossEntropy, dropout, attention } from './ops/nn.ts';
export { distillKL, type DistillOptions } from './ops/distill.ts';
export { OP_NAMES } from './ops/registry.ts';
export type { Backend, DType } from './runtime/backend.ts';

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

/** Frees what useBackend opened (the WebGPU device, so the process can exit); the cpu backend holds nothing. */
export function closeBackend(b: Backend | null): void {
  if (b && 'destroy' in b && typeof (b as { destroy?: unknown }).destroy === 'function') (b as unknown as { destroy(): void }).destroy();
}
