// CPU reference softmax and log-softmax over the last dim, forward and backward.
import type { F } from './util.ts';

// out (N, C) = softmax(inp (N, C)) per row
export function softmaxForward(out: F, inp: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, inp[o + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) { const e = Math.exp(inp[o + c] - max); out[o + c] = e; sum += e; }
    for (let c = 0; c < C; c++) out[o + c] /= sum;
  }
}

// dinp = out * (dout - sum(dout * out)) per row
export function softmaxBackward(dinp: F, dout: F, out: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dout[o + c] * out[o + c];
    for (let c = 0; c < C; c++) dinp[o + c] = out[o + c] * (dout[o + c] - dot);
  }
}

// out (N, C) = inp - logsumexp(inp) per row
export function logSoftmaxForward(out: F, inp: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, inp[o + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(inp[o + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < C; c++) out[o + c] = inp[o + c] - lse;
  }
}

// dinp = dout - exp(out) * sum(dout) per row
export function logSoftmaxBackward(dinp: F, dout: F, out: F, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += dout[o + c];
    for (let c = 0; c < C; c++) dinp[o + c] = dout[o + c] - Math.exp(out[o + c]) * sum;
  }
}
