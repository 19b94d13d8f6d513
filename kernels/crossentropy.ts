// crossentropy: the CPU reference and the WebGPU binding of shaders/crossentropy_forward.wgsl.

import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { F } from './lib/util.ts';
import { rowDispatch, rowGeometry, type RowGeometry } from './lib/rows.ts';

// CPU reference fused cross-entropy: logits -> per-row loss and (softmax - onehot) in one pass.

// losses (N), dlogits (N, V) | null from logits (N, V), targets (N); rows with ignoreIndex give 0
export function crossEntropyForwardCpu(losses: F, dlogits: F | null, logits: F, targets: Int32Array, N: number, V: number, ignoreIndex: number): void {
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

// Binding spec of shaders/crossentropy_forward.wgsl. Without dlogits the pipeline is specialised
// with DLOGITS = false (no gradient writes), and a 1-element scratch buffer fills the binding the
// shader still declares (WGSL counts a binding as used even behind a false override).

// losses (N), dlogits (N, V) | null from logits (N, V), targets (N) i32; rows with ignoreIndex give 0
export function crossEntropyForward(gpu: Gpu, losses: GpuBuf, dlogits: GpuBuf | null, logits: GpuBuf, targets: GpuBuf,
  N: number, V: number, ignoreIndex: number, g: RowGeometry = rowGeometry(gpu.dawn.kind, V)): void {
  const { constants, workgroups } = rowDispatch(gpu, 'crossentropy_forward', N, V, 2, g);
  const dummy = dlogits ? null : gpu.alloc(1, 'f32');
  gpu.dispatch({
    shader: 'crossentropy_forward', constants: { ...constants, DLOGITS: dlogits ? 1 : 0 },
    buffers: [losses, dlogits ?? dummy!, logits, targets], uniforms: [N, V, ignoreIndex], uniformTypes: 'uui', workgroups,
  });
  // the queue runs in order: the pool may hand the scratch buffer out again at once
  if (dummy) gpu.free(dummy);
}
