// AdamW family (llm.c dev/cuda style): one parameter's update (copies in and out included) in two workgroup sizes, validated
// against the CPU reference, then timed next to it (bench/lib/cases.ts).
import type { BenchOptions } from './common.ts';
import { cpu, runCase, seeded, WGS, type Case } from './lib/cases.ts';
import { adamw } from '../kernels/adamw.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';

function adamwCase(n: number): Case {
  // outputs are param and its (m, v) pairs (in place): the bench copies the start state into them
  // before each run; the flat param and grad the kernel copies into are scratch, made once per side
  const args = [1e-3, 0.9, 0.999, 1e-8, 10] as const;
  const item = <B>(param: B, grad: B) => [{ param, grad, offset: 0, weightDecay: 0.01 }];
  let scratch: [GpuBuf, GpuBuf] | null = null;
  const cpuScratch = cpu.alloc(n, 'f32');
  return {
    kernel: 'adamw', shape: `n=${n}`, bytes: 4 * 7 * n, tol: 1e-5,
    inputs: [seeded(n, 5), seeded(n, 6, -0.1, 0.1)], outputs: [n, 2 * n],
    variants: WGS.map((wg) => ({ name: `wg${wg}`, picked: wg === 256,
      run: (g, o, i) => {
        scratch ??= [g.alloc(n, 'f32'), g.alloc(n, 'f32')];
        adamw(g, item(o[0], i[1]), { param: scratch[0], grad: scratch[1], moments: o[1] }, ...args, undefined, { wg });
      } })),
    cpuRun: (o, i) => cpu.adamw(item(o[0], i[1]), { param: cpuScratch, grad: cpuScratch, moments: o[1] }, ...args),
  };
}

export async function bench(opts: BenchOptions): Promise<void> {
  // quick: a GPT-2-small activation slice; full adds a (B*T, C) = (4096, 768) step's worth
  const sizes: [number, number][] = opts.quick ? [[64, 768]] : [[64, 768], [4096, 768]];
  for (const [N, C] of sizes) await runCase(adamwCase(N * C), opts);
}
