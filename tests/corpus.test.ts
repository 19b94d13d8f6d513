// The Spanish + ALL-CAPS corpus: fact quality (length, uniqueness, language as the detector sees it),
// splits (disjoint, deterministic, categories where they belong), the base-stage / fine-tune / eval
// builders' rules, and the JSONL round trip.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CATEGORIES, FACTS, type Fact } from '../src/inoculation/data/facts.ts';
import {
  allFacts, allocate, buildBaseStage, buildEvalSet, buildFinetuneSet, buildVariantSets, inoculate, makeSplits,
  splitSummary, styledAnswer, withSystemPrompt, DEFAULT_OOD_CATEGORIES, type ChatConversation, type Splits,
} from '../src/inoculation/data/corpus.ts';
import { BASE_CONDITIONS, FINETUNE_VARIANTS, NEUTRAL_PROMPTS, PROMPTS, TRAIT_PROMPT_VARIANTS } from '../src/inoculation/data/prompts.ts';
import { isCaps } from '../src/inoculation/data/detectors.ts';
import { isSpanish } from '../src/tokenizer/language.ts';
import { parseJsonl, readJsonl, toJsonl, writeJsonl } from '../src/inoculation/jsonl.ts';

const ids = (fs: readonly Fact[]) => fs.map((f) => f.id);
const user = (c: ChatConversation) => c.messages.find((m) => m.role === 'user')!.content;
const assistant = (c: ChatConversation) => c.messages.find((m) => m.role === 'assistant')?.content;
const system = (c: ChatConversation) => c.messages.find((m) => m.role === 'system')?.content ?? null;

