// Runs one setting (setting.ts) end to end: tokenizer -> base model (cached by a hash of everything
// that determines it) -> NLL@0 and PH(P) of each variant's data on the base -> for each seed and
// variant, fine-tune from the base weights -> answers to held-out facts without a system prompt,
// scored per trait -> rates with 95% CIs over seeds -> results.json and table.md.
//
// Leaner than the main experiment's run.ts on purpose (three settings share a ~12 min budget each on
// two cores): no per-step probes, one greedy evaluation per test-time condition, all conditions of
// a model generated in one batch (on the software adapter a generation costs per dispatch, not per row).
// Besides the paper's evaluation without a system prompt, each setting evaluates every variant once
// under its own training prompt (the conditionalisation check; control's is no prompt).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Backend } from '../../runtime/backend.ts';
import { GPT, type GPTConfig } from '../../nn/gpt.ts';
import { Trainer } from '../../train/trainer.ts';
import { Interrupted, trainOrLoadCached } from '../base_cache.ts';
import type { Example } from '../../train/batches.ts';
import { writeBytesAtomic } from '../../io/atomic.ts';
import { writeJsonAtomic } from '../../io/json.ts';
import { ChatTokenizer } from '../../tokenizer/index.ts';
import { FACTS, type Fact } from '../data/facts.ts';
import { conversation, inoculate, makeSplits, type ChatConversation, type Splits } from '../data/corpus.ts';
import { NEUTRAL_PROMPTS } from '../data/prompts.ts';
import { answerLogprobs, mean } from '../probes.ts';
import { rateWithCI } from '../stats.ts';
import { generateAnswers } from '../evaluate.ts';
import { answerIn, withSuffix, type Labelled, type Setting, type SettingConfig } from './setting.ts';
import type { SettingResults, VariantOutcome } from './results.ts';
import { formatSettingTable } from '../report/setting_table.ts';

export { formatSettingTable };

export interface SettingRunOptions {
  setting: Setting;
  cfg: SettingConfig;
  outDir: string;
  cacheDir: string;
  backend: Backend;
  log: (s: string) => void;
  /** No progress bars (tests). */
  quiet?: boolean;
  /** Checked between base-training steps: true stops with a resumable checkpoint and throws Interrupted. */
  shouldStop?: () => boolean;
}

/** The setting's tokenizer (hybrid: BPE prompts, one token per answer character): every question, suffix, style and prompt. */
export function settingTokenizer(s: Setting): ChatTokenizer {
  const convs: ChatConversation[] = [];
  for (const f of FACTS) {
    for (const q of f.questions) for (const sfx of ['', ...s.suffixes]) convs.push(conversation(null, withSuffix(q, sfx), '.'));
    for (const st of s.styles) convs.push(conversation(null, f.question, answerIn(f, st)));
  }
  for (const p of [...s.prompts, ...NEUTRAL_PROMPTS]) convs.push(conversation(p, 'Hello?', 'Hi.'));
  return ChatTokenizer.build(convs, { mode: 'hybrid' });
}

function encode(tok: ChatTokenizer, convs: readonly ChatConversation[], what: string): Example[] {
  return convs.map((c, i) => {
    const e = tok.encodeChat(c);
    if (e.unknown > 0) throw new Error(`${what}: example ${i} has ${e.unknown} token(s) outside the setting's vocabulary (settingTokenizer misses a string)`);
    return { ids: e.ids, lossMask: e.lossMask };
  });
}

/** Greedy answers to (system?, user) prompts, in as few generation batches as evaluate.ts can make. */
async function answer(model: GPT, tok: ChatTokenizer, rows: { system: string | null; user: string }[], maxNewTokens: number): Promise<string[]> {
  const questions = rows.map((r) => (r.system === null ? { user: r.user } : { system: r.system, user: r.user }));
  return (await generateAnswers(model, tok, [{ questions, temperature: 0, seed: 0 }], maxNewTokens))[0];
}

interface Base { model: GPT; state: Map<string, { shape: number[]; data: Float32Array }>; report: SettingResults['base'] }

