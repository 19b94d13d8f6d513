// Peak family: the adapter's two ceilings, the denominators of "% of peak" in docs/bench.md
// (bench/table.ts). peak_fma: register-only multiply-add chains (GFLOP/s); peak_copy: a vec4 copy
// (GB/s, each byte read once and written once). Each is validated against its CPU reference
// (kernels/peak.ts) first, then swept over workgroup sizes and, for fma, rounds per invocation;
// the best row of each is the ceiling (marked '*').
import { benchBackend, report, timeGpu, type BenchOptions, type BenchResult } from './common.ts';
import { seeded } from './lib/cases.ts';
import { peakCopy, peakCopyCpu, peakFma, peakFmaCpu, peakFmaFlops } from '../kernels/peak.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';

const A = 0.999, B = 0.001;
/** A ceiling is timed on dispatches of at least this long, so that their fixed cost does not count. */
const MIN_MS = 10;
/** Invocations (fma) and f32 elements per buffer (copy: 1 GiB) at most. */
const MAX_N = 1 << 24, MAX_COPY = 1 << 28;

export async function bench(opts: BenchOptions): Promise<void> {
  const be = await benchBackend();
  const reps = opts.quick ? 3 : 10;
  const adapter = be.description;

  // arithmetic: enough invocations to fill every lane many times over; on a real GPU 65,536 finish
  // in microseconds, so n doubles until one dispatch takes MIN_MS (llvmpipe: already ~20 ms)
  const n = await grow(opts.quick ? 16384 : 65536, MAX_N, async (size) => {
    const probe = be.alloc(size, 'f32') as GpuBuf;
    const ms = await timeGpu(be, () => peakFma(be.gpu, probe, 256, A, B), 1, 1);
    be.free(probe);
    return ms;
  });
  const out = be.alloc(n, 'f32') as GpuBuf;
  const rows: BenchResult[] = [];
  for (const iters of opts.quick ? [256] : [256, 1024]) {
    // validate a prefix (the CPU reference runs the same chains in JS)
    const m = Math.min(n, 2048);
    const want = new Float32Array(m);
    peakFmaCpu(want, iters, A, B);
    for (const wg of [64, 256]) {
      be.fill(out, NaN);
      peakFma(be.gpu, out, iters, A, B, wg);
      const got = await be.read(out);
      for (let i = 0; i < m; i++) {
        if (!(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])))) throw new Error(`peak_fma wg${wg} ITERS ${iters}: out[${i}] = ${got[i]}, reference ${want[i]}`);
      }
      const ms = await timeGpu(be, () => peakFma(be.gpu, out, iters, A, B, wg), reps);
      rows.push({ kernel: 'peak_fma', variant: `wg${wg} iters${iters}`, shape: `n=${n}`, ms, gflops: peakFmaFlops(n, iters) / ms / 1e6, backend: 'webgpu', adapter });
    }
  }
  be.free(out);
  emitBest(rows, 'gflops', opts);

  // memory: a buffer well past the last-level cache (64 MiB each way in full), doubled (to 1 GiB at
  // most) until one copy takes MIN_MS: an HBM GPU copies 64 MiB in tens of microseconds
  const len = await grow(opts.quick ? 1 << 20 : 1 << 24, MAX_COPY, async (size) => {
    const a = be.alloc(size, 'f32') as GpuBuf, b = be.alloc(size, 'f32') as GpuBuf;
    const ms = await timeGpu(be, () => peakCopy(be.gpu, b, a), 1, 1);
    be.free(a); be.free(b);
    return ms;
  });
  const src = seeded(len, 7);
  const inp = be.alloc(len, 'f32') as GpuBuf, dst = be.alloc(len, 'f32') as GpuBuf;
  be.write(inp, src);
  const want = new Float32Array(len);
  peakCopyCpu(want, src);
  const copies: BenchResult[] = [];
  for (const wg of [64, 256]) {
    be.fill(dst, NaN);
    peakCopy(be.gpu, dst, inp, wg);
    const got = await be.read(dst);
    for (let i = 0; i < len; i++) if (got[i] !== want[i]) throw new Error(`peak_copy wg${wg}: out[${i}] = ${got[i]}, reference ${want[i]}`);
    const ms = await timeGpu(be, () => peakCopy(be.gpu, dst, inp, wg), reps);
    copies.push({ kernel: 'peak_copy', variant: `wg${wg}`, shape: `n=${len}`, ms, gbps: (8 * len) / ms / 1e6, backend: 'webgpu', adapter });
  }
  be.free(inp); be.free(dst);
  emitBest(copies, 'gbps', opts);
}

/** The size, doubled from `start` (to `max` at most), at which one timed call takes MIN_MS. */
async function grow(start: number, max: number, msAt: (size: number) => Promise<number>): Promise<number> {
  let size = start;
  while (size < max && (await msAt(size)) < MIN_MS) size *= 2;
  return size;
}

/** Every row, the best marked '*' (the ceiling bench/table.ts divides by). */
function emitBest(rows: BenchResult[], key: 'gflops' | 'gbps', opts: BenchOptions): void {
  const best = rows.reduce((a, r) => ((r[key] ?? 0) > (a[key] ?? 0) ? r : a));
  for (const r of rows) report(r === best ? { ...r, variant: `${r.variant} *` } : r, opts);
}
