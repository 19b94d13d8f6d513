// `inoculum <command> [options]` as a function: cli(argv) runs a command and returns its exit
// status (main.ts, the entry point, exits with it; tests call it in-process). Each command lives in
// its own file and is imported only when it runs, so `inoculum --help` stays fast. Exit status: 0
// ok, 1 error, 2 usage error, 130 interrupted by Ctrl-C, 143 by SIGTERM (a resumable checkpoint was saved).
import { readFileSync } from 'node:fs';
import { UsageError, type CommandSpec } from './args.ts';
import { suggest } from '../suggest.ts';
import { UserError } from '../io/user_error.ts';
import { ConfigError } from '../inoculation/config_file.ts';
import { LockError } from '../io/lock.ts';

interface CommandModule { spec: CommandSpec; main(argv: string[]): Promise<number> }

/** In the order `inoculum --help` lists them; summaries are repeated here so help loads nothing. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  info: { summary: 'Show the backend, the WebGPU adapter and its limits.', load: () => import('./info.ts') },
  run: { summary: 'Run the whole experiment: base model, every variant x seed, evaluation, report.', load: () => import('./run.ts') },
  pretrain: { summary: "Train the experiment's base model (stage 1) into a checkpoint directory.", load: () => import('./pretrain.ts') },
  finetune: { summary: 'Fine-tune a base checkpoint on a variant set or your own chat JSONL (optionally inoculated).', load: () => import('./finetune.ts') },
  eval: { summary: "Trait rates (% Spanish, % ALL CAPS) and content (% correct) of a checkpoint's answers, greedy and sampled.", load: () => import('./eval.ts') },
  report: { summary: "Re-render a run directory's report.html (a sweep's sweep.html; a setting's table.md and report.html) from its results.", load: () => import('./report.ts') },
  export: { summary: 'Write the exact (inoculated) training and eval sets as OpenAI chat JSONL, with a manifest.', load: () => import('./export.ts') },
  setting: { summary: "Run one setting of the experiment runner: spanish-caps, or the paper's smaller ones (mixture, persona, backdoor, emergent, subliminal, subliminal-ft, subliminal-full).", load: () => import('./setting.ts') },
  sweep: { summary: 'Prompt-strength sweep: PH(P) and NLL@0 before training vs suppression of the trait after.', load: () => import('./sweep.ts') },
};

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function help(): string {
  return [
    'usage: inoculum <command> [options]',
    '',
    'Inoculation prompting in small language models trained from scratch on a TypeScript + WebGPU engine:',
    'fine-tune with a system prompt that asks for an unwanted trait, and the trait is not learned globally.',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`),
    '',
    'Run `inoculum <command> --help` for its options. A typical session:',
    '  inoculum run --quick --out runs/smoke                       # the whole experiment, small (minutes)',
    '  inoculum pretrain --out runs/base                           # or stage by stage:',
    '  inoculum finetune --base runs/base --variant inoculate-spanish --out runs/ft-es',
    '  inoculum eval --model runs/ft-es',
    '  inoculum export --out data/                                 # the datasets, for larger models elsewhere',
    '  inoculum setting backdoor                                   # another setting of the paper (mixture, persona, backdoor)',
    '',
    'Environment: INOCULUM_BACKEND=cpu|webgpu (default webgpu, falling back to cpu); INOCULUM_DEBUG=1 prints stack traces.',
    'Docs: docs/cli.md',
  ].join('\n');
}

export async function cli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] && COMMANDS[rest[0]]) return cli([rest[0], '--help']);
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') { console.log(`inoculum ${version()}`); return 0; }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`inoculum: unknown command '${name}'${suggest(name, Object.keys(COMMANDS), '')}\nRun inoculum --help for the list.`);
    return 2;
  }
  const mod = await entry.load();
  try {
    return await mod.main(rest);
  } catch (e) {
    const err = e as Error;
    if (process.env.INOCULUM_DEBUG) console.error(err.stack ?? err);
    if (err instanceof UsageError) {
      console.error(`inoculum ${name}: ${err.message}\nRun inoculum ${name} --help for its options.`);
      return 2;
    }
    const known = err instanceof UserError || err instanceof ConfigError || err instanceof LockError;
    console.error(`inoculum ${name}: ${err.message}${known || process.env.INOCULUM_DEBUG ? '' : '\n(INOCULUM_DEBUG=1 for a stack trace)'}`);
    return 1;
  }
}

/**
 * `cli(argv)` as a process: exits with its status once stdout and stderr have flushed (pipes are
 * asynchronous on some platforms), since Dawn can keep the event loop alive after a command.
 * The `inoculum` command (main.ts) and examples/spanish-caps.ts both end this way.
 */
export async function runAndExit(argv: string[]): Promise<never> {
  const code = await cli(argv);
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
  process.exit(code);
}
