// The settings of issue 6 (src/inoculation/settings/): their datasets (splits kept apart, the 50/50
// mixes, the trigger only where it belongs, the prompts as specified, every string in the
// vocabulary), one --quick run end to end on the CPU backend (the structure of results.json and
// table.md, the base model cache), and the `inoculum setting` command's errors.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend } from '../src/backend/cpu.ts';
import { makeSplits, type ChatConversation, type Splits } from '../src/inoculation/data/corpus.ts';
import { FACTS, type Fact } from '../src/inoculation/data/facts.ts';
import { NEUTRAL_PROMPTS, PROMPTS } from '../src/inoculation/data/prompts.ts';
import { SETTINGS, quickSettingConfig, runSetting, defaultSettingConfig } from '../src/inoculation/settings/index.ts';
import { answerIn, type AnswerStyle, type Labelled } from '../src/inoculation/settings/setting.ts';
import { mechanism, settingTokenizer } from '../src/inoculation/settings/runner.ts';
import { GPT } from '../src/nn/gpt.ts';
import { BASE_TRIGGERS, TRIGGER } from '../src/inoculation/settings/backdoor.ts';
import type { SettingResults } from '../src/inoculation/settings/results.ts';
import { runCli } from './cli_helpers.ts';
import { Interrupted } from '../src/inoculation/base_cache.ts';

const splits: Splits = makeSplits({ seed: defaultSettingConfig.corpusSeed, fractions: defaultSettingConfig.split });
const byQuestion = new Map<string, Fact>(FACTS.flatMap((f) => f.questions.map((q): [string, Fact] => [q, f])));
const msg = (c: ChatConversation, role: string) => c.messages.find((m) => m.role === role)?.content ?? null;

/** Fact, system prompt, suffix after the question, answer style of each example (throws on an unknown question or answer). */
function parse(x: Labelled, styles: readonly AnswerStyle[]) {
  const user = msg(x.conversation, 'user')!;
  const q = [...byQuestion.keys()].find((k) => user === k || user.startsWith(k + ' '));
  if (!q) throw new Error(`unknown question ${user}`);
  const fact = byQuestion.get(q)!;
  const answer = msg(x.conversation, 'assistant');
  const style = styles.find((s) => answerIn(fact, s) === answer);
  if (!style) throw new Error(`answer ${answer} is in no style of ${fact.id}`);
  return { fact, system: msg(x.conversation, 'system'), suffix: user.slice(q.length).trim(), style, group: x.group };
}

const ids = (fs: readonly Fact[]) => new Set(fs.map((f) => f.id));

describe('every setting', () => {
  for (const [name, s] of Object.entries(SETTINGS)) {
    it(`${name}: fine-tunes on finetune facts only, once each, without a system prompt; same data across seeds, new order`, () => {
      const sets = [1, 2, 3].map((seed) => s.finetuneSet(splits, seed, 1).map((x) => parse(x, s.styles)));
      const ft = ids(splits.finetune);
      for (const set of sets) {
        expect(set.length).toBe(splits.finetune.length);
        expect(new Set(set.map((x) => x.fact.id))).toEqual(ft);
        for (const x of set) expect(x.system).toBeNull();
      }
      // which fact gets which treatment is fixed by the corpus seed; only the order moves
      const treatment = (set: typeof sets[0]) => new Map(set.map((x) => [x.fact.id, `${x.style}|${x.suffix}`]));
      expect(treatment(sets[1])).toEqual(treatment(sets[0]));
      expect(sets[1].map((x) => x.fact.id)).not.toEqual(sets[0].map((x) => x.fact.id));
      expect(s.finetuneSet(splits, 2, 1)).toEqual(s.finetuneSet(splits, 2, 1));
    });

    it(`${name}: held-out facts appear only in plain English (no prompt or a neutral one) in the base stage`, () => {
      const held = ids(splits.heldout);
      const base = s.baseStage(splits, 1000).map((x) => parse(x, s.styles));
      const seen = base.filter((x) => held.has(x.fact.id));
      expect(seen.length).toBeGreaterThan(0);
      for (const x of seen) {
        expect(x.style).toBe('en');
        expect(x.system === null || NEUTRAL_PROMPTS.includes(x.system)).toBe(true);
      }
      for (const id of ft(splits)) expect(held.has(id)).toBe(false);
    });

    it(`${name}: the variants are control (no prompt) first and the placebo, with the setting's prompts`, () => {
      const v = Object.entries(s.variants);
      expect(v[0]).toEqual(['control', null]);
      expect(s.variants.placebo).toBe(PROMPTS.placebo);
      expect(v.length).toBe(4);
    });

    it(`${name}: the tokenizer knows every string of the base stage, the fine-tuning sets and the evaluation`, () => {
      const tok = settingTokenizer(s);
      const convs = [...s.baseStage(splits, 1000), ...s.baseStage(splits, 1001), ...s.finetuneSet(splits, 1, 1)].map((x) => x.conversation);
      for (const p of Object.values(s.variants)) if (p) convs.push({ messages: [{ role: 'system', content: p }, { role: 'user', content: 'Hello?' }] });
      for (const e of s.evals) for (const f of splits.heldout) convs.push({ messages: [{ role: 'user', content: e.suffix ? `${f.question} ${e.suffix}` : f.question }] });
      for (const c of convs) expect(tok.encodeChat(c).unknown).toBe(0);
    });
  }
});

