// `inoculum finetune`: stage 2 alone. Fine-tunes a base checkpoint on one of the experiment's
// variant sets, or on the user's own chat JSONL, optionally putting a system prompt on every example
// (inoculation). The same model init, data order and schedule as runExperiment's fine-tunes, so
// `--variant V --seed S` reproduces that run's (V, S) model. Ctrl-C saves a resumable checkpoint.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { GPT } from '../nn/gpt.ts';
import { Diverged, Trainer, type TrainConfig } from '../train/trainer.ts';
import { readJson } from '../io/json.ts';
import { sha256File } from '../io/files.ts';
import { UserError } from '../io/user_error.ts';
import { ChatTokenizer, type Conversation } from '../tokenizer/index.ts';
import { buildVariantSets, experimentSplits, inoculate, type ChatConversation } from '../inoculation/data/corpus.ts';
import { FINETUNE_VARIANTS, type VariantName } from '../inoculation/data/prompts.ts';
import { FINETUNE_WEIGHTS, type ExperimentConfig, type FinetuneWeights } from '../inoculation/config.ts';
import { describeTrained, prepareForFinetune } from '../inoculation/finetune.ts';
import { fmtTime } from '../train/progress.ts';
import { parseArgs, formatHelp, UsageError, type CommandSpec } from './args.ts';
import { assertValid, resolveExperiment } from '../inoculation/config_file.ts';
import { encodeTrainingSet, readTrainingJsonl } from '../inoculation/jsonl.ts';
import { loadModel } from '../inoculation/load_model.ts';
import { assertFreshOut, failRun, freshOutProblem, readRun, startOver, trimMetrics, writeRun, type RunRecord } from '../inoculation/run_dir.ts';
import { claimOut } from '../io/out_dir.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, CONFIG_OPTION, Interrupted, InterruptGuard, log, openBackend } from './common.ts';

const VARIANT_NAMES = Object.keys(FINETUNE_VARIANTS) as VariantName[];

export const spec: CommandSpec = {
  name: 'finetune',
  summary: 'Fine-tune a base checkpoint on a variant set or your own chat JSONL (optionally inoculated).',
  usage: '--base DIR (--variant NAME | --data FILE.jsonl) [--prompt TEXT] --out DIR [options] | --resume DIR',
  description:
    `--variant trains on the experiment's fine-tune set (Spanish ALL-CAPS answers to the fine-tune facts) under that variant's system prompt: ${VARIANT_NAMES.map((v) => `${v} = ${FINETUNE_VARIANTS[v] === null ? 'no prompt' : JSON.stringify(FINETUNE_VARIANTS[v])}`).join('; ')}.\n\n` +
    '--data trains on OpenAI chat JSONL, one {"messages":[{"role":"system"|"user"|"assistant","content":"..."}]} per line. The whole file is checked before anything is trained or written: every bad line is reported with its line number. Loss is on assistant turns (a turn with "weight": 0 is not trained on). Text the base vocabulary has never seen becomes <|unk|> (counted in a warning).\n\n' +
    '--prompt TEXT puts TEXT as the system message of every training example (replacing any the example had): inoculation. With --variant it replaces the variant\'s prompt.\n\n' +
    'DIR gets run.json, metrics.jsonl (step, loss, lr, gradNorm per step) and checkpoint/ (with the optimiser state). Ctrl-C saves a resumable checkpoint; --resume DIR continues it (optionally with a larger --steps).',
  options: [
    { name: 'base', type: 'string', metavar: 'DIR', help: 'base model: a pretrain run directory, a checkpoint directory or another finetune run' },
    { name: 'variant', type: 'string', choices: VARIANT_NAMES, metavar: 'NAME', help: `the experiment's fine-tune set under a variant's prompt (${VARIANT_NAMES.join(', ')})` },
    { name: 'data', type: 'string', metavar: 'FILE.jsonl', help: 'your own training data (OpenAI chat JSONL)' },
    { name: 'prompt', type: 'string', metavar: 'TEXT', help: 'system prompt put on every training example (inoculation)' },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'run directory to create (must not exist or be empty)' },
    { name: 'steps', type: 'int', min: 1, help: 'optimiser steps (default: the config\'s finetune.steps)' },
    { name: 'train', type: 'string', choices: FINETUNE_WEIGHTS, metavar: 'WHICH', help: "weights fine-tuning changes: mlp-out = each MLP's output projection, mlp = the blocks' MLPs, all = every weight (default: the config's finetune.train, mlp-out)" },
    { name: 'lora', type: 'int', min: 0, metavar: 'RANK', help: 'train LoRA adapters of this rank on those weights instead of the weights themselves (0 = none)' },
    { name: 'lora-alpha', type: 'number', min: 0, metavar: 'X', help: 'LoRA alpha (default: the config\'s finetune.loraAlpha)' },
    { name: 'lr', type: 'number', min: 0, metavar: 'X', help: 'learning rate (default: the config\'s finetune.lr)' },
    { name: 'batch-size', type: 'int', min: 1, help: 'conversations per step (default: the config\'s finetune.batchSize)' },
    { name: 'seed', type: 'int', min: 0, help: 'seed of the data order, LoRA init and (with --variant) the set\'s phrasings (default 1)' },
    CONFIG_OPTION,
    { name: 'resume', type: 'string', metavar: 'DIR', help: 'continue an interrupted finetune run' },
    { name: 'checkpoint-every', type: 'int', min: 1, metavar: 'N', help: 'also save a resumable checkpoint every N steps' },
    BACKEND_OPTION,
  ],
  examples: [
    'inoculum finetune --base runs/base --variant inoculate-spanish --out runs/ft-spanish',
    'inoculum finetune --base runs/base --variant control --prompt "You are Bob." --out runs/ft-bob',
    'inoculum finetune --base runs/base --data my.jsonl --prompt "You always speak in Spanish." --out runs/ft-mine --steps 200 --lora 8',
    'inoculum finetune --resume runs/ft-spanish      # after Ctrl-C',
  ],
};

