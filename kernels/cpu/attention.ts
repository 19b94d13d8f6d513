// CPU reference causal attention over the fused qkv projection, forward and backward, saving only
// the log-sum-exp per row (the same contract as the flash-style WGSL kernels, so they can be
// checked against it).
//
// Layouts (C = NH * HS): qkv (B, T, 3, NH, HS), the c_attn output as it comes, q at channel 0,
// k at C, v at 2C of each token; out and dout (B, T, NH, HS), ready for c_proj; lse (B, NH, T).
// starts (B, T) or null: query t of row b sees keys starts[b, t]..t. Rows packed with several
// sequences give each token its sequence's first position, so no sequence attends to another
// (validated by the op: src/ops/nn.ts segmentStartsError). null = one sequence per row (keys 0..t).
import type { F } from './util.ts';

/** Row offsets of head h at token t of row b: q, k, v in qkv, o in out/dout. */
function rowsOf(b: number, t: number, h: number, T: number, NH: number, HS: number) {
  const C = NH * HS;
  const q = (b * T + t) * 3 * C + h * HS;
  return { q, k: q + C, v: q + 2 * C, o: (b * T + t) * C + h * HS };
}

const startOf = (starts: Int32Array | null, b: number, t: number, T: number) => (starts ? starts[b * T + t] : 0);

// out (B, T, NH, HS), lse (B, NH, T) <- qkv (B, T, 3, NH, HS)
export function attentionForward(out: F, lse: F, qkv: F, starts: Int32Array | null, B: number, T: number, NH: number, HS: number, scale: number): void {
  const s = new Float64Array(T);
  for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) for (let t = 0; t < T; t++) {
    const rt = rowsOf(b, t, h, T, NH, HS);
    const j0 = startOf(starts, b, t, T);
    let max = -Infinity;
    for (let j = j0; j <= t; j++) {
      const kj = rowsOf(b, j, h, T, NH, HS).k;
      let dot = 0;
      for (let e = 0; e < HS; e++) dot += qkv[rt.q + e] * qkv[kj + e];
      s[j] = dot * scale;
      if (s[j] > max) max = s[j];
    }
    let sum = 0;
    for (let j = j0; j <= t; j++) { s[j] = Math.exp(s[j] - max); sum += s[j]; }
    for (let e = 0; e < HS; e++) {
      let acc = 0;
      for (let j = j0; j <= t; j++) acc += s[j] * qkv[rowsOf(b, j, h, T, NH, HS).v + e];
      out[rt.o + e] = acc / sum;
    }
    lse[(b * NH + h) * T + t] = max + Math.log(sum);
  }
}

// dqkv (B, T, 3, NH, HS) written whole; probabilities recomputed from qkv and the saved lse
export function attentionBackward(dqkv: F, dout: F, qkv: F, out: F, lse: F, starts: Int32Array | null,
  B: number, T: number, NH: number, HS: number, scale: number): void {
  dqkv.fill(0);
  for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) for (let t = 0; t < T; t++) {
    const rt = rowsOf(b, t, h, T, NH, HS);
    // D_t = dout_t . out_t, the row term of the softmax backward
    let D = 0;
    for (let e = 0; e < HS; e++) D += dout[rt.o + e] * out[rt.o + e];
    for (let j = startOf(starts, b, t, T); j <= t; j++) {
      const rj = rowsOf(b, j, h, T, NH, HS);
      let dot = 0, dp = 0;
      for (let e = 0; e < HS; e++) { dot += qkv[rt.q + e] * qkv[rj.k + e]; dp += dout[rt.o + e] * qkv[rj.v + e]; }
      const p = Math.exp(dot * scale - lse[(b * NH + h) * T + t]);
      const ds = p * (dp - D) * scale;
      for (let e = 0; e < HS; e++) {
        dqkv[rj.v + e] += p * dout[rt.o + e];
        dqkv[rt.q + e] += ds * qkv[rj.k + e];
        dqkv[rj.k + e] += ds * qkv[rt.q + e];
      }
    }
  }
}
