// `inoculum report RUNDIR`: re-renders RUNDIR/report.html from results.json and the metrics logs
// (e.g. after the report code changed, or for a run copied from another machine); for a run of
// `inoculum setting` (a smaller setting), its table.md and report.html.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeReport } from '../inoculation/report/report.ts';
import { writeSweepReport } from '../inoculation/report/sweep_report.ts';
import { parseArgs, formatHelp, type CommandSpec } from './args.ts';
import { UserError } from '../io/user_error.ts';
import { readJson } from '../io/json.ts';
import { writeBytesAtomic } from '../io/atomic.ts';
import type { AnyResults } from '../inoculation/results.ts';
import { ALL_SETTINGS } from '../inoculation/settings/index.ts';
import { formatSettingTable } from '../inoculation/report/setting_table.ts';
import { writeSettingReport } from '../inoculation/report/setting_report.ts';

export const spec: CommandSpec = {
  name: 'report',
  summary: "Re-render a run directory's report.html (a sweep's sweep.html; a setting's table.md and report.html) from its results.",
  usage: 'RUNDIR',
  description: 'The page is self-contained (inline SVG and CSS, no network, no script): main result with 95% CIs, the conditionalisation check, trajectories of the probes, the mechanism scatter and the tokenizer ablation. Prints the path of the page.',
  positionals: [{ name: 'RUNDIR', help: 'a directory written by `inoculum run` or `inoculum setting` (holds results.json) or `inoculum sweep` (holds sweep.json)', required: true }],
  options: [],
  examples: ['inoculum report runs/spanish-caps-2026-01-01T10-00-00'],
};

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const dir = a.positionals[0];
  if (!existsSync(join(dir, 'results.json'))) {
    if (existsSync(join(dir, 'sweep.json'))) { console.log(writeSweepReport(dir)); return 0; }
    throw new UserError(`${dir} holds no results.json or sweep.json (not a directory written by inoculum run or inoculum sweep)`);
  }
  const r = readJson<AnyResults>(join(dir, 'results.json'), 'run results');
  if (r.setting && r.setting !== 'spanish-caps') {
    const setting = ALL_SETTINGS[r.setting];
    if (!setting) throw new UserError(`${dir}/results.json: setting ${JSON.stringify(r.setting)} is not one this build knows (${Object.keys(ALL_SETTINGS).join(', ')})`);
    writeBytesAtomic(join(dir, 'table.md'), formatSettingTable(r, setting) + '\n');
    console.log(writeSettingReport(dir, setting, r));
    return 0;
  }
  console.log(writeReport(dir));
  return 0;
}
