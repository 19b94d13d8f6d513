// CPU reference layer norm over the last dim (llm.c's layernorm_forward/backward).
import type { F } from './util.ts';

// out (N, C), mean (N), rstd (N) from inp (N, C), weight (C), bias (C)
export function layernormForward(out: F, mean: F, rstd: F, inp: F, weight: F, bias: F, N: number, C: number, eps: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += inp[o + c];
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) { const d = inp[o + c] - m; v += d * d; }
    v /= C;
    const s = 1 / Math.sqrt(v + eps);
    for (let c = 0; c < C; c++) out[o + c] = (inp[o + c] - m) * s * weight[c] + bias[c];
    mean[n] = m; rstd[n] = s;
  }
}

// dinp (N, C), dweight (C), dbias (C) written, not accumulated
export function layernormBackward(dinp: F, dweight: F, dbias: F, dout: F, inp: F, weight: F, mean: F, rstd: F, N: number, C: number): void {
  dweight.fill(0); dbias.fill(0);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    // two row reductions: mean of dnorm and mean of dnorm * norm
    let dnormMean = 0, dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (inp[o + c] - mean[n]) * rstd[n];
      const dnorm = weight[c] * dout[o + c];
      dnormMean += dnorm; dnormNormMean += dnorm * norm;
    }
    dnormMean /= C; dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (inp[o + c] - mean[n]) * rstd[n];
      const dnorm = weight[c] * dout[o + c];
      dbias[c] += dout[o + c];
      dweight[c] += norm * dout[o + c];
      dinp[o + c] = (dnorm - dnormMean - norm * dnormNormMean) * rstd[n];
    }
  }
}
