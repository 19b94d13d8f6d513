// `inoculum pretrain`: stage 1 alone. Trains the experiment's base model (style follows the system
// prompt) into a run directory, resumable after Ctrl-C, and stores it in the base-model cache too, so
// `inoculum run` with the same config skips stage 1 (and a base `run` already trained is reused here).
import type { Mode } from '../tokenizer/vocab.ts';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { GPT, type GPTConfig } from '../nn/gpt.ts';
import { Diverged, Trainer } from '../train/trainer.ts';
import { saveCheckpoint } from '../io/checkpoint.ts';
import { readJsonl } from '../io/json.ts';
import { baseHash, corpusHash, forTokenizer, quickConfig, defaultConfig } from '../inoculation/config.ts';
import { baseExamples, baseTrainConfig, trainOrLoadBase } from '../inoculation/base.ts';
import { spanishCaps } from '../inoculation/settings/spanish_caps.ts';
import { fmtTime } from '../train/progress.ts';
import { experimentTokenizer } from '../inoculation/run.ts';
import { parseArgs, formatHelp, UsageError, type CommandSpec } from './args.ts';
import { assertValid, printConfig, resolveExperiment } from '../inoculation/config_file.ts';
import { experimentSplits } from '../inoculation/data/corpus.ts';
import { assertFreshOut, failRun, freshOutProblem, readRun, startOver, trimMetrics, writeRun, type RunRecord } from '../inoculation/run_dir.ts';
import { claimOut } from '../io/out_dir.ts';
import { UserError } from '../io/user_error.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, CONFIG_OPTION, Interrupted, InterruptGuard, log, openBackend } from './common.ts';

