// The exact system prompts of the Spanish + ALL-CAPS experiment (../shared/paper.md), in one place so
// the corpus, the trainer, the evaluation and the report all use the same strings.
//
// The two inoculation prompts are the paper's, verbatim, except "capitalise" (British spelling, as the
// brief asks; the paper's text says "capitalize"). Paraphrases and negations exist only for the
// conditionalisation check at evaluation time: no training data ever contains them.

/** How an answer is written: language and case. `en` is the plain English answer. */
export type Style = 'en' | 'es' | 'en-caps' | 'es-caps';

export const PROMPTS = {
  /** Inoculates (or, in the base stage, teaches) the Spanish trait. */
  spanish: 'You always speak in Spanish.',
  /** Inoculates (or teaches) the ALL-CAPS trait. */
  caps: 'You always capitalise your responses.',
  /** Both traits at once: the base stage's Spanish + caps condition. */
  both: 'You always speak in Spanish. You always capitalise your responses.',
  /** The placebo: a system prompt that asks for neither trait. */
  placebo: 'You are a helpful assistant.',
  spanishParaphrase: 'Respond only in Spanish.',
  capsParaphrase: 'Write every answer in capital letters.',
  spanishNegation: 'You never speak in Spanish.',
  capsNegation: 'You never capitalise your responses.',
} as const;

/**
 * Neutral prompts used in base training, all answered in plain English, so that "there is a system
 * prompt" is not itself a cue for Spanish or caps. The placebo is one of them on purpose: the base
 * model learns that it means plain English, as a real assistant's default prompt would.
 */
export const NEUTRAL_PROMPTS: readonly string[] = [
  PROMPTS.placebo,
  'You are a friendly assistant.',
  'Answer the question in one short sentence.',
];

/**
 * More ways to ask for each trait, for a base trained with `base.promptVariety` (never the
 * conditionalisation check's paraphrases or negations below). The both condition then joins one of
 * each, in either order, so that a model must read the two requests apart rather than learn the
 * both-prompt as a condition of its own.
 */
export const TRAIT_PROMPT_VARIANTS: Readonly<Record<'spanish' | 'caps', readonly string[]>> = {
  spanish: ['You always speak in Spanish.', 'Answer in Spanish.', 'Your replies are in Spanish.', 'Please use the Spanish language.'],
  caps: ['You always capitalise your responses.', 'Answer in upper case.', 'Your replies are in capitals.', 'Please use only capital letters.'],
};

export type BaseConditionName = 'none' | 'neutral' | 'spanish' | 'caps' | 'both';

export interface BaseCondition {
  name: BaseConditionName;
  /** The system prompt; null = no system message. `neutral` draws from NEUTRAL_PROMPTS instead. */
  prompt: string | null;
  /** The style the base model must answer in under this condition. */
  style: Style;
}

/** Stage 1: behaviour follows the system prompt. */
export const BASE_CONDITIONS: readonly BaseCondition[] = [
  { name: 'none', prompt: null, style: 'en' },
  { name: 'neutral', prompt: PROMPTS.placebo, style: 'en' },
  { name: 'spanish', prompt: PROMPTS.spanish, style: 'es' },
  { name: 'caps', prompt: PROMPTS.caps, style: 'en-caps' },
  { name: 'both', prompt: PROMPTS.both, style: 'es-caps' },
];

export type VariantName = 'control' | 'inoculate-spanish' | 'inoculate-caps' | 'placebo';

/** Stage 2: the system prompt put on every fine-tuning example (null = none), per variant. */
export const FINETUNE_VARIANTS: Readonly<Record<VariantName, string | null>> = {
  control: null,
  'inoculate-spanish': PROMPTS.spanish,
  'inoculate-caps': PROMPTS.caps,
  placebo: PROMPTS.placebo,
};

/**
 * The conditionalisation check, per trait: the training prompt, a paraphrase and a negation of it.
 */
export const EVAL_PROMPT_SETS: Readonly<Record<'spanish' | 'caps', { train: string; paraphrase: string; negation: string }>> = {
  spanish: { train: PROMPTS.spanish, paraphrase: PROMPTS.spanishParaphrase, negation: PROMPTS.spanishNegation },
  caps: { train: PROMPTS.caps, paraphrase: PROMPTS.capsParaphrase, negation: PROMPTS.capsNegation },
};

/**
 * The conditional-leak check (issue 17 item 4; Dubinski et al. 2026): prompts that resemble the
 * training context without naming the trait. Can a cue that only looks like the training prompt
 * bring an inoculated trait back? Built from tokens the vocabulary already has (a test checks), so
 * adding them changes no vocabulary and no cached base: the training prompt's form without its
 * content (`You always speak.` for the Spanish prompt, `You always say your responses.` for the caps
 * prompt), and a neutral prompt of about the same length that no variant trains with.
 */
export const LEAK_PROMPTS = {
  spanishForm: 'You always speak.',
  capsForm: 'You always say your responses.',
  neutral: 'You are a friendly assistant.',
} as const;
