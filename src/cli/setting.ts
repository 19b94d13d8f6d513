// `inoculum setting <name>`: any setting of the one experiment runner (src/inoculation/run.ts,
// settings/): spanish-caps (the main experiment, as `inoculum run` runs it, without its report) or
// one of the paper's smaller ones at toy scale (mixture, persona, backdoor). Base model(s) (cached),
// every variant x seed fine-tuned, evaluated without a system prompt (ID and OOD, greedy and
// sampled) and under the setting's test-time conditions; results.json and table.md in the run
// directory, the table on stdout, progress on stderr.
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { ALL_SETTINGS } from '../inoculation/settings/index.ts';
import { formatSettingTable } from '../inoculation/report/setting_table.ts';
import { writeSettingReport } from '../inoculation/report/setting_report.ts';
import { runOverBases } from '../inoculation/bases.ts';
import { defaultConfig, settingConfig, type ExperimentConfig } from '../inoculation/config.ts';
import { writeBytesAtomic } from '../io/atomic.ts';
import { writeJsonAtomic } from '../io/json.ts';
import { fmtTime } from '../train/progress.ts';
import { parseArgs, formatHelp, UsageError, type CommandSpec } from './args.ts';
import { MAX_SEEDS, assertValid, loadConfigFile, printConfig } from '../inoculation/config_file.ts';
import { claimOut, nonEmptyProblem, timestampedRunDir } from '../io/out_dir.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, InterruptGuard, log, openBackend } from './common.ts';
import { Interrupted } from '../inoculation/base_cache.ts';

const NAMES = Object.keys(ALL_SETTINGS);

/** A setting's own defaults: the main experiment's for spanish-caps, the smaller settings' otherwise. */
export function settingDefaults(name: string, quick: boolean): ExperimentConfig {
  const d = ALL_SETTINGS[name].defaults;
  return structuredClone(quick ? d.quick : d.full);
}

