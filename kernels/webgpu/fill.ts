// Binding spec of shaders/fill.wgsl.
import type { Gpu, GpuBuf } from '../../src/backend/gpu.ts';
import { grid1d } from './grid.ts';

export function fill(gpu: Gpu, out: GpuBuf, value: number): void {
  gpu.dispatch({ shader: 'fill', buffers: [out], uniforms: [out.length, value], uniformTypes: 'uf', workgroups: grid1d(out.length, 256) });
}
