// Datasets of the Spanish + ALL-CAPS experiment, built from the facts in facts.ts, deterministic from
// seeds (every random choice goes through a Generator).
//
// Splits (disjoint by fact):
//   - out-of-distribution (OOD) categories (default: capital, home, material) are never used in
//     fine-tuning. Part of each OOD category (oodBaseFraction, default half) goes to `base`, so the base
//     model learns that category's words in every style; the rest is the `ood` evaluation set.
//   - every other (in-distribution) category is split, stratified per category, into `base`,
//     `finetune` and `heldout` by the weights in `fractions` (default 0.55 / 0.20 / 0.15); each of the
//     three gets at least one fact of every category with at least three facts.
//   With the default config the 442 facts split into about 260 base, 80 finetune, 60 heldout, 40 ood.
//
// Base stage (stage 1) -- what the base model is trained on:
//   - ALL facts in plain English, once with no system prompt and once under a neutral prompt (drawn
//     from NEUTRAL_PROMPTS): every fact is known, so after fine-tuning the held-out and OOD answers are
//     sensible and their STYLE is what the evaluation measures, not missing knowledge.
//   - the `base` facts only under the three styled conditions (Spanish prompt -> Spanish, caps prompt
//     -> English ALL CAPS, both prompts -> Spanish ALL CAPS), so the styles are taught as behaviours
//     conditional on the prompt.
//   Consequently fine-tune, held-out and OOD facts never appear in Spanish or in caps in base data, and
//   held-out and OOD facts never appear in Spanish or caps in any training data at all.
// Fine-tune set (stage 2): Spanish ALL-CAPS answers to the `finetune` facts, no system prompt; each
//   variant adds its prompt (prompts.ts) to the same conversations in the same order.
// Evaluation sets: questions (system prompt optional, no answer) with their facts, for scoring.
//
// Conversations are OpenAI chat format ({messages:[{role,content}]}); jsonl.ts reads and writes them.
import { Generator } from '../../random.ts';
import { CATEGORIES, FACTS, type Category, type Fact } from './facts.ts';
import {
  BASE_CONDITIONS, FINETUNE_VARIANTS, NEUTRAL_PROMPTS, TRAIT_PROMPT_VARIANTS,
  type BaseConditionName, type Style, type VariantName,
} from './prompts.ts';

export type Role = 'system' | 'user' | 'assistant';
export interface ChatMessage { role: Role; content: string }
export interface ChatConversation { messages: ChatMessage[] }

/** The fact's answer written in `style`. Upper case via toUpperCase, so "ñ" -> "Ñ", "á" -> "Á". */
export function styledAnswer(fact: Fact, style: Style): string {
  switch (style) {
    case 'en': return fact.answer_en;
    case 'es': return fact.answer_es;
    case 'en-caps': return fact.answer_en.toUpperCase();
    case 'es-caps': return fact.answer_es.toUpperCase();
  }
}

// ---- splits ----------------------------------------------------------------------------------

export interface SplitFractions { base: number; finetune: number; heldout: number }

export interface SplitConfig {
  seed: number;
  /** Relative weights of base / finetune / heldout within each in-distribution category. */
  fractions?: SplitFractions;
  /** Categories held out of fine-tuning entirely. */
  oodCategories?: readonly Category[];
  /** Share of each OOD category that goes to `base` (the rest is the `ood` set). */
  oodBaseFraction?: number;
}

export const DEFAULT_FRACTIONS: Readonly<SplitFractions> = { base: 0.55, finetune: 0.20, heldout: 0.15 };
export const DEFAULT_OOD_CATEGORIES: readonly Category[] = ['capital', 'home', 'material'];
export const DEFAULT_OOD_BASE_FRACTION = 0.5;

export interface Splits {
  seed: number;
  base: Fact[];
  finetune: Fact[];
  heldout: Fact[];
  ood: Fact[];
  /** Categories of finetune and heldout (in-distribution). */
  idCategories: Category[];
  /** Categories of the ood set, never in finetune. */
  oodCategories: Category[];
}

/**
 * Splits n items by weights: floor of the exact shares, the remainder to the largest fractional
 * parts (ties to the earlier split), then, where n allows, at least one item for every split of
 * positive weight (taken from the currently largest split).
 */
