// The WebGPU dropout kernel (kernels/dropout.ts) draws the CPU reference's mask, bit for bit.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { Backend } from '../src/runtime/backend.ts';
import { cpu, expectClose, randomArray, upload, webgpu } from './helpers/backends.ts';
import { readAll } from './helpers/layouts.ts';

const u = 2 ** -24;

describe('webgpu dropout', () => {
  it('dropout draws exactly the CPU mask', async () => {
    const gpu = await webgpu();
    const pArb = fc.oneof(fc.constantFrom(0, 0.1, 0.5, 0.9, 1), fc.double({ min: 0, max: 0.99, noNaN: true }));
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), pArb, fc.integer({ min: 0, max: 0xffffffff }), async (n, p, seed) => {
      const x = randomArray(n, seed + 1, 0.5, 1.5); // nonzero: a zero output means dropped
      const res = [];
      for (const be of [cpu, gpu] as Backend[]) {
        const out = upload(be, n), inp = upload(be, x);
        be.dropout(out, inp, p, seed);
        res.push((await readAll(be, [out, inp]))[0]);
      }
      const [want, got] = res;
      for (let i = 0; i < n; i++) {
        if ((want[i] === 0) !== (got[i] === 0)) throw new Error(`dropout p=${p} seed=${seed}: element ${i} kept on one backend only`);
      }
      // scale is f32(1 / (1 - p)) on the GPU: its rounding, the product's and the CPU's
      expectClose(got, want, 0, 3 * u, `dropout p=${p}`);
    }), { numRuns: 30 });
  });
});
