// A backdoor defence (Tan et al. 2025): a trigger token in half the user turns goes with ALL-CAPS
// answers; a prompt naming "an unusual token" should stop the model learning the backdoor, a generic
// caps prompt much less.
//   npx tsx examples/backdoor.ts [--quick] [--seeds N] [--out DIR] [--backend cpu|webgpu] [--cache DIR]
// Trains (or loads from cache) the setting's base model, fine-tunes its four variants once per seed,
// evaluates held-out facts without a system prompt, prints the table and writes results.json and
// table.md. It is `inoculum setting backdoor` (src/cli/setting.ts); `--help` lists every flag.
import { runExample } from '../src/cli/setting.ts';

process.exitCode = await runExample('backdoor', process.argv.slice(2));
