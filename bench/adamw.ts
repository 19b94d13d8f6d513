// AdamW family (llm.c dev/cuda style): one parameter's update in two workgroup sizes, validated
// against the CPU reference, then timed next to it (bench/lib/cases.ts).
import type { BenchOptions } from './common.ts';
import { cpu, runCase, seeded, WGS, type Case } from './lib/cases.ts';
import { adamw } from '../kernels/adamw.ts';

function adamwCase(n: number): Case {
  // outputs are param, m, v (in place): the bench copies the start state into them before each run
  const args = [1e-3, 0.9, 0.999, 1e-8, 0.01, 10] as const;
  return {
    kernel: 'adamw', shape: `n=${n}`, bytes: 4 * 7 * n, tol: 1e-5,
    inputs: [seeded(n, 5), seeded(n, 6, -0.1, 0.1)], outputs: [n, n, n],
    variants: WGS.map((wg) => ({ name: `wg${wg}`, picked: wg === 256,
      run: (g, o, i) => adamw(g, o[0], i[1], o[1], o[2], ...args, undefined, wg) })),
    cpuRun: (o, i) => cpu.adamw(o[0], i[1], o[1], o[2], ...args),
  };
}

export async function bench(opts: BenchOptions): Promise<void> {
  // quick: a GPT-2-small activation slice; full adds a (B*T, C) = (4096, 768) step's worth
  const sizes: [number, number][] = opts.quick ? [[64, 768]] : [[64, 768], [4096, 768]];
  for (const [N, C] of sizes) await runCase(adamwCase(N * C), opts);
}
