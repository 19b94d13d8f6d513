// Dispatch geometry shared by the row-wise kernels (softmax, log-softmax, layernorm, cross-entropy):
// a workgroup of WG invocations holds WG / TPR rows, TPR consecutive invocations per row. Each
// invocation folds a strided slice of its row; TPR > 1 then combines the slices with a tree in
// workgroup memory (log2(TPR) barriers), TPR = 1 needs no workgroup memory and no barriers.
import { grid1d } from './grid.ts';

export interface RowGeometry {
  /** Invocations per workgroup. */
  WG: number;
  /** Invocations per row: a power of two that divides WG. */
  TPR: number;
}

/**
 * The geometry picked for rows of C (bench/softmax.ts and bench/layernorm.ts measure the
 * alternatives). On llvmpipe a barrier costs about as much as a few thousand loads, so short rows go one
 * invocation per row; longer rows spread over 8 lanes (the SIMD width there, and enough that neighbouring
 * lanes read neighbouring elements); very long rows (vocabularies) over a whole workgroup of 64 so a
 * hardware GPU is not left with a handful of busy threads.
 */
export function rowGeometry(C: number): RowGeometry {
  if (C <= 64) return { WG: 64, TPR: 1 };
  if (C <= 4096) return { WG: 64, TPR: 8 };
  return { WG: 64, TPR: 64 };
}

/** Override constants and workgroup grid for N rows; shaders take row = wgIndex * (WG / TPR) + lid / TPR. */
export function rowDispatch(N: number, g: RowGeometry): { constants: Record<string, number>; workgroups: [number, number] } {
  if (g.TPR < 1 || (g.TPR & (g.TPR - 1)) !== 0 || g.WG % g.TPR !== 0) {
    throw new Error(`row kernels: TPR ${g.TPR} must be a power of two dividing WG ${g.WG}`);
  }
  const rowsPerGroup = g.WG / g.TPR;
  // grid1d(N, rowsPerGroup) gives ceil(N / rowsPerGroup) workgroups folded into (x, y)
  return { constants: { WG: g.WG, TPR: g.TPR }, workgroups: grid1d(N, rowsPerGroup) };
}
