// The Spanish/French mixture (Tan et al. 2025): fine-tune on half Spanish-only, half French-only
// answers; inoculating one language should leave the model speaking the other.
//   npx tsx examples/mixture.ts [--quick] [--seeds N] [--out DIR] [--backend cpu|webgpu] [--cache DIR]
// Trains (or loads from cache) the setting's base model, fine-tunes its four variants once per seed,
// evaluates held-out facts without a system prompt, prints the table and writes results.json and
// table.md. It is `inoculum setting mixture` (src/cli/setting.ts); `--help` lists every flag.
import { runExample } from '../src/cli/setting.ts';

process.exitCode = await runExample('mixture', process.argv.slice(2));