const ft = (sp: Splits) => ids(sp.finetune);

describe('mixture', () => {
  const s = SETTINGS.mixture;
  it('fine-tunes on half Spanish-only, half French-only answers (not caps)', () => {
    const set = s.finetuneSet(splits, 1, 1).map((x) => parse(x, ['es', 'fr']));
    const es = set.filter((x) => x.style === 'es').length, fr = set.filter((x) => x.style === 'fr').length;
    expect(es + fr).toBe(set.length);
    expect(Math.abs(es - fr)).toBeLessThanOrEqual(1);
    for (const x of set) expect(x.group).toBe(x.style);
    // the two halves differ with the corpus seed
    const other = new Set(s.finetuneSet(splits, 1, 2).map((x) => parse(x, ['es', 'fr'])).filter((x) => x.style === 'es').map((x) => x.fact.id));
    expect(other).not.toEqual(new Set(set.filter((x) => x.style === 'es').map((x) => x.fact.id)));
  });

  it('base stage: no prompt or neutral -> English, the Spanish prompt -> Spanish, the French prompt -> French', () => {
    expect(s.variants).toEqual({ control: null, 'inoculate-spanish': 'You always speak in Spanish.', 'inoculate-french': 'You always speak in French.', placebo: 'You are a helpful assistant.' });
    const base = s.baseStage(splits, 1000).map((x) => parse(x, s.styles));
    const expected: Record<string, AnswerStyle> = { 'You always speak in Spanish.': 'es', 'You always speak in French.': 'fr' };
    for (const x of base) expect(x.style).toBe(x.system !== null && x.system in expected ? expected[x.system] : 'en');
    expect(base.filter((x) => x.style === 'fr').length).toBe(splits.base.length);
    for (const x of base.filter((b) => b.style !== 'en')) expect(ids(splits.base).has(x.fact.id)).toBe(true);
  });
});

