// Step timing on the same work across commits (docs/bench.md, "operands from texture copies"):
//   npx tsx docs/scripts/dump_base.ts   (on main: the base stage's examples and train config to /tmp/base_dump.json)
//   npx tsx docs/scripts/time_base.ts 8 (in any tree with this file copied into docs/scripts: 2 warm-up, 8 timed steps)
// dumps the base stage's model config, examples and train config (for timing older commits on the same work)
import { writeFileSync } from 'node:fs';
import { defaultConfig } from '../../src/inoculation/config.ts';
import { experimentSplits } from '../../src/inoculation/data/corpus.ts';
import { experimentTokenizer } from '../../src/inoculation/run.ts';
import { baseExamples, baseTrainConfig } from '../../src/inoculation/base.ts';
const cfg = defaultConfig, b = cfg.base;
const tok = experimentTokenizer(cfg.tokenizer, b.promptVariety);
writeFileSync('/tmp/base_dump.json', JSON.stringify({ model: { ...b.model, vocabSize: tok.vocabSize }, seed: b.seed, examples: baseExamples(tok, experimentSplits(cfg), cfg), train: baseTrainConfig(cfg), padId: tok.padId }));
