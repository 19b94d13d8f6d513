// Shape arithmetic: sizes, strides, broadcasting, dim normalisation, and the shape text in errors.

export type Shape = readonly number[];

export const fmt = (s: Shape): string => `(${s.join(',')})`;
export const numel = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Row-major strides of a contiguous tensor. */
export function stridesOf(s: Shape): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) { st[i] = acc; acc *= s[i]; }
  return st;
}

/** Numpy broadcasting of two shapes, or an error naming the op and both shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[s.length - 1 - i], o = rank - 1 - i;
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) { out[o] = d; continue; }
      throw new Error(`${op}: shapes ${shapes.map(fmt).join(' and ')} cannot be broadcast together`);
    }
  }
  return out;
}

/** Strides to read a contiguous tensor of `shape` as if it had `outShape` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const st = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((d, i) => (i < off || shape[i - off] === 1 && d !== 1 ? 0 : st[i - off]));
}

/** A dim index in [-rank, rank) made non-negative, or an error naming the op. */
export function normDim(op: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim) || dim < -rank || dim >= rank) {
    throw new Error(`${op}: dim ${dim} is out of range for a tensor of rank ${rank}`);
  }
  return dim < 0 ? dim + rank : dim;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape)}: dims must be non-negative integers`);
  }
}