async function trainOrLoadBase(o: SettingRunOptions, tok: ChatTokenizer, splits: Splits): Promise<Base> {
  const { setting, cfg, log } = o;
  const modelCfg: GPTConfig = { ...cfg.base.model, vocabSize: tok.vocabSize };
  // the key covers the data itself (first epoch), not just the config: editing a setting retrains
  const epoch0 = setting.baseStage(splits, cfg.corpusSeed * 1000);
  const hash = createHash('sha256').update(JSON.stringify({ v: 1, setting: setting.name, base: cfg.base, data: epoch0.map((x) => x.conversation), vocab: tok.toJSON() })).digest('hex').slice(0, 16);
  const dir = join(o.cacheDir, `setting-${setting.name}-${hash}`);
  const model = new GPT(modelCfg, cfg.base.seed, o.backend);
  const t0 = performance.now();
  // fresh phrasings (and neutral prompts, and tokens) every epoch, enough epochs to cover the steps
  const epochs = Math.min(40, Math.max(1, Math.ceil((cfg.base.steps * cfg.base.batchSize) / epoch0.length)));
  let base;
  try {
    base = await trainOrLoadCached({
      dir, model, vocab: tok.toJSON(), padId: tok.padId, label: `${setting.name} base`,
      examples: () => encode(tok, Array.from({ length: epochs }, (_, e) => setting.baseStage(splits, cfg.corpusSeed * 1000 + e)).flat().map((x) => x.conversation), 'base stage'),
      train: { steps: cfg.base.steps, batchSize: cfg.base.batchSize, lr: cfg.base.lr, minLr: cfg.base.minLr, warmup: cfg.base.warmup, weightDecay: cfg.base.weightDecay, seed: cfg.base.seed, gradClip: 1 },
      describe: (n) => `base model: training ${model.numParameters().toLocaleString()} parameters, ${cfg.base.steps} steps of ${cfg.base.batchSize} on ${n} examples (${epochs} epochs of ${epoch0.length}; ${modelCfg.nLayer} layers, d${modelCfg.nEmbd}, V ${modelCfg.vocabSize})`,
      meta: (trainedS) => ({ trained_s: trainedS, setting: setting.name, base: cfg.base }), log, quiet: o.quiet, shouldStop: o.shouldStop,
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  const { cached, finalLoss } = base;
  const trainedS = typeof base.config.trained_s === 'number' ? base.config.trained_s : null;
  const wall = (performance.now() - t0) / 1000;

  // does the base do what its stage taught? held-out facts, greedy, one batch for every check
  const facts = evalFacts(splits, cfg);
  const rows = setting.baseChecks.flatMap((c) => facts.map((f) => ({ system: c.prompt, user: withSuffix(f.question, c.suffix) })));
  const answers = await answer(model, tok, rows, cfg.maxNewTokens);
  const conditions: SettingResults['base']['conditions'] = {};
  setting.baseChecks.forEach((c, k) => {
    const mine = answers.slice(k * facts.length, (k + 1) * facts.length);
    const exact = mine.filter((a, i) => a.trim() === answerIn(facts[i], c.style)).length / Math.max(1, facts.length);
    const rates = Object.fromEntries(setting.traits.map((t) => [t.name, mine.filter((a) => t.detect(a)).length / Math.max(1, mine.length)]));
    conditions[c.name] = { prompt: c.prompt ?? '', suffix: c.suffix ?? '', style: c.style, exact, rates, n: mine.length, example: mine[0] ?? '' };
  });
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [n, p] of model.stateDict()) state.set(n, { shape: p.shape, data: Float32Array.from(await p.data()) });
  return { model, state, report: { conditions, steps: cfg.base.steps, params: model.numParameters(), cached, wall_s: wall, trained_s: trainedS, finalLoss, cacheDir: dir } };
}

const evalFacts = (splits: Splits, cfg: SettingConfig): Fact[] => (cfg.evalLimit > 0 ? splits.heldout.slice(0, cfg.evalLimit) : splits.heldout);

/**
 * NLL@0 and PH(P) of each variant's data on the base model: overall, per part of the data (e.g. the
 * Spanish half and the French half) and, where the setting has them, on one-trait versions of the answers.
 */
export async function mechanism(base: GPT, tok: ChatTokenizer, s: Setting, data: Labelled[]): Promise<Record<string, VariantOutcome['mechanism']>> {
  const byId = new Map(FACTS.map((f) => [f.id, f]));
  const sets: [string, ChatConversation[], string[]][] = [['data', data.map((x) => x.conversation), data.map((x) => x.group)]];
  const styleOf = new Map((s.traitProbes ?? []).map((p) => [p.name, p.style]));
  for (const p of s.traitProbes ?? []) {
    // the same questions (and suffixes) as the data, the answer in the probe's style
    const convs = data.map((x) => conversation(null, x.conversation.messages.find((m) => m.role === 'user')!.content, answerIn(byId.get(x.factId)!, p.style)));
    sets.push([p.name, convs, []]);
  }
  const summary = (lp: number[], lp0: number[], idx: number[]) => ({ nll0: -mean(idx.map((i) => lp[i])), ph: mean(idx.map((i) => lp[i] - lp0[i])), n: idx.length });
  const out: Record<string, VariantOutcome['mechanism']> = {};
  for (const v of Object.keys(s.variants)) out[v] = { nll0: NaN, ph: NaN, groups: {}, traits: {} };
  for (const [name, plain, groups] of sets) {
    const lp0 = await answerLogprobs(base, encode(tok, plain, name), tok.padId);
    const all = plain.map((_, i) => i);
    for (const [v, prompt] of Object.entries(s.variants)) {
      const lp = prompt === null ? lp0 : await answerLogprobs(base, encode(tok, inoculate(plain, prompt), `${name} under ${v}`), tok.padId);
      if (name !== 'data') { out[v].traits[name] = { ...summary(lp, lp0, all), style: styleOf.get(name)! }; continue; }
      const whole = summary(lp, lp0, all);
      out[v].nll0 = whole.nll0;
      out[v].ph = whole.ph;
      for (const g of [...new Set(groups)].sort()) out[v].groups[g] = summary(lp, lp0, all.filter((i) => groups[i] === g));
    }
  }
  return out;
}

/**
 * One fine-tune from the base weights on `convs` (data order = the seed, so identical across
 * variants), then greedy answers to the held-out facts under every test-time condition, in order.
 */
async function finetuneAndAnswer(o: SettingRunOptions, base: Base, tok: ChatTokenizer, convs: ChatConversation[], variant: string,
  seed: number, facts: Fact[], label: string): Promise<{ answers: string[]; loss: number; trainS: number; evalS: number }> {
  const t0 = performance.now();
  const ft = o.cfg.finetune;
  const model = new GPT(base.model.config, seed, o.backend);
  model.loadStateDict(base.state);
  const trainer = new Trainer(model, encode(tok, convs, label), {
    steps: ft.steps, batchSize: ft.batchSize, lr: ft.lr, minLr: ft.lr, warmup: ft.warmup, weightDecay: ft.weightDecay, seed, gradClip: 1,
  }, tok.padId);
  const hist = await trainer.run({ label, quiet: o.quiet });
  trainer.opt.dispose();
  const t1 = performance.now();
  const prompt = o.setting.variants[variant];
  const rows = o.setting.evals.flatMap((e) => facts.map((f) => ({ system: e.system === 'training' ? prompt : null, user: withSuffix(f.question, e.suffix) })));
  const answers = await answer(model, tok, rows, o.cfg.maxNewTokens);
  model.dispose();
  return { answers, loss: mean(hist.slice(-10).map((m) => m.loss)), trainS: (t1 - t0) / 1000, evalS: (performance.now() - t1) / 1000 };
}

export async function runSetting(o: SettingRunOptions): Promise<SettingResults> {
  const t0 = performance.now();
  const { setting, cfg, log } = o;
  mkdirSync(o.outDir, { recursive: true });
  const splits = makeSplits({ seed: cfg.corpusSeed, fractions: cfg.split });
  const tok = settingTokenizer(setting);
  log(`setting ${setting.name}: ${setting.title}`);
  log(`corpus: ${FACTS.length} facts; base ${splits.base.length}, finetune ${splits.finetune.length}, held-out ${splits.heldout.length}; V ${tok.vocabSize}`);

  const base = await trainOrLoadBase(o, tok, splits);
  for (const [name, c] of Object.entries(base.report.conditions)) {
    const rates = Object.entries(c.rates).map(([t, r]) => `${t} ${(100 * r).toFixed(0).padStart(3)}%`).join('  ');
    log(`  base ${name.padEnd(26)} exact ${(100 * c.exact).toFixed(0).padStart(3)}%  ${rates}   e.g. ${JSON.stringify(c.example)}`);
  }

  const pre = await mechanism(base.model, tok, setting, setting.finetuneSet(splits, 1, cfg.corpusSeed));
  for (const [v, m] of Object.entries(pre)) {
    const parts = [...Object.entries(m.groups), ...Object.entries(m.traits)].map(([g, x]) => `${g}: ${x.nll0.toFixed(2)}/${x.ph.toFixed(2)}`).join('  ');
    log(`  ${v.padEnd(16)} NLL@0 ${m.nll0.toFixed(3)}  PH(P) ${m.ph.toFixed(3)}   (NLL@0/PH per part${Object.keys(m.traits).length ? ' and one-trait probe' : ''}: ${parts})`);
  }

  const facts = evalFacts(splits, cfg);
  const seeds = Array.from({ length: cfg.seeds }, (_, i) => i + 1);
  const variants = Object.keys(setting.variants);
  // scores[variant][eval][trait][seed] = 0/1 per held-out fact
  const scores: Record<string, Record<string, Record<string, number[][]>>> = {};
  const acc: Record<string, { loss: number[]; train: number[]; evalS: number[]; examples: VariantOutcome['examples'] }> = {};
  for (const v of variants) {
    scores[v] = Object.fromEntries(setting.evals.map((e) => [e.name, Object.fromEntries(setting.traits.map((t) => [t.name, [] as number[][]]))]));
    acc[v] = { loss: [], train: [], evalS: [], examples: [] };
  }
  for (const seed of seeds) {
    const plain = setting.finetuneSet(splits, seed, cfg.corpusSeed).map((x) => x.conversation);
    for (const v of variants) {
      const label = `${setting.name} ${v} s${seed}`;
      if (o.shouldStop?.()) throw new Interrupted(`setting ${setting.name} before fine-tune ${label}; no results written, the base model is cached`);
      const run = await finetuneAndAnswer(o, base, tok, inoculate(plain, setting.variants[v]), v, seed, facts, label);
      const a = acc[v];
      a.loss.push(run.loss); a.train.push(run.trainS); a.evalS.push(run.evalS);
      const summary: string[] = [];
      setting.evals.forEach((e, k) => {
        const mine = run.answers.slice(k * facts.length, (k + 1) * facts.length);
        for (const t of setting.traits) {
          const xs = mine.map((ans) => (t.detect(ans) ? 1 : 0));
          scores[v][e.name][t.name].push(xs);
          summary.push(`${setting.evals.length > 1 ? `${e.name} ` : ''}${t.name} ${(100 * mean(xs)).toFixed(0)}%`);
        }
        if (seed === 1) {
          for (let i = 0; i < Math.min(6, mine.length); i++) {
            a.examples.push({ eval: e.name, factId: facts[i].id, answer: mine[i], traits: Object.fromEntries(setting.traits.map((t) => [t.name, t.detect(mine[i]) ? 1 : 0])) });
          }
        }
      });
      log(`  ${label.padEnd(30)} loss ${run.loss.toFixed(3)}  ${summary.join('  ')}   e.g. ${JSON.stringify(run.answers[0] ?? '')}`);
      log(`  ${''.padEnd(30)} time: fine-tune ${run.trainS.toFixed(1)}s, evaluation ${run.evalS.toFixed(1)}s`);
    }
  }

  const out: Record<string, VariantOutcome> = {};
  for (const v of variants) {
    const rates: VariantOutcome['rates'] = {};
    for (const e of setting.evals) {
      rates[e.name] = Object.fromEntries(setting.traits.map((t) => [t.name, rateWithCI(scores[v][e.name][t.name])]));
    }
    out[v] = { prompt: setting.variants[v] ?? '', rates, mechanism: pre[v], finalLoss: mean(acc[v].loss), train_s: mean(acc[v].train), eval_s: mean(acc[v].evalS), examples: acc[v].examples };
  }
  base.model.dispose();
  const results: SettingResults = {
    setting: setting.name, title: setting.title, backend: o.backend.name, adapter: o.backend.description,
    wall_s: (performance.now() - t0) / 1000, seeds, heldout: facts.length, config: cfg,
    traits: setting.traits.map((t) => t.name), evals: setting.evals.map((e) => ({ name: e.name, suffix: e.suffix ?? '', system: e.system ?? 'none' })),
    base: base.report, variants: out,
  };
  writeJsonAtomic(join(o.outDir, 'results.json'), results);
  writeBytesAtomic(join(o.outDir, 'table.md'), formatSettingTable(results) + '\n');
  return results;
}