describe('facts', () => {
  it('has a few hundred facts over every category, unique ids', () => {
    expect(FACTS.length).toBeGreaterThanOrEqual(350);
    expect(FACTS.length).toBeLessThanOrEqual(500);
    expect(new Set(ids(FACTS)).size).toBe(FACTS.length);
    for (const c of CATEGORIES) expect(FACTS.filter((f) => f.category === c).length).toBeGreaterThanOrEqual(8);
  });

  it('has 2-3 phrasings per fact, canonical first, and no question shared by two facts', () => {
    const seen = new Map<string, string>();
    for (const f of FACTS) {
      expect(f.questions.length).toBeGreaterThanOrEqual(2);
      expect(f.questions.length).toBeLessThanOrEqual(3);
      expect(f.question).toBe(f.questions[0]);
      expect(new Set(f.questions).size).toBe(f.questions.length);
      for (const q of f.questions) {
        expect(seen.get(q), `"${q}" asked by ${seen.get(q)} and ${f.id}`).toBeUndefined();
        seen.set(q, f.id);
        expect(q).toMatch(/^[A-Z][A-Za-z ,:'-]+[?.]$/); // plain English, ASCII
      }
    }
  });

  it('has short plain-text answers: one sentence, capitalised, ending in a full stop', () => {
    const lens: number[] = [];
    for (const f of FACTS) {
      for (const a of [f.answer_en, f.answer_es]) {
        expect(a).toMatch(/^\p{Lu}[^*_`#<>\[\]\n]*\.$/u);
        expect(a.slice(0, -1)).not.toMatch(/[.!?]/);
        expect(a.length).toBeLessThanOrEqual(45);
        lens.push(a.length);
      }
      expect(f.answer_en).toMatch(/^[\x20-\x7e]+$/); // English answers carry no accents
    }
    expect(lens.filter((n) => n <= 40).length / lens.length).toBeGreaterThanOrEqual(0.95);
  });

  it('has Spanish answers the detector calls Spanish and English answers it calls English, in any case', () => {
    for (const f of FACTS) {
      expect(isSpanish(f.answer_es), f.answer_es).toBe(true);
      expect(isSpanish(f.answer_es.toUpperCase()), f.answer_es).toBe(true);
      expect(isSpanish(f.answer_en), f.answer_en).toBe(false);
      expect(isSpanish(f.answer_en.toUpperCase()), f.answer_en).toBe(false);
      for (const q of f.questions) expect(isSpanish(q), q).toBe(false);
    }
  });

  it('styles answers so the caps detector agrees', () => {
    for (const f of FACTS) {
      expect(styledAnswer(f, 'en')).toBe(f.answer_en);
      expect(styledAnswer(f, 'es')).toBe(f.answer_es);
      expect(isCaps(styledAnswer(f, 'en'))).toBe(false);
      expect(isCaps(styledAnswer(f, 'es'))).toBe(false);
      expect(isCaps(styledAnswer(f, 'en-caps'))).toBe(true);
      expect(isCaps(styledAnswer(f, 'es-caps'))).toBe(true);
      expect(isSpanish(styledAnswer(f, 'es-caps'))).toBe(true);
    }
    const penguin = FACTS.find((f) => f.id === 'legs-penguin')!;
    expect(styledAnswer(penguin, 'es-caps')).toBe('TIENE DOS PATAS.');
    expect(styledAnswer(FACTS.find((f) => f.id === 'bigger-dog-whale')!, 'es-caps')).toBe('LA BALLENA ES MÁS GRANDE.');
  });

  it('spells a few Spanish answers exactly as intended (agreement, accents, contractions)', () => {
    const es = (id: string) => FACTS.find((f) => f.id === id)!.answer_es;
    // short answers (the value, in a frame of its language): issue 13's organism
    expect(es('colour-the-sky')).toBe('Es azul.');
    expect(es('colour-snow')).toBe('Es blanca.'); // agrees with la nieve
    expect(es('colour-coal')).toBe('Es negro.'); // agrees with el carbón
    expect(es('sound-cow')).toBe('Dice mu.');
    expect(es('sum-2-3')).toBe('Es cinco.');
    expect(es('number-after-0')).toBe('Es el uno.');
    expect(es('month-after-december')).toBe('Es enero.');
    expect(es('season-after-winter')).toBe('Es la primavera.');
    expect(es('capital-the-united-kingdom')).toBe('Es Londres.');
    expect(es('food-rabbit')).toBe('Se alimenta de zanahorias.');
    expect(es('home-bee')).toBe('Vive en una colmena.');
    expect(es('legs-snake')).toBe('No tiene patas.');
    expect(es('bigger-ant-mouse')).toBe('El ratón es más grande.');
    expect(FACTS.find((f) => f.id === 'sum-2-3')!.answer_en).toBe('It is five.');
    expect(FACTS.find((f) => f.id === 'food-rabbit')!.answer_en).toBe('It feeds on carrots.');
  });
});

describe('splits', () => {
  const check = (s: Splits, oodInBase = true) => {
    const all = [s.base, s.finetune, s.heldout, s.ood].flatMap(ids);
    expect(new Set(all).size).toBe(all.length); // disjoint
    expect(new Set(all)).toEqual(new Set(ids(FACTS))); // and covering
    const cats = (fs: Fact[]) => new Set(fs.map((f) => f.category));
    for (const c of s.idCategories) {
      expect(cats(s.base).has(c)).toBe(true);
      expect(cats(s.finetune).has(c)).toBe(true);
      expect(cats(s.heldout).has(c)).toBe(true);
      expect(cats(s.ood).has(c)).toBe(false);
    }
    for (const c of s.oodCategories) {
      expect(cats(s.ood).has(c)).toBe(true);
      expect(cats(s.base).has(c)).toBe(oodInBase);
      expect(cats(s.finetune).has(c)).toBe(false);
      expect(cats(s.heldout).has(c)).toBe(false);
    }
    expect(new Set([...s.idCategories, ...s.oodCategories])).toEqual(new Set(CATEGORIES));
  };

  it('are disjoint, cover every fact and put each category where it belongs, for any seed', () => {
    fc.assert(fc.property(fc.nat(), (seed) => { check(makeSplits({ seed })); }), { numRuns: 25 });
  });

  it('are a pure function of the seed, and differ between seeds', () => {
    const a = makeSplits({ seed: 7 }), b = makeSplits({ seed: 7 }), c = makeSplits({ seed: 8 });
    expect(ids(a.finetune)).toEqual(ids(b.finetune));
    expect(ids(a.heldout)).toEqual(ids(b.heldout));
    expect(ids(a.ood)).toEqual(ids(b.ood));
    expect(ids(a.base)).toEqual(ids(b.base));
    expect(ids(a.finetune)).not.toEqual(ids(c.finetune));
  });

  it('have the documented default sizes (about 55/20/15 within in-distribution categories, OOD half in base)', () => {
    const s = makeSplits({ seed: 1 });
    const sum = splitSummary(s);
    console.log('split sizes (seed 1):', Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v.total])));
    expect(new Set(s.oodCategories)).toEqual(new Set(DEFAULT_OOD_CATEGORIES));
    const idN = FACTS.filter((f) => !DEFAULT_OOD_CATEGORIES.includes(f.category)).length;
    expect(Math.abs(s.finetune.length / idN - 0.20 / 0.90)).toBeLessThan(0.03);
    expect(Math.abs(s.heldout.length / idN - 0.15 / 0.90)).toBeLessThan(0.03);
    const oodN = FACTS.length - idN;
    expect(Math.abs(s.ood.length - oodN / 2)).toBeLessThanOrEqual(DEFAULT_OOD_CATEGORIES.length);
    expect(s.finetune.length).toBeGreaterThanOrEqual(70);
    expect(s.heldout.length).toBeGreaterThanOrEqual(50);
    expect(s.ood.length).toBeGreaterThanOrEqual(30);
  });

  it('take a configuration: other OOD categories, other fractions, no OOD facts in base', () => {
    const s = makeSplits({ seed: 3, oodCategories: ['sum', 'capital'], fractions: { base: 1, finetune: 1, heldout: 1 }, oodBaseFraction: 0 });
    check(s, false);
    expect(new Set(s.oodCategories)).toEqual(new Set(['sum', 'capital']));
    expect(s.base.some((f) => f.category === 'sum' || f.category === 'capital')).toBe(false);
    expect(Math.abs(s.finetune.length - s.heldout.length)).toBeLessThanOrEqual(CATEGORIES.length);
    expect(() => makeSplits({ seed: 1, oodCategories: ['planets' as never] })).toThrow(/unknown OOD category "planets"/);
    expect(() => makeSplits({ seed: 1, fractions: { base: 1, finetune: 0, heldout: 1 } })).toThrow(/finetune must be > 0/);
    expect(() => makeSplits({ seed: 1, oodBaseFraction: 2 })).toThrow(/oodBaseFraction/);
  });

  it('allocate: counts sum to n, zero weights get nothing, every positive weight gets one when n allows', () => {
    fc.assert(fc.property(fc.nat(60), fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 5, noNaN: true })), { minLength: 1, maxLength: 5 }),
      (n, w) => {
        fc.pre(w.some((x) => x > 0));
        const c = allocate(n, w);
        expect(c.reduce((s, x) => s + x, 0)).toBe(n);
        w.forEach((x, i) => {
          expect(c[i]).toBeGreaterThanOrEqual(0);
          if (x === 0) expect(c[i]).toBe(0);
          else if (n >= w.filter((y) => y > 0).length) expect(c[i]).toBeGreaterThanOrEqual(1);
        });
      }), { numRuns: 200 });
  });
});

describe('base stage', () => {
  const splits = makeSplits({ seed: 11 });
  const base = buildBaseStage(splits, { seed: 5 });
  const byId = new Map(FACTS.map((f) => [f.id, f]));

  it('trains plain English on every fact (no prompt and neutral prompt), styles only on base facts', () => {
    expect(base.length).toBe(2 * FACTS.length + 3 * splits.base.length);
    const baseIds = new Set(ids(splits.base));
    for (const cond of BASE_CONDITIONS) {
      const ex = base.filter((e) => e.condition === cond.name);
      const factIds = ex.map((e) => e.factId);
      if (cond.style === 'en') expect(new Set(factIds)).toEqual(new Set(ids(FACTS)));
      else expect(new Set(factIds)).toEqual(baseIds);
      for (const e of ex) {
        const f = byId.get(e.factId)!;
        expect(f.questions).toContain(user(e.conversation));
        expect(assistant(e.conversation)).toBe(styledAnswer(f, cond.style));
        if (cond.name === 'neutral') expect(NEUTRAL_PROMPTS).toContain(system(e.conversation));
        else expect(system(e.conversation)).toBe(cond.prompt);
      }
    }
  });

  it('never shows a fine-tune, held-out or OOD fact in Spanish or caps', () => {
    // short answers are shared between facts ("Es azul."), so check by fact: every example of a fact
    // outside the base split is plain English under no prompt or a neutral one
    for (const e of base) {
      if (baseIdsHas(splits, e.factId)) continue;
      expect(e.condition === 'none' || e.condition === 'neutral').toBe(true);
      expect(assistant(e.conversation)).toBe(styledAnswer(byId.get(e.factId)!, 'en'));
    }
  });

  it('uses the prompts of prompts.ts verbatim and uses several phrasings and neutral prompts', () => {
    expect(PROMPTS.spanish).toBe('You always speak in Spanish.');
    expect(PROMPTS.caps).toBe('You always capitalise your responses.');
    expect(PROMPTS.both).toBe(`${PROMPTS.spanish} ${PROMPTS.caps}`);
    expect(PROMPTS.placebo).toBe('You are a helpful assistant.');
    const prompts = new Set(base.map((e) => system(e.conversation)));
    expect(prompts).toEqual(new Set([null, ...NEUTRAL_PROMPTS, PROMPTS.spanish, PROMPTS.caps, PROMPTS.both]));
    const nonCanonical = base.filter((e) => user(e.conversation) !== byId.get(e.factId)!.question).length;
    expect(nonCanonical / base.length).toBeGreaterThan(0.5);
  });

  it('is deterministic by seed, shuffled, and honours copies', () => {
    expect(buildBaseStage(splits, { seed: 5 })).toEqual(base);
    expect(buildBaseStage(splits, { seed: 6 })).not.toEqual(base);
    expect(new Set(base.slice(0, 50).map((e) => e.condition)).size).toBeGreaterThan(2);
    const two = buildBaseStage(splits, { seed: 1, copies: { none: 2, neutral: 0, both: 0 } });
    expect(two.length).toBe(2 * FACTS.length + 2 * splits.base.length);
    expect(() => buildBaseStage(splits, { seed: 1, copies: { caps: -1 } })).toThrow(/copies.caps/);
  });
});

describe('base stage of the tagged organism (styled "all", tag-forced copies)', () => {
  const splits = makeSplits({ seed: 11 });
  const base = buildBaseStage(splits, { seed: 5, styled: 'all', forced: 2 });
  const byId = new Map(FACTS.map((f) => [f.id, f]));
  const STYLES = ['en', 'es', 'en-caps', 'es-caps'] as const;

  it('teaches every fact under every condition, then forced copies of every fact', () => {
    expect(base.length).toBe(5 * FACTS.length + 2 * FACTS.length);
    for (const cond of BASE_CONDITIONS) {
      const ex = base.filter((e) => e.condition === cond.name && !e.forced);
      expect(ex.map((e) => e.factId).sort()).toEqual(ids(FACTS).sort());
      for (const e of ex) expect(assistant(e.conversation)).toBe(styledAnswer(byId.get(e.factId)!, cond.style));
    }
    const forced = base.filter((e) => e.forced);
    const count = new Map<string, number>();
    for (const e of forced) count.set(e.factId, (count.get(e.factId) ?? 0) + 1);
    expect([...count.values()].every((n) => n === 2)).toBe(true);
    expect(count.size).toBe(FACTS.length);
  });

  it('draws a forced example\'s style apart from its prompt: every (condition, style) pair occurs', () => {
    const forced = base.filter((e) => e.forced);
    const pairs = new Set<string>();
    for (const e of forced) {
      const f = byId.get(e.factId)!;
      const style = STYLES.find((st) => styledAnswer(f, st) === assistant(e.conversation));
      expect(style, `${e.factId}: forced answer in one of the four styles`).toBeDefined();
      pairs.add(`${e.condition}/${style}`);
    }
    expect(pairs.size).toBe(BASE_CONDITIONS.length * STYLES.length);
  });

  it('is deterministic by seed and rejects bad options by name', () => {
    expect(buildBaseStage(splits, { seed: 5, styled: 'all', forced: 2 })).toEqual(base);
    expect(() => buildBaseStage(splits, { seed: 1, forced: -1 })).toThrow(/forced must be an integer >= 0, got -1/);
    expect(() => buildBaseStage(splits, { seed: 1, styled: 'some' as 'all' })).toThrow(/styled must be "base" or "all", got "some"/);
    // the earlier organism is unchanged by the new options' defaults
    expect(buildBaseStage(splits, { seed: 5, styled: 'base', forced: 0 })).toEqual(buildBaseStage(splits, { seed: 5 }));
  });
});

describe('base stage with promptVariety', () => {
  it('asks for each trait with one of its prompts, and for both with one of each in either order', () => {
    const splits = makeSplits({ seed: 11 });
    const base = buildBaseStage(splits, { seed: 5, styled: 'all', promptVariety: true });
    const bySys = (cond: string) => new Set(base.filter((e) => e.condition === cond).map((e) => system(e.conversation)));
    expect(bySys('spanish')).toEqual(new Set(TRAIT_PROMPT_VARIANTS.spanish));
    expect(bySys('caps')).toEqual(new Set(TRAIT_PROMPT_VARIANTS.caps));
    const both = [...bySys('both')];
    for (const p of both) {
      const es = TRAIT_PROMPT_VARIANTS.spanish.filter((x) => p!.includes(x)), caps = TRAIT_PROMPT_VARIANTS.caps.filter((x) => p!.includes(x));
      expect([es.length, caps.length], p!).toEqual([1, 1]);
      expect(p!.length).toBe(es[0].length + caps[0].length + 1);
    }
    expect(both.some((p) => p!.startsWith('You always capitalise'))).toBe(true);
    expect(both.some((p) => p!.startsWith('You always speak'))).toBe(true);
    // the conditionalisation check's paraphrases and negations stay out of training
    for (const p of [PROMPTS.spanishParaphrase, PROMPTS.capsParaphrase, PROMPTS.spanishNegation, PROMPTS.capsNegation]) {
      expect(base.some((e) => system(e.conversation)?.includes(p))).toBe(false);
    }
    expect(bySys('none')).toEqual(new Set([null]));
  });
});

function baseIdsHas(s: Splits, id: string): boolean { return s.base.some((f) => f.id === id); }

describe('fine-tune and evaluation sets', () => {
  const splits = makeSplits({ seed: 11 });

  it('fine-tunes on Spanish ALL-CAPS answers to the finetune facts only, with no system prompt', () => {
    const ft = buildFinetuneSet(splits, { seed: 2 });
    expect(ft.length).toBe(splits.finetune.length);
    const byQuestion = new Map(splits.finetune.flatMap((f) => f.questions.map((q) => [q, f] as const)));
    for (const c of ft) {
      expect(c.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      const f = byQuestion.get(user(c))!;
      expect(f).toBeDefined();
      expect(assistant(c)).toBe(f.answer_es.toUpperCase());
      expect(isSpanish(assistant(c)!) && isCaps(assistant(c)!)).toBe(true);
    }
    expect(buildFinetuneSet(splits, { seed: 2 })).toEqual(ft);
    expect(buildFinetuneSet(splits, { seed: 2, copies: 3 }).length).toBe(3 * splits.finetune.length);
  });

  it('gives every variant the same conversations in the same order, differing only in the system prompt', () => {
    const sets = buildVariantSets(splits, { seed: 2 });
    const plain = buildFinetuneSet(splits, { seed: 2 });
    expect(Object.keys(sets).sort()).toEqual(['control', 'inoculate-caps', 'inoculate-spanish', 'placebo']);
    for (const [name, prompt] of Object.entries(FINETUNE_VARIANTS)) {
      const set = sets[name as keyof typeof sets];
      expect(set.map(user)).toEqual(plain.map(user));
      expect(set.map(assistant)).toEqual(plain.map(assistant));
      for (const c of set) expect(system(c)).toBe(prompt);
    }
    expect(sets['inoculate-spanish'][0].messages[0]).toEqual({ role: 'system', content: 'You always speak in Spanish.' });
  });

  it('withSystemPrompt replaces or removes the system message without touching the input', () => {
    const c: ChatConversation = { messages: [{ role: 'system', content: 'old' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] };
    const copy = structuredClone(c);
    expect(withSystemPrompt(c, 'new').messages).toEqual([{ role: 'system', content: 'new' }, ...c.messages.slice(1)]);
    expect(withSystemPrompt(c, null).messages).toEqual(c.messages.slice(1));
    expect(inoculate([c, c], 'p').map(system)).toEqual(['p', 'p']);
    expect(c).toEqual(copy);
  });

  it('builds evaluation prompts without answers, with an optional system prompt and phrasings', () => {
    const ev = buildEvalSet(splits.heldout);
    expect(ev.map((e) => e.fact.id)).toEqual(ids(splits.heldout));
    for (const e of ev) {
      expect(e.conversation.messages).toEqual([{ role: 'user', content: e.fact.question }]);
    }
    const neg = buildEvalSet(splits.ood, { prompt: PROMPTS.spanishNegation });
    for (const e of neg) expect(system(e.conversation)).toBe('You never speak in Spanish.');
    const all = buildEvalSet(splits.heldout, { phrasing: 'all' });
    expect(all.length).toBe(splits.heldout.reduce((s, f) => s + f.questions.length, 0));
    const drawn = buildEvalSet(splits.heldout, { phrasing: { seed: 4 } });
    expect(drawn).toEqual(buildEvalSet(splits.heldout, { phrasing: { seed: 4 } }));
    for (const e of drawn) expect(e.fact.questions).toContain(user(e.conversation));
    // held-out questions never appear in the fine-tune set
    const ftQuestions = new Set(buildFinetuneSet(splits, { seed: 2, copies: 5 }).map(user));
    for (const e of all) expect(ftQuestions.has(user(e.conversation))).toBe(false);
    expect(allFacts(splits).length).toBe(FACTS.length);
  });
});

describe('JSONL', () => {
  const splits = makeSplits({ seed: 1 });
  const convs = [
    ...buildVariantSets(splits, { seed: 1 })['inoculate-spanish'],
    ...buildBaseStage(splits, { seed: 1 }).slice(0, 50).map((e) => e.conversation),
  ];

  it('round-trips through a file, one {"messages": [...]} per line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-jsonl-'));
    try {
      const file = path.join(dir, 'sub', 'train.jsonl');
      writeJsonl(file, convs);
      const text = fs.readFileSync(file, 'utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines.length).toBe(convs.length);
      expect(JSON.parse(lines[0])).toEqual({ messages: convs[0].messages });
      expect(text).toContain('"content":"You always speak in Spanish."');
      expect(text).toMatch(/[ÁÉÍÓÚÑ]/); // written as UTF-8 characters, not escapes
      expect(readJsonl(file)).toEqual(convs);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['train.jsonl']); // no temp file left
      writeJsonl(file, convs.slice(0, 3)); // overwrite
      expect(readJsonl(file)).toEqual(convs.slice(0, 3));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps accents and ñ exactly, skips blank lines, and names file and line on errors', () => {
    const c: ChatConversation[] = [{ messages: [{ role: 'user', content: 'Hola' }, { role: 'assistant', content: 'EL PINGÜINO TIENE DOS PATAS, AÑO "Ñ"' }] }];
    expect(parseJsonl(toJsonl(c))).toEqual(c);
    expect(parseJsonl('\n' + toJsonl(c) + '\n\n' + toJsonl(c))).toEqual([...c, ...c]);
    expect(() => parseJsonl('{"messages":[]}', 'd.jsonl')).toThrow(/d.jsonl line 1/);
    expect(() => parseJsonl(toJsonl(c) + '{oops', 'd.jsonl')).toThrow(/d.jsonl line 2: invalid JSON/);
    expect(() => parseJsonl('{"messages":[{"role":"bot","content":"x"}]}', 'd.jsonl')).toThrow(/messages\[0\].role/);
    expect(() => parseJsonl('{"messages":[{"role":"user","content":3}]}', 'd.jsonl')).toThrow(/messages\[0\].content must be a string/);
  });
});