export function allocate(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (n * w) / total);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((s, c) => s + c, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i]).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (let k = 0; left > 0; k++, left--) counts[byRemainder[k % byRemainder.length][1]]++;
  const positive = weights.filter((w) => w > 0).length;
  if (n >= positive) {
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] <= 0 || counts[i] > 0) continue;
      let big = 0;
      for (let j = 1; j < counts.length; j++) if (counts[j] > counts[big]) big = j;
      counts[big]--; counts[i]++;
    }
  }
  return counts;
}

/** Disjoint splits of `facts`, a pure function of the config (same seed, same splits). */
export function makeSplits(cfg: SplitConfig, facts: readonly Fact[] = FACTS): Splits {
  const fr = cfg.fractions ?? DEFAULT_FRACTIONS;
  const oodCats = [...(cfg.oodCategories ?? DEFAULT_OOD_CATEGORIES)];
  const oodBase = cfg.oodBaseFraction ?? DEFAULT_OOD_BASE_FRACTION;
  for (const [k, v] of Object.entries(fr)) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`makeSplits: fractions.${k} must be a finite number >= 0, got ${v}`);
  }
  if (!(fr.finetune > 0)) throw new Error('makeSplits: fractions.finetune must be > 0 (the experiment fine-tunes on it)');
  if (!(oodBase >= 0 && oodBase <= 1)) throw new Error(`makeSplits: oodBaseFraction must be in [0, 1], got ${oodBase}`);
  for (const c of oodCats) {
    if (!CATEGORIES.includes(c)) throw new Error(`makeSplits: unknown OOD category "${c}" (known: ${CATEGORIES.join(', ')})`);
  }
  const ids = new Set<string>();
  for (const f of facts) {
    if (ids.has(f.id)) throw new Error(`makeSplits: duplicate fact id "${f.id}"`);
    ids.add(f.id);
  }

  const gen = new Generator(cfg.seed);
  const order = new Map(facts.map((f, i) => [f.id, i]));
  const out: Splits = { seed: cfg.seed, base: [], finetune: [], heldout: [], ood: [], idCategories: [], oodCategories: [] };
  for (const cat of CATEGORIES) {
    const inCat = facts.filter((f) => f.category === cat);
    if (inCat.length === 0) continue;
    gen.shuffle(inCat);
    if (oodCats.includes(cat)) {
      const [nBase] = allocate(inCat.length, [oodBase, 1 - oodBase]);
      out.base.push(...inCat.slice(0, nBase));
      out.ood.push(...inCat.slice(nBase));
      out.oodCategories.push(cat);
    } else {
      const [nBase, nFt] = allocate(inCat.length, [fr.base, fr.finetune, fr.heldout]);
      out.base.push(...inCat.slice(0, nBase));
      out.finetune.push(...inCat.slice(nBase, nBase + nFt));
      out.heldout.push(...inCat.slice(nBase + nFt));
      out.idCategories.push(cat);
    }
  }
  // canonical order inside each split (the fact list's), so only membership depends on the seed
  const byOrder = (p: Fact, q: Fact) => order.get(p.id)! - order.get(q.id)!;
  for (const s of [out.base, out.finetune, out.heldout, out.ood]) s.sort(byOrder);
  return out;
}

/** The categories of the experiment's default organism: lookups (see config.ts `categories`). */
export const LOOKUP_CATEGORIES: readonly Category[] = ['colour', 'sound', 'opposite', 'home', 'legs', 'capital', 'sides', 'food', 'material', 'bigger'];

/** The experiment's splits: the facts of its categories (all when absent), split by its seed and fractions. */
export function experimentSplits(cfg: { corpusSeed: number; split: SplitFractions; categories?: readonly Category[] }): Splits {
  const cats = cfg.categories ?? CATEGORIES;
  for (const c of cats) if (!CATEGORIES.includes(c)) throw new Error(`categories: unknown category "${c}" (known: ${CATEGORIES.join(', ')})`);
  const oodCategories = DEFAULT_OOD_CATEGORIES.filter((c) => cats.includes(c));
  return makeSplits({ seed: cfg.corpusSeed, fractions: cfg.split, oodCategories }, FACTS.filter((f) => cats.includes(f.category)));
}

/** Every fact of the splits (base, finetune, heldout, ood), in the fact list's order. */
export function allFacts(splits: Splits): Fact[] {
  return [...splits.base, ...splits.finetune, ...splits.heldout, ...splits.ood];
}

