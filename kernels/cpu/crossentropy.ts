// CPU reference fused cross-entropy: logits -> per-row loss and (softmax - onehot) in one pass.
import type { F } from './util.ts';

// losses (N), dlogits (N, V) | null from logits (N, V), targets (N); rows with ignoreIndex give 0
export function crossEntropyForward(losses: F, dlogits: F | null, logits: F, targets: Int32Array, N: number, V: number, ignoreIndex: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * V, t = targets[n];
    if (t === ignoreIndex) {
      losses[n] = 0;
      if (dlogits) dlogits.fill(0, o, o + V);
      continue;
    }
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
    const lse = max + Math.log(sum);
    losses[n] = lse - logits[o + t];
    if (dlogits) {
      for (let v = 0; v < V; v++) dlogits[o + v] = Math.exp(logits[o + v] - lse) - (v === t ? 1 : 0);
    }
  }
}
