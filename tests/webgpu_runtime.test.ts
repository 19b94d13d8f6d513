// The WebGPU runtime (src/runtime/gpu.ts) turns validation errors into Errors that name the kernel.
import { describe, expect, it } from 'vitest';
import { upload, webgpu } from './helpers/backends.ts';

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
});
