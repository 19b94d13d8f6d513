// Rule-based trait detectors for the Spanish + ALL-CAPS experiment (the paper used an LLM judge;
// small-model replications use rules like these), pure functions of the text. The
// language half (isSpanish, languageOf, ...) is src/tokenizer/language.ts, since the tagged
// tokenizer's language tag is made by it.
//
// isCaps: at least 80% of the cased letters are upper case (the paper's replication rule). Letters
//   without case (digits, CJK, ...) are ignored; text with no cased letter is not caps.

/**
 * Fraction of the cased letters that are upper case, or null when there is none. A letter is cased
 * when its upper- and lower-case forms differ; title-case letters (e.g. "ǅ") count as not upper.
 */
export function capsFraction(text: string): number | null {
  let cased = 0, upper = 0;
  for (const ch of text) {
    const up = ch.toUpperCase(), lo = ch.toLowerCase();
    if (up === lo) continue;
    cased++;
    if (ch === up) upper++;
  }
  return cased === 0 ? null : upper / cased;
}

/** ALL CAPS: at least `threshold` (default 0.8) of the cased letters upper case; no letters -> false. */
export function isCaps(text: string, threshold = 0.8): boolean {
  const f = capsFraction(text);
  return f !== null && f >= threshold;
}

// ---- content -------------------------------------------------------------------------------------

/**
 * An answer's content for comparison: accents folded, lower case, runs of white space as one
 * space, opening/closing punctuation at either end (¿ ¡ . ! ? , ; :) and surrounding space dropped.
 * Case and accents are style, not content.
 */
export function normaliseAnswer(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase()
    .replace(/\s+/gu, ' ').replace(/^[\s¿¡.!?,;:]+|[\s.!?,;:]+$/gu, '');
}

/** The answer states the fact: its normalised text equals one of the expected answers' (either language). */
export function isCorrect(text: string, expected: readonly string[]): boolean {
  const t = normaliseAnswer(text);
  return t !== '' && expected.some((e) => normaliseAnswer(e) === t);
}
