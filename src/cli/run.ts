// `inoculum run`: the whole Spanish + ALL-CAPS experiment (what examples/spanish-caps.ts runs, with
// the same flags), driven by a config file: base model (cached), every variant x seed fine-tuned with
// probes, evaluation, results.json, metrics logs, report.html and the table on stdout.
import type { Mode } from '../tokenizer/vocab.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { ablationTokenizer, defaultConfig, quickConfig } from '../inoculation/config.ts';
import { formatTable, runExperiment } from '../inoculation/run.ts';
import { runOverBases } from '../inoculation/bases.ts';
import { spanishCaps } from '../inoculation/settings/spanish_caps.ts';
import { writeReport } from '../inoculation/report/report.ts';
import type { AnyResults, Results } from '../inoculation/results.ts';
import { writeJsonAtomic } from '../io/json.ts';
import { fmtTime } from '../train/progress.ts';
import { parseArgs, formatHelp, UsageError, type CommandSpec } from './args.ts';
import { MAX_SEEDS, assertValid, printConfig, resolveExperiment } from '../inoculation/config_file.ts';
import { claimOut, firstFew, outEntries, timestampedRunDir } from '../io/out_dir.ts';
import { UserError } from '../io/user_error.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, CONFIG_OPTION, InterruptGuard, log, openBackend } from './common.ts';
import { Diverged } from '../train/trainer.ts';
import { Interrupted } from '../inoculation/base_cache.ts';

