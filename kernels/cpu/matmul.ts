// CPU reference matmul: batched, with the transposed forms the backward needs.
// Accumulates in float64 whatever the storage type, so it is the numerical truth for f32 too.
import type { F } from './util.ts';

// out (batch, M, N) = opA(a) (M, K) @ opB(b) (K, N)
// a is (M, K), or (K, M) if transA; b is (K, N), or (N, K) if transB; strides 0 = shared
export function matmul(out: F, a: F, b: F, batch: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, strideA: number, strideB: number): void {
  const row = new Float64Array(N);
  // opB(b) as (K, N) row-major, so the inner loop runs over contiguous memory (i-k-j order)
  const bt = transB ? new Float64Array(K * N) : null;
  for (let p = 0; p < batch; p++) {
    const ao = p * strideA, oo = p * M * N;
    let bb: F | Float64Array = b, bo = p * strideB;
    if (bt) {
      if (p === 0 || strideB !== 0) {
        for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) bt[k * N + n] = b[bo + n * K + k];
      }
      bb = bt; bo = 0;
    }
    for (let m = 0; m < M; m++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const av = transA ? a[ao + k * M + m] : a[ao + m * K + k];
        if (av === 0) continue;
        const bk = bo + k * N;
        for (let n = 0; n < N; n++) row[n] += av * bb[bk + n];
      }
      for (let n = 0; n < N; n++) out[oo + m * N + n] = row[n];
    }
  }
}
