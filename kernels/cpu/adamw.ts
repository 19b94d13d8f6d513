// CPU reference AdamW (decoupled weight decay, bias-corrected moments), in place.
import type { F } from './util.ts';

// param, m, v updated in place from grad; all (n); step counts from 1
export function adamw(param: F, grad: F, m: F, v: F, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void {
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const mhat = m[i] / c1, vhat = v[i] / c2;
    param[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + weightDecay * param[i]);
  }
}
