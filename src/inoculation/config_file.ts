// The experiment's JSON config file: every field of ExperimentConfig (src/inoculation/config.ts),
// documented here once, validated strictly and merged over the defaults.
//
// A config file holds any subset of the fields; what it leaves out keeps its default (objects merge
// field by field, arrays are replaced whole). Mistakes are errors that name the file and the field:
//   my.json: finetune.lr must be a number, got "3e-4"
//   my.json: unknown field base.modle (did you mean base.model?)
// Comments (// and /* */) are allowed, so `inoculum run --print-config > my.json` gives an editable
// file. The schema below is typed against ExperimentConfig, so a field added there without a doc
// and a type here does not compile.
import { FINETUNE_WEIGHTS, defaultConfig, quickConfig, type ExperimentConfig } from './config.ts';
import { parseJsonText } from '../io/json.ts';
import { readUserText } from '../io/files.ts';

/** A config file is a few kilobytes; anything over this is not one (or a device such as /dev/zero). */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Fine-tune seeds at most (config seeds, --seeds): a run of a billion seeds only exhausts memory. */
export const MAX_SEEDS = 1000;
import { CATEGORIES } from './data/facts.ts';
import { suggest } from '../suggest.ts';

interface IntSpec { kind: 'int'; doc: string; min?: number; max?: number }
interface NumSpec { kind: 'number'; doc: string; min?: number; max?: number; /** min is exclusive */ above?: boolean }
interface BoolSpec { kind: 'bool'; doc: string }
interface EnumSpec { kind: 'enum'; doc: string; values: readonly string[] }
interface IntArraySpec { kind: 'intArray'; doc: string; min?: number }
interface EnumArraySpec { kind: 'enumArray'; doc: string; values: readonly string[] }
interface ObjectSpec<T> { kind: 'object'; doc: string; fields: { [K in keyof T]-?: Spec<NonNullable<T[K]>> } }

/** The spec a field of type T must have (number fields may be int or number). */
export type Spec<T> = [T] extends [readonly number[]] ? IntArraySpec
  : [T] extends [readonly string[]] ? EnumArraySpec
  : [T] extends [boolean] ? BoolSpec
  : [T] extends [number] ? IntSpec | NumSpec
  : [T] extends [string] ? EnumSpec
  : [T] extends [object] ? ObjectSpec<T>
  : never;

type AnySpec = IntSpec | NumSpec | BoolSpec | EnumSpec | IntArraySpec | EnumArraySpec | { kind: 'object'; doc: string; fields: Record<string, AnySpec> };

