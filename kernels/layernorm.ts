// layernorm: the CPU reference and the WebGPU bindings of shaders/layernorm_*.wgsl.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { rowDispatch, rowGeometry, type RowGeometry } from './lib/rows.ts';
import { textureCopies } from './lib/source.ts';

// CPU reference layer norm over the last dim (llm.c's layernorm_forward/backward).

// out (N, C), mean (N), rstd (N) from inp (N, C), weight (C), bias (C)
export function layernormForwardCpu(out: F, mean: F, rstd: F, inp: F, weight: F, bias: F, N: number, C: number, eps: number): void {
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

// dinp (N, C), dweight (C), dbias (C) written, not accumulated; null: not wanted, not computed
// (dweight and dbias both or neither)
export function layernormBackwardCpu(dinp: F | null, dweight: F | null, dbias: F | null, dout: F, inp: F, weight: F, mean: F, rstd: F, N: number, C: number): void {
  checkWanted(dweight, dbias);
  if (dweight && dbias) {
    dweight.fill(0); dbias.fill(0);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const o = n * C + c;
        dbias[c] += dout[o];
        dweight[c] += (inp[o] - mean[n]) * rstd[n] * dout[o];
      }
    }
  }
  if (!dinp) return;
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
      dinp[o + c] = (dnorm - dnormMean - norm * dnormNormMean) * rstd[n];
    }
  }
}

function checkWanted(dweight: unknown, dbias: unknown): void {
  if ((dweight === null) !== (dbias === null)) throw new Error('layernormBackward: dweight and dbias come from one pass: pass both or neither');
}

// Binding specs of shaders/layernorm_forward.wgsl, layernorm_backward.wgsl,
// layernorm_backward_dweight.wgsl and layernorm_backward_dweight_sum.wgsl. The backward is dinp row
// by row, then the column sums dweight/dbias (deterministic, no float atomics), which do not depend
// on dinp: two dispatches, three when N > DWEIGHT_ROWS.

/** Invocations per workgroup of the column-sum kernels (one column each). */
const DWEIGHT_WG = 64;
/**
 * Rows per chunk of the column sums: N <= R takes one dispatch; longer batches sum chunks of R rows
 * in parallel, then add the chunks (keeps each invocation under llvmpipe's 65535 loop iterations).
 */
export const DWEIGHT_ROWS = 4096;

// out (N, C), mean (N), rstd (N) from inp (N, C), weight (C), bias (C)
export function layernormForward(gpu: Gpu, out: GpuBuf, mean: GpuBuf, rstd: GpuBuf, inp: GpuBuf, weight: GpuBuf, bias: GpuBuf,
  N: number, C: number, eps: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C), texture?: boolean): void {
  const d = rowDispatch(gpu, 'layernorm_forward', N, C, 3, g);
  const inpT = textureCopies(gpu, texture, inp)[0];
  gpu.dispatch({
    shader: 'layernorm_forward', buffers: [out, mean, rstd, inp, weight, bias], uniforms: [N, C, eps], uniformTypes: 'uuf',
    constants: { ...d.constants, TEX: inpT ? 1 : 0 }, workgroups: d.workgroups, textures: [inpT ?? gpu.placeholderTexture()],
  });
  if (inpT) gpu.freeTexture(inpT);
}

// dinp (N, C), dweight (C), dbias (C) written (not accumulated) from dout (N, C), inp (N, C), weight (C), mean (N), rstd (N)
export function layernormBackward(gpu: Gpu, dinp: GpuBuf | null, dweight: GpuBuf | null, dbias: GpuBuf | null, dout: GpuBuf, inp: GpuBuf, weight: GpuBuf,
  mean: GpuBuf, rstd: GpuBuf, N: number, C: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, C), R = DWEIGHT_ROWS, texture?: boolean): void {
  checkWanted(dweight, dbias);
  const [inpT, doutT] = textureCopies(gpu, texture, inp, dout);
  const tex = { constants: { TEX: inpT ? 1 : 0 }, textures: [inpT ?? gpu.placeholderTexture(), doutT ?? gpu.placeholderTexture()] };
  const release = () => { for (const t of [inpT, doutT]) if (t) gpu.freeTexture(t); };
  if (dinp) {
    const d = rowDispatch(gpu, 'layernorm_backward', N, C, 2, g);
    gpu.dispatch({ shader: 'layernorm_backward', buffers: [dinp, dout, inp, weight, mean, rstd], uniforms: [N, C], workgroups: d.workgroups,
      constants: { ...d.constants, ...tex.constants }, textures: tex.textures });
  }
  if (!dweight || !dbias) { release(); return; }
  const K = Math.max(1, Math.ceil(N / R));
  const pdw = K === 1 ? dweight : gpu.alloc(K * C, 'f32');
  const pdb = K === 1 ? dbias : gpu.alloc(K * C, 'f32');
  gpu.dispatch({
    shader: 'layernorm_backward_dweight', constants: { WG: DWEIGHT_WG, ...tex.constants }, buffers: [pdw, pdb, dout, inp, mean, rstd],
    uniforms: [N, C, R], workgroups: [Math.ceil(C / DWEIGHT_WG), K], textures: tex.textures,
  });
  release();
  if (K > 1) {
    gpu.dispatch({
      shader: 'layernorm_backward_dweight_sum', constants: { WG: DWEIGHT_WG }, buffers: [dweight, dbias, pdw, pdb],
      uniforms: [K, C], workgroups: [Math.ceil(C / DWEIGHT_WG)],
    });
    // the queue runs in order: the pool may hand the scratch buffers out again at once
    gpu.free(pdw); gpu.free(pdb);
  }
}
