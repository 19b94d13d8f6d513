// Reduce family (llm.c dev/cuda style): sum over rows and over columns, one invocation per output vs
// one workgroup per output at several workgroup sizes, validated against the CPU reference, then
// timed next to it (bench/lib/cases.ts).
import { benchBackend, type BenchOptions } from './common.ts';
import { cpu, runCase, seeded, type Case } from './lib/cases.ts';
import { reduce, pickReduce, type ReduceVariant } from '../kernels/reduce.ts';

function reduceCase(kind: 'hardware' | 'software', outer: number, R: number, inner: number): Case {
  const picked = pickReduce(kind, outer, R, inner);
  const variants: ReduceVariant[] = [{ rows: false, WG: 64 }, { rows: false, WG: 8 }, { rows: true, WG: 8 }, { rows: true, WG: 64 }, { rows: true, WG: 256 }];
  return {
    kernel: inner === 1 ? 'reduce-sum-rows' : 'reduce-sum-cols', shape: `(${outer},${R},${inner})`,
    bytes: 4 * (outer * R * inner + outer * inner), tol: 1e-4,
    inputs: [seeded(outer * R * inner, 4)], outputs: [outer * inner],
    variants: variants.map((v) => ({
      name: `${v.rows ? 'wg-per-out' : 'inv-per-out'} wg${v.WG}`, picked: v.rows === picked.rows && v.WG === picked.WG,
      run: (g, o, i) => reduce(g, o[0], i[0], 'sum', outer, R, inner, v),
    })),
    cpuRun: (o, i) => cpu.reduce(o[0], i[0], 'sum', outer, R, inner),
  };
}

export async function bench(opts: BenchOptions): Promise<void> {
  const kind = (await benchBackend()).gpu.dawn.kind;
  // quick: a GPT-2-small activation slice; full adds a (B*T, C) = (4096, 768) step's worth
  const sizes: [number, number][] = opts.quick ? [[64, 768]] : [[64, 768], [4096, 768]];
  for (const [N, C] of sizes) {
    await runCase(reduceCase(kind, N, C, 1), opts); // row sums, R = C
    await runCase(reduceCase(kind, 1, N, C), opts); // column sums (a bias gradient), one output per channel
  }
  // long rows with few outputs: where one invocation per output leaves the device idle
  await runCase(reduceCase(kind, 4, opts.quick ? 8192 : 50_000, 1), opts);
}