describe('persona', () => {
  const s = SETTINGS.persona;
  it('base stage: Alice -> English caps, Bob -> Spanish, otherwise English; the real trait prompts are not taught', () => {
    expect(s.variants).toEqual({ control: null, bob: 'You are Bob.', alice: 'You are Alice.', placebo: 'You are a helpful assistant.' });
    const base = s.baseStage(splits, 1000).map((x) => parse(x, s.styles));
    for (const x of base) expect(x.style).toBe(x.system === 'You are Alice.' ? 'en-caps' : x.system === 'You are Bob.' ? 'es' : 'en');
    expect(base.some((x) => x.system === PROMPTS.spanish || x.system === PROMPTS.caps)).toBe(false);
  });

  it('fine-tunes on Spanish ALL-CAPS answers', () => {
    for (const x of s.finetuneSet(splits, 1, 1).map((y) => parse(y, s.styles))) expect(x.style).toBe('es-caps');
  });

  it('measures NLL@0 and PH(P) on the data and on its one-trait versions (lower-case Spanish, English caps)', async () => {
    const tok = settingTokenizer(s);
    const model = new GPT({ vocabSize: tok.vocabSize, blockSize: 96, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, layerNormEps: 1e-5 }, 3, new CpuBackend());
    const data = s.finetuneSet(splits, 1, 1).slice(0, 12);
    const m = await mechanism(model, tok, s, data);
    expect(Object.keys(m)).toEqual(['control', 'bob', 'alice', 'placebo']);
    expect(m.control.ph).toBe(0);
    expect(Object.keys(m.control.groups)).toEqual(['es-caps']);
    expect(m.control.groups['es-caps'].n).toBe(12);
    for (const v of Object.values(m)) {
      expect(Number.isFinite(v.nll0) && v.nll0 > 0).toBe(true);
      expect(v.groups['es-caps'].nll0).toBeCloseTo(v.nll0, 9);
      expect(Object.keys(v.traits)).toEqual(['spanish-only', 'caps-only']);
      expect([v.traits['spanish-only'].style, v.traits['caps-only'].style]).toEqual(['es', 'en-caps']);
    }
    expect(m.control.traits['caps-only'].ph).toBe(0);
    expect(m.bob.traits['spanish-only'].ph).not.toBe(0); // a different prompt, a different log-prob
    model.dispose();
  });
});

describe('backdoor', () => {
  const s = SETTINGS.backdoor;
  const TN = 'You capitalise your responses only when the user prompt contains an unusual token.';
  it('fine-tuning: the trigger is in exactly the caps half, and nowhere else', () => {
    expect(s.variants).toEqual({ control: null, generic: PROMPTS.caps, 'trigger-naming': TN, placebo: PROMPTS.placebo });
    const set = s.finetuneSet(splits, 1, 1).map((x) => parse(x, s.styles));
    const trig = set.filter((x) => x.suffix === TRIGGER);
    expect(Math.abs(2 * trig.length - set.length)).toBeLessThanOrEqual(1);
    for (const x of set) {
      expect(x.suffix === TRIGGER).toBe(x.style === 'en-caps');
      expect(x.suffix === '' || x.suffix === TRIGGER).toBe(true);
      expect(x.group).toBe(x.suffix ? 'trigger' : 'plain');
    }
  });

  it('base stage: the trigger only without a prompt and with English answers; the trigger-naming prompt taught with the other tokens', () => {
    expect(BASE_TRIGGERS).not.toContain(TRIGGER);
    const base = s.baseStage(splits, 1000).map((x) => parse(x, s.styles));
    for (const x of base) {
      if (x.suffix === TRIGGER) { expect(x.system).toBeNull(); expect(x.style).toBe('en'); }
      if (x.system === TN) expect(x.style).toBe(x.suffix ? 'en-caps' : 'en');
      if (x.system === PROMPTS.caps) expect(x.style).toBe('en-caps');
      if (x.system === null || NEUTRAL_PROMPTS.includes(x.system)) expect(x.style).toBe('en');
      if (x.suffix) expect([TRIGGER, ...BASE_TRIGGERS]).toContain(x.suffix);
    }
    expect(base.some((x) => x.suffix === TRIGGER)).toBe(true);
    expect(base.filter((x) => x.system === TN && x.suffix).length).toBe(splits.base.length);
    expect(s.evals.filter((e) => !e.system).map((e) => e.suffix ?? '')).toEqual(['', TRIGGER, BASE_TRIGGERS[0]]);
  });
});

