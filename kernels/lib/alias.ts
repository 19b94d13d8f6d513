// WebGPU forbids binding one buffer as writable storage and as anything else in the same dispatch.
// Ops may call kernels in place (unary(g, g, 'mulScalar', s)); such inputs are copied first.
import type { Gpu, GpuBuf } from '../../src/runtime/gpu.ts';

/**
 * Returns the inputs with any that share `out`'s GPU buffer replaced by a copy, and a function
 * that frees the copies (safe right after recording: the queue runs in order).
 */
export function unaliased(gpu: Gpu, out: GpuBuf, inputs: GpuBuf[]): { inputs: GpuBuf[]; release: () => void } {
  const temps: GpuBuf[] = [];
  let copy: GpuBuf | null = null;
  const res = inputs.map((b) => {
    if (b.buffer !== out.buffer) return b;
    if (!copy) {
      copy = gpu.alloc(b.length, b.dtype);
      gpu.copy(copy, b, b.length * 4);
      temps.push(copy);
    }
    return copy;
  });
  return { inputs: res, release: () => temps.forEach((t) => gpu.free(t)) };
}
