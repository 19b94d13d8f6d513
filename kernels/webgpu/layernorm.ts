// Binding specs of shaders/layernorm_forward.wgsl, layernorm_backward.wgsl and
// layernorm_backward_dweight.wgsl. The backward is two dispatches that do not depend on each other:
// dinp row by row, and the column sums dweight/dbias (deterministic, no float atomics).
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { rowDispatch, rowGeometry, type RowGeometry } from './rows.ts';

/** Invocations per workgroup of the column-sum kernel (one column each). */
const DWEIGHT_WG = 64;

// out (N, C), mean (N), rstd (N) from inp (N, C), weight (C), bias (C)
export function layernormForward(gpu: Gpu, out: GpuBuf, mean: GpuBuf, rstd: GpuBuf, inp: GpuBuf, weight: GpuBuf, bias: GpuBuf,
  N: number, C: number, eps: number, g: RowGeometry = rowGeometry(C)): void {
  gpu.dispatch({
    shader: 'layernorm_forward', buffers: [out, mean, rstd, inp, weight, bias],
    uniforms: [N, C, eps], uniformTypes: 'uuf', ...rowDispatch(N, g),
  });
}

// dinp (N, C), dweight (C), dbias (C) written (not accumulated) from dout (N, C), inp (N, C), weight (C), mean (N), rstd (N)
export function layernormBackward(gpu: Gpu, dinp: GpuBuf, dweight: GpuBuf, dbias: GpuBuf, dout: GpuBuf, inp: GpuBuf, weight: GpuBuf,
  mean: GpuBuf, rstd: GpuBuf, N: number, C: number, g: RowGeometry = rowGeometry(C)): void {
  gpu.dispatch({ shader: 'layernorm_backward', buffers: [dinp, dout, inp, weight, mean, rstd], uniforms: [N, C], ...rowDispatch(N, g) });
  gpu.dispatch({
    shader: 'layernorm_backward_dweight', constants: { WG: DWEIGHT_WG }, buffers: [dweight, dbias, dout, inp, mean, rstd],
    uniforms: [N, C], workgroups: [Math.ceil(C / DWEIGHT_WG)],
  });
}
