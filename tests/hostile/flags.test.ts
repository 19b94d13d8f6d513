// Hostile command lines: every command's flags, mistyped, out of range, doubled, missing or empty.
// Each is a usage error (exit 2) that names the flag and the value, and writes nothing (not even
// the default runs/ or .cache/ in the working directory). In-process (cli.ts), one line a case.
import { describe, it } from 'vitest';
import { join } from 'node:path';
import { runCase, runCaseBounded, type Case } from './harness.ts';

const u = (name: string, argv: string[], msg: string | RegExp): Case => ({ name, argv: () => argv, code: 2, msg });

const CASES: Case[] = [
  u('no command', [], ''),
  u('an unknown command', ['pretrian'], "inoculum: unknown command 'pretrian' (did you mean pretrain?)"),
  u('a single-dash option', ['run', '-q'], 'unknown option -q (options are spelled --name)'),
  u('an unknown option with a suggestion', ['run', '--seed', '3'], 'unknown option --seed (did you mean --seeds?)'),
  u('a flag given a value', ['run', '--quick=yes'], '--quick takes no value'),
  u('an option given twice', ['run', '--seeds', '2', '--seeds', '3'], '--seeds given twice'),
  u('a value-less option at the end', ['run', '--out'], '--out needs a value (DIR)'),
  u('a value-less option before another', ['run', '--out', '--quick'], '--out needs a value (DIR)'),
  u('an empty --out', ['run', '--out', ''], '--out must be a path (DIR), got ""'),
  u('an empty --out=', ['pretrain', '--out='], '--out must be a path (DIR), got ""'),
  u('an empty --config', ['run', '--config', '', '--print-config'], '--config must be a path (FILE), got ""'),
  u('a stray positional', ['run', 'now'], 'unexpected argument "now"'),
  u('--seeds 0', ['run', '--seeds', '0'], '--seeds must be an integer >= 1, got "0"'),
  u('--seeds -1', ['run', '--seeds', '-1'], '--seeds must be an integer >= 1, got "-1"'),
  u('--seeds in hex', ['sweep', '--seeds', '0x10'], '--seeds must be an integer, got "0x10"'),
  u('--seeds with an exponent', ['sweep', '--seeds', '1e3'], '--seeds must be an integer, got "1e3"'),
  u('--seeds past 2^53', ['run', '--seeds', '99999999999999999999'], '--seeds must be an integer below 2^53'),
  u('--seeds a billion (over the limit)', ['run', '--seeds', '1000000000'], '--seeds must be an integer <= 1000, got "1000000000"'),
  u('--tokenizer unknown', ['run', '--tokenizer', 'char'], '--tokenizer must be one of tagged, capslock, hybrid, bpe, got "char"'),
  u('--tokenizer in capitals', ['pretrain', '--tokenizer', 'TAGGED'], '--tokenizer must be one of tagged, capslock, hybrid, bpe, got "TAGGED"'),
  u('--lora 0 on run', ['run', '--lora', '0'], '--lora must be an integer >= 1, got "0"'),
  u('--backend unknown', ['run', '--backend', 'metal'], '--backend must be one of cpu, webgpu, got "metal"'),
  u('--resume with --seeds on run', ['run', '--resume', '--out', 'x', '--seeds', '2'], 'drop --config, --quick, --seeds'),
  u('--resume without --out on run', ['run', '--resume'], '--resume continues the run in --out DIR'),
  u('pretrain without --out', ['pretrain'], '--out DIR is required (or --resume DIR)'),
  u('pretrain --checkpoint-every 0', ['pretrain', '--out', 'o', '--checkpoint-every', '0'], '--checkpoint-every must be an integer >= 1, got "0"'),
  u('finetune without --base', ['finetune', '--variant', 'control', '--out', 'o'], '--base DIR is required'),
  u('finetune with both --variant and --data', ['finetune', '--base', 'b', '--variant', 'control', '--data', 'd.jsonl', '--out', 'o'], 'give exactly one of --variant NAME and --data FILE.jsonl'),
  u('finetune with neither --variant nor --data', ['finetune', '--base', 'b', '--out', 'o'], 'give exactly one of --variant NAME and --data FILE.jsonl'),
  u('finetune without --out', ['finetune', '--base', 'b', '--variant', 'control'], '--out DIR is required'),
  u('finetune --variant unknown', ['finetune', '--variant', 'inoculate-french'], '--variant must be one of control, inoculate-spanish, inoculate-caps, placebo, got "inoculate-french"'),
  u('finetune --steps 0', ['finetune', '--steps', '0'], '--steps must be an integer >= 1, got "0"'),
  u('finetune --steps 2.5', ['finetune', '--steps', '2.5'], '--steps must be an integer, got "2.5"'),
  u('finetune --lr text', ['finetune', '--lr', 'fast'], '--lr must be a number, got "fast"'),
  u('finetune --lr negative', ['finetune', '--lr', '-1e-3'], '--lr must be a number >= 0, got "-1e-3"'),
  u('finetune --lr Infinity', ['finetune', '--lr', 'Infinity'], '--lr must be a number, got "Infinity"'),
  u('finetune --lr NaN', ['finetune', '--lr', 'NaN'], '--lr must be a number, got "NaN"'),
  u('finetune --lr 1e400', ['finetune', '--lr', '1e400'], '--lr must be a number, got "1e400"'),
  u('finetune --batch-size 0', ['finetune', '--batch-size', '0'], '--batch-size must be an integer >= 1, got "0"'),
  u('finetune --seed -1', ['finetune', '--seed', '-1'], '--seed must be an integer >= 0, got "-1"'),
  u('finetune --lora-alpha text', ['finetune', '--lora-alpha', 'x'], '--lora-alpha must be a number, got "x"'),
  u('finetune --train unknown', ['finetune', '--train', 'attn'], /--train must be one of all, mlp.*, got "attn"/),
  u('finetune --resume with --lr', ['finetune', '--resume', 'r', '--lr', '1'], '--resume continues a run with the options it was started with: drop --lr'),
  u('finetune --resume with --base and --out', ['finetune', '--resume', 'r', '--base', 'b', '--out', 'o'], 'drop --base, --out'),
  u('pretrain --resume with --out', ['pretrain', '--resume', 'r', '--out', 'o'], '--resume continues a run with the options it was started with: drop --out'),
  u('eval without --model', ['eval'], '--model is required'),
  u('eval --split with an empty name', ['eval', '--model', 'm', '--split', 'heldout,,ood'], '--split: unknown split "" (splits: heldout, ood, finetune, base, or both)'),
  u('eval --split in capitals', ['eval', '--model', 'm', '--split', 'OOD'], '--split: unknown split "OOD"'),
  u('eval --split and --questions', ['eval', '--model', 'm', '--split', 'ood', '--questions', 'q.jsonl'], 'give --split or --questions, not both'),
  u('eval --limit -1', ['eval', '--model', 'm', '--limit', '-1'], '--limit must be an integer >= 0, got "-1"'),
  u('eval --max-new-tokens 0', ['eval', '--model', 'm', '--max-new-tokens', '0'], '--max-new-tokens must be an integer >= 1, got "0"'),
  u('eval --show 1.5', ['eval', '--model', 'm', '--show', '1.5'], '--show must be an integer, got "1.5"'),
  u('export without --out', ['export'], '--out is required'),
  u('export --base-epochs 0', ['export', '--out', 'o', '--base-epochs', '0'], "--base-epochs must be a positive integer or 'all', got \"0\""),
  u('export --base-epochs 1e3', ['export', '--out', 'o', '--base-epochs', '1e3'], "--base-epochs must be a positive integer or 'all', got \"1e3\""),
  u('export --base-epochs ALL', ['export', '--out', 'o', '--base-epochs', 'ALL'], "--base-epochs must be a positive integer or 'all', got \"ALL\""),
  u('export --seed text', ['export', '--out', 'o', '--seed', 'one'], '--seed must be an integer, got "one"'),
  u('setting without a name', ['setting'], 'missing SETTING'),
  u('setting unknown', ['setting', 'mixtures'], 'unknown setting "mixtures": choose one of spanish-caps, mixture, persona, backdoor'),
  u('setting with two names', ['setting', 'mixture', 'persona'], 'unexpected argument "persona"'),
  u('setting --steps 0', ['setting', 'persona', '--steps', '0'], '--steps must be an integer >= 1, got "0"'),
  u('report without a directory', ['report'], 'missing RUNDIR'),
  u('report with an option it does not have', ['report', 'd', '--out', 'x'], 'unknown option --out'),
  u('info with an option', ['info', '--verbose'], 'unknown option --verbose'),
];

describe('hostile command lines: usage errors exit 2, name the flag and value, write nothing', () => {
  // a billion seeds once ran out of heap: that case runs in a bounded child (harness.ts)
  for (const c of CASES) it(c.name, async () => { await (c.name.startsWith('--seeds a billion') ? runCaseBounded(c, { heapMb: 256 }) : runCase(c)); });
  it('a usage error points to the command\'s --help', async () => {
    await runCase({ name: 'help pointer', argv: () => ['finetune', '--lr', 'x'], code: 2, msg: 'Run inoculum finetune --help for its options.' });
  });
  it('a relative --out that would be created is not, when the flags are wrong', async () => {
    await runCase({ name: 'no mkdir', argv: (d) => ['pretrain', '--out', join(d, 'new', 'dir'), '--checkpoint-every', 'x'], code: 2, msg: '--checkpoint-every must be an integer, got "x"' });
  });
});
