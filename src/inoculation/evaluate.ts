// Evaluation by generation: answer held-out questions (with or without a system prompt), score
// each answer with the trait detectors, and aggregate over seeds into rates with CIs.
import type { GPT } from '../nn/gpt.ts';
import { generate } from '../nn/generate.ts';
import type { ChatTokenizer } from '../tokenizer/index.ts';
import { isCaps, isCorrect } from './data/detectors.ts';
import { isSpanish } from '../tokenizer/language.ts';
import { buildEvalSet } from './data/corpus.ts';
import type { Fact } from './data/facts.ts';
import { rateWithCI, type Rate } from './stats.ts';
import type { TraitRates } from './results.ts';

/**
 * One scored answer: its fact and text, the 0/1 mark of each trait of the setting (own fields, in the
 * setting's order: spanish and caps for the main experiment) and `correct`, 1 when the answer states
 * the fact (detectors.ts isCorrect: case, accents, final punctuation ignored). Read marks with `mark`.
 */
export interface Scored { factId: string; answer: string; correct: number; [trait: string]: string | number }

/** A trait's (or correct's) 0/1 mark of a scored answer (0 where absent). */
export const mark = (x: Scored, key: string): number => (typeof x[key] === 'number' ? (x[key] as number) : 0);

/** What an answer is scored on: the traits, in order, and the answers that count as correct for a fact. */
export interface Scorer { traits: readonly { name: string; detect: (answer: string, fact?: Fact) => boolean }[]; expected: (fact: Fact) => readonly string[] }

/** The main experiment's: Spanish, caps; correct in English or Spanish. */
export const SPANISH_CAPS_SCORER: Scorer = {
  traits: [{ name: 'spanish', detect: isSpanish }, { name: 'caps', detect: (a) => isCaps(a) }],
  expected: (f) => [f.answer_en, f.answer_es],
};

export interface GenerateOptions {
  /** 0 = greedy; 1 = the paper's sampling protocol. */
  temperature: number;
  seed: number;
  maxNewTokens: number;
}

/** Answers to each fact's canonical question under `prompt` (null = no system prompt), scored. */
export async function answerFacts(model: GPT, tok: ChatTokenizer, facts: readonly Fact[], prompt: string | null, g: GenerateOptions, scorer = SPANISH_CAPS_SCORER): Promise<Scored[]> {
  return (await answerMany(model, tok, [{ facts, prompt, temperature: g.temperature, seed: g.seed }], g.maxNewTokens, scorer))[0];
}

/** One batch of questions for answerMany: the facts under one system prompt (and user-turn suffix, a trigger), one sampling setting. */
export interface AnswerRequest { facts: readonly Fact[]; prompt: string | null; suffix?: string; temperature: number; seed: number }

/** One batch for generateAnswers: questions (each with its own optional system prompt), one sampling setting. */
export interface QuestionRequest { questions: readonly { system?: string; user: string }[]; temperature: number; seed: number }

/** Rows generated together at most: one pass of dispatches per token serves them all. */
const MAX_ROWS = 512;

/**
 * Several answerFacts requests in as few generation passes as possible (see generateAnswers), each
 * answer scored against its fact.
 */
export async function answerMany(model: GPT, tok: ChatTokenizer, requests: readonly AnswerRequest[], maxNewTokens: number, scorer = SPANISH_CAPS_SCORER): Promise<Scored[][]> {
  const items = requests.map((r) => buildEvalSet(r.facts, { prompt: r.prompt }));
  const texts = await generateAnswers(model, tok, requests.map((r, k) => ({
    temperature: r.temperature, seed: r.seed,
    questions: items[k].map((it) => {
      const sys = it.conversation.messages.find((m) => m.role === 'system')?.content;
      const q = it.conversation.messages.find((m) => m.role === 'user')!.content;
      const user = r.suffix ? `${q} ${r.suffix}` : q;
      return sys === undefined ? { user } : { system: sys, user };
    }),
  })), maxNewTokens);
  return texts.map((xs, k) => xs.map((answer, i) => scoreWith(scorer, items[k][i].fact, answer)));
}

/**
 * Answers to several requests of questions in as few generation passes as possible. On a device
 * where a dispatch costs more than the arithmetic of a few hundred short rows (llvmpipe: ~150 us
 * each), the evaluation of a model is dominated by the per-token dispatches, so every request that
 * allows the same number of new tokens shares one batch. Row i of a request samples from its own
 * stream (seed * 1_000_003 + i): results do not depend on what else is in the batch.
 */
