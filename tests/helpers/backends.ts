// Shared test helpers: one WebGPU backend per test file, the CPU reference, poisoned buffers and
// f32 comparisons that report the worst element.
import { afterAll } from 'vitest';
import { CpuBackend } from '../../src/backend/cpu.ts';
import { WebGpuBackend } from '../../src/backend/webgpu.ts';
import type { Backend, Buf, DType } from '../../src/runtime/backend.ts';

let gpu: Promise<WebGpuBackend> | null = null;

/**
 * The WebGPU backend for this test file (created once, destroyed after the file's tests).
 * There is no skip: if no adapter can be had the tests fail, as CI must.
 */
export function webgpu(): Promise<WebGpuBackend> {
  if (!gpu) {
    gpu = WebGpuBackend.create();
    afterAll(async () => { (await gpu!).destroy(); gpu = null; });
  }
  return gpu;
}

export const cpu = new CpuBackend();

/** A buffer filled with data (or NaN poison when data is a length). */
export function upload(be: Backend, data: ArrayLike<number> | number, dtype: DType = 'f32'): Buf {
  const n = typeof data === 'number' ? data : data.length;
  const b = be.alloc(n, dtype);
  if (typeof data === 'number') {
    if (dtype === 'i32') be.write(b, new Int32Array(n).fill(-7)); else be.write(b, new Float32Array(n).fill(NaN));
  } else be.write(b, data);
  return b;
}

/** Uniform random numbers in [lo, hi) from a small seeded generator (tests pass fast-check seeds). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = (seed >>> 0) || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

/**
 * Throws naming the worst element if |got - want| > atol + rtol * |want| anywhere, or if the
 * lengths differ, or if got has a NaN where want does not (an unwritten poisoned output).
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = ''): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length} != ${want.length}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (w === g) continue; // equal infinities
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) { worst = i; worstExcess = Number.isNaN(excess) ? Infinity : excess; }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} of ${got.length}: got ${got[worst]}, want ${want[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}
