// Shape plumbing shared by the ranked kernels (strided, binary, where): merge dims so the shader
// walks as few as it can, then pad shape and strides to MAX_RANK for the uniform struct.

/** The most dims a ranked shader walks (its uniform holds shape and strides as 2 x vec4). */
export const MAX_RANK = 8;

export interface Merged { shape: number[]; strides: number[][]; n: number }

/**
 * Drops size-1 dims and merges neighbours that are contiguous in every stride set at once
 * (outer stride == inner stride * inner size), so a permute of a (B, T, C) tensor that keeps C
 * last walks 2 or 3 dims, a plain copy walks 1, and ranks above MAX_RANK still work when they
 * collapse. n is the element count (0 when any dim is 0).
 */
export function mergeDims(shape: number[], strides: number[][]): Merged {
  const n = shape.reduce((a, b) => a * b, 1);
  const s: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && strides.every((x, k) => st[k][last] === x[d] * shape[d])) {
      s[last] *= shape[d];
      st.forEach((x, k) => { x[last] = strides[k][d]; });
    } else {
      s.push(shape[d]);
      st.forEach((x, k) => { x.push(strides[k][d]); });
    }
  }
  return { shape: s, strides: st, n };
}

/** [shape x8, strides[0] x8, strides[1] x8, ...], padded with 1 (shape) and 0 (strides). */
export function packDims(kernel: string, origShape: number[], m: Merged): number[] {
  const rank = m.shape.length;
  if (rank > MAX_RANK) {
    throw new Error(`webgpu: ${kernel}: shape (${origShape.join(', ')}) walks ${rank} dims after merging contiguous ones; ` +
      `the shader supports at most ${MAX_RANK}. Make the tensor contiguous first (or merge dims in the op).`);
  }
  const pad = (a: number[], v: number) => [...a, ...new Array<number>(MAX_RANK - a.length).fill(v)];
  return [...pad(m.shape, 1), ...m.strides.flatMap((s) => pad(s, 0))];
}

/** Uniform type letters for packDims' output: 8 u32 dims then 8 i32 per stride set. */
export function packTypes(strideSets: number): string {
  return 'u'.repeat(MAX_RANK) + 'i'.repeat(MAX_RANK * strideSets);
}
