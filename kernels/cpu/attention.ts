// CPU reference causal attention, forward and backward, saving only the log-sum-exp per row
// (the same contract as the flash-style WGSL kernels, so they can be checked against it).
import type { F } from './util.ts';

// out (B, NH, T, HS), lse (B, NH, T) from q, k, v (B, NH, T, HS); query t sees keys 0..t
export function attentionForward(out: F, lse: F, q: F, k: F, v: F, B: number, NH: number, T: number, HS: number, scale: number): void {
  const s = new Float64Array(T);
  for (let bh = 0; bh < B * NH; bh++) {
    const base = bh * T * HS;
    for (let t = 0; t < T; t++) {
      const qo = base + t * HS;
      let max = -Infinity;
      for (let j = 0; j <= t; j++) {
        let dot = 0;
        for (let h = 0; h < HS; h++) dot += q[qo + h] * k[base + j * HS + h];
        s[j] = dot * scale;
        if (s[j] > max) max = s[j];
      }
      let sum = 0;
      for (let j = 0; j <= t; j++) { s[j] = Math.exp(s[j] - max); sum += s[j]; }
      for (let h = 0; h < HS; h++) {
        let acc = 0;
        for (let j = 0; j <= t; j++) acc += s[j] * v[base + j * HS + h];
        out[qo + h] = acc / sum;
      }
      lse[bh * T + t] = max + Math.log(sum);
    }
  }
}

// dq, dk, dv (B, NH, T, HS) written; probabilities recomputed from q, k and the saved lse
export function attentionBackward(dq: F, dk: F, dv: F, dout: F, q: F, k: F, v: F, out: F, lse: F,
  B: number, NH: number, T: number, HS: number, scale: number): void {
  dq.fill(0); dk.fill(0); dv.fill(0);
  for (let bh = 0; bh < B * NH; bh++) {
    const base = bh * T * HS;
    for (let t = 0; t < T; t++) {
      const qo = base + t * HS;
      // D_t = dout_t . out_t, the row term of the softmax backward
      let D = 0;
      for (let h = 0; h < HS; h++) D += dout[qo + h] * out[qo + h];
      for (let j = 0; j <= t; j++) {
        const ko = base + j * HS;
        let dot = 0, dp = 0;
        for (let h = 0; h < HS; h++) { dot += q[qo + h] * k[ko + h]; dp += dout[qo + h] * v[ko + h]; }
        const p = Math.exp(dot * scale - lse[bh * T + t]);
        const ds = p * (dp - D) * scale;
        for (let h = 0; h < HS; h++) {
          dv[ko + h] += p * dout[qo + h];
          dq[qo + h] += ds * k[ko + h];
          dk[ko + h] += ds * q[qo + h];
        }
      }
    }
  }
}
