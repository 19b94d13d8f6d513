// Shared helpers for the CPU reference kernels: the array types they run on and index walking.
export type F = Float32Array | Float64Array;

/** Calls fn(outIndex, inIndex) for every index vector over shape, given two stride sets. */
export function forEachStrided(shape: number[], aStrides: number[], aOffset: number, bStrides: number[], bOffset: number,
  fn: (a: number, b: number) => void): void {
  const rank = shape.length;
  const n = shape.reduce((x, y) => x * y, 1);
  if (n === 0) return;
  const idx = new Array<number>(rank).fill(0);
  let a = aOffset, b = bOffset;
  for (let i = 0; i < n; i++) {
    fn(a, b);
    // odometer increment from the last dim
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++; a += aStrides[d]; b += bStrides[d];
      if (idx[d] < shape[d]) break;
      a -= aStrides[d] * shape[d]; b -= bStrides[d] * shape[d]; idx[d] = 0;
    }
  }
}
