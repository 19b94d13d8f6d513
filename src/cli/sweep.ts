// `inoculum sweep`: the prompt-strength sweep of issue 6 (item 2): PH(P) and NLL@0 of candidate
// inoculation prompts on the base model, suppression of the Spanish trait after fine-tuning under
// each, and how well each predictor explains suppression (R^2). Prompts: src/inoculation/sweep.ts.
import type { Backend } from '../runtime/backend.ts';
import { defaultConfig, quickConfig } from '../inoculation/config.ts';
import { formatSweep, runSweep, SWEEP_PROMPTS } from '../inoculation/sweep.ts';
import { parseArgs, formatHelp, type CommandSpec } from './args.ts';
import { MAX_SEEDS, assertValid, resolveExperiment } from '../inoculation/config_file.ts';
import { claimOut, nonEmptyProblem, timestampedRunDir } from '../io/out_dir.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, CONFIG_OPTION, InterruptGuard, log, openBackend } from './common.ts';
import { Interrupted } from '../inoculation/base_cache.ts';

export const spec: CommandSpec = {
  name: 'sweep',
  summary: 'Prompt-strength sweep: PH(P) and NLL@0 before training vs suppression of the trait after.',
  usage: '[--config FILE] [--quick] [--seeds N] [--out DIR] [options]',
  description:
    `For each candidate prompt (${SWEEP_PROMPTS.map((p) => p.name).join(', ')}), measure PH(P) and NLL@0 of the Spanish + CAPS fine-tuning data on the (cached) base model, fine-tune under the prompt once per seed, and measure the Spanish rate without a prompt on held-out facts. Suppression = control's rate minus the prompt's. Writes sweep.json and metrics logs to --out and prints the table with the R^2 of suppression on each predictor.`,
  options: [
    CONFIG_OPTION,
    { name: 'quick', type: 'flag', help: 'smoke run (structure, not the result): start from the quick defaults' },
    { name: 'seeds', type: 'int', min: 1, max: MAX_SEEDS, help: `fine-tune seeds per prompt (default ${defaultConfig.seeds})` },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'output directory (default runs/sweep-<time>)' },
    { name: 'cache', type: 'string', metavar: 'DIR', help: 'base-model cache (default .cache)' },
    { name: 'force', type: 'flag', help: 'write into a non-empty --out DIR (replacing the files of the same names)' },
    BACKEND_OPTION,
  ],
  examples: ['inoculum sweep --seeds 3 --out runs/sweep', 'inoculum sweep --quick --backend cpu --out runs/sweep-smoke'],
};

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const quick = a.flag('quick');
  const cfg = resolveExperiment(a.str('config'), { quick, fallback: quick ? quickConfig : defaultConfig });
  if (a.has('seeds')) cfg.seeds = a.num('seeds')!;
  assertValid(cfg, a.str('config') ?? 'config');
  const outDir = a.str('out') ?? timestampedRunDir('sweep');
  // one writer per output directory, which must be empty unless --force
  const claim = claimOut(outDir, 'sweep', log, () => (a.flag('force') ? null : nonEmptyProblem(outDir)));
  // Ctrl-C / SIGTERM: the base stops at its next step with a resumable checkpoint, a fine-tune at its end
  const guard = new InterruptGuard('stopping at the next base step or after this fine-tune').install();
  let backend: Backend | null = null;
  try {
    backend = await openBackend(a.str('backend'));
    log(`inoculum sweep: ${SWEEP_PROMPTS.length} prompts x ${cfg.seeds} seeds; output ${outDir}`);
    const res = await runSweep({ cfg, outDir, cacheDir: a.str('cache') ?? '.cache', backend, log, shouldStop: () => guard.requested });
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