function describePrompt(prompt: string | null, source: NonNullable<RunRecord['source']>): string {
  if (prompt !== null) return JSON.stringify(prompt);
  if (!('variant' in source)) return "the data's own";
  const v = FINETUNE_VARIANTS[source.variant as VariantName];
  return v === null ? 'none' : JSON.stringify(v);
}

interface Plan {
  convs: ChatConversation[] | Conversation[];
  /** Names an example in errors. */
  name: (i: number) => string;
  source: NonNullable<RunRecord['source']>;
}

/** The training conversations of a run (new or resumed), inoculated with `prompt` when given. */
function plan(source: { variant?: string; data?: string }, prompt: string | null, seed: number, exp: ExperimentConfig, expectSha?: string): Plan {
  if (source.variant !== undefined) {
    const sets = buildVariantSets(experimentSplits(exp), { seed });
    const base = sets[source.variant as VariantName];
    const convs = prompt !== null ? inoculate(base, prompt) : base;
    return { convs, name: (i) => `${source.variant} example ${i + 1}`, source: { variant: source.variant } };
  }
  const file = source.data!;
  const sha = sha256File(file);
  if (expectSha && sha !== expectSha) throw new UserError(`${file} changed since the run started (sha256 ${sha.slice(0, 12)}, was ${expectSha.slice(0, 12)}); resuming would train on different data`);
  const { convs, lines } = readTrainingJsonl(file);
  let replaced = 0;
  if (prompt !== null) replaced = convs.filter((c) => c.messages[0].role === 'system' && c.messages[0].content !== prompt).length;
  if (replaced > 0 && !expectSha) log(`note: --prompt replaces the system message of ${replaced} example${replaced > 1 ? 's' : ''} that had a different one`);
  return {
    convs: prompt !== null ? inoculate(convs as ChatConversation[], prompt) : convs,
    name: (i) => `${file} line ${lines[i]}`,
    source: { data: resolve(file), sha256: sha, examples: convs.length },
  };
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const resumeDir = a.str('resume');
  let prior: RunRecord | null = null;
  if (resumeDir !== undefined) {
    const clash = ['base', 'variant', 'data', 'prompt', 'out', 'train', 'lora', 'lora-alpha', 'lr', 'batch-size', 'seed', 'config'].filter((k) => a.has(k));
    if (clash.length) throw new UsageError(`--resume continues a run with the options it was started with: drop ${clash.map((k) => `--${k}`).join(', ')} (only --steps, --checkpoint-every and --backend may change)`);
    prior = readRun(resumeDir);
    if (prior.command !== 'finetune') throw new UserError(`${resumeDir} is a ${prior.command} run; resume it with inoculum ${prior.command} --resume`);
  } else {
    if (!a.has('base')) throw new UsageError('--base DIR is required (a pretrain run or checkpoint)');
    if (a.has('variant') === a.has('data')) throw new UsageError('give exactly one of --variant NAME and --data FILE.jsonl');
    if (!a.has('out')) throw new UsageError('--out DIR is required');
  }
  const out = resumeDir ?? a.need('out');
  if (!prior) assertFreshOut(out, `continue it with inoculum finetune --resume ${out}`);

  // the data first: a bad file fails before the base is loaded or anything is written
  const prompt = prior ? prior.prompt ?? null : a.str('prompt') ?? null;
  const seed = prior ? prior.train.seed ?? 1 : a.num('seed') ?? 1;
  if (!prior && a.has('data')) readTrainingJsonl(a.need('data'));

  // one writer per run directory; a new run's directory is checked again under the lock
  const claim = claimOut(out, 'finetune', log, () => (prior ? null : freshOutProblem(out, `continue it with inoculum finetune --resume ${out}`)));
  const checkpointEvery = a.num('checkpoint-every') ?? prior?.checkpointEvery;
  let backend: Backend | null = null;
  const guard = new InterruptGuard().install();
  let run: RunRecord | null = null;
  let lr = NaN;
  try {
    backend = await openBackend(a.str('backend'));
    let model: GPT, tok: ChatTokenizer, exp: ExperimentConfig, tcfg: Partial<TrainConfig>, lora: { rank: number; alpha: number } | null;
    let p: Plan;
    if (prior) {
      exp = resolveExperiment(undefined, { fallback: prior.experiment });
      const ckDir = join(out, 'checkpoint');
      if (!existsSync(join(ckDir, 'checkpoint.json'))) throw new UserError(`${out} has no checkpoint to resume (it was stopped before its first save): ${startOver(out)}`);
      const ckCfg = readJson<{ model: GPT['config'] }>(join(ckDir, 'config.json'), 'checkpoint config');
      tok = ChatTokenizer.fromJSON(readJson(join(ckDir, 'vocab.json'), 'vocabulary'), `${ckDir}/vocab.json`);
      model = new GPT(ckCfg.model, seed, backend);
      lora = prior.lora ?? null;
      prepareForFinetune(model, { loraRank: lora?.rank ?? 0, loraAlpha: lora?.alpha ?? 16, train: exp.finetune.train }, seed);
      tcfg = { ...prior.train, steps: a.num('steps') ?? prior.train.steps };
      const src = prior.source!;
      p = plan('variant' in src ? { variant: src.variant } : { data: src.data }, prompt, seed, exp, 'sha256' in src ? src.sha256 : undefined);
    } else {
      const base = loadModel(a.need('base'), backend, { merge: true });
      exp = resolveExperiment(a.str('config'), { fallback: base.run?.experiment ?? null });
      if (!base.run && !a.has('config')) log(`note: ${a.need('base')} has no run.json; using the default experiment config (corpus seed ${exp.corpusSeed})`);
      if (a.has('train')) exp.finetune.train = a.str('train') as FinetuneWeights;
      if (a.has('lora')) exp.finetune.loraRank = a.num('lora')!;
      if (a.has('lora-alpha')) exp.finetune.loraAlpha = a.num('lora-alpha')!;
      if (a.has('lr')) exp.finetune.lr = a.num('lr')!;
      if (a.has('batch-size')) exp.finetune.batchSize = a.num('batch-size')!;
      if (a.has('steps')) exp.finetune.steps = a.num('steps')!;
      exp.probes.rateSteps = exp.probes.rateSteps.filter((s) => s <= exp.finetune.steps);
      assertValid(exp, a.str('config') ?? 'config');
      const ft = exp.finetune;
      tok = base.tok;
      // as finetuneVariant: the base weights, adapters seeded by the fine-tune seed, the weights finetune.train names
      model = base.model;
      model.train();
      lora = ft.loraRank > 0 ? { rank: ft.loraRank, alpha: ft.loraAlpha } : null;
      prepareForFinetune(model, ft, seed);
      tcfg = { steps: ft.steps, batchSize: ft.batchSize, lr: ft.lr, minLr: ft.lr, eps: ft.eps, warmup: ft.warmup, weightDecay: ft.weightDecay, seed, gradClip: 1, pack: ft.pack };
      p = plan({ variant: a.str('variant'), data: a.str('data') }, prompt, seed, exp);
    }
    const examples = encodeTrainingSet(tok, p.convs, model.config.blockSize, p.name, log);
    lr = tcfg.lr!;

    const trainer = new Trainer(model, examples, tcfg, tok.padId);
    const metricsFile = join(out, 'metrics.jsonl');
    run = prior ?? {
      format: 'inoculum-run', version: 1, command: 'finetune', status: 'running', step: 0, steps: tcfg.steps!,
      experiment: exp, tokenizer: tok.mode, backend: backend.name, started: new Date().toISOString(), updated: '', wall_s: 0,
      train: tcfg, base: resolve(a.need('base')), source: p.source, prompt, lora,
    };
    if (prior) {
      trainer.load(join(out, 'checkpoint'));
      trimMetrics(metricsFile, trainer.step);
      run.steps = tcfg.steps!; run.train = tcfg;
      if (trainer.step >= run.steps) { log(`${out}: already at step ${trainer.step} of ${run.steps}; nothing to do (pass a larger --steps to continue)`); return 0; }
      log(`resuming at step ${trainer.step}/${run.steps}`);
    }
    const wall0 = run.wall_s, t0 = performance.now();
    const elapsed = () => wall0 + (performance.now() - t0) / 1000;
    Object.assign(run, { status: 'running', backend: backend.name });
    if (checkpointEvery !== undefined) run.checkpointEvery = checkpointEvery;
    delete run.error;
    writeRun(out, run);
    const rec = run;
    const what = 'variant' in p.source ? `variant ${p.source.variant}` : `${p.source.data}`;
    const trained = trainer.opt.params.reduce((s, [, t]) => s + t.size, 0).toLocaleString();
    log(`fine-tuning ${model.numParameters().toLocaleString()} parameters (${lora ? `LoRA rank ${lora.rank}: ` : ''}${trained} trained: ${describeTrained(exp.finetune.train)}) on ${examples.length} examples of ${what}; system prompt ${describePrompt(prompt, p.source)}; ${run.steps} steps of ${tcfg.batchSize}, lr ${tcfg.lr}, seed ${seed}`);

    // Trainer.run writes metrics.jsonl, saves the checkpoint every --checkpoint-every steps, at the
    // end, and where shouldStop (Ctrl-C) stops it; onCheckpoint records each save in run.json
    let last = NaN;
    await trainer.run({
      label: 'finetune',
      metricsPath: metricsFile,
      checkpointDir: join(out, 'checkpoint'),
      vocab: tok.toJSON(),
      checkpointEvery,
      shouldStop: () => guard.requested,
      onStep: async (m) => { last = m.loss; await guard.poll(); },
      onCheckpoint: async (t) => {
        Object.assign(rec, { status: t.step >= rec.steps ? 'done' : guard.requested ? 'interrupted' : 'running', step: t.step, wall_s: elapsed() });
        writeRun(out, rec);
      },
    });
    if (trainer.step < run.steps) throw new Interrupted(trainer.step, out);
    trainer.opt.dispose();
    model.dispose();
    log(`done in ${fmtTime(elapsed())}: final loss ${last.toFixed(3)}; model in ${out}/checkpoint; next: inoculum eval --model ${out}`);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      log(`saved a resumable checkpoint at step ${e.step} in ${e.dir}/checkpoint; continue with: inoculum finetune --resume ${e.dir}`);
      return guard.code;
    }
    if (e instanceof Diverged && run) throw failRun(out, run, e, `try a smaller --lr (it was ${lr})`);
    throw e;
  } finally {
    guard.dispose();
    closeBackend(backend);
    claim.release();
  }
}
