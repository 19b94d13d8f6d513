// elementwise: fill, strided copy, unary (+ backward), binary and where: the CPU references and the
// WebGPU bindings of shaders/fill.wgsl, strided.wgsl, unary.wgsl, unary_backward.wgsl, binary.wgsl and where.wgsl.

import type { BinaryOp, UnaryOp } from '../src/runtime/backend.ts';
import { BINARY_OPS, UNARY_OPS } from '../src/runtime/backend.ts';
import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import { forEachStrided, type F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';
import { mergeDims, packDims, packTypes } from './lib/layout.ts';
import { unaliased } from './lib/alias.ts';

// CPU reference for the element-wise kernels: fill, strided copy, unary (+ backward), binary, where.

const GELU_K = Math.sqrt(2 / Math.PI);

// out[outOffset + idx.outStrides] = inp[inOffset + idx.inStrides] over shape
export function stridedCpu(out: F | Int32Array, outStrides: number[], outOffset: number,
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
export function unaryCpu(out: F, inp: F, op: UnaryOp, alpha: number): void {
  const f = unaryFn(op, alpha);
  for (let i = 0; i < out.length; i++) out[i] = f(inp[i]);
}

// dinp (n) = dout (n) * op'(inp (n))
export function unaryBackwardCpu(dinp: F, dout: F, inp: F, out: F, op: UnaryOp, alpha: number): void {
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
export function binaryCpu(out: F, a: F, b: F, op: BinaryOp, shape: number[], aStrides: number[], bStrides: number[]): void {
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
export function whereCpu(out: F, cond: F | Int32Array, a: F, b: F, shape: number[], condStrides: number[], aStrides: number[], bStrides: number[]): void {
  // walk cond alongside the output with a first pass of indices, then a and b
  const ci: number[] = [];
  forEachStrided(shape, condStrides, 0, condStrides, 0, (c) => { ci.push(c); });
  let o = 0;
  forEachStrided(shape, aStrides, 0, bStrides, 0, (ia, ib) => {
    out[o] = cond[ci[o]] !== 0 ? a[ia] : b[ib];
    o++;
  });
}

// Binding spec of shaders/fill.wgsl. +0 is all zero bits in f32 and i32 alike: WebGPU's clearBuffer
// writes them with no dispatch (a memset on llvmpipe, ~150 us less than the shader here).
export function fill(gpu: Gpu, out: GpuBuf, value: number): void {
  if (Object.is(value, 0)) { gpu.clear(out); return; }
  gpu.dispatch({ shader: 'fill', buffers: [out], uniforms: [out.length, value], uniformTypes: 'uf', workgroups: grid1d(out.length, 256) });
}

// Binding spec of shaders/strided.wgsl: the general strided copy of any 4-byte dtype.

/** Invocations per workgroup of strided, unary and binary (one element each); bench/elementwise.ts sweeps it. */
const WG = 256;

// out[outOffset + idx . outStrides] = inp[inOffset + idx . inStrides] for idx over shape
export function strided(gpu: Gpu, out: GpuBuf, outStrides: number[], outOffset: number,
  inp: GpuBuf, inStrides: number[], inOffset: number, shape: number[]): void {
  if (out.dtype !== inp.dtype) throw new Error(`webgpu: strided: out is ${out.dtype} but inp is ${inp.dtype}`);
  if (outStrides.length !== shape.length || inStrides.length !== shape.length) {
    throw new Error(`webgpu: strided: shape (${shape.join(', ')}) has ${shape.length} dims but strides have ${outStrides.length} (out) and ${inStrides.length} (inp)`);
  }
  const m = mergeDims(shape, [outStrides, inStrides]);
  if (m.n === 0) return;
  const dims = packDims('strided', shape, m);
  const { inputs: [src], release } = unaliased(gpu, out, [inp]);
  gpu.dispatch({
    shader: 'strided', constants: { WG, RANK: m.shape.length }, buffers: [out, src],
    uniforms: [m.n, outOffset, inOffset, 0, ...dims], uniformTypes: 'uiiu' + packTypes(2),
    workgroups: grid1d(m.n, WG),
  });
  release();
}

// Binding specs of shaders/unary.wgsl and shaders/unary_backward.wgsl.
function opCode(kernel: string, op: UnaryOp): number {
  const code = UNARY_OPS.indexOf(op);
  if (code < 0) throw new Error(`webgpu: ${kernel}: unknown op '${op}'; known: ${UNARY_OPS.join(', ')}`);
  return code;
}

function sameLength(kernel: string, bufs: Record<string, GpuBuf>): number {
  const entries = Object.entries(bufs);
  const n = entries[0][1].length;
  for (const [name, b] of entries) {
    if (b.dtype !== 'f32') throw new Error(`webgpu: ${kernel}: ${name} is ${b.dtype}, expected f32`);
    if (b.length !== n) throw new Error(`webgpu: ${kernel}: ${name} has ${b.length} elements, ${entries[0][0]} has ${n}`);
  }
  return n;
}

// out (n) = op(inp (n))
export function unary(gpu: Gpu, out: GpuBuf, inp: GpuBuf, op: UnaryOp, alpha: number, wg = WG): void {
  const n = sameLength('unary', { out, inp });
  const code = opCode('unary', op);
  const { inputs: [x], release } = unaliased(gpu, out, [inp]);
  gpu.dispatch({ shader: 'unary', constants: { WG: wg, OP: code }, buffers: [out, x], uniforms: [n, alpha], uniformTypes: 'uf', workgroups: grid1d(n, wg) });
  release();
}

// dinp (n) = dout (n) * op'(inp (n)), out (n) = op(inp) from the forward
export function unaryBackward(gpu: Gpu, dinp: GpuBuf, dout: GpuBuf, inp: GpuBuf, out: GpuBuf, op: UnaryOp, alpha: number): void {
  const n = sameLength('unaryBackward', { dinp, dout, inp, out });
  const code = opCode('unaryBackward', op);
  const { inputs, release } = unaliased(gpu, dinp, [dout, inp, out]);
  gpu.dispatch({
    shader: 'unary_backward', constants: { WG, OP: code }, buffers: [dinp, ...inputs], uniforms: [n, alpha], uniformTypes: 'uf',
    workgroups: grid1d(n, WG),
  });
  release();
}

// Binding specs of shaders/binary.wgsl and shaders/where.wgsl: element-wise with broadcast strides.
function checkRanks(kernel: string, shape: number[], strides: Record<string, number[]>): void {
  for (const [name, s] of Object.entries(strides)) {
    if (s.length !== shape.length) throw new Error(`webgpu: ${kernel}: shape (${shape.join(', ')}) has ${shape.length} dims but ${name} has ${s.length}`);
  }
}

// out (shape, contiguous) = a op b, a and b read through broadcast strides
export function binary(gpu: Gpu, out: GpuBuf, a: GpuBuf, b: GpuBuf, op: BinaryOp, shape: number[], aStrides: number[], bStrides: number[], wg = WG): void {
  checkRanks('binary', shape, { aStrides, bStrides });
  for (const [name, x] of [['out', out], ['a', a], ['b', b]] as const) {
    if (x.dtype !== 'f32') throw new Error(`webgpu: binary: ${name} is ${x.dtype}; the shader computes on f32 only`);
  }
  const code = BINARY_OPS.indexOf(op);
  if (code < 0) throw new Error(`webgpu: binary: unknown op '${op}'; known: ${BINARY_OPS.join(', ')}`);
  const m = mergeDims(shape, [aStrides, bStrides]);
  if (m.n === 0) return;
  const dims = packDims('binary', shape, m);
  if (out.length < m.n) throw new Error(`webgpu: binary: out has ${out.length} elements, shape (${shape.join(', ')}) needs ${m.n}`);
  const { inputs, release } = unaliased(gpu, out, [a, b]);
  gpu.dispatch({
    shader: 'binary', constants: { WG: wg, OP: code, RANK: m.shape.length }, buffers: [out, ...inputs],
    uniforms: [m.n, 0, 0, 0, ...dims], uniformTypes: 'uuuu' + packTypes(2),
    workgroups: grid1d(m.n, wg),
  });
  release();
}

// out (shape, contiguous) = cond != 0 ? a : b, all three read through broadcast strides
export function where(gpu: Gpu, out: GpuBuf, cond: GpuBuf, a: GpuBuf, b: GpuBuf, shape: number[],
  condStrides: number[], aStrides: number[], bStrides: number[]): void {
  checkRanks('where', shape, { condStrides, aStrides, bStrides });
  const m = mergeDims(shape, [condStrides, aStrides, bStrides]);
  if (m.n === 0) return;
  const dims = packDims('where', shape, m);
  if (out.length < m.n) throw new Error(`webgpu: where: out has ${out.length} elements, shape (${shape.join(', ')}) needs ${m.n}`);
  const { inputs, release } = unaliased(gpu, out, [cond, a, b]);
  gpu.dispatch({
    shader: 'where', constants: { WG, RANK: m.shape.length }, buffers: [out, ...inputs],
    uniforms: [m.n, cond.dtype === 'f32' ? 1 : 0, 0, 0, ...dims], uniformTypes: 'uuuu' + packTypes(3),
    workgroups: grid1d(m.n, WG),
  });
  release();
}
