// attention: the CPU reference and the WebGPU bindings of shaders/attention_{forward,backward_dq,backward_dkv}.wgsl.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { grid1d } from './lib/grid.ts';
import { textureCopies } from './lib/source.ts';

// CPU reference causal attention over the fused qkv projection, forward and backward, saving only
// the log-sum-exp per row (the same contract as the flash-style WGSL kernels, so they can be
// checked against it).
//
// Layouts (C = NH * HS): qkv (B, T, 3, NH, HS), the c_attn output as it comes, q at channel 0,
// k at C, v at 2C of each token; out and dout (B, T, NH, HS), ready for c_proj; lse (B, NH, T).
// starts (B, T) or null: query t of row b sees keys starts[b, t]..t. Rows packed with several
// sequences give each token its sequence's first position, so no sequence attends to another
// (validated by the op: src/ops/nn.ts segmentStartsError). null = one sequence per row (keys 0..t).

/** Row offsets of head h at token t of row b: q, k, v in qkv, o in out/dout. */
function rowsOf(b: number, t: number, h: number, T: number, NH: number, HS: number) {
  const C = NH * HS;
  const q = (b * T + t) * 3 * C + h * HS;
  return { q, k: q + C, v: q + 2 * C, o: (b * T + t) * C + h * HS };
}

const startOf = (starts: Int32Array | null, b: number, t: number, T: number) => (starts ? starts[b * T + t] : 0);

