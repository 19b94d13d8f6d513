// Element-wise family (llm.c dev/cuda style): binary add (contiguous and broadcast) and unary gelu,
// each in a few workgroup sizes, validated against the CPU reference, then timed at a quick and a
// bigger shape next to it (bench/lib/cases.ts).
import type { BenchOptions } from './common.ts';
import { cpu, runCase, seeded, WGS, type Case } from './lib/cases.ts';
import { binary, unary } from '../kernels/elementwise.ts';

function binaryCase(N: number, C: number, broadcast: boolean): Case {
  const n = N * C;
  const bStrides = broadcast ? [0, 1] : [C, 1];
  return {
    kernel: broadcast ? 'binary-add-bcast' : 'binary-add', shape: broadcast ? `(${N},${C})+(${C})` : `(${N},${C})+(${N},${C})`,
    bytes: 4 * (2 * n + (broadcast ? C : n)), tol: 0,
    inputs: [seeded(n, 1), seeded(broadcast ? C : n, 2)], outputs: [n],
    variants: WGS.map((wg) => ({ name: `wg${wg}`, picked: wg === 256,
      run: (g, o, i) => binary(g, o[0], i[0], i[1], 'add', [N, C], [C, 1], bStrides, wg) })),
    cpuRun: (o, i) => cpu.binary(o[0], i[0], i[1], 'add', [N, C], [C, 1], bStrides),
  };
}

function geluCase(n: number): Case {
  return {
    kernel: 'unary-gelu', shape: `n=${n}`, bytes: 8 * n, tol: 1e-5,
    inputs: [seeded(n, 3, -6, 6)], outputs: [n],
    variants: WGS.map((wg) => ({ name: `wg${wg}`, picked: wg === 256, run: (g, o, i) => unary(g, o[0], i[0], 'gelu', 0, wg) })),
    cpuRun: (o, i) => cpu.unary(o[0], i[0], 'gelu', 0),
  };
}

export async function bench(opts: BenchOptions): Promise<void> {
  // quick: a GPT-2-small activation slice; full adds a (B*T, C) = (4096, 768) step's worth
  const sizes: [number, number][] = opts.quick ? [[64, 768]] : [[64, 768], [4096, 768]];
  for (const [N, C] of sizes) {
    await runCase(binaryCase(N, C, false), opts);
    await runCase(binaryCase(N, C, true), opts);
    await runCase(geluCase(N * C), opts);
  }
}
