// `inoculum sweep`: the prompt-strength sweep of issue 6 (item 2). NOT IMPLEMENTED YET: the command
// exists so that `inoculum --help` lists the planned interface, and it says so when run.
import { parseArgs, formatHelp, type CommandSpec } from './args.ts';
import { CliError } from './common.ts';

export const spec: CommandSpec = {
  name: 'sweep',
  summary: 'Prompt-strength sweep: PH(P) and NLL@0 before training vs suppression after (NOT IMPLEMENTED YET).',
  usage: '',
  description: 'Planned: for each of several candidate inoculation prompts (the paper\'s, weaker, persona, paraphrase, unrelated, placebo), measure PH(P) and NLL@0 on the base model, fine-tune with the prompt, measure suppression, and report the scatter and R^2. Not implemented yet: running it exits with an error.',
  options: [],
};

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  throw new CliError('sweep is not implemented yet (issue 6, item 2); meanwhile: inoculum finetune --variant control --prompt TEXT, then inoculum eval, per prompt');
}
