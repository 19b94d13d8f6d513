// One GPT training step (forward, backward, clip, AdamW) on a backend: tokens/s, ms/step,
// dispatches per step, and a per-kernel breakdown of where the time goes.
//   npx tsx bench/train_step.ts [--backend cpu|webgpu|both] [--json] [--steps N]
// The reference config (issue 4): d_model 128, 4 layers, 4 heads, context 64, vocab 1024, batch 8.
// WebGPU has no timestamp queries on the software adapter, so the breakdown replays each recorded
// dispatch of one step in isolation (reps in one submit, then a sync) and sums by shader; the CPU
// breakdown times each backend call directly.
import * as T from '../src/index.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { Trainer } from '../src/train/trainer.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { WebGpuBackend } from '../src/backend/webgpu.ts';
import type { Backend } from '../src/backend/backend.ts';
import type { DispatchSpec } from '../src/backend/gpu.ts';
import type { Example } from '../src/train/batches.ts';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const json = args.includes('--json');
const which = flag('backend', 'both');
const steps = Number(flag('steps', '5'));

const config: GPTConfig = { vocabSize: 1024, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, layerNormEps: 1e-5 };
const B = 8;

function data(n: number): Example[] {
  const g = new T.Generator(3);
  return Array.from({ length: n }, () => {
    const ids = Array.from({ length: config.blockSize + 1 }, () => g.int(config.vocabSize));
    return { ids, lossMask: ids.map(() => 1) };
  });
}

/** Wraps a CPU backend so every kernel call is timed by name. */
function timedCpu(inner: CpuBackend, acc: Map<string, number>): Backend {
  return new Proxy(inner, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== 'function' || ['alloc', 'free', 'write', 'read', 'readSync', 'stats', 'supports', 'flush'].includes(String(prop))) return typeof v === 'function' ? v.bind(target) : v;
      return (...a: unknown[]) => {
        const t0 = performance.now();
        const r = v.apply(target, a);
        acc.set(String(prop), (acc.get(String(prop)) ?? 0) + performance.now() - t0);
        return r;
      };
    },
  }) as Backend;
}

async function run(name: 'cpu' | 'webgpu') {
  const cpuAcc = new Map<string, number>();
  let be: Backend;
  let gpuBe: WebGpuBackend | null = null;
  if (name === 'cpu') be = timedCpu(new CpuBackend(), cpuAcc);
  else { gpuBe = await WebGpuBackend.create(); be = gpuBe; }
  const model = new GPT(config, 1, be);
  const trainer = new Trainer(model, data(64), { steps: 1000, batchSize: B, lr: 1e-3, warmup: 0 }, 0);
  await trainer.trainStep(); // warm-up: pipelines, pool
  cpuAcc.clear();
  const specs: DispatchSpec[] = [];
  if (gpuBe) { gpuBe.gpu.dispatchCount = 0; }
  const t0 = performance.now();
  let first = true;
  for (let s = 0; s < steps; s++) {
    if (gpuBe && first) gpuBe.gpu.onDispatch = (sp) => specs.push(sp);
    await trainer.trainStep();
    if (gpuBe) gpuBe.gpu.onDispatch = null;
    first = false;
  }
  const ms = (performance.now() - t0) / steps;
  const dispatches = gpuBe ? gpuBe.gpu.dispatchCount / steps : NaN;
  const tokens = B * config.blockSize;
  const breakdown = new Map<string, number>();
  if (gpuBe) {
    // replay each dispatch of one step 5 times in one submit, time, attribute to its shader
    for (const sp of specs) {
      const reps = 5;
      await gpuBe.gpu.sync();
      const t = performance.now();
      for (let r = 0; r < reps; r++) gpuBe.gpu.dispatch(sp);
      await gpuBe.gpu.sync();
      breakdown.set(sp.shader, (breakdown.get(sp.shader) ?? 0) + (performance.now() - t) / reps);
    }
  } else for (const [k, v] of cpuAcc) breakdown.set(k, v / steps);
  const result = {
    tokens_per_s: (1000 * tokens) / ms, ms_per_step: ms, dispatches_per_step: dispatches,
    backend: name, adapter: be.description, config: { ...config, batch: B },
  };
  if (json) console.log(JSON.stringify({ ...result, breakdown_ms: Object.fromEntries([...breakdown].sort((a, b) => b[1] - a[1])) }));
  else {
    console.log(`${name}: ${result.tokens_per_s.toFixed(0)} tokens/s, ${ms.toFixed(1)} ms/step, ${Number.isNaN(dispatches) ? '-' : dispatches.toFixed(0)} dispatches/step  [${be.description}]`);
    const total = [...breakdown.values()].reduce((a, b) => a + b, 0);
    for (const [k, v] of [...breakdown].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`   ${k.padEnd(28)} ${v.toFixed(2).padStart(9)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%`);
    }
  }
  model.dispose();
  gpuBe?.destroy();
}

for (const b of which === 'both' ? (['cpu', 'webgpu'] as const) : [which as 'cpu' | 'webgpu']) await run(b);
