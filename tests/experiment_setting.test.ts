// The main experiment as a setting of the one runner (settings/spanish_caps.ts): its fine-tuning data,
// variants and test-time conditions are exactly those the experiment used before it was one setting
// among four (corpus.ts buildFinetuneSet / buildVariantSets), and every setting's scoring is the
// setting's own: its traits in order, then correct, with its extra correct styles (mixture: French).
import { describe, expect, it } from 'vitest';
import { ALL_SETTINGS, SETTINGS, spanishCaps } from '../src/inoculation/settings/index.ts';
import { buildFinetuneSet, buildVariantSets, experimentSplits, inoculate } from '../src/inoculation/data/corpus.ts';
import { defaultConfig, settingConfig } from '../src/inoculation/config.ts';
import { EVAL_PROMPT_SETS, FINETUNE_VARIANTS, LEAK_PROMPTS, PROMPTS } from '../src/inoculation/data/prompts.ts';
import { experimentTokenizer } from '../src/inoculation/vocabulary.ts';
import { settingScorer } from '../src/inoculation/base.ts';
import { scoreWith, score } from '../src/inoculation/evaluate.ts';
import { frenchAnswer } from '../src/inoculation/data/french.ts';
import { expectedAnswers } from '../src/inoculation/settings/setting.ts';

const splits = experimentSplits(defaultConfig);

describe('spanish-caps as a setting', () => {
  it('fine-tunes on the same conversations, in the same order, as buildFinetuneSet; each variant only adds its prompt', () => {
    for (const seed of [1, 2, 3]) {
      const plain = spanishCaps.finetuneSet(splits, seed, defaultConfig.corpusSeed).map((x) => x.conversation);
      expect(plain).toEqual(buildFinetuneSet(splits, { seed }));
      const sets = buildVariantSets(splits, { seed });
      for (const [v, p] of Object.entries(spanishCaps.variants)) expect(inoculate(plain, p)).toEqual(sets[v as keyof typeof sets]);
    }
  });

  it('its variants and test-time conditions are the experiment\'s', () => {
    expect(spanishCaps.variants).toEqual(FINETUNE_VARIANTS);
    const names = (v: string) => spanishCaps.conditions(v).map((c) => [c.name, c.system, c.suffix]);
    // the conditionalisation check, then the conditional-leak check (the training prompt's form, a neutral prompt)
    const neutral = ['neutral', LEAK_PROMPTS.neutral, undefined];
    expect(names('control')).toEqual([['spanish-train', PROMPTS.spanish, undefined], ['caps-train', PROMPTS.caps, undefined], neutral]);
    expect(names('placebo')).toEqual([['placebo-train', PROMPTS.placebo, undefined], neutral]);
    expect(names('inoculate-spanish')).toEqual([...Object.entries(EVAL_PROMPT_SETS.spanish).map(([k, p]) => [`spanish-${k}`, p, undefined]), ['spanish-form', LEAK_PROMPTS.spanishForm, undefined], neutral]);
    expect(names('inoculate-caps')).toEqual([...Object.entries(EVAL_PROMPT_SETS.caps).map(([k, p]) => [`caps-${k}`, p, undefined]), ['caps-form', LEAK_PROMPTS.capsForm, undefined], neutral]);
  });

  it('the leak-check prompts need no new token in any tokenizer mode (no vocabulary, so no cached base, changes) and name no trait', () => {
    for (const mode of ['tagged', 'capslock', 'hybrid', 'bpe'] as const) {
      const tok = experimentTokenizer(mode);
      for (const p of Object.values(LEAK_PROMPTS)) expect(tok.encodeChat({ messages: [{ role: 'system', content: p }, { role: 'user', content: 'Hello?' }] }).unknown, `${mode}: ${p}`).toBe(0);
    }
    for (const p of Object.values(LEAK_PROMPTS)) expect(p).not.toMatch(/spanish|capital|caps|upper/i);
    // neither is a training prompt of any variant
    for (const p of Object.values(LEAK_PROMPTS)) expect(Object.values(FINETUNE_VARIANTS)).not.toContain(p);
  });

  it('scores as the experiment always did: spanish, caps, then correct in English or Spanish', () => {
    const f = splits.heldout[0];
    for (const a of [f.answer_en, f.answer_es.toUpperCase(), 'no idea']) {
      const s = scoreWith(settingScorer(spanishCaps), f, a);
      expect(s).toEqual(score(f, a));
      expect(Object.keys(s)).toEqual(['factId', 'answer', 'spanish', 'caps', 'correct']);
    }
  });
});

describe('every setting of the runner', () => {
  it.each(Object.keys(ALL_SETTINGS))('%s: control (no prompt) first, unique condition names per variant, traits named once', (name) => {
    const s = ALL_SETTINGS[name];
    // (subliminal's control, first, is the students of the base's own numbers: base-numbers)
    expect(Object.entries(s.variants)[0]).toEqual([s.studentData ? 'base-numbers' : 'control', null]);
    for (const v of Object.keys(s.variants)) {
      const names = s.conditions(v).map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
    }
    const traits = s.traits.map((t) => t.name);
    expect(new Set(traits).size).toBe(traits.length);
    expect(traits).not.toContain('correct');
    expect(s.correctStyles).toEqual(expect.arrayContaining(['en', 'es']));
  });

  it('mixture counts a French answer as correct, and a wrong fact in French as wrong; its marks are its own traits', () => {
    const mx = SETTINGS.mixture;
    const splitsS = experimentSplits(settingConfig);
    const [f, g] = splitsS.heldout;
    expect(expectedAnswers(mx, f)).toContain(frenchAnswer(f));
    const scorer = settingScorer(mx);
    const right = scoreWith(scorer, f, frenchAnswer(f));
    expect(Object.keys(right)).toEqual(['factId', 'answer', 'spanish', 'french', 'english', 'correct']);
    expect(right.correct).toBe(1);
    expect(right.french).toBe(1);
    if (frenchAnswer(g) !== frenchAnswer(f)) expect(scoreWith(scorer, f, frenchAnswer(g)).correct).toBe(0);
    // the main experiment does not count French: a fact whose French answer is neither its English nor its Spanish one
    const lower = (x: string) => x.toLowerCase();
    const h = splitsS.heldout.find((x) => ![lower(x.answer_en), lower(x.answer_es)].includes(lower(frenchAnswer(x))))!;
    expect(scoreWith(scorer, h, frenchAnswer(h)).correct).toBe(1);
    expect(score(h, frenchAnswer(h)).correct).toBe(0);
  });
});
