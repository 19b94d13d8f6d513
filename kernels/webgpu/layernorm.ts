// Binding specs of shaders/layernorm_forward.wgsl, layernorm_backward.wgsl,
// layernorm_backward_dweight.wgsl and layernorm_backward_dweight_sum.wgsl. The backward is dinp row
// by row, then the column sums dweight/dbias (deterministic, no float atomics), which do not depend
// on dinp: two dispatches, three when N > DWEIGHT_ROWS.
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { rowDispatch, rowGeometry, type RowGeometry } from './rows.ts';

/** Invocations per workgroup of the column-sum kernels (one column each). */
const DWEIGHT_WG = 64;
/**
 * Rows per chunk of the column sums: N <= R takes one dispatch; longer batches sum chunks of R rows
 * in parallel, then add the chunks (keeps each invocation under llvmpipe's 65535 loop iterations).
 */
export const DWEIGHT_ROWS = 4096;

// out (N, C), mean (N), rstd (N) from inp (N, C), weight (C), bias (C)
export function layernormForward(gpu: Gpu, out: GpuBuf, mean: GpuBuf, rstd: GpuBuf, inp: GpuBuf, weight: GpuBuf, bias: GpuBuf,
  N: number, C: number, eps: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C)): void {
  gpu.dispatch({
    shader: 'layernorm_forward', buffers: [out, mean, rstd, inp, weight, bias],
    uniforms: [N, C, eps], uniformTypes: 'uuf', ...rowDispatch(gpu, 'layernorm_forward', N, C, 3, g),
  });
}

// dinp (N, C), dweight (C), dbias (C) written (not accumulated) from dout (N, C), inp (N, C), weight (C), mean (N), rstd (N)
export function layernormBackward(gpu: Gpu, dinp: GpuBuf, dweight: GpuBuf, dbias: GpuBuf, dout: GpuBuf, inp: GpuBuf, weight: GpuBuf,
  mean: GpuBuf, rstd: GpuBuf, N: number, C: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C), R = DWEIGHT_ROWS): void {
  gpu.dispatch({ shader: 'layernorm_backward', buffers: [dinp, dout, inp, weight, mean, rstd], uniforms: [N, C], ...rowDispatch(gpu, 'layernorm_backward', N, C, 2, g) });
  const K = Math.max(1, Math.ceil(N / R));
  const pdw = K === 1 ? dweight : gpu.alloc(K * C, 'f32');
  const pdb = K === 1 ? dbias : gpu.alloc(K * C, 'f32');
  gpu.dispatch({
    shader: 'layernorm_backward_dweight', constants: { WG: DWEIGHT_WG }, buffers: [pdw, pdb, dout, inp, mean, rstd],
    uniforms: [N, C, R], workgroups: [Math.ceil(C / DWEIGHT_WG), K],
  });
  if (K > 1) {
    gpu.dispatch({
      shader: 'layernorm_backward_dweight_sum', constants: { WG: DWEIGHT_WG }, buffers: [dweight, dbias, pdw, pdb],
      uniforms: [K, C], workgroups: [Math.ceil(C / DWEIGHT_WG)],
    });
    // the queue runs in order: the pool may hand the scratch buffers out again at once
    gpu.free(pdw); gpu.free(pdb);
  }
}
