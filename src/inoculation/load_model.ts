// Loading the model of a checkpoint directory or a pretrain/finetune run directory (run_dir.ts):
// the checkpoint's config checked against its tensors before anything is allocated, non-finite
// weights refused, the vocabulary restored, LoRA adapters put back (and optionally merged).
// `inoculum eval` and `inoculum finetune --base` load through here.
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { GPT, type GPTConfig } from '../nn/gpt.ts';
import { ChatTokenizer } from '../tokenizer/index.ts';
import { loadCheckpoint } from '../io/checkpoint.ts';
import { UserError } from '../io/user_error.ts';
import { RUN_FILE, readRun, type RunRecord } from './run_dir.ts';

/** The checkpoint directory of `dir` (a checkpoint itself, or a run directory holding checkpoint/). */
export function resolveCheckpoint(dir: string): { ckDir: string; runDir: string | null } {
  if (existsSync(join(dir, 'checkpoint.json'))) {
    const parent = dirname(resolve(dir));
    return { ckDir: dir, runDir: basename(resolve(dir)) === 'checkpoint' && existsSync(join(parent, RUN_FILE)) ? parent : null };
  }
  if (existsSync(join(dir, 'checkpoint', 'checkpoint.json'))) return { ckDir: join(dir, 'checkpoint'), runDir: dir };
  if (!existsSync(dir)) throw new UserError(`${dir}: no such directory`);
  throw new UserError(`${dir} holds no model: neither a checkpoint (checkpoint.json) nor a pretrain/finetune run directory (checkpoint/checkpoint.json)`);
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
  if (!m || typeof m !== 'object') throw new UserError(`${where}: config.json has no "model" section (not a GPT checkpoint of this project)`);
  for (const k of keys) if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) throw new UserError(`${where}: config.json model.${k} must be a number, got ${JSON.stringify(m[k])}`);
  for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    if (!Number.isSafeInteger(m[k]) || (m[k] as number) < 1) throw new UserError(`${where}: config.json model.${k} must be an integer >= 1, got ${m[k]}`);
  }
  const g = m as unknown as GPTConfig;
  if (g.nEmbd % g.nHead !== 0) throw new UserError(`${where}: config.json model.nEmbd ${g.nEmbd} is not divisible by model.nHead ${g.nHead}`);
  const shape = (name: string) => tensors.get(name)?.shape.join('x') ?? 'absent';
  const want: [string, string, string][] = [
    ['wte.weight', `${g.vocabSize}x${g.nEmbd}`, 'vocabSize x nEmbd'],
    ['wpe.weight', `${g.blockSize}x${g.nEmbd}`, 'blockSize x nEmbd'],
  ];
  for (const [name, s, what] of want) {
    if (shape(name) !== s) throw new UserError(`${where}: config.json says ${what} = ${s} for ${name}, but the checkpoint's ${name} is ${shape(name)}`);
  }
  const blocks = new Set([...tensors.keys()].flatMap((n) => /^h\.(\d+)\./.exec(n)?.[1] ?? [])).size;
  if (blocks !== g.nLayer) throw new UserError(`${where}: config.json says model.nLayer ${g.nLayer}, but the checkpoint holds ${blocks} blocks`);
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
    if (i >= 0) throw new UserError(`${ckDir}: tensor ${name} holds ${t.data[i]} at index ${i}; a model with non-finite weights cannot be used (did its training diverge?)`);
  }
  const tok = ChatTokenizer.fromJSON(ck.vocab, `${ckDir}/vocab.json`);
  if (tok.vocabSize !== cfg.vocabSize) throw new UserError(`${ckDir}: the vocabulary has ${tok.vocabSize} tokens but the model ${cfg.vocabSize}`);
  const model = new GPT(cfg, 0, backend);
  const loraA = ck.tensors.get('h.0.attn.c_attn.lora_A');
  if (loraA) {
    const alpha = run?.lora?.alpha;
    if (alpha === undefined) throw new UserError(`${ckDir} holds LoRA adapters but no run.json beside it gives their alpha`);
    model.addLoRA(loraA.shape[1], alpha, 0);
  }
  try {
    model.loadStateDict(ck.tensors);
  } catch (e) {
    model.dispose();
    throw new UserError(`${ckDir}: ${(e as Error).message}`);
  }
  if (loraA && opts.merge) model.mergeLoRA();
  model.eval();
  const step = typeof ck.extra?.step === 'number' ? ck.extra.step : null;
  return { model, tok, ckDir, run, step };
}