export const CONFIG_SCHEMA: ObjectSpec<ExperimentConfig> = {
  kind: 'object',
  doc: 'The Spanish + ALL-CAPS inoculation experiment (inoculum run / pretrain / finetune / eval / export).',
  fields: {
    tokenizer: { kind: 'enum', values: ['hybrid', 'bpe', 'capslock', 'tagged'], doc: "Answer tokenisation. 'tagged' (default): BPE system prompt and question; the answer is a case tag and a language tag, then its characters (lower case when all caps): each trait is one decision and the text after the tags is the same whatever chose them (docs/experiment.md, 'The tagged organism'). 'capslock': characters, an all-caps answer as one caps-lock marker + its lower-case characters. 'hybrid': characters ('A' and 'a' are different tokens; caps inoculation leaked caps on most bases of the earlier organism). 'bpe': GPT-2 BPE everywhere (upper-case Spanish gets tokens of its own; either prompt suppressed both traits)." },
    ablation: { kind: 'bool', doc: "Also run the contrasting tokenizer as an ablation, with its own base model (run only): bpe, or for tokenizer bpe the default." },
    seeds: { kind: 'int', min: 1, max: MAX_SEEDS, doc: 'Fine-tune seeds: every variant is fine-tuned once per seed (1..seeds); data order and init depend on the seed only, so they are identical across variants.' },
    bases: { kind: 'int', min: 1, max: 100, doc: 'Base models (seeds base.seed, base.seed + 1, ...): the experiment runs on each, in run-dir/base-<seed>/ when more than one, and results.json pools them (CIs over bases, seeds and questions) beside a row per base.' },
    corpusSeed: { kind: 'int', min: 0, doc: 'Seed of the corpus: which facts go to the base, fine-tune, held-out and OOD splits, and the base stage phrasings.' },
    categories: { kind: 'enumArray', values: CATEGORIES, doc: "Fact categories of the experiment (facts.ts): default the ten lookup categories (colour, sound, opposite, home, legs, capital, sides, food, material, bigger); the arithmetic and sequence ones (sum, difference, double, number, day, month, season) exist but a small base does not learn them in every style." },
    split: {
      kind: 'object', doc: "Shares of each in-distribution category's facts (renormalised): base-only, fine-tune, held-out. More fine-tune facts = fewer epochs over them in the same steps.",
      fields: {
        base: { kind: 'number', min: 0, doc: 'Facts only the base stage trains (with base.styled all, in every style; with base, the only facts seen in Spanish or caps).' },
        finetune: { kind: 'number', min: 0, above: true, doc: 'Facts of the Spanish + CAPS fine-tuning set.' },
        heldout: { kind: 'number', min: 0, doc: 'Facts held out for the in-distribution evaluation.' },
      },
    },
    base: {
      kind: 'object', doc: 'Stage 1: the base model, trained from scratch so that its style follows the system prompt. Cached under a hash of this section, the tokenizer and the corpus.',
      fields: {
        model: {
          kind: 'object', doc: "The base model's shape (GPT-2 style; the vocabulary size comes from the tokenizer).",
          fields: {
            blockSize: { kind: 'int', min: 8, doc: 'Longest sequence in tokens (system prompt + question + answer must fit).' },
            nLayer: { kind: 'int', min: 1, doc: 'Transformer blocks.' },
            nHead: { kind: 'int', min: 1, doc: 'Attention heads per block; nEmbd must be divisible by it.' },
            nEmbd: { kind: 'int', min: 1, doc: 'Width of the residual stream.' },
            dropout: { kind: 'number', min: 0, max: 0.95, doc: 'Dropout probability in training (0 = off).' },
            layerNormEps: { kind: 'number', min: 0, above: true, doc: 'Epsilon of every LayerNorm.' },
          },
        },
        steps: { kind: 'int', min: 1, doc: 'Optimiser steps of stage 1.' },
        batchSize: { kind: 'int', min: 1, doc: 'Conversations per step.' },
        lr: { kind: 'number', min: 0, above: true, doc: 'Peak learning rate (AdamW, linear warm-up then cosine decay).' },
        minLr: { kind: 'number', min: 0, doc: 'Final learning rate of the cosine decay.' },
        warmup: { kind: 'int', min: 0, doc: 'Linear warm-up steps.' },
        weightDecay: { kind: 'number', min: 0, doc: 'AdamW weight decay.' },
        seed: { kind: 'int', min: 0, doc: "Seed of the base model's init and data order (one base serves every fine-tune seed)." },
        lengthGroup: { kind: 'int', min: 1, doc: 'Draw each batch from conversations of similar length, sorted within chunks of this many batches (1 = uniform batches); cuts padding.' },
        pack: { kind: 'bool', doc: 'Pack each batch\'s conversations into shared rows (attention kept inside each one): the same loss and gradient as one padded row each, with less padding.' },
        copies: {
          kind: 'object', doc: 'Copies per fact of each base condition per epoch (1 each where left out; 0 drops a condition). Changes the mix of styles the base sees, e.g. how often Spanish is upper case.',
          fields: {
            none: { kind: 'int', min: 0, doc: 'No system prompt, English answers (every fact).' },
            neutral: { kind: 'int', min: 0, doc: 'A neutral system prompt, English answers (every fact).' },
            spanish: { kind: 'int', min: 0, doc: 'The Spanish prompt, Spanish answers (the facts base.styled names).' },
            caps: { kind: 'int', min: 0, doc: 'The capitalise prompt, English ALL-CAPS answers (the facts base.styled names).' },
            both: { kind: 'int', min: 0, doc: 'Both prompts, Spanish ALL-CAPS answers (the facts base.styled names).' },
          },
        },
        styled: { kind: 'enum', values: ['all', 'base'], doc: "Facts the styled conditions (spanish, caps, both) cover: 'all' (default: every fact in every style, so every evaluated fact is known in each) or 'base' (the base split only; the other facts are seen in English only, the earlier organism)." },
        promptVariety: { kind: 'bool', doc: 'Ask for each trait in the base stage with one of several prompts (prompts.ts TRAIT_PROMPT_VARIANTS; the both condition joins one of each, in either order) instead of three fixed strings, so that the two requests are read apart. The inoculation prompts are among them; the conditionalisation paraphrases are not.' },
        forced: { kind: 'int', min: 0, doc: 'Tag-forced copies per fact per epoch (tagged tokenizer only): a random prompt and an independently drawn style whose two tags are given, not learned, so the answer text learns to follow the tags whatever the prompt.' },
      },
    },
    finetune: {
      kind: 'object', doc: 'Stage 2: fine-tuning on Spanish ALL-CAPS answers, under each variant\'s system prompt.',
      fields: {
        steps: { kind: 'int', min: 1, doc: 'Optimiser steps per (variant, seed).' },
        batchSize: { kind: 'int', min: 1, doc: 'Conversations per step.' },
        lr: { kind: 'number', min: 0, above: true, doc: 'Learning rate, constant after warm-up (1e-3 with eps 1e-2: SGD-like steps of lr / eps = 0.1 for small gradients; docs/results.md, "The tagged organism").' },
        eps: { kind: 'number', min: 0, above: true, doc: "AdamW's epsilon. 1e-8 makes every weight's step ~lr whatever its gradient's size, so a token the prompt already explains (a tiny but steady gradient) moves its own weights as fast as one it does not; above the gradients' scale, steps follow the gradient's size (SGD with momentum at lr / eps)." },
        warmup: { kind: 'int', min: 0, doc: 'Linear warm-up steps.' },
        weightDecay: { kind: 'number', min: 0, doc: 'AdamW weight decay.' },
        dropout: { kind: 'number', min: 0, max: 0.95, doc: 'Dropout probability during fine-tuning (the base model trains without).' },
        train: { kind: 'enum', values: FINETUNE_WEIGHTS, doc: "Which weights fine-tuning changes. 'mlp-out' (default): the output projection of each block's MLP (c_proj, 4C -> C); everything else keeps the base's values, the MLP's first layer too, so what the base computes from the system prompt is not retrained, only what the MLPs write from it (on base 8 of eight, training the whole MLPs let the explained Spanish leak to 35%; docs/results.md, 'The MLPs' output projections'). 'mlp': the blocks' whole MLPs (the default before). 'all': every weight (the first default; with it, training attention moved the no-prompt context towards the prompted one on bases 2 and 3 of five). With LoRA, the adapters of the trained weights only." },
        loraRank: { kind: 'int', min: 0, doc: 'LoRA rank (0 = no adapters: the weights named by finetune.train are trained directly).' },
        loraAlpha: { kind: 'number', min: 0, above: true, doc: 'LoRA scale numerator: the update is (x A) B * loraAlpha / loraRank.' },
        pack: { kind: 'bool', doc: 'Pack each batch\'s conversations into shared rows (see base.pack).' },
      },
    },
    probes: {
      kind: 'object', doc: 'Dynamics probes logged during fine-tuning (metrics-<variant>-s<seed>.jsonl).',
      fields: {
        every: { kind: 'int', min: 1, doc: 'Log trait log-prob probes, gradient cosine, update norm and drift every this many steps.' },
        rateSteps: { kind: 'intArray', min: 0, doc: 'Steps at which trait rates are measured by generation (0 = before fine-tuning).' },
        subset: { kind: 'int', min: 1, doc: 'Held-out questions used by the rate checkpoints and the trait probes.' },
      },
    },
    maxNewTokens: { kind: 'int', min: 1, doc: 'New tokens at most per generated answer.' },
    evalLimit: { kind: 'int', min: 0, doc: 'Held-out questions evaluated per set (0 = all).' },
  },
};

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (a number too large for a double)`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
};

/** Removes // and /* *\/ comments outside strings, keeping every newline (error positions stay right). */
export function stripComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') { out += ' '; i++; }
      if (i < text.length) out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop - 1;
    } else out += c;
  }
  return out;
}

/**
 * Checks a parsed config object against the schema (every field optional) and returns the list of
 * problems, each `<path> <what is wrong>`.
 */
export function checkPartial(obj: unknown, spec: AnySpec = CONFIG_SCHEMA as unknown as AnySpec, path = ''): string[] {
  const name = path || 'the config';
  switch (spec.kind) {
    case 'object': {
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [`${name} must be an object, got ${describe(obj)}`];
      const errs: string[] = [];
      const known = Object.keys(spec.fields);
      for (const [k, v] of Object.entries(obj)) {
        const p = path ? `${path}.${k}` : k;
        const f = Object.hasOwn(spec.fields, k) ? spec.fields[k] : undefined; // not "constructor", "__proto__", ...
        if (!f) { errs.push(`unknown field ${p}${suggest(k, known, path ? `${path}.` : '')}`); continue; }
        errs.push(...checkPartial(v, f, p));
      }
      return errs;
    }
    case 'bool':
      return typeof obj === 'boolean' ? [] : [`${name} must be true or false, got ${describe(obj)}`];
    case 'enum':
      return typeof obj === 'string' && spec.values.includes(obj) ? [] : [`${name} must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(obj)}`];
    case 'int':
    case 'number': {
      const what = spec.kind === 'int' ? 'an integer' : 'a number';
      if (typeof obj !== 'number' || !Number.isFinite(obj)) return [`${name} must be ${what}, got ${describe(obj)}`];
      if (spec.kind === 'int' && !Number.isInteger(obj)) return [`${name} must be an integer, got ${obj}`];
      return range(name, obj, spec);
    }
    case 'intArray': {
      if (!Array.isArray(obj)) return [`${name} must be an array of integers, got ${describe(obj)}`];
      return obj.flatMap((x, i) => checkPartial(x, { kind: 'int', doc: '', min: spec.min }, `${path}[${i}]`));
    }
    case 'enumArray': {
      if (!Array.isArray(obj) || obj.length === 0) return [`${name} must be a non-empty array of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(obj)}`];
      const errs = obj.flatMap((x, i) => checkPartial(x, { kind: 'enum', doc: '', values: spec.values }, `${path}[${i}]`));
      obj.forEach((x, i) => { if (obj.indexOf(x) !== i) errs.push(`${path}[${i}] repeats ${JSON.stringify(x)}`); });
      return errs;
    }
  }
}

function range(name: string, v: number, s: IntSpec | NumSpec): string[] {
  const above = s.kind === 'number' && s.above;
  if (s.min !== undefined && (above ? !(v > s.min) : v < s.min)) return [`${name} must be ${above ? '>' : '>='} ${s.min}, got ${v}`];
  if (s.max !== undefined && v > s.max) return [`${name} must be <= ${s.max}, got ${v}`];
  return [];
}

/** Checks across fields of a complete config; returns problems like checkPartial. */
export function checkComplete(cfg: ExperimentConfig): string[] {
  const errs = checkPartial(cfg);
  if (errs.length) return errs;
  const m = cfg.base.model;
  if (m.nEmbd % m.nHead !== 0) errs.push(`base.model.nEmbd (${m.nEmbd}) must be divisible by base.model.nHead (${m.nHead})`);
  if (cfg.base.minLr > cfg.base.lr) errs.push(`base.minLr (${cfg.base.minLr}) must not exceed base.lr (${cfg.base.lr})`);
  cfg.probes.rateSteps.forEach((s, i) => {
    if (s > cfg.finetune.steps) errs.push(`probes.rateSteps[${i}] is ${s}, beyond finetune.steps (${cfg.finetune.steps}): it would never be measured`);
  });
  return errs;
}

/** `over` merged onto `base`: objects field by field, everything else (arrays included) replaced. */
export function merge<T>(base: T, over: unknown): T {
  if (typeof over !== 'object' || over === null || Array.isArray(over) || typeof base !== 'object' || base === null || Array.isArray(base)) {
    return structuredClone(over) as T;
  }
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : structuredClone(v);
  return out as T;
}

export class ConfigError extends Error {}

/** Parses config text (comments allowed), validates it and merges it over `defaults`. */
export function parseConfig(text: string, where: string, defaults: ExperimentConfig = defaultConfig): ExperimentConfig {
  let obj: unknown;
  try {
    obj = parseJsonText(stripComments(text), where);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const errs = checkPartial(obj);
  if (errs.length) throw new ConfigError(errs.map((e) => `${where}: ${e}`).join('\n'));
  return merge(defaults, obj);
}

/** Reads, validates and merges a config file over the defaults (or the quick defaults). */
export function loadConfigFile(file: string, opts: { quick?: boolean; defaults?: ExperimentConfig } = {}): ExperimentConfig {
  let text: string;
  try {
    text = readUserText(file, 'config file', MAX_CONFIG_BYTES);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return parseConfig(text, file, opts.defaults ?? (opts.quick ? quickConfig : defaultConfig));
}

/** Throws a ConfigError listing every cross-field problem of a complete config (after flags). */
export function assertValid(cfg: ExperimentConfig, where: string): ExperimentConfig {
  const errs = checkComplete(cfg);
  if (errs.length) throw new ConfigError(errs.map((e) => `${where}: ${e}`).join('\n'));
  return cfg;
}

function typeName(s: AnySpec): string {
  switch (s.kind) {
    case 'int': return `integer${s.min !== undefined ? ` >= ${s.min}` : ''}`;
    case 'number': return `number${s.min !== undefined ? ` ${s.above ? '>' : '>='} ${s.min}` : ''}${s.max !== undefined ? `, <= ${s.max}` : ''}`;
    case 'bool': return 'true | false';
    case 'enum': return s.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'intArray': return 'array of integers';
    case 'enumArray': return `array of ${s.values.map((v) => JSON.stringify(v)).join(' | ')}`;
    case 'object': return 'object';
  }
}

/** `cfg` as JSON with a comment (type and doc) above every field: a config file to start from. */
export function printConfig(cfg: ExperimentConfig, header: string): string {
  const lines = header.split('\n').map((l) => `// ${l}`.trimEnd());
  const walk = (v: Record<string, unknown>, spec: { fields: Record<string, AnySpec> }, indent: string): void => {
    const keys = Object.keys(spec.fields);
    keys.forEach((k, i) => {
      const f = spec.fields[k];
      const comma = i < keys.length - 1 ? ',' : '';
      lines.push(`${indent}// ${typeName(f)}. ${f.doc}`);
      if (f.kind === 'object') {
        lines.push(`${indent}${JSON.stringify(k)}: {`);
        walk(v[k] as Record<string, unknown>, f, indent + '  ');
        lines.push(`${indent}}${comma}`);
      } else lines.push(`${indent}${JSON.stringify(k)}: ${JSON.stringify(v[k])}${comma}`);
    });
  };
  lines.push('{');
  walk(cfg as unknown as Record<string, unknown>, CONFIG_SCHEMA as unknown as { fields: Record<string, AnySpec> }, '  ');
  lines.push('}');
  return lines.join('\n');
}