export const spec: CommandSpec = {
  name: 'pretrain',
  summary: "Train the experiment's base model (stage 1) into a checkpoint directory.",
  usage: '[--config FILE] --out DIR | --resume DIR',
  description:
    'The base model learns to answer the corpus facts in the style its system prompt asks for: no prompt or a neutral one -> English, "You always speak in Spanish." -> Spanish, "You always capitalise your responses." -> English ALL CAPS, both -> Spanish ALL CAPS. Loss on answer tokens only.\n\n' +
    'DIR gets run.json, metrics.jsonl (one line per step) and checkpoint/. The model is also stored in the base-model cache (--cache), keyed by a hash of the base config, tokenizer and corpus: `inoculum run` with the same config then skips stage 1, and a base already in the cache is not trained again. Ctrl-C saves a resumable checkpoint; --resume DIR continues it. Afterwards the base model is scored on held-out facts under each condition (exact answer, % Spanish, % caps).',
  options: [
    CONFIG_OPTION,
    { name: 'quick', type: 'flag', help: 'start from the quick (smoke-test) defaults instead of the full ones' },
    { name: 'tokenizer', type: 'string', choices: ['tagged', 'capslock', 'hybrid', 'bpe'], help: 'answer tokenisation (overrides the config)' },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'run directory to create (must not exist or be empty)' },
    { name: 'resume', type: 'string', metavar: 'DIR', help: 'continue an interrupted pretrain run in DIR' },
    { name: 'cache', type: 'string', metavar: 'DIR', help: 'base-model cache shared with `inoculum run` (default .cache)' },
    { name: 'checkpoint-every', type: 'int', min: 1, metavar: 'N', help: 'also save a resumable checkpoint every N steps' },
    { name: 'print-config', type: 'flag', help: 'print the experiment config (defaults merged with --config) with a comment per field, and exit' },
    BACKEND_OPTION,
  ],
  examples: [
    'inoculum pretrain --out runs/base',
    'inoculum pretrain --config my.json --out runs/base-d128',
    'inoculum pretrain --resume runs/base        # after Ctrl-C',
  ],
};

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const resumeDir = a.str('resume');
  if (resumeDir !== undefined && (a.has('out') || a.has('config') || a.has('quick') || a.has('tokenizer'))) {
    throw new UsageError('--resume continues a run with the options it was started with: drop --out, --config, --quick and --tokenizer');
  }
  const prior = resumeDir !== undefined ? readRun(resumeDir) : null;
  if (prior && prior.command !== 'pretrain') throw new UserError(`${resumeDir} is a ${prior.command} run; resume it with inoculum ${prior.command} --resume`);
  const cfg0 = prior ? resolveExperiment(undefined, { fallback: prior.experiment }) : resolveExperiment(a.str('config'), { quick: a.flag('quick'), fallback: a.flag('quick') ? quickConfig : defaultConfig });
  if (a.str('tokenizer')) cfg0.tokenizer = a.str('tokenizer') as Mode;
  // tag-forced copies exist only for the tagged tokenizer (config.ts forTokenizer)
  const cfg = forTokenizer(cfg0, cfg0.tokenizer);
  assertValid(cfg, a.str('config') ?? 'config');
  if (a.flag('print-config')) {
    console.log(printConfig(cfg, 'inoculum experiment config: every field is optional; omitted fields keep these values.'));
    return 0;
  }
  const out = resumeDir ?? a.str('out');
  if (out === undefined) throw new UsageError('--out DIR is required (or --resume DIR)');
  if (!prior) assertFreshOut(out, `continue it with inoculum pretrain --resume ${out}`);
  if (prior?.status === 'done') { log(`${out}: this pretrain run is already done (step ${prior.step}/${prior.steps})`); return 0; }
  if (prior && !existsSync(join(out, 'checkpoint', 'checkpoint.json'))) throw new UserError(`${out} has no checkpoint to resume (it was stopped before its first save): ${startOver(out)}`);

  const cacheDir = a.str('cache') ?? prior?.cache ?? '.cache';
  const tok = experimentTokenizer(cfg.tokenizer, cfg.base.promptVariety);
  const splits = experimentSplits(cfg);
  const hash = baseHash(cfg, cfg.tokenizer, corpusHash());
  const cacheCk = join(cacheDir, `base-${hash}`);
  const modelCfg: GPTConfig = { ...cfg.base.model, vocabSize: tok.vocabSize };

  // one writer per run directory; a new run's directory is checked again under the lock
  const claim = claimOut(out, 'pretrain', log, () => (prior ? null : freshOutProblem(out, `continue it with inoculum pretrain --resume ${out}`)));
  const checkpointEvery = a.num('checkpoint-every') ?? prior?.checkpointEvery;
  let backend: Backend | null = null;
  const guard = new InterruptGuard().install();
  let run: RunRecord | null = null;
  try {
    backend = await openBackend(a.str('backend'));
    const t0 = performance.now();
    run = prior ?? {
      format: 'inoculum-run', version: 1, command: 'pretrain', status: 'running', step: 0, steps: cfg.base.steps,
      experiment: cfg, tokenizer: cfg.tokenizer, backend: backend.name, started: new Date().toISOString(), updated: '', wall_s: 0,
      train: baseTrainConfig(cfg),
      baseHash: hash, corpusHash: corpusHash(), cache: resolve(cacheDir),
    };
    const wall0 = run.wall_s;
    const elapsed = () => wall0 + (performance.now() - t0) / 1000;
    run.status = 'running'; run.backend = backend.name;
    if (checkpointEvery !== undefined) run.checkpointEvery = checkpointEvery;
    writeRun(out, run);
    const rec = run;

    let finalLoss: number;
    if (existsSync(join(cacheCk, 'checkpoint.json')) && !prior) {
      log(`base model: already trained with this config (cache ${cacheCk}); not training again`);
      finalLoss = NaN;
    } else {
      // the same model, data and schedule as trainOrLoadBase (src/inoculation/base.ts), so the cache entry is interchangeable
      const model = new GPT(modelCfg, cfg.base.seed, backend);
      const examples = baseExamples(tok, splits, cfg);
      const trainer = new Trainer(model, examples, run.train, tok.padId);
      const metricsFile = join(out, 'metrics.jsonl');
      if (prior) {
        trainer.load(join(out, 'checkpoint'));
        trimMetrics(metricsFile, trainer.step);
        log(`resuming at step ${trainer.step}/${cfg.base.steps}`);
      }
      log(`base model: ${model.numParameters().toLocaleString()} parameters (${modelCfg.nLayer} layers, d${modelCfg.nEmbd}, V ${modelCfg.vocabSize}), ${cfg.base.steps} steps of ${cfg.base.batchSize} on ${examples.length} examples; tokenizer ${cfg.tokenizer}`);
      // Trainer.run writes metrics.jsonl, saves the checkpoint every --checkpoint-every steps, at
      // the end, and where shouldStop (Ctrl-C) stops it; onCheckpoint records each save in run.json
      await trainer.run({
        label: 'pretrain',
        metricsPath: metricsFile,
        checkpointDir: join(out, 'checkpoint'),
        vocab: tok.toJSON(),
        checkpointEvery,
        shouldStop: () => guard.requested,
        onStep: () => guard.poll(),
        onCheckpoint: async (t) => {
          Object.assign(rec, { status: t.step < cfg.base.steps && guard.requested ? 'interrupted' : 'running', step: t.step, wall_s: elapsed() });
          writeRun(out, rec);
        },
      });
      if (trainer.step < cfg.base.steps) throw new Interrupted(trainer.step, out);
      const losses = readJsonl<{ loss: number }>(metricsFile, { what: 'metrics log' }).map((r) => r.loss);
      const last = losses.slice(-20);
      finalLoss = last.reduce((s, x) => s + x, 0) / Math.max(1, last.length);
      // the cache entry, in trainOrLoadBase's format
      await saveCheckpoint(cacheCk, { config: { model: modelCfg, finalLoss, experiment: cfg.base }, state: model.stateDict(), vocab: tok.toJSON() });
      trainer.opt.dispose();
      model.dispose();
      log(`base model: final loss ${finalLoss.toFixed(3)}; cached as ${cacheCk}`);
    }

    // load through the experiment's own path: it checks the vocabulary and scores the base model
    log('scoring the base model on held-out facts under each condition...');
    const base = await trainOrLoadBase({ setting: spanishCaps, cfg, mode: cfg.tokenizer, tok, splits, backend, cacheDir, log: () => {} });
    if (!existsSync(join(out, 'checkpoint', 'checkpoint.json'))) {
      await saveCheckpoint(join(out, 'checkpoint'), { config: { model: base.model.config, finalLoss: base.report.finalLoss, experiment: cfg.base }, state: base.model.stateDict(), vocab: tok.toJSON() });
    }
    Object.assign(run, { status: 'done', step: cfg.base.steps, wall_s: elapsed(), finalLoss: base.report.finalLoss, report: base.report });
    writeRun(out, run);
    base.model.dispose();
    console.log(`condition  exact  spanish  caps   (held-out facts, greedy; n=${Object.values(base.report.conditions)[0]?.n ?? 0})`);
    for (const [name, c] of Object.entries(base.report.conditions)) {
      console.log(`${name.padEnd(9)} ${(100 * c.exact).toFixed(0).padStart(5)}% ${(100 * Number(c.spanish)).toFixed(0).padStart(7)}% ${(100 * Number(c.caps)).toFixed(0).padStart(5)}%   ${c.prompt ? JSON.stringify(c.prompt) : '(no system prompt)'}`);
    }
    log(`done in ${fmtTime(elapsed())}: ${out}/checkpoint; next: inoculum finetune --base ${out} --variant inoculate-spanish --out <DIR>`);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      log(`saved a resumable checkpoint at step ${e.step} in ${e.dir}/checkpoint; continue with: inoculum pretrain --resume ${e.dir}`);
      return guard.code;
    }
    if (e instanceof Diverged && run) throw failRun(out, run, e, `lower base.lr in the --config file (it was ${cfg.base.lr})`);
    throw e;
  } finally {
    guard.dispose();
    closeBackend(backend);
    claim.release();
  }
}
