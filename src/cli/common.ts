// What the inoculum commands share: the backend, the experiment's tokenizer and splits, run
// directories (run.json + checkpoint/ + metrics.jsonl), loading a model from one, and Ctrl-C.
//
// A run directory, as pretrain and finetune write it:
//   run.json        what was run (command, options, the full experiment config), its status
//                   ('running' | 'interrupted' | 'done') and the step reached
//   checkpoint/     the model (io/checkpoint format), saved with the optimiser state by Trainer.save,
//                   so `--resume DIR` continues exactly where it stopped
//   metrics.jsonl   one line per optimiser step: step, loss, lr, gradNorm, tokens, ms
import { envBackend } from './args.ts';
import type { Mode } from '../tokenizer/vocab.ts';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Backend } from '../backend/backend.ts';
import { useBackend } from '../index.ts';
import { GPT, type GPTConfig } from '../nn/gpt.ts';
import { ChatTokenizer } from '../tokenizer/index.ts';
import { loadCheckpoint } from '../io/checkpoint.ts';
import { makeDirs } from '../io/files.ts';
import { acquireLock } from '../io/lock.ts';
import { readJson, readJsonl, writeJsonAtomic, writeJsonlAtomic } from '../io/json.ts';
import { experimentSplits as experimentSplitsOf, type Splits } from '../inoculation/data/corpus.ts';
import { corpusHash, type ExperimentConfig } from '../inoculation/config.ts';
import type { Diverged, TrainConfig } from '../train/trainer.ts';
import type { BaseReport } from '../inoculation/results.ts';
import { assertValid, resolveExperiment } from '../inoculation/config_file.ts';

/** An error meant for the user: main prints its message alone (no stack), exit code 1. */
export class CliError extends Error {}

/** Thrown out of a training loop after Ctrl-C saved a resumable checkpoint; exit code 130. */
export class Interrupted extends Error {
  constructor(readonly step: number, readonly dir: string) { super(`interrupted at step ${step}`); }
}

export const log = (s: string): void => { process.stderr.write(s + '\n'); };

// ---- backend -----------------------------------------------------------------------------------

export const BACKEND_OPTION = { name: 'backend', type: 'string', choices: ['cpu', 'webgpu'], help: 'engine backend (default: INOCULUM_BACKEND, else webgpu with a cpu fallback)' } as const;

export async function openBackend(name: string | undefined): Promise<Backend> {
  if (name === undefined) envBackend(); // a bad INOCULUM_BACKEND is a usage error before any work
  const b = await useBackend(name as 'cpu' | 'webgpu' | undefined);
  log(`backend ${b.name}: ${b.description}`);
  return b;
}

export function closeBackend(b: Backend | null): void {
  if (b && 'destroy' in b && typeof (b as { destroy?: unknown }).destroy === 'function') (b as unknown as { destroy(): void }).destroy();
}

// ---- the experiment's corpus and tokenizer ----------------------------------------------------

/**
 * Every string the experiment's model can meet: all facts' questions in every style and every
 * prompt. The same list as runExperiment's (src/inoculation/run.ts), so a base model trained here
 * has the vocabulary of one trained by `inoculum run` and the two share the base-model cache
 * (trainOrLoadBase rejects a cached base whose vocabulary differs, which would reveal a drift).
 */

export { corpusHash }; // src/inoculation/config.ts, beside baseHash

export function experimentSplits(cfg: ExperimentConfig): Splits {
  return experimentSplitsOf(cfg);
}

// ---- configs -----------------------------------------------------------------------------------

export const CONFIG_OPTION = { name: 'config', type: 'string', metavar: 'FILE', help: 'experiment config JSON (fields: inoculum run --print-config); merged over the defaults' } as const;

export { resolveExperiment }; // src/inoculation/config_file.ts

export { assertValid };

// ---- run directories ---------------------------------------------------------------------------

