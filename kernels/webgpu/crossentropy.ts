// Binding spec of shaders/crossentropy_forward.wgsl. Without dlogits the pipeline is specialised
// with DLOGITS = false (no gradient writes), and a 1-element scratch buffer fills the binding the
// shader still declares (WGSL counts a binding as used even behind a false override).
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { rowDispatch, rowGeometry, type RowGeometry } from './rows.ts';

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
