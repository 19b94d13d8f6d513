// adamw: the CPU reference and the WebGPU binding of shaders/adamw.wgsl, a multi-tensor update:
// the optimiser lays every parameter end to end in flat buffers (its (m, v) pairs for good, its
// values and gradient copied in for the update), so a model's update is one dispatch.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';

// CPU reference AdamW (decoupled weight decay, bias-corrected moments), in place.

// param (n) updated in place from grad (n); its moments are the pairs (m, v) at
// moments[2 (offset + i)], moments[2 (offset + i) + 1]; step counts from 1. With clip, grad is scaled
// by maxNorm / (norm + 1e-6) when norm = sqrt(normSq[0]) > maxNorm > 0 (torch's clip_grad_norm_).
export function adamwCpu(param: F, grad: F, moments: F, offset: number, lr: number, beta1: number, beta2: number, eps: number,
  weightDecay: number, step: number, clip?: { normSq: F; maxNorm: number }): void {
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  const norm = clip ? Math.sqrt(clip.normSq[0]) : 0;
  const s = clip && clip.maxNorm > 0 && norm > clip.maxNorm ? clip.maxNorm / (norm + 1e-6) : 1;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * s, o = 2 * (offset + i);
    const m = beta1 * moments[o] + (1 - beta1) * g;
    const v = beta2 * moments[o + 1] + (1 - beta2) * g * g;
    moments[o] = m; moments[o + 1] = v;
    const mhat = m / c1, vhat = v / c2;
    param[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + weightDecay * param[i]);
  }
}

// Binding spec of shaders/adamw.wgsl: the items cut into runs that one dispatch can take.
const WG = 256;

/** One parameter's update: param (n) in place from grad (n), at element offset of the flat buffers, with its weight decay. */
export interface AdamwItem { param: GpuBuf; grad: GpuBuf; offset: number; weightDecay: number }
/** The optimiser's flat buffers: moments (2 per element, kept), param and grad (1 per element, scratch). */
export interface AdamwArena { param: GpuBuf; grad: GpuBuf; moments: GpuBuf }

function check(it: AdamwItem, arena: AdamwArena, clip?: { normSq: GpuBuf; maxNorm: number }): void {
  const { param, grad, offset } = it;
  const n = param.length;
  if (grad.length !== n) throw new Error(`webgpu: adamw: param has ${n} elements, grad has ${grad.length}`);
  const room = Math.min(arena.moments.length / 2, arena.param.length, arena.grad.length);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + n <= room)) {
    throw new Error(`webgpu: adamw: the flat buffers hold ${room} elements, a parameter of ${n} elements at ${offset} needs ${offset + n}`);
  }
  const own = [arena.param.buffer, arena.grad.buffer, arena.moments.buffer];
  if (new Set(own).size !== 3 || own.includes(param.buffer) || own.includes(grad.buffer) || param.buffer === grad.buffer) {
    throw new Error('webgpu: adamw: param, grad and the three flat buffers must all be different buffers');
  }
  if (clip && own.includes(clip.normSq.buffer)) throw new Error('webgpu: adamw: normSq shares a buffer with the flat buffers');
}

/** Runs of items one dispatch takes: end to end, the decayed ones (all one weight decay) first. */
function runs(items: AdamwItem[]): AdamwItem[][] {
  const sorted = [...items].sort((a, b) => a.offset - b.offset);
  const out: AdamwItem[][] = [];
  for (const it of sorted) {
    const run = out[out.length - 1], last = run?.[run.length - 1];
    if (last && last.offset + last.param.length > it.offset) {
      throw new Error(`webgpu: adamw: parameters at ${last.offset} (${last.param.length} elements) and ${it.offset} overlap in the flat buffers`);
    }
    const wd = run?.find((x) => x.weightDecay !== 0)?.weightDecay;
    const fits = last && last.offset + last.param.length === it.offset
      && (it.weightDecay === 0 || (last.weightDecay !== 0 && it.weightDecay === wd));
    if (fits) run.push(it); else out.push([it]);
  }
  return out;
}

// every item's param and its moments updated in place from its grad; step counts from 1;
// clip.normSq (1) holds the squared global norm the gradients are clipped by (no clip: a grad is
// bound in its place, maxNorm 0). One dispatch per run of items (one for a whole model).
export function adamw(gpu: Gpu, items: AdamwItem[], arena: AdamwArena, lr: number, beta1: number, beta2: number, eps: number, step: number,
  clip?: { normSq: GpuBuf; maxNorm: number }, opts: { wg?: number } = {}): void {
  const wg = opts.wg ?? WG;
  if (!(step >= 1)) throw new Error(`webgpu: adamw: step counts from 1, got ${step}`);
  if (clip && (clip.normSq.length < 1 || !(clip.maxNorm >= 0))) throw new Error(`webgpu: adamw: clip needs a normSq buffer and maxNorm >= 0, got ${clip.normSq.length} elements, maxNorm ${clip.maxNorm}`);
  for (const it of items) check(it, arena, clip);
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  for (const run of runs(items)) {
    const start = run[0].offset, last = run[run.length - 1], n = last.offset + last.param.length - start;
    if (n === 0) continue;
    const decayed = run.filter((x) => x.weightDecay !== 0);
    const decayEnd = decayed.length ? decayed[decayed.length - 1].offset + decayed[decayed.length - 1].param.length : 0;
    for (const it of run) {
      gpu.copy(arena.grad, it.grad, 4 * it.param.length, 4 * it.offset);
      gpu.copy(arena.param, it.param, 4 * it.param.length, 4 * it.offset);
    }
    gpu.dispatch({
      shader: 'adamw', constants: { WG: wg },
      buffers: [arena.param, arena.grad, arena.moments, clip?.normSq ?? run[0].grad],
      uniforms: [start, n, decayEnd, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, decayed[0]?.weightDecay ?? 0, c1, c2, clip?.maxNorm ?? 0],
      uniformTypes: 'uuu' + 'f'.repeat(10),
      workgroups: grid1d(n, wg),
    });
    for (const it of run) gpu.copy(it.param, arena.param, 4 * it.param.length, 0, 4 * it.offset);
  }
}