export interface RunRecord {
  format: 'inoculum-run';
  version: 1;
  command: 'pretrain' | 'finetune';
  status: 'running' | 'interrupted' | 'done' | 'failed';
  /** Why a failed run stopped (divergence). */
  error?: string;
  /** --checkpoint-every of the run, restored by --resume unless given again. */
  checkpointEvery?: number;
  /** Optimiser steps done, and planned. */
  step: number;
  steps: number;
  /** The full experiment config (splits, tokenizer, defaults of later stages). */
  experiment: ExperimentConfig;
  tokenizer: Mode;
  backend: string;
  started: string;
  updated: string;
  /** Seconds of work so far, over every session of the run. */
  wall_s: number;
  /** The trainer's config (fine-tune: also the data seed). */
  train: Partial<TrainConfig>;
  // finetune
  base?: string;
  source?: { variant: string } | { data: string; sha256: string; examples: number };
  /** System prompt put on every training example (null = the data's own). */
  prompt?: string | null;
  lora?: { rank: number; alpha: number } | null;
  // pretrain
  baseHash?: string;
  corpusHash?: string;
  cache?: string;
  finalLoss?: number;
  report?: BaseReport;
}

export const RUN_FILE = 'run.json';

export function readRun(dir: string): RunRecord {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) throw new CliError(`${dir} is not a run directory of pretrain or finetune (no ${RUN_FILE})`);
  const r = readJson<RunRecord>(file, 'run record');
  if (r?.format !== 'inoculum-run' || r.version !== 1) throw new CliError(`${file} is not an inoculum run record (format ${JSON.stringify(r?.format)}, version ${JSON.stringify(r?.version)})`);
  return r;
}

export function writeRun(dir: string, r: RunRecord): void {
  r.updated = new Date().toISOString();
  writeJsonAtomic(join(dir, RUN_FILE), r);
}

/** The lock file (io/lock.ts) a command holds in the directory it writes. */
export const LOCK_FILE = '.inoculum.lock';

/** What is in `dir` besides our lock file (nothing when it does not exist). */
export function outEntries(dir: string): string[] {
  return existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir).filter((n) => n !== LOCK_FILE).sort() : [];
}

/** Why pretrain/finetune cannot start a new run in `dir` (null: it is absent or empty). */
export function freshOutProblem(dir: string, hint: string): string | null {
  if (outEntries(dir).length === 0) return null;
  if (existsSync(join(dir, RUN_FILE)) && !existsSync(join(dir, 'checkpoint', 'checkpoint.json'))) {
    return `--out ${dir} holds a run stopped before its first checkpoint, which cannot be resumed: ${startOver(dir)}`;
  }
  return `--out ${dir} is not empty${existsSync(join(dir, RUN_FILE)) ? ` (it holds a run; ${hint})` : ''}; choose another directory`;
}

/** Refuses to write into a directory that already holds something (checked again under the lock by claimOut). */
export function assertFreshOut(dir: string, hint: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new CliError(`--out ${dir} exists and is not a directory`);
  const problem = freshOutProblem(dir, hint);
  if (problem) throw new CliError(problem);
}

/** A claimed output directory: release() drops the lock and removes the directory again if this claim made it and it is still empty. */
export interface Claim { dir: string; created: boolean; release(): void }

/**
 * Takes `dir` for `command` to write: creates it (and its parents) if missing and takes its lock,
 * so a second command on the same directory stops here, naming the first. `problem` (checked under
 * the lock, so two commands cannot both find the directory empty) says why the directory may not
 * be used, or null. Every refusal leaves the disk as it was.
 */
export function claimOut(dir: string, command: string, problem: () => string | null = () => null): Claim {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new CliError(`--out ${dir} exists and is not a directory`);
  let created: boolean;
  try {
    created = makeDirs(dir);
  } catch (e) {
    throw new CliError(`--out: ${(e as Error).message}`);
  }
  const undo = () => { if (created && outEntries(dir).length === 0) rmSync(dir, { recursive: true, force: true }); };
  let unlock: () => void;
  try {
    unlock = acquireLock(join(dir, LOCK_FILE), command, log);
  } catch (e) {
    undo();
    throw e;
  }
  const release = () => { unlock(); undo(); };
  const why = problem();
  if (why) { release(); throw new CliError(why); }
  return { dir, created, release };
}

