// embedding: the CPU reference and the WebGPU bindings of shaders/embedding_{forward,backward_links,backward}.wgsl.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';

// CPU reference embedding lookup and its (deterministic) backward.

// out (N, C) = weight (V, C) rows picked by ids (N)
export function embeddingForwardCpu(out: F, ids: Int32Array, weight: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const w = ids[n] * C;
    for (let c = 0; c < C; c++) out[n * C + c] = weight[w + c];
  }
}

// dweight (V, C) = sum over n with ids[n] == v of dout[n] (written, not accumulated)
export function embeddingBackwardCpu(dweight: F, dout: F, ids: Int32Array, N: number, C: number, V: number): void {
  dweight.fill(0, 0, V * C);
  for (let n = 0; n < N; n++) {
    const w = ids[n] * C;
    for (let c = 0; c < C; c++) dweight[w + c] += dout[n * C + c];
  }
}

// Binding specs of shaders/embedding_forward.wgsl and the two passes of the deterministic backward,
// embedding_backward_links.wgsl (position lists per token id) and embedding_backward.wgsl (sums).
const WG = 64;

// out (N, C) = weight (V, C) rows picked by ids (N) i32; V is read off the weight buffer
export function embeddingForward(gpu: Gpu, out: GpuBuf, ids: GpuBuf, weight: GpuBuf, N: number, C: number): void {
  const V = C > 0 ? Math.floor(weight.length / C) : 0;
  gpu.dispatch({ shader: 'embedding_forward', constants: { WG: 256 }, buffers: [out, ids, weight], uniforms: [N, C, V], workgroups: grid1d(N * C, 256) });
}

// dweight (V, C) = sum of dout (N, C) rows per id (written, not accumulated); three dispatches
export function embeddingBackward(gpu: Gpu, dweight: GpuBuf, dout: GpuBuf, ids: GpuBuf, N: number, C: number, V: number): void {
  // each invocation scans or walks up to N positions; llvmpipe stops an invocation's loops after 65535
  if (gpu.dawn.kind === 'software' && N > 65535) {
    throw new Error(`embeddingBackward: ${N} positions; the software adapter handles at most 65535 per call: split the batch`);
  }
  const next = gpu.alloc(Math.max(N, 1), 'i32');
  const head = gpu.alloc(Math.max(V, 1), 'i32');
  gpu.clear(head);
  gpu.dispatch({ shader: 'embedding_backward_links', constants: { WG }, buffers: [next, head, ids], uniforms: [N, V], workgroups: grid1d(N, WG) });
  gpu.dispatch({ shader: 'embedding_backward', constants: { WG }, buffers: [dweight, dout, next, head], uniforms: [N, C, V], workgroups: grid1d(V * C, WG) });
  // the queue runs in order, so the scratch buffers can go back to the pool before the work runs
  gpu.free(next);
  gpu.free(head);
}
