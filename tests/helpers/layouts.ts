// Operand layouts for the element-wise and reduction kernel tests: a seeded choice stream, random
// permuted and broadcast strides, and a read-then-free of a test's buffers.
import type { Backend, Buf } from '../../src/runtime/backend.ts';

/** xorshift stream for the layout choices a test derives from one fast-check seed. */
export function rng(seed: number): (k: number) => number {
  let s = (seed >>> 0) || 1;
  return (k) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % k; };
}

/**
 * Strides for an operand of `shape` laid out contiguously in a random dim order, with each dim
 * broadcast (stride 0) with probability 1/3 when `broadcast`. Returns the strides and the
 * number of elements the operand's buffer must hold.
 */
export function layout(shape: number[], r: (k: number) => number, broadcast: boolean): { strides: number[]; size: number } {
  const order = shape.map((_, d) => d);
  for (let i = order.length - 1; i > 0; i--) { const j = r(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  const strides = new Array<number>(shape.length).fill(0);
  let size = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    const d = order[k];
    if (broadcast && r(3) === 0) continue;
    strides[d] = size;
    size *= shape[d];
  }
  return { strides, size };
}

export async function readAll(be: Backend, bufs: Buf[]): Promise<ArrayLike<number>[]> {
  const out = await Promise.all(bufs.map((b) => be.read(b)));
  bufs.forEach((b) => be.free(b));
  return out;
}