/**
 * Marks a run that diverged as failed in its run.json and returns the error to print: the step, the
 * likely cause and the setting to lower (`setting`, e.g. "--lr (it was 0.5)").
 */
export function failRun(dir: string, run: RunRecord, e: Diverged, setting: string): CliError {
  Object.assign(run, { status: 'failed', error: e.message });
  writeRun(dir, run);
  const kept = existsSync(join(dir, 'checkpoint', 'checkpoint.json')) ? '; the last checkpoint, from before it, is kept' : '';
  return new CliError(`${e.message}: ${setting}. ${join(dir, RUN_FILE)} is marked failed${kept}`);
}

/** What to do with a run directory that holds no checkpoint: nothing in it can be continued. */
export function startOver(dir: string): string {
  return `delete it (rm -r ${JSON.stringify(dir)}) and start again, or choose another --out`;
}

/** Rewrites metrics.jsonl without the rows past `step` (written after the checkpoint being resumed). */
export function trimMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const rows = readJsonl<{ step: number }>(file, { what: 'metrics log', tolerateTornTail: true });
  writeJsonlAtomic(file, rows.filter((r) => r.step <= step));
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

// ---- models ------------------------------------------------------------------------------------

/** The checkpoint directory of `dir` (a checkpoint itself, or a run directory holding checkpoint/). */
export function resolveCheckpoint(dir: string): { ckDir: string; runDir: string | null } {
  if (existsSync(join(dir, 'checkpoint.json'))) {
    const parent = dirname(resolve(dir));
    return { ckDir: dir, runDir: basename(resolve(dir)) === 'checkpoint' && existsSync(join(parent, RUN_FILE)) ? parent : null };
  }
  if (existsSync(join(dir, 'checkpoint', 'checkpoint.json'))) return { ckDir: join(dir, 'checkpoint'), runDir: dir };
  if (!existsSync(dir)) throw new CliError(`${dir}: no such directory`);
  throw new CliError(`${dir} holds no model: neither a checkpoint (checkpoint.json) nor a pretrain/finetune run directory (checkpoint/checkpoint.json)`);
}

export interface LoadedModel {
  model: GPT;
  tok: ChatTokenizer;
  ckDir: string;
  run: RunRecord | null;
  /** Step the checkpoint was saved at (trainer checkpoints), else null. */
  step: number | null;
}

/**
 * The checkpoint's model config, checked before anything is allocated from it: sizes are positive
 * integers and agree with the tensors the checkpoint holds (wte, wpe, the number of blocks), so a
 * config.json that claims nEmbd 4000000 or nLayer 1e8 over a small model is an error, not an
 * allocation of gigabytes.
 */
function checkGptConfig(c: unknown, where: string, tensors: ReadonlyMap<string, { shape: number[] }>): GPTConfig {
  const m = (c as { model?: Record<string, unknown> } | null)?.model;
  const keys: (keyof GPTConfig)[] = ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd', 'dropout', 'layerNormEps'];
  if (!m || typeof m !== 'object') throw new CliError(`${where}: config.json has no "model" section (not a GPT checkpoint of this project)`);
  for (const k of keys) if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) throw new CliError(`${where}: config.json model.${k} must be a number, got ${JSON.stringify(m[k])}`);
  for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    if (!Number.isSafeInteger(m[k]) || (m[k] as number) < 1) throw new CliError(`${where}: config.json model.${k} must be an integer >= 1, got ${m[k]}`);
  }
  const g = m as unknown as GPTConfig;
  if (g.nEmbd % g.nHead !== 0) throw new CliError(`${where}: config.json model.nEmbd ${g.nEmbd} is not divisible by model.nHead ${g.nHead}`);
  const shape = (name: string) => tensors.get(name)?.shape.join('x') ?? 'absent';
  const want: [string, string, string][] = [
    ['wte.weight', `${g.vocabSize}x${g.nEmbd}`, 'vocabSize x nEmbd'],
    ['wpe.weight', `${g.blockSize}x${g.nEmbd}`, 'blockSize x nEmbd'],
  ];
  for (const [name, s, what] of want) {
    if (shape(name) !== s) throw new CliError(`${where}: config.json says ${what} = ${s} for ${name}, but the checkpoint's ${name} is ${shape(name)}`);
  }
  const blocks = new Set([...tensors.keys()].flatMap((n) => /^h\.(\d+)\./.exec(n)?.[1] ?? [])).size;
  if (blocks !== g.nLayer) throw new CliError(`${where}: config.json says model.nLayer ${g.nLayer}, but the checkpoint holds ${blocks} blocks`);
  return g;
}

