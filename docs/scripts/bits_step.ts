// The parameters' sha256 and the losses after 3 steps of the experiment's base stage on WebGPU: run it
// with INOCULUM_MATMUL_SOURCE=storage, =windows and =textures (where matmul reads its operands) or
// on two commits; the same hash means the same bits (bench/NOTES.md v6, v7).
//   npx tsx docs/scripts/bits_step.ts
import { createHash } from 'node:crypto';
import { WebGpuBackend } from '../../src/backend/webgpu.ts';
import { sourceOf } from '../../kernels/lib/source.ts';
import { GPT } from '../../src/nn/gpt.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { defaultConfig } from '../../src/inoculation/config.ts';
import { experimentSplits } from '../../src/inoculation/data/corpus.ts';
import { experimentTokenizer } from '../../src/inoculation/run.ts';
import { baseExamples, baseTrainConfig } from '../../src/inoculation/base.ts';
const cfg = defaultConfig, b = cfg.base;
const tok = experimentTokenizer(cfg.tokenizer, b.promptVariety);
const be = await WebGpuBackend.create();
const model = new GPT({ ...b.model, vocabSize: tok.vocabSize }, b.seed, be);
const tr = new Trainer(model, baseExamples(tok, experimentSplits(cfg), cfg), baseTrainConfig(cfg), tok.padId);
const losses: number[] = [];
for (let i = 0; i < 3; i++) losses.push((await tr.trainStep()).loss);
const h = createHash('sha256');
for (const [, p] of model.namedParameters()) h.update(new Uint8Array((await p.data()).buffer));
console.log(`matmul operands from ${sourceOf(be.gpu).source}: losses ${losses.join(' ')} params ${h.digest('hex').slice(0, 16)}`);
process.exit(0);
