// The WebGPU runtime (src/runtime/gpu.ts) turns validation errors into Errors that name the kernel.
import { describe, expect, it } from 'vitest';
import { cpu, upload, webgpu } from './helpers/backends.ts';

describe('webgpu validation errors', () => {
  it('a workgroup over the device limit rejects at sync, naming the shader', async () => {
    const gpu = await webgpu();
    const out = upload(gpu, 4);
    gpu.gpu.dispatch({ shader: 'test_invalid', buffers: [out], workgroups: [1] });
    await expect(gpu.gpu.sync()).rejects.toThrow(/test_invalid/);
    gpu.free(out);
  });

  it('a missing uniform binding rejects at sync, naming the kernel; the device keeps working', async () => {
    const gpu = await webgpu();
    const a = upload(gpu, [1, 2, 3]), b = upload(gpu, 3);
    gpu.gpu.dispatch({ shader: 'unary', constants: { WG: 256 }, buffers: [b, a], workgroups: [1] });
    await expect(gpu.gpu.sync()).rejects.toThrow(/unary/);
    gpu.unary(b, a, 'neg', 0);
    expect(Array.from(await gpu.read(b))).toEqual([-1, -2, -3]);
  });

  it('memoryPeak: the most bytes live since resetPeak, on both backends; WebGPU holds freed buffers for reuse', async () => {
    const gpu = await webgpu();
    for (const be of [cpu, gpu]) {
      be.resetPeak();
      const live0 = be.stats().liveBytes;
      expect(be.memoryPeak().peakBytes).toBe(live0);
      const a = be.alloc(1000, 'f32'), b = be.alloc(500, 'f32');
      be.free(a);
      const c = be.alloc(10, 'f32');
      expect(be.memoryPeak().peakBytes).toBe(live0 + 6000); // a and b together, not after a was freed
      be.free(b); be.free(c);
      be.resetPeak();
      expect(be.memoryPeak().peakBytes).toBe(live0);
      expect(be.memoryPeak().heldBytes).toBeGreaterThanOrEqual(be.stats().liveBytes);
    }
    // a freed buffer stays held for reuse: allocating its size again creates nothing new
    const held = gpu.memoryPeak().heldBytes;
    gpu.free(gpu.alloc(1000, 'f32'));
    gpu.free(gpu.alloc(1000, 'f32'));
    expect(gpu.memoryPeak().heldBytes).toBe(held);
  });

  it('releaseFree gives back pooled buffers, even ones recorded work still reads; heldBytes stays the high-water mark', async () => {
    const be = await webgpu();
    be.resetPeak();
    const held0 = be.gpu.heldBytes;
    const a = upload(be, [1, 2, 3]), b = upload(be, 3);
    be.unary(b, a, 'neg', 0); // recorded, not yet submitted
    be.free(a);               // pooled while the recorded dispatch still reads it
    const peak = be.memoryPeak().heldBytes;
    expect(peak).toBeGreaterThan(held0);
    be.releaseFree();         // submits, then destroys a
    expect(be.gpu.heldBytes).toBeLessThan(peak);
    expect(Array.from(await be.read(b))).toEqual([-1, -2, -3]);
    expect(be.memoryPeak().heldBytes).toBe(peak); // the most held, not what is held now
    const c = upload(be, [4, 5, 6]); // a new buffer, not the destroyed one
    be.unary(b, c, 'neg', 0);
    expect(Array.from(await be.read(b))).toEqual([-4, -5, -6]);
    be.free(b); be.free(c);
    be.releaseFree();
    expect(be.gpu.heldBytes).toBeLessThanOrEqual(held0); // the pool is empty (earlier tests' buffers too)
    const before = be.gpu.heldBytes, d = be.alloc(3, 'f32');
    expect(be.gpu.heldBytes).toBe(before + 256); // nothing pooled to reuse: a new buffer of the smallest class
    be.free(d);
  });
});
