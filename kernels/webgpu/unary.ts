// Binding specs of shaders/unary.wgsl and shaders/unary_backward.wgsl.
import type { UnaryOp } from '../../src/backend/backend.ts';
import { UNARY_OPS } from '../../src/backend/backend.ts';
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { grid1d } from './grid.ts';
import { unaliased } from './alias.ts';

/** Invocations per workgroup (one element each); bench/elementwise.ts sweeps it. */
const WG = 256;

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