export async function generateAnswers(model: GPT, tok: ChatTokenizer, requests: readonly QuestionRequest[], maxNewTokens: number): Promise<string[][]> {
  type Row = { req: number; i: number; ids: number[]; temperature: number; seed: number };
  const rows: Row[] = [];
  const budget: number[] = [];
  requests.forEach((r, req) => {
    const encoded = r.questions.map((q) => tok.encodePrompt(q));
    // the new tokens this request would get on its own (a longer prompt elsewhere must not cut it)
    const room = model.config.blockSize - Math.max(0, ...encoded.map((p) => p.length));
    budget[req] = Math.max(1, Math.min(maxNewTokens, room));
    encoded.forEach((ids, i) => rows.push({ req, i, ids, temperature: r.temperature, seed: r.seed * 1_000_003 + i }));
  });
  const out: string[][] = requests.map((r) => new Array<string>(r.questions.length));
  for (const n of [...new Set(budget)]) {
    // rows whose own budget is n, and whose prompt leaves n tokens of room in a shared batch
    const group = rows.filter((r) => budget[r.req] === n);
    for (let s = 0; s < group.length; s += MAX_ROWS) {
      const chunk = group.slice(s, s + MAX_ROWS);
      const outs = await generate(model, chunk.map((r) => r.ids), {
        maxNewTokens: n, endId: tok.endId, rows: chunk.map((r) => ({ temperature: r.temperature, seed: r.seed })),
      });
      chunk.forEach((r, k) => { out[r.req][r.i] = tok.decode(outs[k]); });
    }
  }
  return out;
}

/** One answer's marks: Spanish, caps, and whether it states the fact. */
export function score(fact: Fact, answer: string): Scored {
  return scoreWith(SPANISH_CAPS_SCORER, fact, answer);
}

/** One answer's marks under a scorer: each trait in order, then whether it states the fact. */
export function scoreWith(scorer: Scorer, fact: Fact, answer: string): Scored {
  return marks(scorer, fact.id, answer, scorer.expected(fact), fact);
}

/** The same for any question: correct is 0 where there is no expected answer (callers then leave it out). */
export function scoreAnswer(id: string, answer: string, expected: readonly string[] | null): Scored {
  return marks(SPANISH_CAPS_SCORER, id, answer, expected);
}

function marks(scorer: Scorer, id: string, answer: string, expected: readonly string[] | null, fact?: Fact): Scored {
  // the traits, then correct: the key order of every scored answer written so far
  const traits = Object.fromEntries(scorer.traits.map((t) => [t.name, t.detect(answer, fact) ? 1 : 0]));
  return { factId: id, answer, ...traits, correct: expected && isCorrect(answer, expected) ? 1 : 0 };
}

/** Fraction of answers that are exactly the fact's `answer` (its answer in the expected style). */
export function exactRate(scored: Scored[], facts: readonly Fact[], answer: (f: Fact) => string): number {
  const byId = new Map(facts.map((f) => [f.id, f]));
  const hits = scored.filter((s) => s.answer.trim() === answer(byId.get(s.factId)!)).length;
  return hits / Math.max(1, scored.length);
}

/**
 * Rates over seeds, perSeed[s] being the scored answers of seed s: each trait, correct, then each
 * trait among the correct answers only (`<trait>Correct`, absent when no answer is correct).
 */
export function traitRates(perSeed: Scored[][], traits: readonly string[] = ['spanish', 'caps']): TraitRates {
  const among = perSeed.map((xs) => xs.filter((x) => x.correct === 1));
  const anyCorrect = among.some((xs) => xs.length > 0);
  const out: Record<string, Rate> = {};
  for (const t of traits) out[t] = rateWithCI(perSeed.map((xs) => xs.map((x) => mark(x, t))));
  out.correct = rateWithCI(perSeed.map((xs) => xs.map((x) => mark(x, 'correct'))));
  if (anyCorrect) for (const t of traits) out[`${t}Correct`] = rateWithCI(among.map((xs) => xs.map((x) => mark(x, t))));
  return out as unknown as TraitRates;
}

export const fraction = (xs: Scored[], key: string): number => xs.reduce((a, x) => a + mark(x, key), 0) / Math.max(1, xs.length);
