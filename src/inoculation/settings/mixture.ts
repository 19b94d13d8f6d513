// Setting 1, the paper's Spanish/French mixture: fine-tune on a 50/50 mix of Spanish-only and
// French-only answers; inoculating one language should leave the model speaking the other.
//
// Base stage (the main organism's, issue 17 item 3): every fact in English with no prompt and under
//   a neutral prompt, and every fact also under `You always speak in Spanish.` -> Spanish and
//   `You always speak in French.` -> French, so the base can answer every question in each language
//   (as the paper's model can); the main organism's model, schedule and fine-tune (config.ts
//   organismConfigs), hybrid characters (the tagged tokenizer's language tag knows only en/es).
// Fine-tuning: the `finetune` facts, half (chosen by the corpus seed) answered in Spanish, half in
//   French, as written (sentence case, never ALL CAPS); phrasings and order by the fine-tune seed.
// Variants: control (no prompt), inoculate-spanish, inoculate-french, placebo; the prompt goes on
//   every example, whichever language its answer is in.
// Evaluation: held-out (ID) and OOD facts, no system prompt; correct in English, Spanish or French; each answer is Spanish, French or English by
//   languageOf (src/tokenizer/language.ts), which weighs all three languages (isSpanish alone
//   would call much French "Spanish"); answers with no evidence count in none of the three. Also under each
//   variant's own training prompt (conditionalisation check).
import { LEAK_PROMPTS, PROMPTS } from '../data/prompts.ts';
import { languageOf } from '../../tokenizer/language.ts';
import { buildStage, halves, staged } from './setting.ts';
import { allFacts } from '../data/corpus.ts';
import { organismConfigs } from '../config.ts';

export const MIXTURE_PROMPTS = {
  spanish: PROMPTS.spanish,
  french: 'You always speak in French.',
  placebo: PROMPTS.placebo,
} as const;

export const mixture = staged({
  name: 'mixture',
  title: 'Spanish/French mixture: fine-tune on half Spanish, half French; inoculate one language',
  variants: {
    control: null,
    'inoculate-spanish': MIXTURE_PROMPTS.spanish,
    'inoculate-french': MIXTURE_PROMPTS.french,
    placebo: MIXTURE_PROMPTS.placebo,
  },
  traits: [
    { name: 'spanish', detect: (a) => languageOf(a) === 'es' },
    { name: 'french', detect: (a) => languageOf(a) === 'fr' },
    { name: 'english', detect: (a) => languageOf(a) === 'en' },
  ],
  extraCorrect: ['fr'],
  defaults: organismConfigs('hybrid'),
  // the conditionalisation check, then the conditional-leak check (data/prompts.ts LEAK_PROMPTS): the
  // training prompts' form without the language, and a neutral prompt no variant trains with
  evals: [
    { name: 'training-prompt', system: 'training' },
    { name: 'form-prompt', system: LEAK_PROMPTS.spanishForm },
    { name: 'neutral-prompt', system: LEAK_PROMPTS.neutral },
  ],
  baseChecks: [
    { name: 'none', prompt: null, style: 'en' },
    { name: 'neutral', prompt: MIXTURE_PROMPTS.placebo, style: 'en' },
    { name: 'spanish', prompt: MIXTURE_PROMPTS.spanish, style: 'es' },
    { name: 'french', prompt: MIXTURE_PROMPTS.french, style: 'fr' },
  ],
  styles: ['en', 'es', 'fr'],
  suffixes: [],
  prompts: [...Object.values(MIXTURE_PROMPTS), LEAK_PROMPTS.spanishForm, LEAK_PROMPTS.neutral],
  baseStage(splits, seed) {
    const every = allFacts(splits);
    return buildStage([
      { facts: every, prompt: null, style: 'en' },
      { facts: every, prompt: 'neutral', style: 'en' },
      { facts: every, prompt: MIXTURE_PROMPTS.spanish, style: 'es' },
      { facts: every, prompt: MIXTURE_PROMPTS.french, style: 'fr' },
    ], seed);
  },
  finetuneSet(splits, seed, corpusSeed) {
    const [es, fr] = halves(splits.finetune, corpusSeed * 7 + 1);
    return buildStage([{ facts: es, prompt: null, style: 'es' }, { facts: fr, prompt: null, style: 'fr' }], seed);
  },
});
