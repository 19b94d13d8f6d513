// CPU reference matmul: batched, with the transposed forms the backward needs.
// Accumulates in float64 whatever the storage type, so it is the numerical truth for f32 too.
// Loop order i-k-j over contiguous rows of opB(b), four output rows at a time so each loaded
// element of b feeds four multiply-adds (the JIT keeps a0..a3 in registers).
import type { F } from './util.ts';

// out (batch, M, N) = opA(a) (M, K) @ opB(b) (K, N)
// a is (M, K), or (K, M) if transA; b is (K, N), or (N, K) if transB; strides 0 = shared;
// bias (N) or null, added to each row after the sum is stored (rounded) as a separate add would be
export function matmul(out: F, a: F, b: F, batch: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, strideA: number, strideB: number, bias: F | null = null): void {
  const acc = new Float64Array(4 * N);
  const bt = transB ? new Float64Array(K * N) : null; // opB(b) as (K, N) row-major
  const am = transA ? 1 : K, ak = transA ? M : 1;   // element strides of opA(a)[m][k]
  for (let p = 0; p < batch; p++) {
    const ao = p * strideA, oo = p * M * N;
    let bb: F | Float64Array = b, bo = p * strideB;
    if (bt) {
      if (p === 0 || strideB !== 0) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) bt[k * N + n] = b[bo + n * K + k];
      bb = bt; bo = 0;
    }
    for (let m0 = 0; m0 < M; m0 += 4) {
      const rows = Math.min(4, M - m0);
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const a0 = a[ao + m0 * am + k * ak];
        const a1 = rows > 1 ? a[ao + (m0 + 1) * am + k * ak] : 0;
        const a2 = rows > 2 ? a[ao + (m0 + 2) * am + k * ak] : 0;
        const a3 = rows > 3 ? a[ao + (m0 + 3) * am + k * ak] : 0;
        const bk = bo + k * N;
        for (let n = 0; n < N; n++) {
          const bv = bb[bk + n];
          acc[n] += a0 * bv;
          acc[N + n] += a1 * bv;
          acc[2 * N + n] += a2 * bv;
          acc[3 * N + n] += a3 * bv;
        }
      }
      for (let r = 0; r < rows; r++) {
        const o = oo + (m0 + r) * N;
        for (let n = 0; n < N; n++) out[o + n] = acc[r * N + n];
        if (bias) for (let n = 0; n < N; n++) out[o + n] += bias[n];
      }
    }
  }
}
