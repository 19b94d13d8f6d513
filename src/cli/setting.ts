// `inoculum setting <mixture|persona|backdoor>`: one of the paper's other settings at toy scale
// (issue 6, item 3; src/inoculation/settings/). Base model (cached), every variant x seed fine-tuned,
// evaluated without a system prompt; results.json and table.md in the run directory, the table on
// stdout, progress on stderr.
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { SETTINGS, SETTING_NAMES, defaultSettingConfig, quickSettingConfig, formatSettingTable, runSetting } from '../inoculation/settings/index.ts';
import { writeJsonAtomic } from '../io/json.ts';
import { fmtTime } from '../train/progress.ts';
import { parseArgs, formatHelp, UsageError, type CommandSpec } from './args.ts';
import { MAX_SEEDS } from '../inoculation/config_file.ts';
import { claimOut, nonEmptyProblem, timestampedRunDir } from '../io/out_dir.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, InterruptGuard, log, openBackend } from './common.ts';
import { Interrupted } from '../inoculation/base_cache.ts';

export const spec: CommandSpec = {
  name: 'setting',
  summary: "Run one of the paper's other settings at toy scale: mixture, persona or backdoor.",
  usage: '<mixture|persona|backdoor> [--seeds N] [--steps N] [--quick] [--out DIR] [options]',
  description:
    'mixture: fine-tune on half Spanish-only, half French-only answers; variants control, inoculate-spanish, inoculate-french, placebo; scored % Spanish / French / English. ' +
    'persona: the base learns "You are Alice." = English caps and "You are Bob." = Spanish; fine-tune on Spanish caps under each persona; scored % Spanish / caps. ' +
    'backdoor: a trigger token in half the user turns goes with caps answers; variants control, generic (the caps prompt), trigger-naming, placebo; scored % caps with and without the trigger.\n\n' +
    'Every setting trains (or loads from --cache, keyed by a hash of its config and data) a small base model, fine-tunes each variant once per seed (same data and order across variants), measures NLL@0 and PH(P) of each variant\'s data on the base, and evaluates held-out facts without a system prompt. The run directory gets config.json, results.json and table.md. Details: docs/experiment.md.',
  positionals: [{ name: 'SETTING', help: `which setting: ${SETTING_NAMES.join(', ')}`, required: true }],
  options: [
    { name: 'quick', type: 'flag', help: 'a structure test in seconds (tiny model, 1 seed), not the effect' },
    { name: 'seeds', type: 'int', min: 1, max: MAX_SEEDS, help: `fine-tune seeds per variant (default ${defaultSettingConfig.seeds})` },
    { name: 'steps', type: 'int', min: 1, help: `fine-tuning steps (default ${defaultSettingConfig.finetune.steps}); the base model, and its cache entry, stay the same` },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'run directory (default runs/<setting>-<time>)' },
    { name: 'cache', type: 'string', metavar: 'DIR', help: 'base-model cache (default .cache)' },
    { name: 'force', type: 'flag', help: 'write into a non-empty --out DIR (replacing the files of the same names)' },
    BACKEND_OPTION,
  ],
  examples: ['inoculum setting mixture', 'inoculum setting backdoor --seeds 1 --out runs/backdoor', 'inoculum setting persona --quick --backend cpu'],
};

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const name = a.positionals[0];
  const setting = SETTINGS[name];
  if (!setting) throw new UsageError(`unknown setting ${JSON.stringify(name)}: choose one of ${SETTING_NAMES.join(', ')}`);
  const quick = a.flag('quick');
  const cfg = structuredClone(quick ? quickSettingConfig : defaultSettingConfig);
  if (a.has('seeds')) cfg.seeds = a.num('seeds')!;
  if (a.has('steps')) cfg.finetune.steps = a.num('steps')!;
  const outDir = a.str('out') ?? timestampedRunDir(name);
  // one writer per output directory, which must be empty unless --force
  const claim = claimOut(outDir, 'setting', log, () => (a.flag('force') ? null : nonEmptyProblem(outDir)));
  // Ctrl-C: the base stops at its next step with a resumable checkpoint, a fine-tune at its end
  const guard = new InterruptGuard('stopping at the next base step or after this fine-tune').install();
  let backend: Backend | null = null;
  try {
    backend = await openBackend(a.str('backend'));
    log(`inoculum setting ${name}${quick ? ' (quick)' : ''}: ${cfg.seeds} seed(s) x ${Object.keys(setting.variants).length} variants; run directory ${outDir}`);
    writeJsonAtomic(join(outDir, 'config.json'), { setting: name, quick, ...cfg });
    const r = await runSetting({ setting, cfg, outDir, cacheDir: a.str('cache') ?? '.cache', backend, log, shouldStop: () => guard.requested });
    console.log(formatSettingTable(r));
    log(`done in ${fmtTime(r.wall_s)}; results in ${outDir}/results.json and ${outDir}/table.md`);
    return 0;
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    // no results were written; the base's cache entry (or its .partial checkpoint) is kept
    log(`${e.message}\nrun it again with --force --out ${outDir} to start over (the base model is reused or resumed)`);
    return guard.code;
  } finally {
    guard.dispose();
    closeBackend(backend);
    claim.release();
  }
}

/**
 * examples/<setting>.ts: `main` for one setting, with errors printed as the CLI prints them (the
 * message, exit 2 for a usage error, 1 otherwise) instead of a stack trace.
 */
export async function runExample(name: string, argv: string[]): Promise<number> {
  try {
    return await main([name, ...argv]);
  } catch (e) {
    const err = e as Error;
    if (process.env.INOCULUM_DEBUG) console.error(err.stack ?? err);
    console.error(`examples/${name}.ts: ${err.message}${err instanceof UsageError ? '\nRun it with --help for its options.' : ''}`);
    return err instanceof UsageError ? 2 : 1;
  }
}
