// CPU reference for reductions over the middle axis of (outer, R, inner), and sum of squares.
import type { ReduceOp } from '../../src/backend/backend.ts';
import type { F } from './util.ts';

// out (outer, inner) = reduce over R of inp (outer, R, inner)
export function reduce(out: F, inp: F, op: ReduceOp, outer: number, R: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * R * inner + i;
      let acc = op === 'sum' ? 0 : -Infinity;
      for (let r = 0; r < R; r++) {
        const x = inp[base + r * inner];
        acc = op === 'sum' ? acc + x : (x > acc || Number.isNaN(x) ? x : acc);
      }
      out[o * inner + i] = acc;
    }
  }
}

// out[i] (count) = sum of inps[i][j]^2 over each whole buffer
export function sumSquares(out: F, inps: F[]): void {
  inps.forEach((inp, k) => {
    let acc = 0;
    for (let i = 0; i < inp.length; i++) acc += inp[i] * inp[i];
    out[k] = acc;
  });
}
