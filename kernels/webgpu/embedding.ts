// Binding specs of shaders/embedding_forward.wgsl and the two passes of the deterministic backward,
// embedding_backward_links.wgsl (position lists per token id) and embedding_backward.wgsl (sums).
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { fill } from './fill.ts';
import { grid1d } from './grid.ts';

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
  // f32 0.0 has the bit pattern of i32 0: the fill kernel zeroes an i32 buffer as well
  fill(gpu, head, 0);
  gpu.dispatch({ shader: 'embedding_backward_links', constants: { WG }, buffers: [next, head, ids], uniforms: [N, V], workgroups: grid1d(N, WG) });
  gpu.dispatch({ shader: 'embedding_backward', constants: { WG }, buffers: [dweight, dout, next, head], uniforms: [N, C, V], workgroups: grid1d(V * C, WG) });
  // the queue runs in order, so the scratch buffers can go back to the pool before the work runs
  gpu.free(next);
  gpu.free(head);
}
