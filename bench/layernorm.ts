// Layernorm family (llm.c dev/cuda style): forward (out, mean, rstd) and backward (dinp, then the
// column sums dweight/dbias in a second dispatch), each over the row geometries of bench/lib/rows.ts,
// validated against the CPU reference, then timed. GB/s counts each input read once and each
// output written once.
import type { BenchOptions } from './common.ts';
import { benchRows, gb, gpuOf, seeded, type RowCase } from './lib/rows.ts';
import * as K from '../kernels/layernorm.ts';
import { layernormForwardCpu as cpuForward } from '../kernels/layernorm.ts';

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

export async function bench(opts: BenchOptions): Promise<void> {
  // the quick shape and the transformer's (C = 128); full adds GPT-2 small's width
  const shapes: [number, number][] = opts.quick ? [[512, 1024], [512, 128]] : [[512, 1024], [512, 128], [4096, 768]];
  for (const [N, C] of shapes) for (const c of layernormCases(N, C)) await benchRows(c, opts);
}
