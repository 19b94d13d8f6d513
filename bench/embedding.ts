// Embedding family: the forward lookup and the deterministic backward at a training shape, timed on
// WebGPU beside the CPU reference (one variant each: they have no geometry choice).
import { report, timeCpu, timeGpu, benchBackend, type BenchOptions } from './common.ts';
import { seeded } from './lib/rows.ts';
import { CpuBackend } from '../src/backend/cpu.ts';

const cpu = new CpuBackend();

// embedding forward/backward at a training shape: N tokens, V vocabulary rows of C
async function benchEmbedding(N: number, V: number, C: number, opts: BenchOptions): Promise<void> {
  const be = await benchBackend();
  const shape = `N=${N} V=${V} C=${C}`;
  const weight = seeded(V * C, 5), dout = seeded(N * C, 6), ids = Array.from(seeded(N, 7, 0, V), Math.floor);
  const reps = opts.quick ? 4 : 16;
  for (const [kernel, bytes, setup] of [
    ['embeddingForward', 4 * (2 * N * C + N), (b: typeof be | CpuBackend) => {
      const o = b.alloc(N * C, 'f32'), i = b.alloc(N, 'i32'), w = b.alloc(V * C, 'f32'); b.write(i, ids); b.write(w, weight);
      return { run: () => b.embeddingForward(o, i, w, N, C), bufs: [o, i, w] };
    }],
    ['embeddingBackward', 4 * (N * C + N + V * C), (b: typeof be | CpuBackend) => {
      const o = b.alloc(V * C, 'f32'), d = b.alloc(N * C, 'f32'), i = b.alloc(N, 'i32'); b.write(d, dout); b.write(i, ids);
      return { run: () => b.embeddingBackward(o, d, i, N, C, V), bufs: [o, d, i] };
    }],
  ] as const) {
    const g = setup(be);
    const ms = await timeGpu(be, g.run, reps);
    report({ kernel, variant: 'default', shape, ms, gbps: bytes / ms / 1e6, backend: 'webgpu', adapter: be.description }, opts);
    for (const b of g.bufs) be.free(b);
    const c = setup(cpu);
    const cms = timeCpu(c.run, Math.max(1, reps / 4));
    report({ kernel, variant: 'cpu reference', shape, ms: cms, gbps: bytes / cms / 1e6, backend: 'cpu', adapter: 'TypeScript f32' }, opts);
  }
}

export async function bench(opts: BenchOptions): Promise<void> {
  await benchEmbedding(opts.quick ? 512 : 4096, opts.quick ? 1024 : 4096, opts.quick ? 128 : 512, opts);
}
