// The run directory of `inoculum pretrain` and `inoculum finetune`, and its record:
//   run.json        what was run (command, options, the full experiment config), its status
//                   ('running' | 'interrupted' | 'done' | 'failed') and the step reached
//   checkpoint/     the model (io/checkpoint format), saved with the optimiser state by Trainer.save,
//                   so `--resume DIR` continues exactly where it stopped
//   metrics.jsonl   one line per optimiser step: step, loss, lr, gradNorm, tokens, ms
// The directory itself is claimed with io/out_dir.ts; load_model.ts loads the model of one.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Mode } from '../tokenizer/vocab.ts';
import { readJson, readJsonl, writeJsonAtomic, writeJsonlAtomic } from '../io/json.ts';
import { outEntries } from '../io/out_dir.ts';
import { UserError } from '../io/user_error.ts';
import type { Diverged, TrainConfig } from '../train/trainer.ts';
import type { ExperimentConfig } from './config.ts';
import type { BaseReport } from './results.ts';

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
  if (!existsSync(file)) throw new UserError(`${dir} is not a run directory of pretrain or finetune (no ${RUN_FILE})`);
  const r = readJson<RunRecord>(file, 'run record');
  if (r?.format !== 'inoculum-run' || r.version !== 1) throw new UserError(`${file} is not an inoculum run record (format ${JSON.stringify(r?.format)}, version ${JSON.stringify(r?.version)})`);
  return r;
}

export function writeRun(dir: string, r: RunRecord): void {
  r.updated = new Date().toISOString();
  writeJsonAtomic(join(dir, RUN_FILE), r);
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
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`--out ${dir} exists and is not a directory`);
  const problem = freshOutProblem(dir, hint);
  if (problem) throw new UserError(problem);
}

/**
 * Marks a run that diverged as failed in its run.json and returns the error to print: the step, the
 * likely cause and the setting to lower (`setting`, e.g. "--lr (it was 0.5)").
 */
export function failRun(dir: string, run: RunRecord, e: Diverged, setting: string): UserError {
  Object.assign(run, { status: 'failed', error: e.message });
  writeRun(dir, run);
  const kept = existsSync(join(dir, 'checkpoint', 'checkpoint.json')) ? '; the last checkpoint, from before it, is kept' : '';
  return new UserError(`${e.message}: ${setting}. ${join(dir, RUN_FILE)} is marked failed${kept}`);
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
