// Binding specs of shaders/softmax_forward.wgsl and softmax_backward.wgsl, which also run the
// log-softmax kernels (override LOG): rows of C, geometry from rows.ts (benchmarks pass others).
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { rowDispatch, rowGeometry, type RowGeometry } from './rows.ts';

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