// out (B, T, NH, HS), lse (B, NH, T) <- qkv (B, T, 3, NH, HS)
export function attentionForwardCpu(out: F, lse: F, qkv: F, starts: Int32Array | null, B: number, T: number, NH: number, HS: number, scale: number): void {
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
export function attentionBackwardCpu(dqkv: F, dout: F, qkv: F, out: F, lse: F, starts: Int32Array | null,
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

// Binding specs of the flash-style causal attention kernels:
// shaders/attention_forward.wgsl, attention_backward_dq.wgsl and attention_backward_dkv.wgsl.
// qkv and its grad are (B, T, 3, NH, HS) (the c_attn output), out and dout (B, T, NH, HS) (the
// c_proj input), lse and the backward's row terms (B, NH, T), starts (B, T) i32 segment starts.
//
// Register rows. Each invocation keeps its rows (q, accumulators, ...) in private arrays, which
// stay in registers only if every loop that indexes them is unrolled; Mesa unrolls loops of up to
// ~32 short iterations. And llvmpipe ends an invocation's loops after 65535 iterations counted over
// ALL its loops (LP_MAX_TGSI_LOOP_ITERATIONS): a non-unrolled loop over the head inside the loop
// over T silently truncated rows (HS = 64, T > ~500). So head loops run in chunks of CH: CH = HS
// up to 32 (one chunk, all unrolled), else CH = 8 (HS padded to HSP, a multiple of 8; the outer
// chunk loop costs 2 * HSP / CH iterations per key, T = 1024 stays far under the cap).

/** Largest head size the kernels hold in registers (MAX_HS in the shaders). */
export const ATTENTION_MAX_HS = 128;
/** Invocations per workgroup (8, 16, 32, 64 measured the same on llvmpipe). */
const WG = 32;
/** llvmpipe's cap on loop iterations per invocation, all loops together. */
const LLVMPIPE_LOOP_CAP = 65535;

function specOf(gpu: Gpu, what: string, B: number, NH: number, T: number, HS: number, texture?: boolean) {
  if (!(HS >= 1 && HS <= ATTENTION_MAX_HS)) {
    throw new Error(`${what}: head size ${HS} is outside 1..${ATTENTION_MAX_HS} (rows are held in registers); use more, smaller heads or the cpu backend`);
  }
  const CH = HS <= 32 ? HS : 8;
  const chunks = Math.ceil(HS / CH);
  // worst case, nothing but the inner chunk loops unrolled: init + T * (key loop + 2 chunk loops) + stores
  const iterations = 4 * chunks * CH + T * (1 + 2 * chunks) + 2 * HS;
  if (gpu.dawn.kind === 'software' && iterations > LLVMPIPE_LOOP_CAP) {
    throw new Error(`${what}: T = ${T} with head size ${HS} needs ~${iterations} loop iterations per invocation; ` +
      `the software adapter (llvmpipe) stops at ${LLVMPIPE_LOOP_CAP}. Use a shorter T or the cpu backend`);
  }
  // every kernel runs one invocation per pair of adjacent rows of a (b, h) slice; rows from texture
  // copies (lib/source.ts textureCopies) only where a head row is whole texels in one unrolled chunk
  // (lib/attention.wgsl TEX)
  const tex = HS % 4 === 0 && HS <= 32 ? texture : false;
  return { rows: B * NH * T, pairs: B * NH * Math.ceil(T / 2), constants: { HS, CH, WG }, tex };
}

// out (B,T,NH,HS), lse (B,NH,T) <- qkv (B,T,3,NH,HS); starts (B,T) i32 segment starts or null;
// texture: read the rows from texture copies (where HS allows), default the device's choice (specOf)
export function attentionForward(gpu: Gpu, out: GpuBuf, lse: GpuBuf, qkv: GpuBuf, starts: GpuBuf | null,
  B: number, T: number, NH: number, HS: number, scale: number, texture?: boolean): void {
  const { rows, pairs, constants, tex } = specOf(gpu, 'attentionForward', B, NH, T, HS, texture);
  if (rows === 0) return;
  const seg = segments(gpu, starts);
  const [qkvt] = textureCopies(gpu, tex, qkv);
  gpu.dispatch({
    shader: 'attention_forward', constants: { ...constants, SEG: seg.flag, TEX: qkvt ? 1 : 0 }, buffers: [out, lse, qkv, seg.buf],
    uniforms: [rows, T, scale, NH], uniformTypes: 'uufu', textures: [qkvt ?? gpu.placeholderTexture()], workgroups: grid1d(pairs, WG),
  });
  if (qkvt) gpu.freeTexture(qkvt);
  seg.release();
}

// dqkv (B,T,3,NH,HS) written whole <- dout, out (B,T,NH,HS), qkv, lse (B,NH,T), starts.
// Two passes so every output row has one owner (no float atomics): the q third by query rows,
// which also saves drow_t = dout_t . out_t (B,NH,T); then the k and v thirds by key rows.
export function attentionBackward(gpu: Gpu, dqkv: GpuBuf, dout: GpuBuf, qkv: GpuBuf, out: GpuBuf, lse: GpuBuf,
  starts: GpuBuf | null, B: number, T: number, NH: number, HS: number, scale: number, texture?: boolean): void {
  const { rows, pairs, constants, tex } = specOf(gpu, 'attentionBackward', B, NH, T, HS, texture);
  if (rows === 0) return;
  const seg = segments(gpu, starts);
  const drow = gpu.alloc(rows, 'f32');
  const uniforms = [rows, T, scale, NH];
  // both copies before either dispatch; both null (storage reads) if either would not fit a texture
  const [qkvt, doutt] = textureCopies(gpu, tex, qkv, dout);
  const c = { ...constants, SEG: seg.flag, TEX: qkvt ? 1 : 0 };
  const none = gpu.placeholderTexture();
  gpu.dispatch({
    shader: 'attention_backward_dq', constants: c, buffers: [dqkv, drow, dout, qkv, out, lse, seg.buf],
    uniforms, uniformTypes: 'uufu', textures: [qkvt ?? none], workgroups: grid1d(pairs, WG),
  });
  gpu.dispatch({
    shader: 'attention_backward_dkv', constants: c, buffers: [dqkv, dout, qkv, lse, drow, seg.buf],
    uniforms, uniformTypes: 'uufu', textures: [qkvt ?? none, doutt ?? none], workgroups: grid1d(pairs, WG),
  });
  for (const t of [qkvt, doutt]) if (t) gpu.freeTexture(t);
  // safe at once: the queue runs in order, so any later user of this buffer comes after pass 2
  gpu.free(drow);
  seg.release();
}

/** The starts binding: the buffer, or (SEG off) a 1-element placeholder, since WGSL counts a binding as used even behind a false override. */
function segments(gpu: Gpu, starts: GpuBuf | null): { buf: GpuBuf; flag: number; release: () => void } {
  if (starts) return { buf: starts, flag: 1, release: () => {} };
  const buf = gpu.alloc(1, 'i32');
  return { buf, flag: 0, release: () => gpu.free(buf) };
}
