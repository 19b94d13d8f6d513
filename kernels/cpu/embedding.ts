// CPU reference embedding lookup and its (deterministic) backward.
import type { F } from './util.ts';

// out (N, C) = weight (V, C) rows picked by ids (N)
export function embeddingForward(out: F, ids: Int32Array, weight: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const w = ids[n] * C;
    for (let c = 0; c < C; c++) out[n * C + c] = weight[w + c];
  }
}

// dweight (V, C) = sum over n with ids[n] == v of dout[n] (written, not accumulated)
export function embeddingBackward(dweight: F, dout: F, ids: Int32Array, N: number, C: number, V: number): void {
  dweight.fill(0, 0, V * C);
  for (let n = 0; n < N; n++) {
    const w = ids[n] * C;
    for (let c = 0; c < C; c++) dweight[w + c] += dout[n * C + c];
  }
}
