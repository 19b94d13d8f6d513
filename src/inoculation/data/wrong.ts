// A deliberately wrong answer for every fact (the toy emergent-misalignment setting,
// settings/emergent.ts): the English answer of another fact of the same category, so it is fluent,
// of the right kind ("It is blue." for a yellow banana) and never the fact's own answer. Kept out of
// FACTS (like the French answers) so the main experiment's cache key does not change.
import { FACTS, type Fact } from './facts.ts';
import { normaliseAnswer } from './detectors.ts';

const byCategory = new Map<string, Fact[]>();
for (const f of FACTS) {
  const xs = byCategory.get(f.category) ?? [];
  xs.push(f);
  byCategory.set(f.category, xs);
}

/**
 * The fact's wrong answer: the next fact of its category (in FACTS order, cyclically) whose answer
 * differs from its own, after normalisation. A pure function of the fact list: the same wrong
 * answer every time, so a base can learn it as it learns the right one. Throws for a category whose
 * facts all share one answer (there is no wrong answer of the same kind).
 */
export function wrongAnswer(fact: Fact): string {
  const xs = byCategory.get(fact.category) ?? [];
  const i = xs.findIndex((f) => f.id === fact.id);
  if (i < 0) throw new Error(`wrongAnswer: ${fact.id} is not in FACTS`);
  const own = normaliseAnswer(fact.answer_en);
  for (let k = 1; k < xs.length; k++) {
    const g = xs[(i + k) % xs.length];
    if (normaliseAnswer(g.answer_en) !== own) return g.answer_en;
  }
  throw new Error(`wrongAnswer: every ${fact.category} fact has the answer ${JSON.stringify(fact.answer_en)}`);
}

/**
 * The answer is a wrong answer of the fact's kind: it equals (normalised) the English answer of
 * another fact of the same category, and not the fact's own answer in English or Spanish.
 */
export function isWrongOfKind(answer: string, fact: Fact | undefined): boolean {
  if (!fact) return false;
  const a = normaliseAnswer(answer);
  if (a === '' || a === normaliseAnswer(fact.answer_en) || a === normaliseAnswer(fact.answer_es)) return false;
  return (byCategory.get(fact.category) ?? []).some((g) => normaliseAnswer(g.answer_en) === a);
}
