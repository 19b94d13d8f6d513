// CPU reference matmul: batched, with the transposed forms the backward needs.
import type { F } from './util.ts';

// out (batch, M, N) = opA(a) (M, K) @ opB(b) (K, N)
// a is (M, K), or (K, M) if transA; b is (K, N), or (N, K) if transB; strides 0 = shared
export function matmul(out: F, a: F, b: F, batch: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, strideA: number, strideB: number): void {
  // element strides of opA(a)[m][k] and opB(b)[k][n]
  const am = transA ? 1 : K, ak = transA ? M : 1;
  const bk = transB ? 1 : N, bn = transB ? K : 1;
  for (let p = 0; p < batch; p++) {
    const ao = p * strideA, bo = p * strideB, oo = p * M * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a[ao + m * am + k * ak] * b[bo + k * bk + n * bn];
        out[oo + m * N + n] = acc;
      }
    }
  }
}
