// `inoculum sweep`: the prompt-strength sweep of issue 6 (item 2): PH(P) and NLL@0 of candidate
// inoculation prompts on the base model, suppression of the Spanish trait after fine-tuning under
// each, and how well each predictor explains suppression (R^2). Prompts: src/inoculation/sweep.ts.
import type { Backend } from '../runtime/backend.ts';
import { defaultConfig, quickConfig } from '../inoculation/config.ts';
import { formatSweep, readSweepPrompts, runSweep, SWEEP_PROMPTS, type SweepResult } from '../inoculation/sweep.ts';
import { parseJsonText } from '../io/json.ts';
import { readUserText } from '../io/files.ts';
import { UserError } from '../io/user_error.ts';
import { parseArgs, formatHelp, type CommandSpec } from './args.ts';
import { MAX_SEEDS, assertValid, resolveExperiment } from '../inoculation/config_file.ts';
import { claimOut, nonEmptyProblem, timestampedRunDir } from '../io/out_dir.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, CONFIG_OPTION, InterruptGuard, log, openBackend } from './common.ts';
import { Interrupted } from '../inoculation/base_cache.ts';

export const spec: CommandSpec = {
  name: 'sweep',
  summary: 'Prompt-strength sweep: PH(P) and NLL@0 before training vs suppression of the trait after.',
  usage: '[--config FILE] [--quick] [--seeds N] [--prompts FILE] [--fit-on SWEEP.json] [--out DIR] [options]',
  description:
    `For each candidate prompt (${SWEEP_PROMPTS.map((p) => p.name).join(', ')}), measure PH(P) and NLL@0 of the Spanish + CAPS fine-tuning data on the (cached) base model, fine-tune under the prompt once per seed, and measure the Spanish rate without a prompt on held-out facts. Suppression = control's rate minus the prompt's. Writes sweep.json and metrics logs to --out and prints the table with the R^2 of suppression on each predictor.`,
  options: [
    CONFIG_OPTION,
    { name: 'quick', type: 'flag', help: 'smoke run (structure, not the result): start from the quick defaults' },
    { name: 'seeds', type: 'int', min: 1, max: MAX_SEEDS, help: `fine-tune seeds per prompt (default ${defaultConfig.seeds})` },
    { name: 'prompts', type: 'string', metavar: 'FILE', help: 'candidate prompts, a JSON array of {"name", "prompt"} (default the built-in list; the control is always added)' },
    { name: 'fit-on', type: 'string', metavar: 'FILE', help: "an earlier sweep's sweep.json: fit each predictor's line on its prompts and report its R^2 on this sweep's (out of sample)" },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'output directory (default runs/sweep-<time>)' },
    { name: 'cache', type: 'string', metavar: 'DIR', help: 'base-model cache (default .cache)' },
    { name: 'force', type: 'flag', help: 'write into a non-empty --out DIR (replacing the files of the same names)' },
    BACKEND_OPTION,
  ],
  examples: ['inoculum sweep --seeds 3 --out runs/sweep', 'inoculum sweep --quick --backend cpu --out runs/sweep-smoke'],
};

/** An earlier sweep's result, checked enough to fit on: rows with numeric predictors and suppression. */
function readSweepResult(file: string): SweepResult {
  const v = parseJsonText(readUserText(file, 'sweep result', 16 * 1024 * 1024), file) as Partial<SweepResult>;
  const keys = ['ph', 'nll0', 'phSpanish', 'phContrast', 'suppression'] as const;
  const rows = Array.isArray(v?.rows) ? v.rows.filter((r) => r && r.prompt !== null) : [];
  if (rows.length < 2 || !rows.every((r) => keys.every((k) => typeof r[k] === 'number' && Number.isFinite(r[k])))) {
    throw new UserError(`--fit-on ${file}: not a sweep.json with at least two measured prompts (rows with ph, nll0, phSpanish, phContrast and suppression)`);
  }
  return v as SweepResult;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const quick = a.flag('quick');
  const cfg = resolveExperiment(a.str('config'), { quick, fallback: quick ? quickConfig : defaultConfig });
  if (a.has('seeds')) cfg.seeds = a.num('seeds')!;
  assertValid(cfg, a.str('config') ?? 'config');
  const prompts = a.has('prompts') ? readSweepPrompts(a.str('prompts')!) : SWEEP_PROMPTS;
  const fitFile = a.str('fit-on');
  const fitOn = fitFile !== undefined ? { file: fitFile, result: readSweepResult(fitFile) } : undefined;
  const outDir = a.str('out') ?? timestampedRunDir('sweep');
  // one writer per output directory, which must be empty unless --force
  const claim = claimOut(outDir, 'sweep', log, () => (a.flag('force') ? null : nonEmptyProblem(outDir)));
  // Ctrl-C / SIGTERM: the base stops at its next step with a resumable checkpoint, a fine-tune at its end
  const guard = new InterruptGuard('stopping at the next base step or after this fine-tune').install();
  let backend: Backend | null = null;
  try {
    backend = await openBackend(a.str('backend'));
    log(`inoculum sweep: ${prompts.length} prompts x ${cfg.seeds} seeds; output ${outDir}`);
    const res = await runSweep({ cfg, prompts, fitOn, outDir, cacheDir: a.str('cache') ?? '.cache', backend, log, shouldStop: () => guard.requested });
    console.log(formatSweep(res));
    return 0;
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    log(`${e.message}\nrun it again with --force --out ${outDir} to start over (the base model is reused or resumed)`);
    return guard.code;
  } finally {
    guard.dispose();
    closeBackend(backend);
    claim.release();
  }
}
