// Cross-entropy family (llm.c dev/cuda style): the fused cross-entropy forward, with and without the
// dlogits it writes, run with several row geometries (bench/lib/rows.ts), validated against the CPU
// reference, then timed.
import type { BenchOptions } from './common.ts';
import { benchRows, cpu, gb, gpuOf, seeded, type RowCase } from './lib/rows.ts';
import { crossEntropyForward } from '../kernels/crossentropy.ts';

export function crossEntropyCase(N: number, V: number, withGrad: boolean): RowCase {
  const logits = seeded(N * V, 3, -6, 6);
  const targets = Array.from(seeded(N, 4, 0, V), Math.floor).map((t, n) => (n % 16 === 15 ? -100 : t));
  return {
    kernel: withGrad ? 'crossEntropyForward' : 'crossEntropyFwd-loss', shape: `N=${N} V=${V}`, C: V,
    bytes: 4 * (N * V + 2 * N + (withGrad ? N * V : 0)),
    inputs: [{ data: logits }, { data: targets, dtype: 'i32' }], outputs: withGrad ? [N, N * V] : [N],
    run: (b, o, i, g) => (b === cpu
      ? b.crossEntropyForward(o[0], withGrad ? o[1] : null, i[0], i[1], N, V, -100)
      : crossEntropyForward(gpuOf(b), gb(o[0]), withGrad ? gb(o[1]) : null, gb(i[0]), gb(i[1]), N, V, -100, g)),
  };
}

export async function bench(opts: BenchOptions): Promise<void> {
  const ce: [number, number][] = opts.quick ? [[512, 1024]] : [[512, 1024], [64, 50257]];
  for (const [N, V] of ce) { await benchRows(crossEntropyCase(N, V, true), opts); await benchRows(crossEntropyCase(N, V, false), opts); }
}
