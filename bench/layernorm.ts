// Layernorm family (llm.c dev/cuda style): forward (out, mean, rstd) and backward (dinp, then the
// column sums dweight/dbias in a second dispatch), each over the row geometries of bench/softmax.ts,
// validated against the CPU reference, then timed. GB/s counts each input read once and each
// output written once. The embedding kernels ride along at the end (they have no geometry choice).
import { report, timeCpu, timeGpu, benchBackend, type BenchOptions } from './common.ts';
import { benchRows, gb, gpuOf, seeded, type RowCase } from './softmax.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import * as K from '../kernels/layernorm.ts';
import { layernormForwardCpu as cpuForward } from '../kernels/layernorm.ts';

const cpu = new CpuBackend();

function layernormCases(N: number, C: number): RowCase[] {
  const shape = `N=${N} C=${C}`;
  const inp = seeded(N * C, 1, -2, 3), weight = seeded(C, 2, 0.5, 1.5), bias = seeded(C, 3);
  const out = new Float32Array(N * C), mean = new Float32Array(N), rstd = new Float32Array(N);
  cpuForward(out, mean, rstd, inp, weight, bias, N, C, 1e-5);
  const dout = seeded(N * C, 4);
  return [
    { kernel: 'layernormForward', shape, C, bytes: 4 * (2 * N * C + 2 * C + 2 * N),
      inputs: [{ data: inp }, { data: weight }, { data: bias }], outputs: [N * C, N, N],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.layernormForward(o[0], o[1], o[2], i[0], i[1], i[2], N, C, 1e-5)
        : K.layernormForward(gpuOf(b), gb(o[0]), gb(o[1]), gb(o[2]), gb(i[0]), gb(i[1]), gb(i[2]), N, C, 1e-5, g)) },
    { kernel: 'layernormBackward', shape, C, bytes: 4 * (3 * N * C + 3 * C + 2 * N),
      inputs: [{ data: dout }, { data: inp }, { data: weight }, { data: mean }, { data: rstd }], outputs: [N * C, C, C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.layernormBackward(o[0], o[1], o[2], i[0], i[1], i[2], i[3], i[4], N, C)
        : K.layernormBackward(gpuOf(b), gb(o[0]), gb(o[1]), gb(o[2]), gb(i[0]), gb(i[1]), gb(i[2]), gb(i[3]), gb(i[4]), N, C, g)) },
  ];
}

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
  // the quick shape and the transformer's (C = 128); full adds GPT-2 small's width
  const shapes: [number, number][] = opts.quick ? [[512, 1024], [512, 128]] : [[512, 1024], [512, 128], [4096, 768]];
  for (const [N, C] of shapes) for (const c of layernormCases(N, C)) await benchRows(c, opts);
  await benchEmbedding(opts.quick ? 512 : 4096, opts.quick ? 1024 : 4096, opts.quick ? 128 : 512, opts);
}
