// adamw: the CPU reference and the WebGPU binding of shaders/adamw.wgsl.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';

// CPU reference AdamW (decoupled weight decay, bias-corrected moments), in place.

// param, m, v updated in place from grad; all (n); step counts from 1. With clip, grad is scaled by
// maxNorm / (norm + 1e-6) when norm = sqrt(normSq[0]) > maxNorm > 0 (torch's clip_grad_norm_).
export function adamwCpu(param: F, grad: F, m: F, v: F, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  clip?: { normSq: F; maxNorm: number }): void {
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  const norm = clip ? Math.sqrt(clip.normSq[0]) : 0;
  const s = clip && clip.maxNorm > 0 && norm > clip.maxNorm ? clip.maxNorm / (norm + 1e-6) : 1;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * s;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const mhat = m[i] / c1, vhat = v[i] / c2;
    param[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + weightDecay * param[i]);
  }
}

// Binding spec of shaders/adamw.wgsl: parameters go up to ADAMW_SLOTS per dispatch.
const WG = 256;
/** Parameters per adamw dispatch (4 buffers each + normSq: 13 of a stage's 16 storage buffers). */
export const ADAMW_SLOTS = 3;

/** One parameter's update: param, m, v (n) in place from grad (n), with its weight decay. */
export interface AdamwItem { param: GpuBuf; grad: GpuBuf; m: GpuBuf; v: GpuBuf; weightDecay: number }

function check(it: AdamwItem, clip?: { normSq: GpuBuf; maxNorm: number }): void {
  const { param, grad, m, v } = it;
  const n = param.length;
  for (const [name, b] of [['grad', grad], ['m', m], ['v', v]] as const) {
    if (b.length !== n) throw new Error(`webgpu: adamw: param has ${n} elements, ${name} has ${b.length}`);
  }
  if (grad.buffer === param.buffer || grad.buffer === m.buffer || grad.buffer === v.buffer) {
    throw new Error('webgpu: adamw: grad shares a buffer with param, m or v');
  }
  if (clip && [param, m, v].some((b) => b.buffer === clip.normSq.buffer)) throw new Error('webgpu: adamw: normSq shares a buffer with param, m or v');
}

// every item's param, m, v updated in place from its grad; step counts from 1; clip.normSq (1) holds
// the squared global norm the gradients are clipped by (no clip: a grad is bound in its place, maxNorm 0)
export function adamwMany(gpu: Gpu, items: AdamwItem[], lr: number, beta1: number, beta2: number, eps: number, step: number,
  clip?: { normSq: GpuBuf; maxNorm: number }, opts: { wg?: number; slots?: number } = {}): void {
  const wg = opts.wg ?? WG, slots = opts.slots ?? ADAMW_SLOTS;
  if (!(step >= 1)) throw new Error(`webgpu: adamw: step counts from 1, got ${step}`);
  if (!(slots >= 1 && slots <= ADAMW_SLOTS)) throw new Error(`webgpu: adamw: slots must be 1..${ADAMW_SLOTS}, got ${slots}`);
  if (clip && (clip.normSq.length < 1 || !(clip.maxNorm >= 0))) throw new Error(`webgpu: adamw: clip needs a normSq buffer and maxNorm >= 0, got ${clip.normSq.length} elements, maxNorm ${clip.maxNorm}`);
  for (const it of items) check(it, clip);
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  for (let s = 0; s < items.length; s += slots) {
    const group = items.slice(s, s + slots);
    const n = [0, 1, 2].map((j) => group[j]?.param.length ?? 0);
    const total = n[0] + n[1] + n[2];
    if (total === 0) continue;
    // unused slots (n = 0, never touched) still need buffers, and WebGPU refuses one buffer bound
    // writable twice in a dispatch: small placeholders, freed after
    const spare: GpuBuf[] = [];
    const at = (j: number): AdamwItem => {
      if (group[j]) return group[j];
      const b = () => { const x = gpu.alloc(1, 'f32'); spare.push(x); return x; };
      return { param: b(), grad: group[0].grad, m: b(), v: b(), weightDecay: 0 };
    };
    gpu.dispatch({
      shader: 'adamw', constants: { WG: wg, SLOTS: group.length },
      buffers: [...[0, 1, 2].map(at).flatMap((x) => [x.param, x.grad, x.m, x.v]), clip?.normSq ?? group[0].grad],
      uniforms: [n[0], n[1], n[2], lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, ...[0, 1, 2].map((j) => group[j]?.weightDecay ?? 0), c1, c2, clip?.maxNorm ?? 0],
      uniformTypes: 'uuu' + 'f'.repeat(12),
      workgroups: grid1d(total, wg),
    });
    for (const b of spare) gpu.free(b); // the queue runs in order: reuse comes after this dispatch
  }
}

// one parameter: param, m, v (n) updated in place from grad (n)
export function adamw(gpu: Gpu, param: GpuBuf, grad: GpuBuf, m: GpuBuf, v: GpuBuf,
  lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  clip?: { normSq: GpuBuf; maxNorm: number }, wg = WG): void {
  adamwMany(gpu, [{ param, grad, m, v, weightDecay }], lr, beta1, beta2, eps, step, clip, { wg });
}
