// One GPT training step (forward, backward, clip, AdamW) on a backend: tokens/s, ms/step,
// dispatches per step, and a per-kernel breakdown of where the time goes.
//   npx tsx bench/train_step.ts [--backend cpu|webgpu|both] [--config ref|base] [--json] [--steps N]
// --config ref (default): d_model 128, 4 layers, 4 heads, context 64, vocab 1024, batch 8, random ids.
// --config base: the experiment's own base stage (src/inoculation/config.ts defaultConfig.base):
//   its model, batch, packing and corpus examples, as `inoculum run` trains it.
// --config finetune: the experiment's fine-tune stage (defaultConfig.finetune) on the base model's
//   shape: seed 1's fine-tuning set under the Spanish inoculation prompt, only the weights
//   finetune.train names trainable (the MLPs' output projections), batch 16 packed, AdamW eps 1e-2.
//   The weights are a fresh init, not a trained base: a step's work does not depend on their values.
// tokens/s counts the tokens a step feeds the model (packed rows x row length for base).
// WebGPU has no timestamp queries on the software adapter, so the breakdown replays each recorded
// dispatch of one step in isolation (reps in one submit, then a sync) and sums by shader; the CPU
// breakdown times each backend call directly.
import * as T from '../src/index.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { Trainer } from '../src/train/trainer.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { WebGpuBackend } from '../src/backend/webgpu.ts';
import type { Backend } from '../src/runtime/backend.ts';
import type { DispatchSpec } from '../src/runtime/gpu.ts';
import type { Example } from '../src/train/batches.ts';
import { defaultConfig } from '../src/inoculation/config.ts';
import { experimentSplits } from '../src/inoculation/data/corpus.ts';
import { experimentTokenizer } from '../src/inoculation/run.ts';
import { baseExamples, baseTrainConfig, encodeAll } from '../src/inoculation/base.ts';
import { inoculate } from '../src/inoculation/data/corpus.ts';
import { PROMPTS } from '../src/inoculation/data/prompts.ts';
import { spanishCaps } from '../src/inoculation/settings/spanish_caps.ts';
import { prepareForFinetune } from '../src/inoculation/finetune.ts';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const json = args.includes('--json');
const which = flag('backend', 'both');
const steps = Number(flag('steps', '5'));
const configName = flag('config', 'ref');
if (!['ref', 'base', 'finetune'].includes(configName)) throw new Error(`train_step: --config must be ref, base or finetune, got ${configName}`);

interface Setup {
  config: GPTConfig; examples: Example[]; train: ConstructorParameters<typeof Trainer>[2]; padId: number; seed: number;
  /** Makes the model ready to train (the fine-tune freezes all but some weights); absent: every weight trains. */
  prepare?: (model: GPT) => void;
}

function refSetup(): Setup {
  const config: GPTConfig = { vocabSize: 1024, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, layerNormEps: 1e-5 };
  const g = new T.Generator(3);
  const examples = Array.from({ length: 64 }, () => {
    const ids = Array.from({ length: config.blockSize + 1 }, () => g.int(config.vocabSize));
    return { ids, lossMask: ids.map(() => 1) };
  });
  return { config, examples, train: { steps: 1000, batchSize: 8, lr: 1e-3, warmup: 0 }, padId: 0, seed: 1 };
}

