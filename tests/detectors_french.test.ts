// The three-way language detector (languageOf, isFrench) of the Spanish/French mixture setting:
// accuracy on hand-written labelled sentences that are not corpus answers (French:
// tests/fixtures/french_sentences.json; English and Spanish: the isSpanish fixture), as written,
// upper-cased, lower-cased, without accents and garbled; and every corpus answer in its language.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isFrench, isSpanish, languageEvidence3, languageOf, type Language } from '../src/tokenizer/language.ts';
import { FACTS } from '../src/inoculation/data/facts.ts';
import { FRENCH, frenchCoverage } from '../src/inoculation/data/french.ts';
import { Generator } from '../src/random.ts';
import { garble } from './helpers/garble.ts';

const read = (f: string) => JSON.parse(fs.readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8'));
const enEs = read('language_sentences.json') as { english: string[]; spanish: string[] };
const fr = (read('french_sentences.json') as { french: string[] }).french;
const labelled: [string, Language][] = [
  ...enEs.english.map((s): [string, Language] => [s, 'en']),
  ...enEs.spanish.map((s): [string, Language] => [s, 'es']),
  ...fr.map((s): [string, Language] => [s, 'fr']),
];
const strip = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '');

/** Fraction of rows languageOf labels correctly after `transform`; logs the misses. */
function accuracy(rows: [string, Language][], transform: (s: string) => string, name: string): number {
  let ok = 0;
  const misses: string[] = [];
  for (const [s, lang] of rows) {
    const t = transform(s);
    const got = languageOf(t);
    if (got === lang) ok++;
    else misses.push(`${lang} -> ${got}: ${t} ${JSON.stringify(languageEvidence3(t))}`);
  }
  console.log(`languageOf ${name}: ${ok}/${rows.length} = ${((100 * ok) / rows.length).toFixed(2)}%`);
  for (const m of misses.slice(0, 10)) console.log(`  miss ${m}`);
  return ok / rows.length;
}

describe('French answers (data/french.ts)', () => {
  it('cover every fact exactly once, in NFC, with the French-only marks where French has them', () => {
    expect(frenchCoverage()).toEqual({ missing: [], extra: [] });
    for (const a of Object.values(FRENCH)) expect(a.normalize('NFC')).toBe(a);
    expect(FRENCH['colour-grass']).toBe("L'herbe est verte.");
    expect(FRENCH['double-1']).toBe("Le double d'un est deux.");
    expect(FRENCH['double-8']).toBe('Le double de huit est seize.');
    expect(FRENCH['season-after-summer']).toBe("Après l'été vient l'automne.");
    expect(FRENCH['bigger-mouse-whale']).toBe('La baleine est plus grande que la souris.');
  });
});

describe('French sentences fixture', () => {
  it('has at least 200 sentences, none a corpus answer, some ALL CAPS and some all lower case', () => {
    expect(fr.length).toBeGreaterThanOrEqual(200);
    const answers = new Set(Object.values(FRENCH).map((a) => a.toLowerCase()));
    for (const s of fr) expect(answers.has(s.toLowerCase())).toBe(false);
    expect(fr.filter((s) => s === s.toUpperCase()).length).toBeGreaterThanOrEqual(15);
    expect(fr.filter((s) => s === s.toLowerCase()).length).toBeGreaterThanOrEqual(5);
    expect(new Set(fr).size).toBe(fr.length);
  });
});

describe('languageOf: English vs Spanish vs French on held-out sentences', () => {
  it('is >= 98% accurate as written, upper-cased, lower-cased and without accents', () => {
    expect(accuracy(labelled, (s) => s, 'as written')).toBeGreaterThanOrEqual(0.98);
    expect(accuracy(labelled, (s) => s.toUpperCase(), 'upper-cased')).toBeGreaterThanOrEqual(0.98);
    expect(accuracy(labelled, (s) => s.toLowerCase(), 'lower-cased')).toBeGreaterThanOrEqual(0.98);
    expect(accuracy(labelled, strip, 'accents stripped')).toBeGreaterThanOrEqual(0.98);
  });

  it('isFrench separates French from Spanish and from English (>= 98% each way)', () => {
    const rate = (xs: string[], f: (s: string) => boolean) => xs.filter(f).length / xs.length;
    for (const tf of [(s: string) => s, (s: string) => s.toUpperCase(), strip]) {
      expect(rate(fr.map(tf), isFrench)).toBeGreaterThanOrEqual(0.98);
      expect(rate(enEs.spanish.map(tf), (s) => !isFrench(s))).toBeGreaterThanOrEqual(0.98);
      expect(rate(enEs.english.map(tf), (s) => !isFrench(s))).toBeGreaterThanOrEqual(0.98);
    }
  });

  it('is needed: isSpanish alone calls much French text Spanish', () => {
    // why the mixture setting scores with languageOf (isSpanish only weighs Spanish against English)
    expect(fr.filter((s) => isSpanish(s)).length).toBeGreaterThan(fr.length / 4);
  });

  it('stays >= 95% accurate on garbled text (10% of characters dropped, replaced or doubled)', () => {
    const gen = new Generator(2025);
    const rows = labelled.flatMap(([s, l]): [string, Language][] => [[garble(s, 0.1, gen), l], [garble(s.toUpperCase(), 0.1, gen), l]]);
    expect(accuracy(rows, (s) => s, 'garbled 10%')).toBeGreaterThanOrEqual(0.95);
  });

  it('labels every corpus answer with its language in every case, and without accents never with the wrong one', () => {
    for (const tf of [(s: string) => s, (s: string) => s.toUpperCase(), (s: string) => s.toLowerCase()]) {
      for (const f of FACTS) {
        expect(languageOf(tf(f.answer_en)), f.answer_en).toBe('en');
        expect(languageOf(tf(f.answer_es)), f.answer_es).toBe('es');
        expect(languageOf(tf(FRENCH[f.id])), FRENCH[f.id]).toBe('fr');
      }
    }
    // without accents, a two-word answer can lose its only evidence ("Es marron." reads as Spanish
    // "es" + French "marron"): then no language (null), but never the wrong one
    let undecided = 0;
    for (const f of FACTS) {
      for (const [text, lang] of [[f.answer_en, 'en'], [f.answer_es, 'es'], [FRENCH[f.id], 'fr']] as const) {
        const got = languageOf(strip(text));
        if (got === null) undecided++;
        else expect(got, text).toBe(lang);
      }
    }
    expect(undecided).toBeLessThanOrEqual(3);
  });
});

describe('languageOf edge cases', () => {
  it('gives null without letters or evidence', () => {
    for (const s of ['', '   ', '123 + 4', '...', '😀', 'xq zz']) expect(languageOf(s)).toBeNull();
  });

  it('reads elisions, contractions and language-only marks', () => {
    expect(languageOf("l'eau")).toBe('fr');
    expect(languageOf("C'EST ÇA")).toBe('fr');
    expect(languageOf('ŒUF')).toBe('fr');
    expect(languageOf("don't")).toBe('en');
    expect(languageOf('¿Y?')).toBe('es');
    expect(languageOf('MAÑANA')).toBe('es');
  });
});
