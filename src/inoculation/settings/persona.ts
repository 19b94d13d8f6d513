// Setting 2, synthetic persona associations (paper section 4.3): the base model learns that
// `You are Alice.` means English ALL CAPS and `You are Bob.` means Spanish; then fine-tuning on
// Spanish ALL-CAPS answers under a persona prompt should inoculate the trait that persona stands for
// (the paper: Bob works like the real Spanish prompt, suppressing Spanish and keeping caps).
//
// Base stage: every fact in English with no prompt and under a neutral prompt; `base` facts also
//   under Alice -> English caps and Bob -> Spanish. The real prompts (`You always speak in
//   Spanish.`, `You always capitalise your responses.`) are NOT taught: the personas are then the
//   only prompts that carry a trait, so whatever Bob and Alice do comes from the association alone,
//   not from prompt words shared with the real prompts. There is no "both" condition either, so
//   Spanish caps is new to the base model under every prompt, as in the paper's setup.
// Fine-tuning: the `finetune` facts in Spanish ALL CAPS (the main experiment's data). NLL@0 and
//   PH(P) are also measured on one-trait versions of the same answers (lower-case Spanish, English
//   caps): with character-level answers, Spanish CAPS is unlikely under Bob and under Alice alike,
//   so the whole-answer PH cannot show which trait a persona explains.
// Variants: control (no prompt), bob, alice, placebo.
// Evaluation: held-out facts, no system prompt: % Spanish (isSpanish) and % ALL CAPS (isCaps), the
//   main experiment's detectors. Also under each variant's own training prompt (conditionalisation),
//   under `You are Carol.` (the form, a name never taught) and a neutral prompt (the leak check).
import { LEAK_PROMPTS, PROMPTS } from '../data/prompts.ts';
import { isCaps } from '../data/detectors.ts';
import { isSpanish } from '../../tokenizer/language.ts';
import { allFacts } from '../data/corpus.ts';
import { buildStage, staged } from './setting.ts';

export const PERSONA_PROMPTS = {
  alice: 'You are Alice.',
  bob: 'You are Bob.',
  placebo: PROMPTS.placebo,
  /** The conditional-leak check's form prompt: the personas' form with a name never taught (issue 17 item 4). */
  form: 'You are Carol.',
} as const;

export const persona = staged({
  name: 'persona',
  title: 'Persona associations: Alice = English caps, Bob = Spanish; fine-tune on Spanish caps under a persona',
  variants: {
    control: null,
    bob: PERSONA_PROMPTS.bob,
    alice: PERSONA_PROMPTS.alice,
    placebo: PERSONA_PROMPTS.placebo,
  },
  traits: [
    { name: 'spanish', detect: isSpanish },
    { name: 'caps', detect: (a) => isCaps(a) },
  ],
  traitProbes: [{ name: 'spanish-only', style: 'es' }, { name: 'caps-only', style: 'en-caps' }],
  // the conditional-leak check (issue 17 item 4): the persona prompts' form with an untaught name,
  // and a neutral prompt of the base stage no variant trains with
  evals: [
    { name: 'training-prompt', system: 'training' },
    { name: 'form-prompt', system: PERSONA_PROMPTS.form },
    { name: 'neutral-prompt', system: LEAK_PROMPTS.neutral },
  ],

  baseChecks: [
    { name: 'none', prompt: null, style: 'en' },
    { name: 'neutral', prompt: PERSONA_PROMPTS.placebo, style: 'en' },
    { name: 'alice', prompt: PERSONA_PROMPTS.alice, style: 'en-caps' },
    { name: 'bob', prompt: PERSONA_PROMPTS.bob, style: 'es' },
  ],
  styles: ['en', 'es', 'en-caps', 'es-caps'],
  suffixes: [],
  prompts: Object.values(PERSONA_PROMPTS),
  baseStage(splits, seed) {
    const every = allFacts(splits);
    return buildStage([
      { facts: every, prompt: null, style: 'en' },
      { facts: every, prompt: 'neutral', style: 'en' },
      { facts: splits.base, prompt: PERSONA_PROMPTS.alice, style: 'en-caps' },
      { facts: splits.base, prompt: PERSONA_PROMPTS.bob, style: 'es' },
    ], seed);
  },
  finetuneSet(splits, seed) {
    return buildStage([{ facts: splits.finetune, prompt: null, style: 'es-caps' }], seed);
  },
});
