// CPU reference AdamW (decoupled weight decay, bias-corrected moments), in place.
import type { F } from './util.ts';

// param, m, v updated in place from grad; all (n); step counts from 1. With clip, grad is scaled by
// maxNorm / (norm + 1e-6) when norm = sqrt(normSq[0]) > maxNorm > 0 (torch's clip_grad_norm_).
export function adamw(param: F, grad: F, m: F, v: F, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
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
