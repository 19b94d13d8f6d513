// Softmax family (llm.c dev/cuda style): softmax and log-softmax forward/backward, each run with
// several row geometries (bench/lib/rows.ts), validated against the CPU reference, then timed.
import type { BenchOptions } from './common.ts';
import { benchRows, gb, gpuOf, seeded, type RowCase } from './lib/rows.ts';
import * as K from '../kernels/softmax.ts';

function softmaxCases(N: number, C: number): RowCase[] {
  const shape = `N=${N} C=${C}`;
  const inp = seeded(N * C, 1, -4, 4);
  const probs = new Float32Array(N * C), logp = new Float32Array(N * C);
  K.softmaxForwardCpu(probs, inp, N, C);
  K.logSoftmaxForwardCpu(logp, inp, N, C);
  const dout = seeded(N * C, 2);
  const fwd = 8 * N * C, bwd = 12 * N * C;
  return [
    { kernel: 'softmaxForward', shape, C, bytes: fwd, inputs: [{ data: inp }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.softmaxForward(o[0], i[0], N, C) : K.softmaxForward(gpuOf(b), gb(o[0]), gb(i[0]), N, C, g)) },
    { kernel: 'softmaxBackward', shape, C, bytes: bwd, inputs: [{ data: dout }, { data: probs }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.softmaxBackward(o[0], i[0], i[1], N, C) : K.softmaxBackward(gpuOf(b), gb(o[0]), gb(i[0]), gb(i[1]), N, C, g)) },
    { kernel: 'logSoftmaxForward', shape, C, bytes: fwd, inputs: [{ data: inp }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.logSoftmaxForward(o[0], i[0], N, C) : K.logSoftmaxForward(gpuOf(b), gb(o[0]), gb(i[0]), N, C, g)) },
    { kernel: 'logSoftmaxBackward', shape, C, bytes: bwd, inputs: [{ data: dout }, { data: logp }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.logSoftmaxBackward(o[0], i[0], i[1], N, C) : K.logSoftmaxBackward(gpuOf(b), gb(o[0]), gb(i[0]), gb(i[1]), N, C, g)) },
  ];
}

export async function bench(opts: BenchOptions): Promise<void> {
  // the quick shape, the transformer's rows (attention-sized C = 128), a vocabulary row and short rows
  const shapes: [number, number][] = opts.quick ? [[512, 1024], [512, 128]] : [[512, 1024], [512, 128], [4096, 32], [16, 50257]];
  for (const [N, C] of shapes) for (const c of softmaxCases(N, C)) await benchRows(c, opts);
}
