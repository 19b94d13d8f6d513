// One GPT training step on WebGPU equals the CPU backend within f32 tolerance: loss, every
// parameter's gradient, and the parameters after one AdamW update. Also a whole training run of a
// few steps on WebGPU leaves no leaked buffers.
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { AdamW } from '../src/optim/adamw.ts';
import { generate } from '../src/nn/generate.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { batchTensors, makeBatch, type Example } from '../src/train/batches.ts';
import { webgpu, expectClose } from './helpers/backends.ts';

const cfg: GPTConfig = { vocabSize: 37, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 24, dropout: 0, layerNormEps: 1e-5 };

function batch(seed: number, B: number, Tn: number) {
  const g = new T.Generator(seed);
  const ids = Array.from({ length: B * Tn }, () => g.int(cfg.vocabSize));
  const targets = Array.from({ length: B * Tn }, (_, i) => (i % 5 === 0 ? -100 : g.int(cfg.vocabSize)));
  return { ids, targets };
}

async function step(be: T.Backend) {
  const model = new GPT(cfg, 7, be);
  const { ids, targets } = batch(3, 3, 11);
  const loss = T.tidy(() => {
    const l = model.loss(T.indices(ids, [3, 11], { backend: be }), T.indices(targets, [3, 11], { backend: be }));
    l.backward();
    return l;
  });
  const grads = new Map<string, Float32Array>();
  for (const [n, p] of model.namedParameters()) grads.set(n, Float32Array.from(await p.grad!.data()));
  const opt = new AdamW(model.trainableParameters(), { lr: 1e-2 });
  opt.update();
  const after = new Map<string, Float32Array>();
  for (const [n, p] of model.namedParameters()) after.set(n, Float32Array.from(await p.data()));
  const l = (await loss.data())[0];
  loss.dispose(); model.zeroGrad(); opt.dispose(); model.dispose();
  return { loss: l, grads, after };
}

describe('GPT on WebGPU', () => {
  it('one training step equals the CPU backend (loss, gradients, updated weights)', async () => {
    const gpu = await webgpu();
    const a = await step(new CpuBackend());
    const b = await step(gpu);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5 * Math.abs(a.loss) + 1e-6);
    for (const [n, g] of a.grads) {
      // gradients are sums over up to B*T*V products: f32 rounding, relative to the largest entry
      const scale = Math.max(...Array.from(g, Math.abs));
      expectClose(b.grads.get(n)!, g, 1e-4 * scale + 1e-7, 1e-3, `grad ${n}`);
    }
    // Adam's first step is lr * sign-like; elements whose gradient is ~0 may flip, so compare
    // where the CPU gradient is clearly non-zero
    for (const [n, w] of a.after) {
      const g = a.grads.get(n)!, scale = Math.max(...Array.from(g, Math.abs));
      const keepIdx = Array.from(g.keys()).filter((i) => Math.abs(g[i]) > 1e-3 * scale);
      expectClose(keepIdx.map((i) => b.after.get(n)![i]), keepIdx.map((i) => w[i]), 1e-5, 1e-4, `weights ${n}`);
    }
  });

  it('a packed batch on WebGPU gives the padded batch\'s loss and gradients on the CPU', async () => {
    const gpu = await webgpu();
    const g = new T.Generator(17);
    const examples: Example[] = Array.from({ length: 7 }, () => {
      const ids = Array.from({ length: 2 + g.int(cfg.blockSize - 1) }, () => g.int(cfg.vocabSize));
      return { ids, lossMask: ids.map((_, i) => (i % 4 === 0 ? 0 : 1)) };
    });
    const run = async (be: T.Backend, pack: boolean) => {
      const model = new GPT(cfg, 7, be);
      const b = makeBatch(examples, 0, cfg.blockSize, pack);
      const loss = T.tidy(() => { const x = batchTensors(b, be); const l = model.loss(x.ids, x.targets, x.rows); l.backward(); return l; });
      const grads = new Map<string, Float32Array>();
      for (const [n, p] of model.namedParameters()) grads.set(n, Float32Array.from(await p.grad!.data()));
      const l = (await loss.data())[0];
      loss.dispose(); model.zeroGrad(); model.dispose();
      return { loss: l, grads, rows: b.B };
    };
    const want = await run(new CpuBackend(), false), got = await run(gpu, true);
    expect(got.rows).toBeLessThan(want.rows); // the examples really share rows
    expect(Math.abs(want.loss - got.loss)).toBeLessThan(1e-5 * Math.abs(want.loss) + 1e-6);
    for (const [n, gr] of want.grads) {
      const scale = Math.max(...Array.from(gr, Math.abs));
      expectClose(got.grads.get(n)!, gr, 1e-4 * scale + 1e-7, 1e-3, `grad ${n}`);
    }
  });

  it('trains a few steps with no leaked buffers', async () => {
    const gpu = await webgpu();
    const start = gpu.stats();
    const model = new GPT(cfg, 1, gpu);
    const opt = new AdamW(model.trainableParameters(), { lr: 1e-2 });
    const { ids, targets } = batch(5, 2, 12);
    const losses: number[] = [];
    for (let s = 0; s < 6; s++) {
      const l = T.tidy(() => {
        const l = model.loss(T.indices(ids, [2, 12], { backend: gpu }), T.indices(targets, [2, 12], { backend: gpu }));
        l.backward();
        return l;
      });
      opt.update(); model.zeroGrad();
      losses.push((await l.data())[0]);
      l.dispose();
    }
    expect(losses[5]).toBeLessThan(losses[0]);
    opt.dispose(); model.dispose();
    expect(gpu.stats()).toEqual(start);
  });

  // the preallocated KV cache is read through batch strides on the device: a layout slip would
  // change the tokens, so the WebGPU continuation must equal the CPU one (weights scaled up so the
  // argmax has clear margins; fixed seeds, so the comparison is deterministic)
  it('generation with the KV cache (left-padded batch, greedy and sampled rows) equals the CPU backend', async () => {
    const gpu = await webgpu();
    const cpu = new CpuBackend();
    const outs = [];
    for (const be of [cpu, gpu] as T.Backend[]) {
      const model = new GPT(cfg, 5, be);
      const g = new T.Generator(21);
      for (const p of model.parameters()) if (p.rank === 2) be.write(p.buf, Array.from({ length: p.size }, () => 0.4 * g.normal()));
      const prompts = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [11]];
      outs.push(await generate(model, prompts, { maxNewTokens: 6, rows: prompts.map((_, i) => ({ temperature: i % 2 ? 1 : 0, seed: 40 + i })) }));
      outs.push(await generate(model, prompts, { maxNewTokens: 6, kvCache: false }));
      model.dispose();
    }
    expect(outs[2]).toEqual(outs[0]);
    expect(outs[3]).toEqual(outs[1]);
    expect(outs[0].every((r) => r.length === 6)).toBe(true);
  });
});
