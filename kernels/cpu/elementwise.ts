// CPU reference for the element-wise kernels: fill, strided copy, unary (+ backward), binary, where.
import type { BinaryOp, UnaryOp } from '../../src/backend/backend.ts';
import { forEachStrided, type F } from './util.ts';

const GELU_K = Math.sqrt(2 / Math.PI);

// out[outOffset + idx.outStrides] = inp[inOffset + idx.inStrides] over shape
export function strided(out: F | Int32Array, outStrides: number[], outOffset: number,
  inp: F | Int32Array, inStrides: number[], inOffset: number, shape: number[]): void {
  forEachStrided(shape, outStrides, outOffset, inStrides, inOffset, (o, i) => { out[o] = inp[i]; });
}

export function unaryFn(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'tanh': return Math.tanh;
    case 'relu': return (x) => (x > 0 ? x : 0);
    // GPT-2's tanh approximation
    case 'gelu': return (x) => 0.5 * x * (1 + Math.tanh(GELU_K * (x + 0.044715 * x * x * x)));
    case 'pow': return (x) => Math.pow(x, alpha);
    case 'mulScalar': return (x) => x * alpha;
    case 'addScalar': return (x) => x + alpha;
  }
}

/** d op(x) / dx, given x and y = op(x). */
export function unaryDerivative(op: UnaryOp, alpha: number): (x: number, y: number) => number {
  switch (op) {
    case 'neg': return () => -1;
    case 'exp': return (_x, y) => y;
    case 'log': return (x) => 1 / x;
    case 'sqrt': return (_x, y) => 0.5 / y;
    case 'tanh': return (_x, y) => 1 - y * y;
    case 'relu': return (x) => (x > 0 ? 1 : 0);
    case 'gelu': return (x) => {
      const u = GELU_K * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x);
    };
    case 'pow': return (x) => alpha * Math.pow(x, alpha - 1);
    case 'mulScalar': return () => alpha;
    case 'addScalar': return () => 1;
  }
}

// out (n) = op(inp (n))
export function unary(out: F, inp: F, op: UnaryOp, alpha: number): void {
  const f = unaryFn(op, alpha);
  for (let i = 0; i < out.length; i++) out[i] = f(inp[i]);
}

// dinp (n) = dout (n) * op'(inp (n))
export function unaryBackward(dinp: F, dout: F, inp: F, out: F, op: UnaryOp, alpha: number): void {
  const df = unaryDerivative(op, alpha);
  for (let i = 0; i < dinp.length; i++) dinp[i] = dout[i] * df(inp[i], out[i]);
}

export function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'eq': return (a, b) => (a === b ? 1 : 0);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
  }
}

// out (shape, contiguous) = a op b, a and b read through broadcast strides.
// The last dim runs as a tight loop; the odometer only walks the outer dims.
export function binary(out: F, a: F, b: F, op: BinaryOp, shape: number[], aStrides: number[], bStrides: number[]): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (n === 0) return;
  const r = shape.length;
  const inner = r ? shape[r - 1] : 1, sa = r ? aStrides[r - 1] : 0, sb = r ? bStrides[r - 1] : 0;
  const outerShape = shape.slice(0, -1);
  let o = 0;
  const run = (ia: number, ib: number) => {
    switch (op) {
      case 'add': for (let i = 0; i < inner; i++) out[o++] = a[ia + i * sa] + b[ib + i * sb]; break;
      case 'sub': for (let i = 0; i < inner; i++) out[o++] = a[ia + i * sa] - b[ib + i * sb]; break;
      case 'mul': for (let i = 0; i < inner; i++) out[o++] = a[ia + i * sa] * b[ib + i * sb]; break;
      case 'div': for (let i = 0; i < inner; i++) out[o++] = a[ia + i * sa] / b[ib + i * sb]; break;
      default: { const f = binaryFn(op); for (let i = 0; i < inner; i++) out[o++] = f(a[ia + i * sa], b[ib + i * sb]); }
    }
  };
  if (r <= 1) { run(0, 0); return; }
  forEachStrided(outerShape, aStrides.slice(0, -1), 0, bStrides.slice(0, -1), 0, run);
}

// out (shape) = cond != 0 ? a : b
export function where(out: F, cond: F | Int32Array, a: F, b: F, shape: number[], condStrides: number[], aStrides: number[], bStrides: number[]): void {
  // walk cond alongside the output with a first pass of indices, then a and b
  const ci: number[] = [];
  forEachStrided(shape, condStrides, 0, condStrides, 0, (c) => { ci.push(c); });
  let o = 0;
  forEachStrided(shape, aStrides, 0, bStrides, 0, (ia, ib) => {
    out[o] = cond[ci[o]] !== 0 ? a[ia] : b[ib];
    o++;
  });
}
