// The GPT model on the CPU backend: whole-model gradcheck in float64, packed rows equal padded
// ones, a tiny model overfits one batch, LoRA starts at the base, trains only adapters, and merges to the same function.
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { AdamW, clipGradNorm } from '../src/optim/adamw.ts';
import { gradcheck } from '../src/gradcheck.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { batchTensors, makeBatch, type Example } from '../src/train/batches.ts';
import fc from 'fast-check';

const tiny: GPTConfig = { vocabSize: 7, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 4, dropout: 0, layerNormEps: 1e-5 };

function batch(be: CpuBackend, B: number, Tn: number, V: number, seed: number) {
  const g = new T.Generator(seed);
  const seq = Array.from({ length: B * (Tn + 1) }, () => g.int(V));
  const x: number[] = [], y: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < Tn; t++) { x.push(seq[b * (Tn + 1) + t]); y.push(seq[b * (Tn + 1) + t + 1]); }
  return { x: T.indices(x, [B, Tn], { backend: be }), y: T.indices(y, [B, Tn], { backend: be }) };
}

describe('GPT', () => {
  it('passes a whole-model gradcheck in float64', () => {
    const be = new CpuBackend();
    T.setDefaultDtype('f64');
    try {
      const model = new GPT(tiny, 3, be);
      // bigger init than GPT-2's 0.02 so every path carries a gradient well above atol
      const g = new T.Generator(9);
      for (const p of model.parameters()) be.write(p.buf, Array.from({ length: p.size }, () => 0.5 * g.normal()));
      const { x, y } = batch(be, 2, 4, tiny.vocabSize, 1);
      const names = model.namedParameters();
      const worst = gradcheck((..._ps) => model.loss(x, y), names.map(([, p]) => p));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      T.setDefaultDtype('f32');
    }
  });

  it('loss on masked targets (rows gathered) equals the loss over full logits, with equal gradients', () => {
    const be = new CpuBackend();
    T.setDefaultDtype('f64');
    try {
      const cfg: GPTConfig = { vocabSize: 9, blockSize: 6, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, layerNormEps: 1e-5 };
      const model = new GPT(cfg, 2, be);
      const g = new T.Generator(5);
      const ids = T.indices(Array.from({ length: 12 }, () => g.int(9)), [2, 6], { backend: be });
      const tg = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? -100 : g.int(9)));
      const targets = T.indices(tg, [2, 6], { backend: be });
      const gathered = model.loss(ids, targets);
      gathered.backward();
      const gGrads = model.parameters().map((p) => Array.from(p.grad!.dataSync()));
      model.zeroGrad();
      const full = T.crossEntropy(model.forward(ids), targets, { ignoreIndex: -100 });
      full.backward();
      expect(Math.abs(gathered.dataSync()[0] - full.dataSync()[0])).toBeLessThan(1e-12);
      model.parameters().forEach((p, i) => p.grad!.dataSync().forEach((v, j) => expect(Math.abs(v - gGrads[i][j])).toBeLessThan(1e-12)));
    } finally {
      T.setDefaultDtype('f32');
    }
  });

  it('a packed batch gives the padded batch\'s loss and gradients (float64, random examples)', () => {
    const be = new CpuBackend();
    T.setDefaultDtype('f64');
    try {
      fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 7 }), (seed, n) => {
        const cfg: GPTConfig = { vocabSize: 9, blockSize: 10, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, layerNormEps: 1e-5 };
        const model = new GPT(cfg, seed, be);
        const g = new T.Generator(seed);
        const examples: Example[] = Array.from({ length: n }, () => {
          const ids = Array.from({ length: 2 + g.int(cfg.blockSize) }, () => g.int(cfg.vocabSize));
          return { ids, lossMask: ids.map((_, i) => (i > 0 && g.uniform() < 0.7 ? 1 : 0)) };
        });
        if (!examples.some((e) => e.lossMask.some((m, i) => i > 0 && m))) examples[0].lossMask[1] = 1;
        const run = (pack: boolean) => {
          const b = makeBatch(examples, 0, cfg.blockSize, pack), x = batchTensors(b, be);
          const loss = model.loss(x.ids, x.targets, x.rows);
          loss.backward();
          const grads = model.parameters().map((p) => Array.from(p.grad!.dataSync()));
          model.zeroGrad();
          return { loss: loss.dataSync()[0], grads, rows: b.B };
        };
        const padded = run(false), packed = run(true);
        expect(Math.abs(packed.loss - padded.loss)).toBeLessThan(1e-12);
        packed.grads.forEach((gr, i) => gr.forEach((v, j) => expect(Math.abs(v - padded.grads[i][j])).toBeLessThan(1e-12)));
        model.dispose();
      }), { numRuns: 30 });
    } finally {
      T.setDefaultDtype('f32');
    }
  });

  it('a tiny model overfits one batch (loss < 0.05)', async () => {
    const be = new CpuBackend();
    const cfg: GPTConfig = { vocabSize: 16, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0, layerNormEps: 1e-5 };
    const model = new GPT(cfg, 1, be);
    const { x, y } = batch(be, 4, 8, 16, 2);
    const opt = new AdamW(model.trainableParameters(), { lr: 1e-2, weightDecay: 0 });
    let loss = Infinity;
    for (let step = 0; step < 200 && loss >= 0.05; step++) {
      const l = T.tidy(() => { const l = model.loss(x, y); l.backward(); return l; });
      loss = (await l.data())[0];
      l.dispose();
      await clipGradNorm(model.trainableParameters(), 1);
      opt.update();
      model.zeroGrad();
    }
    expect(loss).toBeLessThan(0.05);
  });

  it('LoRA starts equal to the base, trains only the adapters, and merges to the same function', async () => {
    const be = new CpuBackend();
    const cfg: GPTConfig = { vocabSize: 11, blockSize: 6, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, layerNormEps: 1e-5 };
    const model = new GPT(cfg, 5, be);
    const { x, y } = batch(be, 2, 6, 11, 3);
    const before = Array.from(model.forward(x).dataSync());
    const baseW = Array.from(model.h[0].attn.c_attn.parameters()[0].dataSync());
    const names = model.addLoRA(2, 4, 7);
    expect(names.length).toBe(8);
    expect(Array.from(model.forward(x).dataSync())).toEqual(before); // B = 0 at init
    const trainable = model.trainableParameters().map(([n]) => n);
    expect(trainable.length).toBe(16);
    expect(trainable.every((n) => n.includes('.lora_'))).toBe(true);
    const opt = new AdamW(model.trainableParameters(), { lr: 1e-2, weightDecay: 0 });
    for (let i = 0; i < 5; i++) {
      T.tidy(() => model.loss(x, y).backward());
      opt.update(); model.zeroGrad();
    }
    // the frozen base weight did not move, but the function did
    const attnBase = model.namedParameters().find(([n]) => n === 'h.0.attn.c_attn.weight')![1];
    expect(Array.from(attnBase.dataSync())).toEqual(baseW);
    const adapted = model.forward(x).dataSync();
    expect(Array.from(adapted)).not.toEqual(before);
    expect([...model.loraStateDict().keys()].length).toBe(16);
    model.mergeLoRA();
    expect(model.namedParameters().some(([n]) => n.includes('lora'))).toBe(false);
    const merged = model.forward(x).dataSync();
    merged.forEach((v, i) => expect(Math.abs(v - adapted[i])).toBeLessThan(1e-5));
  });
});