/** Sizes per split and per category, for logs and run configs. */
export function splitSummary(splits: Splits): Record<'base' | 'finetune' | 'heldout' | 'ood', { total: number; byCategory: Partial<Record<Category, number>> }> {
  const one = (fs: Fact[]) => {
    const byCategory: Partial<Record<Category, number>> = {};
    for (const f of fs) byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
    return { total: fs.length, byCategory };
  };
  return { base: one(splits.base), finetune: one(splits.finetune), heldout: one(splits.heldout), ood: one(splits.ood) };
}

// ---- conversations ---------------------------------------------------------------------------

/** One question/answer conversation; `answer` undefined gives a prompt for generation. */
export function conversation(system: string | null, user: string, answer?: string): ChatConversation {
  const messages: ChatMessage[] = [];
  if (system !== null) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: user });
  if (answer !== undefined) messages.push({ role: 'assistant', content: answer });
  return { messages };
}

/** A copy of `conv` with its system message replaced by `prompt` (null: removed). */
export function withSystemPrompt(conv: ChatConversation, prompt: string | null): ChatConversation {
  const rest = conv.messages.filter((m) => m.role !== 'system').map((m) => ({ ...m }));
  return { messages: prompt === null ? rest : [{ role: 'system', content: prompt }, ...rest] };
}

/** Inoculation: the same conversations, in the same order, each with `prompt` as its system message. */
export function inoculate(convs: readonly ChatConversation[], prompt: string | null): ChatConversation[] {
  return convs.map((c) => withSystemPrompt(c, prompt));
}

/** One of the fact's phrasings, uniformly. */
export function pickQuestion(fact: Fact, gen: Generator): string {
  return fact.questions[gen.int(fact.questions.length)];
}

export interface BaseStageOptions {
  seed: number;
  /** Copies per fact and condition (default 1 each); 0 leaves a condition out. */
  copies?: Partial<Record<BaseConditionName, number>>;
  /**
   * Which facts the styled conditions (spanish, caps, both) cover: 'base' (the `base` split only, the
   * earlier organism: the other facts are seen in English only) or 'all' (every fact in every style,
   * as in the paper, where the model can already answer every question in Spanish and in capitals).
   */
  styled?: 'base' | 'all';
  /**
   * Tag-forced copies per fact (tagged tokenizer only): a random system condition and an
   * independently drawn style. A tag the prompt does not ask for is given rather than learned
   * (base.ts masks its loss); one it asks for is learned. They teach that the text after the tags
   * follows the tags whatever the prompt (a fact is held apart from its style), and that each tag
   * follows the prompt whatever the other tag. Default 0.
   */
  forced?: number;
  /**
   * Draw the Spanish and caps prompts from TRAIT_PROMPT_VARIANTS (the both condition: one of each,
   * in either order) instead of the three fixed strings. Default false.
   */
  promptVariety?: boolean;
}

export interface BaseExample {
  factId: string;
  condition: BaseConditionName;
  conversation: ChatConversation;
  /**
   * A tag-forced example (BaseStageOptions.forced): its style was drawn apart from its prompt, and
   * these of its two tags are given (inputs, no loss) because the prompt does not ask for them.
   */
  forced?: { case: boolean; lang: boolean };
}

const STYLES: readonly Style[] = ['en', 'es', 'en-caps', 'es-caps'];
const isCapsStyle = (s: Style) => s === 'en-caps' || s === 'es-caps';
const isSpanishStyle = (s: Style) => s === 'es' || s === 'es-caps';

/**
 * The base-stage training set, shuffled: plain-English conditions (none, neutral) over every fact,
 * styled conditions (spanish, caps, both) over the `base` facts (or every fact with styled 'all'),
 * then the tag-forced copies. Question phrasing and neutral prompt are drawn per example; calling it
 * with seed + epoch gives each epoch fresh phrasings.
 */