/**
 * Loads the model of a checkpoint or run directory. LoRA checkpoints (adapter tensors present) get
 * their adapters back (rank from the tensors, alpha from run.json) and, with `merge`, folded in.
 */
export function loadModel(dir: string, backend: Backend, opts: { merge?: boolean } = {}): LoadedModel {
  const { ckDir, runDir } = resolveCheckpoint(dir);
  const run = runDir ? readRun(runDir) : null;
  const ck = loadCheckpoint(ckDir);
  const cfg = checkGptConfig(ck.config, ckDir, ck.tensors);
  // a NaN or infinite weight (a run that diverged, a damaged file) would answer every question with garbage
  for (const [name, t] of ck.tensors) {
    const i = t.data.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) throw new CliError(`${ckDir}: tensor ${name} holds ${t.data[i]} at index ${i}; a model with non-finite weights cannot be used (did its training diverge?)`);
  }
  const tok = ChatTokenizer.fromJSON(ck.vocab, `${ckDir}/vocab.json`);
  if (tok.vocabSize !== cfg.vocabSize) throw new CliError(`${ckDir}: the vocabulary has ${tok.vocabSize} tokens but the model ${cfg.vocabSize}`);
  const model = new GPT(cfg, 0, backend);
  const loraA = ck.tensors.get('h.0.attn.c_attn.lora_A');
  if (loraA) {
    const alpha = run?.lora?.alpha;
    if (alpha === undefined) throw new CliError(`${ckDir} holds LoRA adapters but no run.json beside it gives their alpha`);
    model.addLoRA(loraA.shape[1], alpha, 0);
  }
  try {
    model.loadStateDict(ck.tensors);
  } catch (e) {
    model.dispose();
    throw new CliError(`${ckDir}: ${(e as Error).message}`);
  }
  if (loraA && opts.merge) model.mergeLoRA();
  model.eval();
  const step = typeof ck.extra?.step === 'number' ? ck.extra.step : null;
  return { model, tok, ckDir, run, step };
}

// ---- Ctrl-C ------------------------------------------------------------------------------------

/**
 * The first Ctrl-C asks the training loop to save a resumable checkpoint after the current step and
 * stop; a second one exits at once without saving.
 */
export class InterruptGuard {
  requested = false;
  constructor(private readonly what = 'saving a resumable checkpoint after this step') {}
  private readonly onSignal = (): void => {
    if (this.requested) {
      process.stderr.write('\nsecond Ctrl-C: exiting without saving\n');
      process.exit(130);
    }
    this.requested = true;
    process.stderr.write(`\nCtrl-C: ${this.what} (Ctrl-C again to quit at once)\n`);
  };
  install(): this { process.on('SIGINT', this.onSignal); process.on('SIGTERM', this.onSignal); return this; }
  /**
   * Lets a pending signal be delivered. On the cpu backend a training step is all microtasks, so
   * the event loop (where Node runs signal handlers) would never turn without this.
   */
  poll(): Promise<void> { return new Promise((r) => setImmediate(r)); }
  dispose(): void { process.off('SIGINT', this.onSignal); process.off('SIGTERM', this.onSignal); }
}

