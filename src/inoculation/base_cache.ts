// A base model trained once and cached: the one routine behind every setting's base (base.ts).
// The cache entry is a checkpoint directory named by a hash of everything that determines the
// model; while it trains, a lock beside it keeps a second run from sharing its resumable
// `.partial` checkpoint, and Ctrl-C (shouldStop) leaves that checkpoint to go on from.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import type { GPT, GPTConfig } from '../nn/gpt.ts';
import { Trainer, type TrainConfig } from '../train/trainer.ts';
import type { Example } from '../train/batches.ts';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.ts';
import { acquireLock } from '../io/lock.ts';
import type { VocabJSON } from '../tokenizer/index.ts';
import { join } from 'node:path';

/** Thrown when a run stops at a request (Ctrl-C) with its progress saved; `resume` says how to go on. */
export class Interrupted extends Error {
  constructor(what: string) { super(`interrupted: ${what}`); this.name = 'Interrupted'; }
}

/** Base training saves a resumable checkpoint next to the cache entry this often (steps). */
const BASE_CHECKPOINT_EVERY = 250;

export interface CachedBaseOptions {
  /** The cache entry (a checkpoint directory); `<dir>.partial` and `<dir>.lock` sit beside it. */
  dir: string;
  /** A freshly initialised model of the base's config: trained, or loaded from the cache. */
  model: GPT;
  vocab: VocabJSON;
  /** The training examples, built only when the base has to be trained. */
  examples: () => Example[];
  train: Partial<TrainConfig>;
  padId: number;
  /** The progress bar's label. */
  label: string;
  /** The log line before training, given the number of examples. */
  describe: (examples: number) => string;
  /** Saved in the checkpoint's config after `model` and `finalLoss`, given the training seconds. */
  meta: (trainedS: number) => Record<string, unknown>;
  log: (s: string) => void;
  quiet?: boolean;
  /** Checked between steps: true stops training with a checkpoint in <dir>.partial and throws Interrupted. */
  shouldStop?: () => boolean;
}

export interface CachedBase {
  cached: boolean;
  /** Mean training loss of the last 20 steps. */
  finalLoss: number;
  /** The checkpoint's config as saved (with `meta`'s fields). */
  config: Record<string, unknown>;
}

export async function trainOrLoadCached(o: CachedBaseOptions): Promise<CachedBase> {
  const { dir, model, log } = o;
  const t0 = performance.now();
  // one trainer per cache entry (the lock names its holder; a dead holder's lock is replaced)
  let release: (() => void) | null = null;
  if (!existsSync(join(dir, 'checkpoint.json'))) {
    mkdirSync(join(dir, '..'), { recursive: true });
    release = acquireLock(`${dir}.lock`, 'base-model training', log);
  }
  try {
    if (existsSync(join(dir, 'checkpoint.json'))) { // cached, possibly by the run that held the lock
      const ck = loadCheckpoint<Record<string, unknown> & { finalLoss: number }, VocabJSON>(dir);
      if (JSON.stringify(ck.vocab) !== JSON.stringify(o.vocab)) throw new Error(`base cache ${dir}: vocabulary differs from this run's; delete the directory`);
      model.loadStateDict(ck.tensors);
      log(`base model: loaded from cache ${dir}`);
      return { cached: true, finalLoss: ck.config.finalLoss, config: ck.config };
    }
    const examples = o.examples();
    log(o.describe(examples.length));
    const trainer = new Trainer(model, examples, o.train, o.padId);
    // an interrupted base continues from its last checkpoint (exact resume: trainer.ts)
    const partial = `${dir}.partial`;
    if (existsSync(join(partial, 'extra.json'))) {
      trainer.load(partial);
      log(`base model: resuming from step ${trainer.step} (${partial})`);
    }
    const steps = o.train.steps ?? 0;
    const hist = await trainer.run({ label: o.label, quiet: o.quiet, checkpointDir: partial, checkpointEvery: BASE_CHECKPOINT_EVERY, vocab: o.vocab, shouldStop: o.shouldStop });
    trainer.opt.dispose();
    if (trainer.step < steps) throw new Interrupted(`base model at step ${trainer.step} of ${steps}, checkpoint in ${partial}`);
    const finalLoss = hist.slice(-20).reduce((a, m) => a + m.loss, 0) / Math.max(1, Math.min(20, hist.length));
    const modelCfg: GPTConfig = model.config;
    const config = { model: modelCfg, finalLoss, ...o.meta((performance.now() - t0) / 1000) };
    await saveCheckpoint(dir, { config, state: model.stateDict(), vocab: o.vocab });
    rmSync(partial, { recursive: true, force: true });
    log(`base model: final loss ${finalLoss.toFixed(3)}, saved to ${dir}`);
    return { cached: false, finalLoss, config };
  } finally {
    release?.();
  }
}
