// Stage 1: the base model, trained from scratch so that behaviour follows the system prompt
// (none/neutral -> English, Spanish prompt -> Spanish, caps prompt -> English caps, both -> Spanish
// caps). Cached as a checkpoint under a hash of everything that determines it, so re-runs skip it.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/backend.ts';
import { GPT, type GPTConfig } from '../nn/gpt.ts';
import { Trainer } from '../train/trainer.ts';
import type { Example } from '../train/batches.ts';
import { saveCheckpoint, loadCheckpoint } from '../io/checkpoint.ts';
import { ChatTokenizer, type VocabJSON } from '../tokenizer/index.ts';
import { BASE_CONDITIONS } from './prompts.ts';
import { buildBaseStage, type ChatConversation, type Splits } from './corpus.ts';
import type { ExperimentConfig } from './config.ts';
import { answerMany, exactRate, fraction } from './evaluate.ts';
import type { BaseReport } from './results.ts';

export interface BaseModel {
  model: GPT;
  report: BaseReport;
  /** The base model's weights, to reset each fine-tune from. */
  state: Map<string, { shape: number[]; data: Float32Array }>;
}

/** Fresh phrasings every epoch: the base set is built once per epoch seed. */
export function baseConversations(splits: Splits, cfg: ExperimentConfig, epochs: number): ChatConversation[] {
  const out: ChatConversation[] = [];
  for (let e = 0; e < epochs; e++) out.push(...buildBaseStage(splits, { seed: cfg.corpusSeed * 1000 + e, copies: cfg.base.copies }).map((b) => b.conversation));
  return out;
}

export function encodeAll(tok: ChatTokenizer, convs: ChatConversation[]): Example[] {
  return convs.map((c) => { const e = tok.encodeChat(c); return { ids: e.ids, lossMask: e.lossMask }; });
}

/** Thrown when a run stops at a request (Ctrl-C) with its progress saved; `resume` says how to go on. */
export class Interrupted extends Error {
  constructor(what: string) { super(`interrupted: ${what}`); this.name = 'Interrupted'; }
}

/** Base training saves a resumable checkpoint next to the cache entry this often (steps). */
const BASE_CHECKPOINT_EVERY = 250;

export async function trainOrLoadBase(opts: {
  cfg: ExperimentConfig; tok: ChatTokenizer; splits: Splits; backend: Backend; cacheDir: string; hash: string;
  log: (s: string) => void; quiet?: boolean;
  /** Checked between steps: true stops training with a checkpoint in <cache entry>.partial and throws Interrupted. */
  shouldStop?: () => boolean;
}): Promise<BaseModel> {
  const { cfg, tok, splits, backend, log } = opts;
  const modelCfg: GPTConfig = { ...cfg.base.model, vocabSize: tok.vocabSize };
  const dir = join(opts.cacheDir, `base-${opts.hash}`);
  const model = new GPT(modelCfg, cfg.base.seed, backend);
  const t0 = performance.now();
  let cached = false, finalLoss = NaN;
  if (existsSync(join(dir, 'checkpoint.json'))) {
    const ck = loadCheckpoint<{ model: GPTConfig; finalLoss: number }, VocabJSON>(dir);
    if (JSON.stringify(ck.vocab) !== JSON.stringify(tok.toJSON())) throw new Error(`base cache ${dir}: vocabulary differs from this run's; delete the directory`);
    model.loadStateDict(ck.tensors);
    finalLoss = ck.config.finalLoss;
    cached = true;
    log(`base model: loaded from cache ${dir}`);
  } else {
    // enough epochs of fresh phrasings to cover the steps
    const perEpoch = buildBaseStage(splits, { seed: 0, copies: cfg.base.copies }).length;
    const epochs = Math.max(1, Math.ceil((cfg.base.steps * cfg.base.batchSize) / perEpoch));
    const examples = encodeAll(tok, baseConversations(splits, cfg, Math.min(epochs, 40)));
    log(`base model: training ${model.numParameters().toLocaleString()} parameters, ${cfg.base.steps} steps of ${cfg.base.batchSize} on ${examples.length} examples (${modelCfg.nLayer} layers, d${modelCfg.nEmbd}, V ${modelCfg.vocabSize})`);
    const trainer = new Trainer(model, examples, {
      steps: cfg.base.steps, batchSize: cfg.base.batchSize, lr: cfg.base.lr, minLr: cfg.base.minLr, warmup: cfg.base.warmup,
      weightDecay: cfg.base.weightDecay, seed: cfg.base.seed, gradClip: 1, lengthGroup: cfg.base.lengthGroup, pack: cfg.base.pack,
    }, tok.padId);
    // an interrupted base continues from its last checkpoint (exact resume: trainer.ts)
    const partial = `${dir}.partial`;
    if (existsSync(join(partial, 'extra.json'))) {
      trainer.load(partial);
      log(`base model: resuming from step ${trainer.step} (${partial})`);
    }
    const hist = await trainer.run({
      label: 'base', quiet: opts.quiet, checkpointDir: partial, checkpointEvery: BASE_CHECKPOINT_EVERY, vocab: tok.toJSON(), shouldStop: opts.shouldStop,
    });
    if (trainer.step < cfg.base.steps) {
      trainer.opt.dispose(); model.dispose();
      throw new Interrupted(`base model at step ${trainer.step} of ${cfg.base.steps}, checkpoint in ${partial}`);
    }
    finalLoss = hist.slice(-20).reduce((a, m) => a + m.loss, 0) / Math.max(1, Math.min(20, hist.length));
    trainer.opt.dispose();
    await saveCheckpoint(dir, { config: { model: modelCfg, finalLoss, experiment: cfg.base }, state: model.stateDict(), vocab: tok.toJSON() });
    rmSync(partial, { recursive: true, force: true });
    log(`base model: final loss ${finalLoss.toFixed(3)}, saved to ${dir}`);
  }
  const trainS = (performance.now() - t0) / 1000;
  const report = await baseReport(model, tok, splits, cfg, cached, trainS, finalLoss);
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [n, p] of model.stateDict()) state.set(n, { shape: p.shape, data: Float32Array.from(await p.data()) });
  return { model, report, state };
}

/** Accuracy per condition on held-out facts: exact match and style, greedy. */
async function baseReport(model: GPT, tok: ChatTokenizer, splits: Splits, cfg: ExperimentConfig,
  cached: boolean, wall: number, finalLoss: number): Promise<BaseReport> {
  const facts = cfg.evalLimit > 0 ? splits.heldout.slice(0, cfg.evalLimit) : splits.heldout;
  const conditions: BaseReport['conditions'] = {};
  const all = await answerMany(model, tok, BASE_CONDITIONS.map((c) => ({ facts, prompt: c.prompt, temperature: 0, seed: 0 })), cfg.maxNewTokens);
  BASE_CONDITIONS.forEach((c, i) => {
    const scored = all[i];
    conditions[c.name] = { prompt: c.prompt ?? '', exact: exactRate(scored, facts, c.style), spanish: fraction(scored, 'spanish'), caps: fraction(scored, 'caps'), n: scored.length };
  });
  return { conditions, steps: cfg.base.steps, params: model.numParameters(), cached, wall_s: wall, finalLoss };
}