export function buildBaseStage(splits: Splits, opts: BaseStageOptions): BaseExample[] {
  const gen = new Generator(opts.seed);
  const every = allFacts(splits);
  const styled = opts.styled ?? 'base';
  if (styled !== 'base' && styled !== 'all') throw new Error(`buildBaseStage: styled must be "base" or "all", got ${JSON.stringify(styled)}`);
  const forced = opts.forced ?? 0;
  if (!(Number.isInteger(forced) && forced >= 0)) throw new Error(`buildBaseStage: forced must be an integer >= 0, got ${forced}`);
  const pick = (xs: readonly string[]) => xs[gen.int(xs.length)];
  const promptOf = (cond: (typeof BASE_CONDITIONS)[number]): string | null => {
    if (cond.name === 'neutral') return pick(NEUTRAL_PROMPTS);
    if (!opts.promptVariety || cond.name === 'none') return cond.prompt;
    if (cond.name === 'spanish' || cond.name === 'caps') return pick(TRAIT_PROMPT_VARIANTS[cond.name]);
    const [es, caps] = [pick(TRAIT_PROMPT_VARIANTS.spanish), pick(TRAIT_PROMPT_VARIANTS.caps)];
    return gen.int(2) === 0 ? `${es} ${caps}` : `${caps} ${es}`;
  };
  const out: BaseExample[] = [];
  for (const cond of BASE_CONDITIONS) {
    const copies = opts.copies?.[cond.name] ?? 1;
    if (!(Number.isInteger(copies) && copies >= 0)) throw new Error(`buildBaseStage: copies.${cond.name} must be an integer >= 0, got ${copies}`);
    const facts = cond.style === 'en' || styled === 'all' ? every : splits.base;
    for (let k = 0; k < copies; k++) {
      for (const f of facts) {
        out.push({ factId: f.id, condition: cond.name, conversation: conversation(promptOf(cond), pickQuestion(f, gen), styledAnswer(f, cond.style)) });
      }
    }
  }
  for (let k = 0; k < forced; k++) {
    for (const f of every) {
      const cond = BASE_CONDITIONS[gen.int(BASE_CONDITIONS.length)];
      const style = STYLES[gen.int(STYLES.length)];
      // a tag the prompt asks for is learned (so each tag follows the prompt whatever the other tag
      // is); a tag the prompt does not ask for is given
      const given = { case: isCapsStyle(style) !== isCapsStyle(cond.style), lang: isSpanishStyle(style) !== isSpanishStyle(cond.style) };
      out.push({ factId: f.id, condition: cond.name, forced: given, conversation: conversation(promptOf(cond), pickQuestion(f, gen), styledAnswer(f, style)) });
    }
  }
  return gen.shuffle(out);
}

export interface FinetuneOptions {
  seed: number;
  /** Style of the fine-tuning answers; the experiment uses 'es-caps' (the default). */
  style?: Style;
  /** Copies of each fact (each with its own drawn phrasing); default 1. */
  copies?: number;
}

/** The fine-tuning set without any system prompt, shuffled by seed (the `control` variant). */
export function buildFinetuneSet(splits: Splits, opts: FinetuneOptions): ChatConversation[] {
  const gen = new Generator(opts.seed);
  const style = opts.style ?? 'es-caps';
  const copies = opts.copies ?? 1;
  if (!(Number.isInteger(copies) && copies >= 1)) throw new Error(`buildFinetuneSet: copies must be an integer >= 1, got ${copies}`);
  const out: ChatConversation[] = [];
  for (let k = 0; k < copies; k++) {
    for (const f of splits.finetune) out.push(conversation(null, pickQuestion(f, gen), styledAnswer(f, style)));
  }
  return gen.shuffle(out);
}

/** Each variant's fine-tuning set: identical conversations and order, differing only in the system prompt. */
export function buildVariantSets(splits: Splits, opts: FinetuneOptions): Record<VariantName, ChatConversation[]> {
  const plain = buildFinetuneSet(splits, opts);
  const out = {} as Record<VariantName, ChatConversation[]>;
  for (const [name, prompt] of Object.entries(FINETUNE_VARIANTS) as [VariantName, string | null][]) out[name] = inoculate(plain, prompt);
  return out;
}

export interface EvalItem {
  fact: Fact;
  /** System message (if any) and the user question; no answer. */
  conversation: ChatConversation;
}

export interface EvalOptions {
  /** System prompt; null or absent = none (the paper's main evaluation). */
  prompt?: string | null;
  /** 'canonical': the first phrasing; 'all': one item per phrasing; {seed}: one drawn phrasing per fact. */
  phrasing?: 'canonical' | 'all' | { seed: number };
}

/** Evaluation prompts for `facts`, in the order given. */
export function buildEvalSet(facts: readonly Fact[], opts: EvalOptions = {}): EvalItem[] {
  const prompt = opts.prompt ?? null;
  const phrasing = opts.phrasing ?? 'canonical';
  const gen = typeof phrasing === 'object' ? new Generator(phrasing.seed) : null;
  const out: EvalItem[] = [];
  for (const f of facts) {
    const qs = phrasing === 'all' ? f.questions : [gen ? pickQuestion(f, gen) : f.question];
    for (const q of qs) out.push({ fact: f, conversation: conversation(prompt, q) });
  }
  return out;
}
