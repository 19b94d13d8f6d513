// Binding spec of shaders/adamw.wgsl.
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { grid1d } from './grid.ts';

const WG = 256;

// param, m, v (n) updated in place from grad (n); step counts from 1; clip.normSq (1) holds the
// squared global norm that grad is clipped by (no clip: grad is bound in its place, maxNorm 0)
export function adamw(gpu: Gpu, param: GpuBuf, grad: GpuBuf, m: GpuBuf, v: GpuBuf,
  lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  clip?: { normSq: GpuBuf; maxNorm: number }, wg = WG): void {
  const n = param.length;
  for (const [name, b] of [['grad', grad], ['m', m], ['v', v]] as const) {
    if (b.length !== n) throw new Error(`webgpu: adamw: param has ${n} elements, ${name} has ${b.length}`);
  }
  if (!(step >= 1)) throw new Error(`webgpu: adamw: step counts from 1, got ${step}`);
  if (grad.buffer === param.buffer || grad.buffer === m.buffer || grad.buffer === v.buffer) {
    throw new Error('webgpu: adamw: grad shares a buffer with param, m or v');
  }
  if (clip && (clip.normSq.length < 1 || !(clip.maxNorm >= 0))) throw new Error(`webgpu: adamw: clip needs a normSq buffer and maxNorm >= 0, got ${clip.normSq.length} elements, maxNorm ${clip.maxNorm}`);
  if (clip && [param, m, v].some((b) => b.buffer === clip.normSq.buffer)) throw new Error('webgpu: adamw: normSq shares a buffer with param, m or v');
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  gpu.dispatch({
    shader: 'adamw', constants: { WG: wg }, buffers: [param, grad, m, v, clip?.normSq ?? grad],
    uniforms: [n, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, c1, c2, clip?.maxNorm ?? 0], uniformTypes: 'u' + 'f'.repeat(10),
    workgroups: grid1d(n, wg),
  });
}
