// Generation on WebGPU: dropping finished rows from the batch (a gather of the KV cache, then every
// kernel on fewer rows) must leave every row's numbers, so its tokens, exactly as they were: the
// matmul, layernorm and softmax kernels compute a row independently of how many rows the batch has.
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { generate } from '../src/nn/generate.ts';
import { webgpu } from './helpers/backends.ts';

const cfg: GPTConfig = { vocabSize: 11, blockSize: 40, nLayer: 2, nHead: 2, nEmbd: 24, dropout: 0, layerNormEps: 1e-5 };

describe('generation on WebGPU', () => {
  it('compacting finished rows changes no token (greedy and sampled rows, left-padded prompts)', async () => {
    const be = await webgpu();
    const model = new GPT(cfg, 3, be);
    const g = new T.Generator(17);
    for (const p of model.parameters()) if (p.rank === 2) be.write(p.buf, Array.from({ length: p.size }, () => 0.5 * g.normal()));
    const prompts = Array.from({ length: 40 }, () => Array.from({ length: 1 + g.int(9) }, () => g.int(cfg.vocabSize)));
    const rows = prompts.map((_, i) => ({ temperature: i % 3 === 0 ? 1 : 0, seed: 100 + i }));
    let finishedEarly = 0;
    for (const endId of [0, 4, 7]) {
      const kept = await generate(model, prompts, { maxNewTokens: 24, endId, rows, compactAt: 2 });
      for (const compactAt of [0, 0.25]) expect(await generate(model, prompts, { maxNewTokens: 24, endId, rows, compactAt })).toEqual(kept);
      finishedEarly += kept.filter((r) => r.length < 24).length;
    }
    expect(finishedEarly).toBeGreaterThan(20); // the batch did shrink
    model.dispose();
  });
});
