// reduce: sum or max over an axis, and the sum of squares of whole buffers (the gradient norm):
// the CPU references and the WebGPU bindings of shaders/reduce.wgsl, reduce_rows.wgsl and sum_squares.wgsl.

import type { ReduceOp } from '../src/runtime/backend.ts';
import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { DawnDevice } from '../src/runtime/dawn.ts';
import type { F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';

// CPU reference for reductions over the middle axis of (outer, R, inner), and sum of squares.

// out (outer, inner) = reduce over R of inp (outer, R, inner)
export function reduceCpu(out: F, inp: F, op: ReduceOp, outer: number, R: number, inner: number): void {
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
export function sumSquaresCpu(out: F, inps: F[]): void {
  inps.forEach((inp, k) => {
    let acc = 0;
    for (let i = 0; i < inp.length; i++) acc += inp[i] * inp[i];
    out[k] = acc;
  });
}

// Binding specs of shaders/reduce.wgsl, shaders/reduce_rows.wgsl and shaders/sum_squares.wgsl.
type Kind = DawnDevice['kind'];

/** rows: one workgroup of WG lanes per output (reduce_rows.wgsl), else one invocation per output. */
export interface ReduceVariant { rows: boolean; WG: number }

/** Invocations per workgroup of reduce.wgsl (one output each). */
const WG = 64;
/** sum_squares.wgsl: lanes per workgroup, most workgroups, least elements per lane. */
const SQ_WG = 64, SQ_MAX_GROUPS = 1024, SQ_MIN_PER_LANE = 16;
/** Segments per sum_squares dispatch (the size of its uniform's tables). */
export const SQ_PER_DISPATCH = 64;

/** Lanes per output in reduce_rows.wgsl (a power of two): a GPU wants many; llvmpipe's barriers are slow. */
export function rowsWg(kind: Kind): number {
  return kind === 'hardware' ? 256 : 64;
}

/**
 * Whether a reduction runs one workgroup per output (reduce_rows) rather than one invocation.
 * A GPU wants it when rows are contiguous (inner == 1: lanes then read neighbouring elements) and
 * not short, or when there are too few outputs to fill the device. On llvmpipe a serial loop per
 * invocation is cheap (1M adds in < 1 ms) and barriers are not: measured (bench/reduce.ts),
 * the workgroup variant only won with a handful of outputs on rows of tens of thousands.
 */
export function useRows(kind: Kind, outer: number, R: number, inner: number): boolean {
  const outputs = outer * inner;
  if (kind === 'hardware') return (inner === 1 && R >= 256) || (outputs < 1024 && R >= 4096);
  return outputs <= 8 && R >= 8192;
}

export function pickReduce(kind: Kind, outer: number, R: number, inner: number): ReduceVariant {
  return useRows(kind, outer, R, inner) ? { rows: true, WG: rowsWg(kind) } : { rows: false, WG };
}

// out (outer, inner) = sum or max over R of inp (outer, R, inner)
export function reduce(gpu: Gpu, out: GpuBuf, inp: GpuBuf, op: ReduceOp, outer: number, R: number, inner: number,
  variant: ReduceVariant = pickReduce(gpu.dawn.kind, outer, R, inner)): void {
  if (out.dtype !== 'f32' || inp.dtype !== 'f32') throw new Error(`webgpu: reduce: needs f32 buffers, got out ${out.dtype}, inp ${inp.dtype}`);
  if (inp.length < outer * R * inner) throw new Error(`webgpu: reduce: inp has ${inp.length} elements, (${outer}, ${R}, ${inner}) needs ${outer * R * inner}`);
  if (out.length < outer * inner) throw new Error(`webgpu: reduce: out has ${out.length} elements, (${outer}, ${inner}) needs ${outer * inner}`);
  const outputs = outer * inner;
  if (outputs === 0) return;
  const uniforms = [outer, R, inner, op === 'sum' ? 0 : 1];
  if (variant.rows) {
    gpu.dispatch({ shader: 'reduce_rows', constants: { WG: variant.WG }, buffers: [out, inp], uniforms, workgroups: grid1d(outputs, 1) });
  } else {
    gpu.dispatch({ shader: 'reduce', constants: { WG: variant.WG }, buffers: [out, inp], uniforms, workgroups: grid1d(outputs, variant.WG) });
  }
}

/** Lanes of sum_squares' first stage for n elements (the partial sums the second stage adds). */
export function sumSquaresLanes(n: number): number {
  const groups = Math.min(SQ_MAX_GROUPS, Math.max(1, Math.ceil(n / (SQ_WG * SQ_MIN_PER_LANE))));
  return groups * SQ_WG;
}

// out[i] (count) = sum of inps[i][j]^2 over each whole buffer: the inputs are copied end to end into
// one flat buffer (copies, not dispatches), whose segments go up to SQ_PER_DISPATCH at a time
// through sum_squares, each into its row of a shared partial (count, P), P the lanes of the largest
// input (smaller inputs leave lanes at 0), then one reduce_rows over the rows.
export function sumSquares(gpu: Gpu, out: GpuBuf, inps: GpuBuf[], perDispatch = SQ_PER_DISPATCH): void {
  if (!(perDispatch >= 1 && perDispatch <= SQ_PER_DISPATCH)) throw new Error(`webgpu: sumSquares: perDispatch must be 1..${SQ_PER_DISPATCH}, got ${perDispatch}`);
  for (const inp of [out, ...inps]) {
    if (inp.dtype !== 'f32') throw new Error(`webgpu: sumSquares: needs f32 buffers, got ${inp.dtype}`);
  }
  const count = inps.length;
  if (count === 0) return;
  if (out.length < count) throw new Error(`webgpu: sumSquares: out has ${out.length} elements for ${count} inputs`);
  const P = Math.max(...inps.map((b) => sumSquaresLanes(b.length)));
  const off: number[] = [];
  let total = 0;
  for (const b of inps) { off.push(total); total += b.length; }
  const flat = gpu.alloc(Math.max(1, total), 'f32');
  inps.forEach((b, j) => { if (b.length) gpu.copy(flat, b, 4 * b.length, 4 * off[j]); });
  const partial = gpu.alloc(count * P, 'f32');
  for (let row = 0; row < count; row += perDispatch) {
    const pad = (xs: number[]) => Array.from({ length: SQ_PER_DISPATCH }, (_, j) => xs[row + j] ?? 0);
    const group = Math.min(perDispatch, count - row);
    gpu.dispatch({
      shader: 'sum_squares', constants: { WG: SQ_WG, COUNT: group },
      buffers: [partial, flat],
      uniforms: [...pad(inps.slice(0, row + group).map((b) => b.length)), ...pad(off), row], workgroups: [P / SQ_WG],
    });
  }
  const W = rowsWg(gpu.dawn.kind);
  gpu.dispatch({ shader: 'reduce_rows', constants: { WG: W }, buffers: [out, partial], uniforms: [count, P, 1, 0], workgroups: grid1d(count, 1) });
  gpu.free(partial); gpu.free(flat); // the queue runs in order: later users of these buffers come after these dispatches
}
