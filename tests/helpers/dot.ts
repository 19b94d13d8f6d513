// The tolerance of an f32 dot product against an f64 reference (tests/matmul*.test.ts): per element
// gamma_K * sum_k |a_mk * b_kn| + EPS * |want| (Higham, Accuracy and Stability, 3.1).
import { expect } from 'vitest';
import type { TypedArray } from '../../src/runtime/backend.ts';

const EPS = 2 ** -24;

/** Fails naming the worst element if |got - want| > gamma_K * sum|ab| + EPS * |want| anywhere. */
export function expectDot(got: TypedArray, want: Float64Array, absDot: Float64Array, K: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  const gamma = (K * EPS) / (1 - K * EPS);
  let worst = -1, worstRatio = 0;
  for (let i = 0; i < got.length; i++) {
    const w = Math.fround(want[i]); // the f32 the reference would hold
    const tol = gamma * absDot[i] + EPS * Math.abs(w) + 1e-37;
    const ratio = Math.abs(got[i] - w) / tol;
    if (!(ratio <= 1) && (worst < 0 || !(ratio <= worstRatio))) { worst = i; worstRatio = Number.isNaN(ratio) ? Infinity : ratio; }
  }
  if (worst >= 0) {
    const tol = gamma * absDot[worst] + EPS * Math.abs(want[worst]);
    throw new Error(`${what}: element ${worst} of ${got.length}: got ${got[worst]}, want ${want[worst]}, tolerance ${tol}`);
  }
}

