// Dispatch geometry shared by the row-wise kernels (softmax, log-softmax, layernorm, cross-entropy):
// a workgroup of WG invocations holds WG / TPR rows, TPR consecutive invocations per row. Each
// invocation folds a strided slice of its row; TPR > 1 then combines the slices with a tree in
// workgroup memory (log2(TPR) barriers), TPR = 1 needs no workgroup memory and no barriers.
import type { Gpu } from '../../src/runtime/gpu.ts';
import { grid1d } from './grid.ts';

export interface RowGeometry {
  /** Invocations per workgroup. */
  WG: number;
  /** Invocations per row: a power of two that divides WG. */
  TPR: number;
}

/**
 * llvmpipe silently leaves every loop of an invocation once that invocation has run 65535 loop
 * iterations in total, all loops together (measured: one invocation, two passes over a row of
 * 32768 left the last 2 elements unwritten). The software adapter must keep each invocation's
 * slice of a row short enough; a hardware GPU has no such limit.
 */
export const SOFTWARE_LOOP_LIMIT = 65535;

/** Loop iterations of one invocation: `passes` sweeps over its slice of the row, then the tree. */
export function loopIterations(C: number, TPR: number, passes: number): number {
  return passes * Math.ceil(C / TPR) + Math.log2(TPR);
}

/**
 * The geometry picked for rows of C on an adapter of this kind (bench/softmax.ts and
 * bench/layernorm.ts measure the alternatives). On the software adapter (llvmpipe) one invocation
 * per row won or tied at every shape measured, C = 32..4096 and N = 16..16384: barriers there
 * cost more than the strided loads they save, and a workgroup's 64 invocations already run as SIMD
 * lanes over different rows. Rows too long for the loop limit (3 passes, for layernorm) are split
 * over the fewest lanes that fit. On a hardware GPU neighbouring lanes must read neighbouring
 * elements and a long row needs many lanes: a warp-sized group per row, a whole workgroup per
 * vocabulary row (not yet measured on hardware).
 */
export function rowGeometry(kind: 'hardware' | 'software', C: number): RowGeometry {
  if (kind === 'software') {
    let TPR = 1;
    while (loopIterations(C, TPR, 3) > SOFTWARE_LOOP_LIMIT - 64) TPR *= 2;
    return { WG: Math.max(64, TPR), TPR };
  }
  if (C <= 64) return { WG: 64, TPR: 1 };
  if (C <= 1024) return { WG: 64, TPR: 32 };
  return { WG: 256, TPR: 256 };
}

/**
 * Override constants and workgroup grid for N rows of C that the kernel sweeps `passes` times;
 * shaders take row = wgIndex * (WG / TPR) + lid / TPR. Throws where the software adapter would
 * silently cut the loops short.
 */
export function rowDispatch(gpu: Gpu, shader: string, N: number, C: number, passes: number, g: RowGeometry):
  { constants: Record<string, number>; workgroups: [number, number] } {
  if (g.TPR < 1 || (g.TPR & (g.TPR - 1)) !== 0 || g.WG % g.TPR !== 0) {
    throw new Error(`${shader}: TPR ${g.TPR} must be a power of two dividing WG ${g.WG}`);
  }
  if (gpu.dawn.kind === 'software' && loopIterations(C, g.TPR, passes) > SOFTWARE_LOOP_LIMIT - 64) {
    throw new Error(`${shader}: rows of ${C} with TPR ${g.TPR} need ${loopIterations(C, g.TPR, passes)} loop iterations per invocation; `
      + `the software adapter stops loops after ${SOFTWARE_LOOP_LIMIT}: use a larger TPR (rowGeometry picks one)`);
  }
  const rowsPerGroup = g.WG / g.TPR;
  // grid1d(N, rowsPerGroup) gives ceil(N / rowsPerGroup) workgroups folded into (x, y)
  return { constants: { WG: g.WG, TPR: g.TPR }, workgroups: grid1d(N, rowsPerGroup) };
}