export const spec: CommandSpec = {
  name: 'run',
  summary: 'Run the whole experiment: base model, every variant x seed, evaluation, report.',
  usage: '[--config FILE] [--quick] [--seeds N] [--out DIR] [options]',
  description:
    'Stage 1 (the base model) is cached in --cache under a hash of its config, so re-runs skip it (`inoculum pretrain` fills the same cache). Stage 2 fine-tunes every variant (control, inoculate-spanish, inoculate-caps, placebo) once per seed with the dynamics probes, then evaluates without a system prompt (held-out and OOD, greedy and sampled) and with prompts (the conditionalisation check).\n\n' +
    'The run directory gets config.json, results.json, metrics-<variant>-s<seed>.jsonl, units/ (one file per finished fine-tune) and report.html; the table goes to stdout, progress to stderr. Settings: the defaults (or --quick\'s), then the --config file, then the flags below.\n\n' +
    'Ctrl-C stops the run resumably: during the base model it saves a checkpoint next to the cache entry (every 250 steps too), during fine-tuning it stops after the current fine-tune. `inoculum run --resume --out DIR` then goes on with the config saved in DIR/config.json, reusing every finished fine-tune.',
  options: [
    CONFIG_OPTION,
    { name: 'print-config', type: 'flag', help: 'print the effective config with a comment per field (a file to start from) and exit' },
    { name: 'quick', type: 'flag', help: 'minutes-long smoke run (structure, not the effect): start from the quick defaults' },
    { name: 'seeds', type: 'int', min: 1, max: MAX_SEEDS, help: `fine-tune seeds per variant (default ${defaultConfig.seeds})` },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'run directory (default runs/spanish-caps-<time>)' },
    { name: 'tokenizer', type: 'string', choices: ['tagged', 'capslock', 'hybrid', 'bpe'], help: 'answer tokenisation (default tagged: BPE prompts, a case tag and a language tag, then the answer\'s characters; capslock: characters, all caps as one marker; hybrid: characters; bpe: BPE answers)' },
    { name: 'ablation', type: 'flag', help: 'also run the contrasting tokenizer (bpe; for --tokenizer bpe the default), with its own base model, for the report' },
    { name: 'lora', type: 'int', min: 1, metavar: 'RANK', help: 'fine-tune LoRA adapters of this rank on the weights finetune.train names, instead of the weights themselves' },
    { name: 'cache', type: 'string', metavar: 'DIR', help: 'base-model cache (default .cache)' },
    { name: 'resume', type: 'flag', help: 'continue the interrupted run in --out DIR with its saved config' },
    BACKEND_OPTION,
  ],
  examples: [
    'inoculum run --resume --out runs/mine        # after Ctrl-C',
    'inoculum run --quick --out runs/smoke',
    'inoculum run --print-config > my.json   # edit, then:',
    'inoculum run --config my.json --seeds 3 --out runs/mine',
  ],
};

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const quick = a.flag('quick');
  const resume = a.flag('resume');
  if (resume && (!a.has('out') || ['config', 'quick', 'seeds', 'tokenizer', 'lora', 'ablation', 'print-config'].some((k) => a.has(k)))) {
    throw new UsageError('--resume continues the run in --out DIR with the config it was started with: give --out DIR, and drop --config, --quick, --seeds, --tokenizer, --lora, --ablation');
  }
  const saved = resume ? join(a.str('out')!, 'config.json') : null;
  if (saved && !existsSync(saved)) throw new UserError(`--resume: ${saved} not found (not a run directory)`);
  const cfg = resolveExperiment(saved ?? a.str('config'), { quick, fallback: quick ? quickConfig : defaultConfig });
  if (a.has('seeds')) cfg.seeds = a.num('seeds')!;
  if (a.has('tokenizer')) cfg.tokenizer = a.str('tokenizer') as Mode;
  if (a.has('lora')) cfg.finetune.loraRank = a.num('lora')!;
  if (a.flag('ablation')) cfg.ablation = true;
  assertValid(cfg, a.str('config') ?? 'config');
  if (a.flag('print-config')) {
    console.log(printConfig(cfg, `inoculum experiment config${quick ? ' (quick defaults)' : ''}: every field is optional; omitted fields keep these values.\nUse: inoculum run --config FILE`));
    return 0;
  }
  const outDir = a.str('out') ?? timestampedRunDir('spanish-caps');
  const cacheDir = a.str('cache') ?? '.cache';
  // one writer per run directory; a new run needs an empty one (an earlier run's is continued with --resume)
  const claim = claimOut(outDir, 'run', log, () => (resume ? null : outProblem(outDir)));
  const guard = new InterruptGuard('stopping after the current fine-tune (or base checkpoint); resume with inoculum run --resume --out ' + outDir).install();

  let backend: Backend | null = null;
  try {
    const t0 = performance.now();
    backend = await openBackend(a.str('backend'));
    log(`inoculum run: Spanish + ALL-CAPS inoculation${quick ? ' (quick)' : ''}; run directory ${outDir}`);
    if (!resume) writeJsonAtomic(join(outDir, 'config.json'), cfg);
    const opts = { cacheDir, backend, log, resume, shouldStop: () => guard.requested };
    // one run per base model; with several, each in outDir/base-<seed>/ and the pool in outDir
    const { runs, results: pooled } = await runOverBases({ ...opts, setting: spanishCaps, cfg, tokenizer: cfg.tokenizer, outDir }, (run) => {
      if (cfg.bases <= 1) return;
      console.log(formatTable(asMain(run.results)));
      log(`base seed ${run.seed} report: ${writeReport(join(outDir, run.dir))}`);
    });
    const main = asMain(pooled);
    let results: Results = main;
    if (cfg.ablation) {
      const other = ablationTokenizer(cfg.tokenizer);
      log(`ablation: tokenizer ${other} (base seed ${cfg.base.seed})`);
      const ab = await runExperiment({ ...opts, setting: spanishCaps, cfg, tokenizer: other, outDir: join(outDir, `ablation-${other}`) });
      results = { ...main, ablation: asMain(ab) };
    }
    results.wall_s = (performance.now() - t0) / 1000;
    writeJsonAtomic(join(outDir, 'results.json'), results);
    if (cfg.bases > 1) console.log(`\npooled over ${cfg.bases} base models (seeds ${runs.map((r) => r.seed).join(', ')}):`);
    console.log(formatTable(main));
    if (results.ablation) { console.log('\nablation:'); console.log(formatTable(results.ablation)); }
    log(`report: ${writeReport(outDir)}`);
    log(`done in ${fmtTime(results.wall_s)}; results in ${outDir}/results.json`);
    return 0;
  } catch (e) {
    if (e instanceof Diverged) {
      const field = e.label === 'base' ? 'base.lr' : 'finetune.lr';
      throw new UserError(`${e.label === 'base' ? 'base model' : `fine-tune ${e.label}`}: ${e.message}: lower ${field} in a --config file (it is ${field === 'base.lr' ? cfg.base.lr : cfg.finetune.lr}); nothing of the diverged ${e.label === 'base' ? 'base was cached' : 'fine-tune was kept'}`);
    }
    if (!(e instanceof Interrupted)) throw e;
    log(`${e.message}\ncontinue with: inoculum run --resume --out ${outDir}`);
    return guard.code;
  } finally {
    guard.dispose();
    closeBackend(backend);
    claim.release();
  }
}

/** The spanish-caps setting's results (its traits are spanish and caps, its variants results.ts VARIANTS). */
const asMain = (r: AnyResults): Omit<Results, 'ablation'> => r as unknown as Omit<Results, 'ablation'>;

/** Why a new run cannot start in `dir` (null: absent or empty). */
function outProblem(dir: string): string | null {
  const entries = outEntries(dir);
  if (entries.length === 0) return null;
  const unitDirs = [join(dir, 'units'), ...entries.filter((d) => /^base-\d+$/.test(d)).map((d) => join(dir, d, 'units'))];
  if (unitDirs.some((u) => existsSync(u) && readdirSync(u).length > 0)) {
    return `--out ${dir} holds fine-tunes of an earlier run: continue it with inoculum run --resume --out ${dir}, or choose another directory`;
  }
  if (entries.includes('config.json')) return `--out ${dir} holds an earlier run (config.json): continue it with inoculum run --resume --out ${dir}, or choose another directory`;
  return `--out ${dir} is not empty (it holds ${firstFew(entries)}) and is not a run directory: choose another directory`;
}