/** Every field path of the schema (a.b.c), for tests and docs. */
export function schemaPaths(spec: AnySpec = CONFIG_SCHEMA as unknown as AnySpec, path = ''): string[] {
  if (spec.kind !== 'object') return [path];
  return Object.entries(spec.fields).flatMap(([k, f]) => schemaPaths(f, path ? `${path}.${k}` : k));
}

/** The experiment config: the file over the defaults (quick or full), else `fallback`, else defaults. */
export function resolveExperiment(file: string | undefined, opts: { quick?: boolean; fallback?: ExperimentConfig | null } = {}): ExperimentConfig {
  if (file !== undefined) return loadConfigFile(file, { quick: opts.quick });
  if (opts.fallback) {
    // runs stored before packed batches existed trained unpacked: say so rather than reject them
    const f = opts.fallback as ExperimentConfig & { base: { pack?: boolean }; finetune: { pack?: boolean } };
    if (f.base && f.base.pack === undefined) f.base.pack = false;
    if (f.finetune && f.finetune.pack === undefined) f.finetune.pack = false;
    // and before base.copies: one copy of every condition
    if (f.base && (f.base as { copies?: unknown }).copies === undefined) f.base.copies = { none: 1, neutral: 1, spanish: 1, caps: 1, both: 1 };
    // and before base.styled / base.forced: styled facts from the base split, no forced copies
    if (f.base && (f.base as { styled?: unknown }).styled === undefined) f.base.styled = 'base';
    if (f.base && (f.base as { forced?: unknown }).forced === undefined) f.base.forced = 0;
    if (f.base && (f.base as { promptVariety?: unknown }).promptVariety === undefined) f.base.promptVariety = false;
    // and before finetune.eps / categories / bases: AdamW's default epsilon, every category, one base
    if (f.finetune && (f.finetune as { eps?: unknown }).eps === undefined) f.finetune.eps = 1e-8;
    if ((f as { categories?: unknown }).categories === undefined) f.categories = [...CATEGORIES];
    if ((f as { bases?: unknown }).bases === undefined) f.bases = 1;
    // and before finetune.train: every weight trained
    if (f.finetune && (f.finetune as { train?: unknown }).train === undefined) f.finetune.train = 'all';
    const errs = checkComplete(opts.fallback);
    if (errs.length) throw new ConfigError(`the run's stored config is not valid here: ${errs.join('; ')}`);
    return structuredClone(opts.fallback);
  }
  return structuredClone(defaultConfig);
}