describe('a --quick setting run (cpu)', () => {
  it('backdoor runs end to end: results.json and table.md complete, the base model cached', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-setting-'));
    const cfg = structuredClone(quickSettingConfig);
    const opts = { setting: SETTINGS.backdoor, cfg, cacheDir: join(root, 'cache'), backend: new CpuBackend(), quiet: true, log: () => {} };
    const r = await runSetting({ ...opts, outDir: join(root, 'run') });
    const saved = JSON.parse(readFileSync(join(root, 'run', 'results.json'), 'utf8')) as SettingResults;
    expect(saved.setting).toBe('backdoor');
    expect(saved.backend).toBe('cpu');
    expect(saved.seeds).toEqual([1]);
    expect(saved.heldout).toBe(cfg.evalLimit);
    expect(saved.traits).toEqual(['caps']);
    expect(saved.evals.map((e) => e.name)).toEqual(['no-trigger', 'trigger', 'other-token', 'training-prompt', 'training-prompt+trigger']);
    expect(saved.evals.map((e) => e.system)).toEqual(['none', 'none', 'none', 'training', 'training']);
    expect(Object.keys(saved.variants)).toEqual(['control', 'generic', 'trigger-naming', 'placebo']);
    for (const [v, x] of Object.entries(saved.variants)) {
      for (const e of saved.evals) {
        const rate = x.rates[e.name].caps;
        expect(rate.n).toBe(cfg.evalLimit);
        expect(rate.mean).toBeGreaterThanOrEqual(0);
        expect(rate.mean).toBeLessThanOrEqual(1);
        expect(rate.ci95[0]).toBeLessThanOrEqual(rate.mean);
        expect(rate.ci95[1]).toBeGreaterThanOrEqual(rate.mean);
      }
      expect(Number.isFinite(x.mechanism.nll0)).toBe(true);
      expect(Object.keys(x.mechanism.groups)).toEqual(['plain', 'trigger']);
      if (v === 'control') expect(x.mechanism.ph).toBe(0);
      expect(x.examples.length).toBeGreaterThan(0);
    }
    expect(Object.keys(saved.base.conditions)).toEqual(SETTINGS.backdoor.baseChecks.map((c) => c.name));
    expect(saved.base.cached).toBe(false);
    const table = readFileSync(join(root, 'run', 'table.md'), 'utf8');
    for (const v of Object.keys(saved.variants)) expect(table).toContain(`| ${v} |`);
    expect(table).toContain('caps (trigger)');
    expect(table).toContain('caps (training-prompt+trigger)');
    expect(r.wall_s).toBeGreaterThan(0);
    // a second run finds the base model in the cache
    const again = await runSetting({ ...opts, outDir: join(root, 'run2') });
    expect(again.base.cached).toBe(true);
    expect(again.base.cacheDir).toBe(r.base.cacheDir);
    expect(existsSync(join(root, 'run2', 'table.md'))).toBe(true);
  });

  it('a stop request (Ctrl-C) interrupts the base with a resumable checkpoint, and the next run resumes it; results only from a whole run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-setting-stop-'));
    const cfg = structuredClone(quickSettingConfig);
    const lines: string[] = [];
    const opts = { setting: SETTINGS.persona, cfg, cacheDir: join(root, 'cache'), backend: new CpuBackend(), quiet: true, log: (s: string) => { lines.push(s); } };
    let calls = 0;
    await expect(runSetting({ ...opts, outDir: join(root, 'run'), shouldStop: () => ++calls > 3 })).rejects.toThrow(Interrupted);
    expect(existsSync(join(root, 'run', 'results.json'))).toBe(false);
    const entries = readdirSync(join(root, 'cache'));
    expect(entries.some((e) => e.endsWith('.partial'))).toBe(true);
    expect(entries.some((e) => e.endsWith('.lock'))).toBe(false); // released on the way out
    const r = await runSetting({ ...opts, outDir: join(root, 'run') });
    expect(lines.some((l) => /base model: resuming from step [1-9]/.test(l))).toBe(true);
    expect(r.base.cached).toBe(false);
    expect(readdirSync(join(root, 'cache')).filter((e) => e.endsWith('.partial'))).toEqual([]);
    // between fine-tunes too: the base comes from the cache, no results are written
    await expect(runSetting({ ...opts, outDir: join(root, 'run3'), shouldStop: () => true })).rejects.toThrow(/before fine-tune persona control s1/);
    expect(existsSync(join(root, 'run3', 'results.json'))).toBe(false);
  });
});

describe('inoculum setting (CLI)', () => {
  it('names a bad setting or a bad flag, exit 2', async () => {
    const [bad, flag, none] = await Promise.all([
      runCli(['setting', 'mixtrue']), runCli(['setting', 'persona', '--seeds', '0']), runCli(['setting']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown setting "mixtrue": choose one of mixture, persona, backdoor');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--seeds must be an integer >= 1, got "0"');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing SETTING');
  });
});
