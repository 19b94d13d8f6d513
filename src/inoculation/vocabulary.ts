// The Spanish + CAPS experiment's vocabulary and its fixed probe sets: what its tokenizer must cover
// (every fact's questions in every style, every prompt), and the one-trait answers the per-step
// probes score (finetune.ts). Apart from run.ts so that the setting (settings/spanish_caps.ts),
// the sweep and the CLI can use them without importing the runner.
import type { Mode } from '../tokenizer/vocab.ts';
import { ChatTokenizer } from '../tokenizer/index.ts';
import { firstTargetOnly, type Example } from '../train/batches.ts';
import { FACTS, type Fact } from './data/facts.ts';
import { conversation, styledAnswer, type ChatConversation, type Splits } from './data/corpus.ts';
import { BASE_CONDITIONS, NEUTRAL_PROMPTS, PROMPTS, TRAIT_PROMPT_VARIANTS, type Style } from './data/prompts.ts';
import type { ExperimentConfig } from './config.ts';
import { encodeAll } from './base.ts';
import type { ProbeSets } from './results.ts';

/**
 * The experiment's tokenizer: its vocabulary covers vocabCorpus(), with the base's extra trait
 * prompts when the config asks for them (so a default vocabulary, and every cached base, is unchanged).
 */
export function experimentTokenizer(mode: Mode, promptVariety = false): ChatTokenizer {
  return ChatTokenizer.build(vocabCorpus(promptVariety), { mode });
}

/** Every string the model can meet: all facts' questions in every style, every prompt. */
export function vocabCorpus(promptVariety = false): ChatConversation[] {
  // with promptVariety, every prompt the base can draw, the joined both-prompts too: BPE splits
  // "X. Y." into other tokens than X and Y alone (" Answer" is not "Answer")
  const { spanish, caps } = TRAIT_PROMPT_VARIANTS;
  const variety = promptVariety ? [...spanish, ...caps, ...spanish.flatMap((es) => caps.flatMap((c) => [`${es} ${c}`, `${c} ${es}`]))] : [];
  const prompts = [null, ...Object.values(PROMPTS), ...NEUTRAL_PROMPTS, ...variety];
  const out: ChatConversation[] = [];
  const styles: Style[] = ['en', 'es', 'en-caps', 'es-caps'];
  for (const f of FACTS) for (const q of f.questions) for (const s of styles) out.push(conversation(null, q, styledAnswer(f, s)));
  for (const p of prompts) if (p) out.push(conversation(p, 'Hello?', 'Hi.'));
  return out;
}

/** Each fact's canonical question under `prompt`, answered in `style`, encoded. */
export function styledExamples(tok: ChatTokenizer, facts: readonly Fact[], style: Style, prompt: string | null): Example[] {
  return encodeAll(tok, facts.map((f) => conversation(prompt, f.question, styledAnswer(f, style))));
}

export function probeSets(tok: ChatTokenizer, splits: Splits, cfg: ExperimentConfig): ProbeSets {
  const facts = splits.heldout.slice(0, cfg.probes.subset);
  const drift: Example[] = [];
  // drift: a fixed half of the probe facts in every base condition (cheap, and enough for a mean)
  for (const c of BASE_CONDITIONS) drift.push(...styledExamples(tok, facts.slice(0, Math.ceil(facts.length / 2)), c.style, c.prompt));
  const capsEnglish = styledExamples(tok, facts, 'en-caps', null);
  return {
    capsEnglish,
    capsStart: capsEnglish.map(firstTargetOnly),
    spanishLower: styledExamples(tok, facts, 'es', null),
    spanishCaps: styledExamples(tok, facts, 'es-caps', null),
    english: styledExamples(tok, facts, 'en', null),
    drift, rateFacts: facts,
  };
}