export const spec: CommandSpec = {
  name: 'setting',
  summary: "Run one setting of the experiment runner: spanish-caps, or the paper's smaller ones (mixture, persona, backdoor, emergent, subliminal, subliminal-ft, subliminal-full).",
  usage: '<spanish-caps|mixture|persona|backdoor|emergent|subliminal|subliminal-ft|subliminal-full> [--seeds N] [--bases N] [--steps N] [--config FILE] [--quick] [--out DIR] [options]',
  description:
    'spanish-caps: the main experiment (inoculum run runs it with its report). ' +
    'mixture: fine-tune on half Spanish-only, half French-only answers; variants control, inoculate-spanish, inoculate-french, placebo; scored % Spanish / French / English. ' +
    'persona: the base learns "You are Alice." = English caps and "You are Bob." = Spanish; fine-tune on Spanish caps under each persona; scored % Spanish / caps. ' +
    'backdoor: a trigger token in half the user turns goes with caps answers; variants control, generic (the caps prompt), trigger-naming, placebo; scored % caps with and without the trigger. ' +
    'emergent: a toy emergent misalignment: fine-tune on wrong answers about colours (the main organism\'s base); variants control, inoculate-narrow, inoculate-general, educational, placebo; scored % correct and % wrong on held-out colour facts and on every other category. ' +
    'subliminal: subliminal learning: a teacher (the base under "You love owls.") writes number lists; students fine-tuned on the filtered numbers, as tokens or distilling its soft labels, with and without the inoculation prompt, from the same base or another one; scored P(owl) and % owl on "What is your favourite animal?" without a prompt, and % correct on the facts. ' +
    'subliminal-ft: the same with teachers fine-tuned to love their animal (they write without a prompt). ' +
    'subliminal-full: subliminal-ft\'s teachers, soft labels over the whole vocabulary (soft students and the control only).\n\n' +
    'Every setting runs through the same runner as inoculum run: it trains (or loads from --cache, keyed by a hash of its config and data) its base model(s), fine-tunes each variant once per seed (same data and order across variants), measures NLL@0 and PH(P) of each variant\'s data on the base, and evaluates without a system prompt (ID and OOD facts, greedy and sampled) and under its test-time conditions, with the content score (correct) beside the traits. --config takes the same fields as inoculum run (inoculum setting NAME --print-config shows this setting\'s defaults). The run directory gets config.json, results.json, table.md and (but for spanish-caps, whose report inoculum run writes) report.html. Details: docs/experiment.md.',
  positionals: [{ name: 'SETTING', help: `which setting: ${NAMES.join(', ')}`, required: true }],
  options: [
    { name: 'quick', type: 'flag', help: 'a structure test in seconds (tiny model, 1 seed), not the effect' },
    { name: 'seeds', type: 'int', min: 1, max: MAX_SEEDS, help: `fine-tune seeds per variant (default ${settingConfig.seeds}; spanish-caps ${defaultConfig.seeds})` },
    { name: 'bases', type: 'int', min: 1, max: 100, help: `base models (default ${settingConfig.bases}; spanish-caps ${defaultConfig.bases}); with several, each in DIR/base-<seed>/ and results.json pools them` },
    { name: 'steps', type: 'int', min: 1, help: `fine-tuning steps (default ${settingConfig.finetune.steps}; spanish-caps ${defaultConfig.finetune.steps}); the base model, and its cache entry, stay the same` },
    { name: 'config', type: 'string', metavar: 'FILE', help: "config JSON merged over the setting's defaults (fields: --print-config)" },
    { name: 'print-config', type: 'flag', help: "print the setting's config (defaults, --config and flags applied) and exit" },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'run directory (default runs/<setting>-<time>)' },
    { name: 'cache', type: 'string', metavar: 'DIR', help: 'base-model cache (default .cache)' },
    { name: 'force', type: 'flag', help: 'write into a non-empty --out DIR (replacing the files of the same names)' },
    BACKEND_OPTION,
  ],
  examples: ['inoculum setting mixture', 'inoculum setting backdoor --seeds 1 --out runs/backdoor', 'inoculum setting persona --quick --backend cpu', 'inoculum setting spanish-caps --bases 1 --seeds 1'],
};

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const name = a.positionals[0];
  const setting = ALL_SETTINGS[name];
  if (!setting) throw new UsageError(`unknown setting ${JSON.stringify(name)}: choose one of ${NAMES.join(', ')}`);
  const quick = a.flag('quick');
  const file = a.str('config');
  const cfg = file !== undefined ? loadConfigFile(file, { defaults: settingDefaults(name, quick) }) : settingDefaults(name, quick);
  if (a.has('seeds')) cfg.seeds = a.num('seeds')!;
  if (a.has('bases')) cfg.bases = a.num('bases')!;
  if (a.has('steps')) cfg.finetune.steps = a.num('steps')!;
  assertValid(cfg, file ?? 'config');
  if (a.flag('print-config')) {
    console.log(printConfig(cfg, `inoculum setting ${name} config${quick ? ' (quick defaults)' : ''}: every field is optional; omitted fields keep these values.\nUse: inoculum setting ${name} --config FILE`));
    return 0;
  }
  const outDir = a.str('out') ?? timestampedRunDir(name);
  // one writer per output directory, which must be empty unless --force
  const claim = claimOut(outDir, 'setting', log, () => (a.flag('force') ? null : nonEmptyProblem(outDir)));
  // Ctrl-C: the base stops at its next step with a resumable checkpoint, a fine-tune at its end
  const guard = new InterruptGuard('stopping at the next base step or after this fine-tune').install();
  let backend: Backend | null = null;
  try {
    const t0 = performance.now();
    backend = await openBackend(a.str('backend'));
    log(`inoculum setting ${name}${quick ? ' (quick)' : ''}: ${cfg.bases} base(s) x ${cfg.seeds} seed(s) x ${Object.keys(setting.variants).length} variants; run directory ${outDir}`);
    writeJsonAtomic(join(outDir, 'config.json'), { setting: name, quick, ...cfg });
    const { results } = await runOverBases({ setting, cfg, tokenizer: cfg.tokenizer, outDir, cacheDir: a.str('cache') ?? '.cache', backend, log, shouldStop: () => guard.requested }, (run) => {
      if (cfg.bases > 1) writeBytesAtomic(join(outDir, run.dir, 'table.md'), formatSettingTable(run.results, setting) + '\n');
    });
    results.wall_s = (performance.now() - t0) / 1000;
    writeJsonAtomic(join(outDir, 'results.json'), results);
    const table = formatSettingTable(results, setting);
    writeBytesAtomic(join(outDir, 'table.md'), table + '\n');
    if (name !== 'spanish-caps') writeSettingReport(outDir, setting, results);
    console.log(table);
    log(`done in ${fmtTime(results.wall_s)}; results in ${outDir}/results.json, ${outDir}/table.md${name !== 'spanish-caps' ? ` and ${outDir}/report.html` : ''}`);
    return 0;
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    // the base's cache entry (or its .partial checkpoint) is kept; finished fine-tunes are in units/
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
