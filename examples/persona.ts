// Synthetic persona associations (Tan et al. 2025, section 4.3): the base model learns
// "You are Alice." = English ALL CAPS and "You are Bob." = Spanish; fine-tuning on Spanish ALL-CAPS
// answers under Bob should suppress Spanish and keep caps, like the real Spanish prompt.
//   npx tsx examples/persona.ts [--quick] [--seeds N] [--out DIR] [--backend cpu|webgpu] [--cache DIR]
// Trains (or loads from cache) the setting's base model, fine-tunes its four variants once per seed,
// evaluates held-out facts without a system prompt, prints the table and writes results.json and
// table.md. It is `inoculum setting persona` (src/cli/setting.ts); `--help` lists every flag.
import { runExample } from '../src/cli/setting.ts';

process.exitCode = await runExample('persona', process.argv.slice(2));
