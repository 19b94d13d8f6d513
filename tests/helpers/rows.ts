// Shared by the row-wise kernel tests (softmax, layernorm, embedding, crossentropy): f32 error-bound
// helpers, the row geometries to try, and a run of one kernel call on a backend with poisoned outputs.
import { expect } from 'vitest';
import fc from 'fast-check';
import { upload } from './backends.ts';
import type { Backend, Buf, DType, TypedArray } from '../../src/runtime/backend.ts';
import type { RowGeometry } from '../../kernels/lib/rows.ts';

export const EPS = 2 ** -24;
// null: through the backend method (rows.ts picks the geometry for this adapter); otherwise the
// kernel function directly, so the geometries a hardware adapter gets are tested here too
export const GEOMETRIES: RowGeometry[] = [{ WG: 64, TPR: 1 }, { WG: 64, TPR: 8 }, { WG: 64, TPR: 32 }, { WG: 64, TPR: 64 }, { WG: 32, TPR: 4 }, { WG: 256, TPR: 256 }];
export const geometryArb = fc.constantFrom<RowGeometry | null>(null, null, ...GEOMETRIES);

export type Input = { data: ArrayLike<number>; dtype?: DType };
/** Runs `call` on a backend with inputs uploaded and outputs poisoned; returns the outputs. */
export async function runOn(be: Backend, inputs: Input[], outLens: number[], call: (outs: Buf[], ins: Buf[]) => void): Promise<TypedArray[]> {
  const ins = inputs.map((x) => upload(be, x.data, x.dtype ?? 'f32'));
  const outs = outLens.map((n) => upload(be, n));
  call(outs, ins);
  const res = await Promise.all(outs.map((b) => be.read(b)));
  for (const b of [...ins, ...outs]) be.free(b);
  return res;
}

/** Fails naming the worst element if |got[i] - want[i]| > tol(i) anywhere, or got is NaN where want is not. */
export function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = -1, worstRatio = 0;
  for (let i = 0; i < got.length; i++) {
    if ((Number.isNaN(want[i]) && Number.isNaN(got[i])) || got[i] === want[i]) continue; // NaN or equal infinities
    const ratio = Math.abs(got[i] - want[i]) / tol(i);
    if (!(ratio <= 1) && (worst < 0 || !(ratio <= worstRatio))) { worst = i; worstRatio = Number.isNaN(ratio) ? Infinity : ratio; }
  }
  if (worst >= 0) throw new Error(`${what}: element ${worst} of ${got.length}: got ${got[worst]}, want ${want[worst]}, tolerance ${tol(worst)}`);
}

export const maxAbs = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };
export const rowReduce = (a: ArrayLike<number>, N: number, C: number, f: (x: number) => number) =>
  Array.from({ length: N }, (_, n) => { let s = 0; for (let c = 0; c < C; c++) s += f(a[n * C + c]); return s; });
/** Largest spread max - min of any row: bounds |x - rowmax| inside exp. */
export const rowRange = (a: ArrayLike<number>, N: number, C: number) => {
  let r = 0;
  for (let n = 0; n < N; n++) {
    let lo = Infinity, hi = -Infinity;
    for (let c = 0; c < C; c++) { lo = Math.min(lo, a[n * C + c]); hi = Math.max(hi, a[n * C + c]); }
    r = Math.max(r, hi - lo);
  }
  return r;
};
/** Relative error bound of a softmax probability: the running sum and its rescalings (2C roundings),
 *  exp of x - m (3 + 2|x - m| ulp, plus the rounding of x - m), the reciprocal and the product. */
export const softmaxRtol = (C: number, range: number) => (2 * C + 8 + 3 * range) * EPS;
