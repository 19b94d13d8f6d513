// Step timing on the same work across commits (docs/bench.md, "operands from texture copies"):
//   npx tsx docs/scripts/dump_base.ts   (on main: the base stage's examples and train config to /tmp/base_dump.json)
//   npx tsx docs/scripts/time_base.ts 8 (in any tree with this file copied into docs/scripts: 2 warm-up, 8 timed steps)
// times base-stage training steps of whatever tree this file sits in, on /tmp/base_dump.json
import { readFileSync } from 'node:fs';
import { GPT } from '../../src/nn/gpt.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { WebGpuBackend } from '../../src/backend/webgpu.ts';
const d = JSON.parse(readFileSync('/tmp/base_dump.json', 'utf8'));
const be = await WebGpuBackend.create();
const model = new GPT(d.model, d.seed, be);
const tr = new Trainer(model, d.examples, d.train, d.padId);
const steps = Number(process.argv[2] ?? 8);
for (let i = 0; i < 2; i++) await tr.trainStep(); // compile, warm
let tokens = 0;
const t0 = performance.now();
const losses: number[] = [];
for (let i = 0; i < steps; i++) { const m = await tr.trainStep(); tokens += m.tokens; losses.push(m.loss); }
const ms = (performance.now() - t0) / steps;
console.log(JSON.stringify({ ms_per_step: ms, tokens_per_s: tokens / steps / ms * 1000, last_loss: losses.at(-1) }));
process.exit(0);
