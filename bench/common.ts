// Shared benchmark plumbing (llm.c dev/cuda style): time a recorded batch of dispatches,
// validate against the CPU reference, print a human line or one JSON object per result.
import { WebGpuBackend } from '../src/backend/webgpu.ts';

export interface BenchOptions {
  json: boolean;
  /** Smaller shapes and fewer reps, for `npm run bench` with no kernel named. */
  quick: boolean;
}

export interface BenchResult {
  kernel: string;
  variant: string;
  shape: string;
  ms: number;
  gflops?: number;
  gbps?: number;
  backend: string;
  adapter: string;
}

let backend: WebGpuBackend | null = null;
export async function benchBackend(): Promise<WebGpuBackend> {
  backend ??= await WebGpuBackend.create();
  return backend;
}
export function closeBench(): void {
  backend?.destroy();
  backend = null;
}

/**
 * Median milliseconds per call of `record`, which records dispatches without syncing.
 * Each sample records `reps` calls then waits for the GPU, so per-dispatch overhead is included
 * as it would be in a training step (one submit per batch).
 */
export async function timeGpu(be: WebGpuBackend, record: () => void, reps: number, samples = 5): Promise<number> {
  record();
  await be.gpu.sync(); // warm-up: pipeline compile
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) record();
    await be.gpu.sync();
    times.push((performance.now() - t0) / reps);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Median milliseconds per call of a synchronous CPU function. */
export function timeCpu(fn: () => void, reps: number, samples = 3): number {
  fn();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    times.push((performance.now() - t0) / reps);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function report(r: BenchResult, opts: BenchOptions): void {
  if (opts.json) { console.log(JSON.stringify(r)); return; }
  const rate = r.gflops !== undefined ? `${r.gflops.toFixed(2)} GFLOP/s` : r.gbps !== undefined ? `${r.gbps.toFixed(2)} GB/s` : '';
  console.log(`${r.kernel.padEnd(14)} ${r.variant.padEnd(22)} ${r.shape.padEnd(22)} ${r.ms.toFixed(3).padStart(9)} ms  ${rate.padStart(16)}  [${r.backend}]`);
}
