// The Spanish + ALL-CAPS inoculation experiment (Tan et al. 2025, toy setting), from scratch:
//   npx tsx examples/spanish-caps.ts [--quick] [--seeds N] [--out DIR] [--backend cpu|webgpu]
//                                    [--tokenizer tagged|capslock|hybrid|bpe] [--ablation] [--lora RANK] [--cache DIR]
// Trains (or loads from cache) base models (3 by default) whose style follows the system prompt, fine-tunes each on
// Spanish ALL-CAPS answers under each variant's prompt, evaluates without a prompt, prints the table
// and writes results.json, metrics-*.jsonl and report.html to the run directory.
// It is `inoculum run` (src/cli/run.ts), which also takes --config FILE; `--help` lists every flag.
// Run through cli.ts, as the `inoculum` command is, so a bad flag or config file gets the same
// one-line message and exit code (2 for usage, 1 otherwise) instead of a stack trace.
import { runAndExit } from '../src/cli/cli.ts';

await runAndExit(['run', ...process.argv.slice(2)]);