function baseSetup(): Setup {
  const cfg = defaultConfig, b = cfg.base;
  const tok = experimentTokenizer(cfg.tokenizer, b.promptVariety);
  const examples = baseExamples(tok, experimentSplits(cfg), cfg);
  return {
    config: { ...b.model, vocabSize: tok.vocabSize }, examples, padId: tok.padId, seed: b.seed,
    train: baseTrainConfig(cfg),
  };
}
function finetuneSetup(): Setup {
  const cfg = defaultConfig, ft = cfg.finetune, seed = 1;
  const tok = experimentTokenizer(cfg.tokenizer, cfg.base.promptVariety);
  const convs = spanishCaps.finetuneSet(experimentSplits(cfg), seed, cfg.corpusSeed).map((x) => x.conversation);
  return {
    config: { ...cfg.base.model, dropout: ft.dropout, vocabSize: tok.vocabSize }, examples: encodeAll(tok, inoculate(convs, PROMPTS.spanish)), padId: tok.padId, seed,
    // as finetune.ts finetuneVariant builds its Trainer
    train: { steps: ft.steps, batchSize: ft.batchSize, lr: ft.lr, minLr: ft.lr, eps: ft.eps, warmup: ft.warmup, weightDecay: ft.weightDecay, seed, gradClip: 1, pack: ft.pack },
    prepare: (model) => { prepareForFinetune(model, ft, seed); },
  };
}
const setup = configName === 'base' ? baseSetup() : configName === 'finetune' ? finetuneSetup() : refSetup();
const config = setup.config;

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
  const model = new GPT(config, setup.seed, be);
  setup.prepare?.(model);
  const trainer = new Trainer(model, setup.examples, setup.train, setup.padId);
  await trainer.trainStep(); // warm-up: pipelines, pool
  cpuAcc.clear();
  let tokens = 0;
  const specs: DispatchSpec[] = [];
  if (gpuBe) { gpuBe.gpu.dispatchCount = 0; }
  const t0 = performance.now();
  let first = true;
  for (let s = 0; s < steps; s++) {
    if (gpuBe && first) gpuBe.gpu.onDispatch = (sp) => specs.push(sp);
    const m = await trainer.trainStep();
    tokens += m.tokens;
    if (gpuBe) gpuBe.gpu.onDispatch = null;
    first = false;
  }
  const ms = (performance.now() - t0) / steps;
  const dispatches = gpuBe ? gpuBe.gpu.dispatchCount / steps : NaN;
  tokens /= steps;
  const breakdown = new Map<string, number>();
  const byShape = new Map<string, number>(); // matmul time per (M, N, K, forms)
  if (gpuBe) {
    // replay each dispatch of one step 5 times in one submit, time, attribute to its shader
    for (const sp of specs) {
      const reps = 5;
      await gpuBe.gpu.sync();
      const t = performance.now();
      for (let r = 0; r < reps; r++) gpuBe.gpu.dispatch(sp);
      await gpuBe.gpu.sync();
      const ms1 = (performance.now() - t) / reps;
      breakdown.set(sp.shader, (breakdown.get(sp.shader) ?? 0) + ms1);
      if (sp.shader === 'matmul_forward' && sp.uniforms) {
        const [M, N, K, batch, , , am, , bk] = sp.uniforms;
        const key = `${batch > 1 ? `${batch}x ` : ''}${M}x${K}${am === 1 ? '^T' : ''} @ ${K}x${N}${bk === 1 ? '^T' : ''}`;
        byShape.set(key, (byShape.get(key) ?? 0) + ms1);
      }
    }
  } else for (const [k, v] of cpuAcc) breakdown.set(k, v / steps);
  const result = {
    tokens_per_s: (1000 * tokens) / ms, ms_per_step: ms, dispatches_per_step: dispatches,
    tokens_per_step: tokens, backend: name, adapter: be.description, setup: configName, config: { ...config, batch: setup.train.batchSize },
  };
  const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
  // dispatches of one step per shader (the recorded step; bench/table.ts puts them beside each kernel)
  const counts = new Map<string, number>();
  for (const sp of specs) counts.set(sp.shader, (counts.get(sp.shader) ?? 0) + 1);
  if (json) console.log(JSON.stringify({ ...result, breakdown_ms: sorted(breakdown), dispatches_by_kernel: sorted(counts), matmul_by_shape_ms: sorted(byShape) }));
  else {
    console.log(`${name}: ${result.tokens_per_s.toFixed(0)} tokens/s, ${ms.toFixed(1)} ms/step, ${Number.isNaN(dispatches) ? '-' : dispatches.toFixed(0)} dispatches/step  [${be.description}]`);
    const total = [...breakdown.values()].reduce((a, b) => a + b, 0);
    for (const [k, v] of [...breakdown].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`   ${k.padEnd(28)} ${v.toFixed(2).padStart(9)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%`);
    }
    if (byShape.size) console.log('   matmul by shape (M x K @ K x N, ^T: stored transposed):');
    for (const [k, v] of [...byShape].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`     ${k.padEnd(30)} ${v.toFixed(2).padStart(9)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%`);
    }
  }
  model.dispose();
  gpuBe?.destroy();
}

for (const b of which === 'both' ? (['cpu', 'webgpu'] as const) : [which as 'cpu' | 'webgpu']) await run(b);
