// softmax: softmax and log-softmax over the last dim, the CPU references and the WebGPU bindings of
// shaders/softmax_forward.wgsl and softmax_backward.wgsl.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { rowDispatch, rowGeometry, type RowGeometry } from './lib/rows.ts';

// CPU reference softmax and log-softmax over the last dim, forward and backward.

// out (N, C) = softmax(inp (N, C)) per row
export function softmaxForwardCpu(out: F, inp: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, inp[o + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) { const e = Math.exp(inp[o + c] - max); out[o + c] = e; sum += e; }
    for (let c = 0; c < C; c++) out[o + c] /= sum;
  }
}

// dinp = out * (dout - sum(dout * out)) per row
export function softmaxBackwardCpu(dinp: F, dout: F, out: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dout[o + c] * out[o + c];
    for (let c = 0; c < C; c++) dinp[o + c] = out[o + c] * (dout[o + c] - dot);
  }
}

// out (N, C) = inp - logsumexp(inp) per row
export function logSoftmaxForwardCpu(out: F, inp: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, inp[o + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(inp[o + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < C; c++) out[o + c] = inp[o + c] - lse;
  }
}

// dinp = dout - exp(out) * sum(dout) per row
export function logSoftmaxBackwardCpu(dinp: F, dout: F, out: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += dout[o + c];
    for (let c = 0; c < C; c++) dinp[o + c] = dout[o + c] - Math.exp(out[o + c]) * sum;
  }
}

// Binding specs of shaders/softmax_forward.wgsl and softmax_backward.wgsl, which also run the
// log-softmax kernels (override LOG): rows of C, geometry from rows.ts (benchmarks pass others).

// out (N, C) = softmax(inp (N, C)) per row
export function softmaxForward(gpu: Gpu, out: GpuBuf, inp: GpuBuf, N: number, C: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C)): void {
  gpu.dispatch({ shader: 'softmax_forward', buffers: [out, inp], uniforms: [N, C], ...rowDispatch(gpu, 'softmax_forward', N, C, 2, g) });
}

// dinp (N, C) = out * (dout - sum(dout * out)) per row
export function softmaxBackward(gpu: Gpu, dinp: GpuBuf, dout: GpuBuf, out: GpuBuf, N: number, C: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C)): void {
  gpu.dispatch({ shader: 'softmax_backward', buffers: [dinp, dout, out], uniforms: [N, C], ...rowDispatch(gpu, 'softmax_backward', N, C, 2, g) });
}

// out (N, C) = inp - logsumexp(inp) per row
export function logSoftmaxForward(gpu: Gpu, out: GpuBuf, inp: GpuBuf, N: number, C: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C)): void {
  const d = rowDispatch(gpu, 'logSoftmaxForward', N, C, 2, g);
  gpu.dispatch({ shader: 'softmax_forward', buffers: [out, inp], uniforms: [N, C], workgroups: d.workgroups, constants: { ...d.constants, LOG: 1 } });
}

// dinp (N, C) = dout - exp(out) * sum(dout) per row
export function logSoftmaxBackward(gpu: Gpu, dinp: GpuBuf, dout: GpuBuf, out: GpuBuf, N: number, C: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C)): void {
  const d = rowDispatch(gpu, 'logSoftmaxBackward', N, C, 2, g);
  gpu.dispatch({ shader: 'softmax_backward', buffers: [dinp, dout, out], uniforms: [N, C], workgroups: d.workgroups, constants: { ...d.constants, LOG: 1 } });
}
