// Evaluation by generation: answer held-out questions (with or without a system prompt), score
// each answer with the trait detectors, and aggregate over seeds into rates with CIs.
import type { GPT } from '../nn/gpt.ts';
import { generateAll } from '../nn/generate.ts';
import type { ChatTokenizer } from '../tokenizer/index.ts';
import { isCaps, isSpanish } from './detectors.ts';
import { buildEvalSet, styledAnswer, type EvalItem } from './corpus.ts';
import type { Fact } from './facts.ts';
import type { Style } from './prompts.ts';
import { rateWithCI } from './stats.ts';
import type { TraitRates } from './results.ts';

export interface Scored {
  factId: string;
  answer: string;
  spanish: number;
  caps: number;
}

export interface GenerateOptions {
  /** 0 = greedy; 1 = the paper's sampling protocol. */
  temperature: number;
  seed: number;
  maxNewTokens: number;
}

/** Answers to each fact's canonical question under `prompt` (null = no system prompt), scored. */
export async function answerFacts(model: GPT, tok: ChatTokenizer, facts: readonly Fact[], prompt: string | null, g: GenerateOptions): Promise<Scored[]> {
  const items: EvalItem[] = buildEvalSet(facts, { prompt });
  const prompts = items.map((it) => {
    const sys = it.conversation.messages.find((m) => m.role === 'system')?.content;
    const user = it.conversation.messages.find((m) => m.role === 'user')!.content;
    return tok.encodePrompt(sys === undefined ? { user } : { system: sys, user });
  });
  const room = model.config.blockSize - Math.max(...prompts.map((p) => p.length));
  const outs = await generateAll(model, prompts, {
    maxNewTokens: Math.max(1, Math.min(g.maxNewTokens, room)), temperature: g.temperature, seed: g.seed, endId: tok.endId, batchSize: 128,
  });
  return outs.map((ids, i) => {
    const answer = tok.decode(ids);
    return { factId: items[i].fact.id, answer, spanish: isSpanish(answer) ? 1 : 0, caps: isCaps(answer) ? 1 : 0 };
  });
}

/** Fraction of answers that are exactly the fact in `style`. */
export function exactRate(scored: Scored[], facts: readonly Fact[], style: Style): number {
  const byId = new Map(facts.map((f) => [f.id, f]));
  const hits = scored.filter((s) => s.answer.trim() === styledAnswer(byId.get(s.factId)!, style)).length;
  return hits / Math.max(1, scored.length);
}

/** Trait rates over seeds: perSeed[s] is the scored answers of seed s. */
export function traitRates(perSeed: Scored[][]): TraitRates {
  return {
    spanish: rateWithCI(perSeed.map((xs) => xs.map((x) => x.spanish))),
    caps: rateWithCI(perSeed.map((xs) => xs.map((x) => x.caps))),
  };
}

export const fraction = (xs: Scored[], key: 'spanish' | 'caps'): number => xs.reduce((a, x) => a + x[key], 0) / Math.max(1, xs.length);
