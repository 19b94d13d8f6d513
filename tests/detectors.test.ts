// Trait detectors: language accuracy measured on a labelled set of hand-written sentences that are
// not from the corpus (tests/fixtures/language_sentences.json), in their own case, upper-cased,
// lower-cased and with character noise; ALL-CAPS rule checked with fast-check properties.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { capsFraction, isCaps, isCorrect, normaliseAnswer } from '../src/inoculation/data/detectors.ts';
import { isSpanish, languageEvidence, scoreSpanish } from '../src/tokenizer/language.ts';
import { FACTS } from '../src/inoculation/data/facts.ts';
import { Generator } from '../src/random.ts';
import { garble } from './helpers/garble.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/language_sentences.json', import.meta.url), 'utf8')) as
  { english: string[]; spanish: string[] };
const labelled: [string, boolean][] = [
  ...fixture.english.map((s): [string, boolean] => [s, false]),
  ...fixture.spanish.map((s): [string, boolean] => [s, true]),
];

/** Fraction of `rows` the detector labels correctly after `transform`; logs the misses. */
function accuracy(rows: [string, boolean][], transform: (s: string) => string, name: string): number {
  let ok = 0;
  const misses: string[] = [];
  for (const [s, spanish] of rows) {
    const t = transform(s);
    if (isSpanish(t) === spanish) ok++;
    else misses.push(`${spanish ? 'es' : 'en'}: ${t} ${JSON.stringify(languageEvidence(t))}`);
  }
  const acc = ok / rows.length;
  console.log(`isSpanish ${name}: ${ok}/${rows.length} = ${(100 * acc).toFixed(2)}%`);
  for (const m of misses.slice(0, 10)) console.log(`  miss ${m}`);
  return acc;
}

describe('isSpanish on the labelled held-out sentences', () => {
  it('has at least 200 sentences per language, none of them a corpus answer', () => {
    expect(fixture.english.length).toBeGreaterThanOrEqual(200);
    expect(fixture.spanish.length).toBeGreaterThanOrEqual(200);
    const answers = new Set(FACTS.flatMap((f) => [f.answer_en, f.answer_es].map((a) => a.toLowerCase())));
    for (const [s] of labelled) expect(answers.has(s.toLowerCase())).toBe(false);
    // mixed case as written: some ALL-CAPS and some all-lower-case lines in each language
    for (const list of [fixture.english, fixture.spanish]) {
      expect(list.filter((s) => s === s.toUpperCase()).length).toBeGreaterThanOrEqual(15);
      expect(list.filter((s) => s === s.toLowerCase()).length).toBeGreaterThanOrEqual(5);
    }
  });

  it('is >= 98% accurate as written', () => {
    expect(accuracy(labelled, (s) => s, 'as written')).toBeGreaterThanOrEqual(0.98);
  });

  it('is >= 98% accurate on ALL-CAPS and on all-lower-case versions', () => {
    expect(accuracy(labelled, (s) => s.toUpperCase(), 'upper-cased')).toBeGreaterThanOrEqual(0.98);
    expect(accuracy(labelled, (s) => s.toLowerCase(), 'lower-cased')).toBeGreaterThanOrEqual(0.98);
  });

  it('is >= 98% accurate with accents stripped (Spanish typed without them)', () => {
    const strip = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '');
    expect(accuracy(labelled, strip, 'accents stripped')).toBeGreaterThanOrEqual(0.98);
  });

  it('stays >= 95% accurate on garbled text (10% of characters dropped, replaced or doubled)', () => {
    const gen = new Generator(2024);
    const rows = labelled.flatMap(([s, l]): [string, boolean][] => [[s, l], [s.toUpperCase(), l]]);
    const noisy = rows.map(([s, l]): [string, boolean] => [garble(s, 0.1, gen), l]);
    expect(accuracy(noisy, (s) => s, 'garbled 10%')).toBeGreaterThanOrEqual(0.95);
  });

  it('does not change its answer when digits or punctuation are added around the text', () => {
    const noise = fc.string({ unit: fc.constantFrom(...'0123456789 .,;:!?()-'.split('')), maxLength: 8 });
    fc.assert(fc.property(fc.constantFrom(...labelled), noise, noise, ([s], pre, post) =>
      isSpanish(pre + s + post) === isSpanish(s)), { numRuns: 200 });
  });
});

describe('scoreSpanish and edge cases', () => {
  it('is in [0, 1], above 0.5 exactly when isSpanish', () => {
    for (const [s] of labelled) {
      const p = scoreSpanish(s);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(p > 0.5).toBe(isSpanish(s));
    }
  });

  it('gives no letters and no evidence "not Spanish"', () => {
    for (const s of ['', '   ', '123 + 4 = 127', '...', '😀']) {
      expect(scoreSpanish(s)).toBe(0);
      expect(isSpanish(s)).toBe(false);
    }
    expect(scoreSpanish('xq zz')).toBe(0.5); // words, but no evidence either way
    expect(isSpanish('xq zz')).toBe(false);
  });

  it('reads Spanish-only marks: ñ, accents, ¿ ¡', () => {
    expect(isSpanish('¿Y?')).toBe(true);
    expect(isSpanish('ÑANDÚ')).toBe(true);
    expect(isSpanish('MAÑANA')).toBe(true);
    expect(isSpanish("don't")).toBe(false);
  });
});

