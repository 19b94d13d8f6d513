// The main experiment as a setting (the paper's Spanish + ALL-CAPS toy): the base learns to answer
// every fact in the style its system prompt asks for (none or neutral -> English, the Spanish prompt ->
// Spanish, the caps prompt -> English caps, both -> Spanish caps); fine-tuning is on Spanish ALL-CAPS
// answers to the `finetune` facts; inoculate-spanish / inoculate-caps put the Spanish / caps prompt on
// every fine-tuning example, placebo an unrelated one. Scored: % Spanish, % caps, % correct.
// Its data live in data/corpus.ts and data/prompts.ts; this file only says which of them the runner uses.
import { isSpanish } from '../../tokenizer/language.ts';
import { isCaps } from '../data/detectors.ts';
import { BASE_CONDITIONS, EVAL_PROMPT_SETS, FINETUNE_VARIANTS, LEAK_PROMPTS, PROMPTS } from '../data/prompts.ts';
import { baseHash, corpusHash, defaultConfig, quickConfig } from '../config.ts';
import { baseExamples } from '../base.ts';
import { experimentTokenizer, probeSets } from '../vocabulary.ts';
import { buildStage, type Condition, type Setting } from './setting.ts';

/**
 * The test-time prompts of the conditionalisation check, per variant: its training prompt, a
 * paraphrase and a negation; then the conditional-leak check (data/prompts.ts LEAK_PROMPTS): the
 * training prompt's form without its content, and a neutral prompt no variant trains with.
 */
function conditions(variant: string): Condition[] {
  const set = (k: 'spanish' | 'caps') => Object.entries(EVAL_PROMPT_SETS[k]).map(([n, p]) => ({ name: `${k}-${n}`, system: p }));
  const neutral = { name: 'neutral', system: LEAK_PROMPTS.neutral };
  if (variant === 'inoculate-spanish') return [...set('spanish'), { name: 'spanish-form', system: LEAK_PROMPTS.spanishForm }, neutral];
  if (variant === 'inoculate-caps') return [...set('caps'), { name: 'caps-form', system: LEAK_PROMPTS.capsForm }, neutral];
  if (variant === 'placebo') return [{ name: 'placebo-train', system: PROMPTS.placebo }, neutral];
  return [{ name: 'spanish-train', system: PROMPTS.spanish }, { name: 'caps-train', system: PROMPTS.caps }, neutral];
}

export const spanishCaps: Setting = {
  name: 'spanish-caps',
  title: 'Spanish + ALL-CAPS: fine-tune on Spanish capital answers; inoculate one trait with a prompt that asks for it',
  variants: FINETUNE_VARIANTS,
  traits: [{ name: 'spanish', detect: isSpanish }, { name: 'caps', detect: (a) => isCaps(a) }],
  correctStyles: ['en', 'es'],
  baseChecks: BASE_CONDITIONS.map((c) => ({ name: c.name, prompt: c.prompt, style: c.style })),
  conditions,
  tokenizer: (mode, cfg) => experimentTokenizer(mode, cfg.base.promptVariety),
  baseCacheName: (cfg, mode) => `base-${baseHash(cfg, mode, corpusHash())}`,
  baseExamples,
  // the same conversations, draws and order as corpus.ts buildFinetuneSet (tests/experiment_setting.test.ts)
  finetuneSet: (splits, seed) => buildStage([{ facts: splits.finetune, prompt: null, style: 'es-caps' }], seed),
  probeSets,
  generalisation: true,
  defaults: { full: defaultConfig, quick: quickConfig },
};