describe('isCaps', () => {
  const hasCased = (s: string) => capsFraction(s) !== null;
  const anyText = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...'aábcdeéfghiíjklmnñoópqrstuúüvwxyz ,.!?¿¡'.split('')), maxLength: 40 }),
  );

  it('upper-casing any string with a cased letter makes it caps', () => {
    fc.assert(fc.property(anyText, (s) => {
      const up = s.toUpperCase();
      fc.pre(hasCased(up));
      return isCaps(up);
    }), { numRuns: 500 });
  });

  it('lower-casing any string with a cased letter makes it not caps', () => {
    fc.assert(fc.property(anyText, (s) => {
      const lo = s.toLowerCase();
      fc.pre(hasCased(lo));
      return !isCaps(lo);
    }), { numRuns: 500 });
  });

  it('is true exactly when >= 80% of the letters are upper case (non-letters ignored)', () => {
    fc.assert(fc.property(fc.nat(30), fc.nat(30), fc.string({ unit: fc.constantFrom(...'0123456789 .,!?-'.split('')), maxLength: 10 }),
      fc.nat(), (nUp, nLo, filler, seed) => {
        fc.pre(nUp + nLo > 0);
        const gen = new Generator(seed);
        const chars = [...'ABCDEFGHIJKLMNÑÁÉ'.repeat(2).slice(0, nUp).padEnd(nUp, 'Z'), ...'abcdefghijklmnñáé'.repeat(2).slice(0, nLo).padEnd(nLo, 'z'), ...filler];
        const text = gen.shuffle(chars).join('');
        return isCaps(text) === (nUp / (nUp + nLo) >= 0.8) && capsFraction(text) === nUp / (nUp + nLo);
      }), { numRuns: 300 });
  });

  it('is false without cased letters', () => {
    for (const s of ['', '123', '!!!', '  ', '你好', '😀 42']) {
      expect(capsFraction(s)).toBeNull();
      expect(isCaps(s)).toBe(false);
    }
  });

  it('matches the fixture sentences: ALL-CAPS lines are caps, the others are not', () => {
    for (const [s] of labelled) expect(isCaps(s)).toBe(s === s.toUpperCase());
  });
});

describe('content score: normaliseAnswer and isCorrect', () => {
  const styles = (f: (typeof FACTS)[number]) => [f.answer_en, f.answer_es, f.answer_en.toUpperCase(), f.answer_es.toUpperCase()];
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC');

  it('a fact in any of its four styles is correct, with or without accents, final punctuation or extra spaces', () => {
    fc.assert(fc.property(fc.constantFrom(...FACTS), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean(), (f, k, strip, pad) => {
      let s = styles(f)[k];
      if (strip) s = fold(s).replace(/[.!?]+$/u, '');
      if (pad) s = `  ${s.replace(/ /g, '   ')} `;
      expect(isCorrect(s, [f.answer_en, f.answer_es])).toBe(true);
    }), { numRuns: 500 });
  });

  it('case and accents never matter: any re-casing of a text normalises the same', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 40 }), (s, flips) => {
      const chars = [...s];
      const recased = chars.map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join('');
      // upper-casing can change the length of a few letters (ß -> SS): compare on their lower-case forms
      fc.pre(recased.toLowerCase() === s.toLowerCase());
      expect(normaliseAnswer(recased)).toBe(normaliseAnswer(s));
      expect(normaliseAnswer(fold(s))).toBe(normaliseAnswer(s));
    }), { numRuns: 500 });
  });

  it('a wrong fact in the right style is never correct', () => {
    fc.assert(fc.property(fc.constantFrom(...FACTS), fc.constantFrom(...FACTS), fc.integer({ min: 0, max: 3 }), (f, g, k) => {
      fc.pre(normaliseAnswer(g.answer_en) !== normaliseAnswer(f.answer_en) && normaliseAnswer(g.answer_es) !== normaliseAnswer(f.answer_es));
      expect(isCorrect(styles(g)[k], [f.answer_en, f.answer_es])).toBe(false);
    }), { numRuns: 1000 });
    // close misses: one word changed, a word dropped, the answer cut short, an empty answer
    expect(isCorrect('EL CIELO ES VERDE.', ['The sky is blue.', 'El cielo es azul.'])).toBe(false);
    expect(isCorrect('El cielo azul.', ['The sky is blue.', 'El cielo es azul.'])).toBe(false);
    expect(isCorrect('THE SKY IS', ['The sky is blue.', 'El cielo es azul.'])).toBe(false);
    expect(isCorrect('', ['The sky is blue.', 'El cielo es azul.'])).toBe(false);
    expect(isCorrect('.', ['.'])).toBe(false);
  });

  it('a fact\'s own answers are correct for it: the score compares with the fact asked about, not with any fact', () => {
    // short answers are shared ("It is yellow." for a banana and a lemon): either is right for both
    const banana = FACTS.find((f) => f.id === 'colour-a-banana')!, lemon = FACTS.find((f) => f.id === 'colour-a-lemon')!, sky = FACTS.find((f) => f.id === 'colour-the-sky')!;
    expect(isCorrect(lemon.answer_en, [banana.answer_en, banana.answer_es])).toBe(true);
    expect(isCorrect(sky.answer_es.toUpperCase(), [banana.answer_en, banana.answer_es])).toBe(false);
  });
});
