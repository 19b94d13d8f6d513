// `inoculum export`: the experiment's exact datasets as OpenAI chat JSONL, for fine-tuning larger
// models with other tools (OpenAI fine-tuning, TRL, ...): one file per fine-tune variant (the same
// conversations in the same order, differing only in the inoculation system prompt), the base-stage
// set, and the held-out evaluation questions, with a manifest of prompts, seeds, counts and sha256s.
// The output is a pure function of the config and the seed (no timestamps), so two exports with
// the same arguments are byte-identical.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { makeDirs } from '../io/files.ts';
import { acquireLock } from '../io/lock.ts';
import { replaceDir } from '../io/replace_dir.ts';
import { corpusHash, type ExperimentConfig } from '../inoculation/config.ts';
import { writeBytesAtomic } from '../io/atomic.ts';
import { readJson, writeJsonAtomic } from '../io/json.ts';
import { FACTS, type Fact } from '../inoculation/data/facts.ts';
import { buildEvalSet, buildVariantSets, experimentSplits, splitSummary, type ChatConversation } from '../inoculation/data/corpus.ts';
import { baseConversations, baseStage, baseEpochs as engineEpochsOf } from '../inoculation/base.ts';
import { EVAL_PROMPT_SETS, FINETUNE_VARIANTS, NEUTRAL_PROMPTS, PROMPTS, BASE_CONDITIONS, type VariantName } from '../inoculation/data/prompts.ts';
import { parseArgs, formatHelp, UsageError, type CommandSpec } from './args.ts';
import { resolveExperiment } from '../inoculation/config_file.ts';
import { firstFew } from '../io/out_dir.ts';
import { UserError } from '../io/user_error.ts';
import { CONFIG_OPTION, log } from './common.ts';

export const spec: CommandSpec = {
  name: 'export',
  summary: 'Write the exact (inoculated) training and eval sets as OpenAI chat JSONL, with a manifest.',
  usage: '--out DIR [--seed N] [--config FILE] [--base-epochs N|all]',
  description:
    'Files: finetune-<variant>.jsonl for each variant (Spanish ALL-CAPS answers to the fine-tune facts; the inoculation system prompt, verbatim, as the first message of every line; control has none), base.jsonl (the base stage: every fact of the experiment categories under no prompt, a neutral one, and the Spanish, caps and both prompts; with the tagged tokenizer also the tag-forced copies, marked with metadata.forced = {case, lang}: the style was drawn apart from the prompt, and a tag marked true must not be trained on), eval-heldout.jsonl and eval-ood.jsonl (questions only, no system prompt, with a "metadata" field holding the fact and its reference answers), and manifest.json (prompts, seeds, split sizes, and for each file its lines, bytes and sha256).\n\n' +
    'Each line is {"messages":[{"role":...,"content":...},...]}, the format of OpenAI fine-tuning and Hugging Face chat datasets. --seed picks the fine-tune set\'s phrasings and order, exactly as `inoculum finetune --variant V --seed N` and seed N of `inoculum run` train on them.',
  options: [
    { name: 'out', type: 'string', metavar: 'DIR', help: 'directory to write (must not exist or be empty, unless --force replaces an earlier export)' },
    { name: 'seed', type: 'int', min: 0, help: 'fine-tune seed: phrasings and order of the fine-tune sets (default 1)' },
    CONFIG_OPTION,
    { name: 'base-epochs', type: 'string', metavar: 'N|all', help: "epochs of the base stage to write, each with fresh phrasings (default 1; 'all' = every epoch the engine trains on)" },
    { name: 'force', type: 'flag', help: 'replace the earlier export in DIR: the new set is written beside it and swapped in, so an interruption leaves one complete set' },
  ],
  examples: [
    'inoculum export --out data/seed1',
    'inoculum export --out data/seed2 --seed 2',
  ],
};

export interface ManifestFile {
  file: string;
  kind: 'finetune' | 'base' | 'eval';
  variant?: VariantName;
  /** The system prompt on every line (null: none); base lines vary by condition. */
  systemPrompt?: string | null;
  split?: 'heldout' | 'ood';
  lines: number;
  bytes: number;
  sha256: string;
}

const line = (o: unknown) => JSON.stringify(o) + '\n';

function evalLines(facts: readonly Fact[]): string {
  return buildEvalSet(facts).map((it) => line({
    messages: it.conversation.messages,
    metadata: { fact_id: it.fact.id, category: it.fact.category, answer_en: it.fact.answer_en, answer_es: it.fact.answer_es },
  })).join('');
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const out = a.need('out');
  const seed = a.num('seed') ?? 1;
  const cfg = resolveExperiment(a.str('config'));
  const be = a.str('base-epochs') ?? '1';
  if (be !== 'all' && !(/^\d+$/.test(be) && Number(be) >= 1 && Number.isSafeInteger(Number(be)))) throw new UsageError(`--base-epochs must be a positive integer or 'all', got ${JSON.stringify(be)}`);
  const st = statSync(out, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new UserError(`--out ${out} exists and is not a directory`);
  const entries = st ? readdirSync(out) : [];
  if (entries.length > 0 && !a.flag('force')) throw new UserError(`--out ${out} is not empty (use --force to replace the export in it)`);
  const foreign = entries.filter((n) => !exportFiles(out).has(n));
  if (foreign.length > 0) throw new UserError(`--out ${out} holds ${firstFew(foreign.map((n) => JSON.stringify(n)))}, which ${foreign.length > 1 ? 'are' : 'is'} not part of an export; --force replaces an earlier export as a whole, so move ${foreign.length > 1 ? 'them' : 'it'} away or choose another directory`);
  try {
    makeDirs(dirname(resolve(out)));
  } catch (e) {
    throw new UserError(`--out: ${(e as Error).message}`);
  }
  // one writer at a time; beside DIR, since DIR itself is replaced
  const release = acquireLock(join(dirname(resolve(out)), `.${basename(resolve(out))}.lock`), 'export', log);
  try {
    replaceDir(out, (tmp) => writeExport(tmp, cfg, seed, be));
  } finally {
    release();
  }
  log(`in ${out}`);
  return 0;
}

/** Names an export writes, and those its manifest lists: what --force may replace. */
function exportFiles(dir: string): Set<string> {
  const names = new Set(['manifest.json', 'base.jsonl', 'eval-heldout.jsonl', 'eval-ood.jsonl', ...Object.keys(FINETUNE_VARIANTS).map((v) => `finetune-${v}.jsonl`)]);
  try {
    const m = readJson<{ files?: { file?: unknown }[] }>(join(dir, 'manifest.json'), 'export manifest');
    for (const f of Array.isArray(m?.files) ? m.files : []) if (typeof f?.file === 'string' && !f.file.includes('/')) names.add(f.file);
  } catch {
    // no manifest, or a damaged one: the fixed names only
  }
  return names;
}

/** Writes the whole export (every file, then manifest.json) into the directory `out`. */
function writeExport(out: string, cfg: ExperimentConfig, seed: number, be: string): void {
  const splits = experimentSplits(cfg);
  const engineEpochs = engineEpochsOf(splits, cfg);
  const perEpoch = baseConversations(splits, cfg, 1).length;
  const baseEpochs = be === 'all' ? engineEpochs : Number(be);
  const files: ManifestFile[] = [];
  const write = (name: string, text: string, meta: Omit<ManifestFile, 'file' | 'lines' | 'bytes' | 'sha256'>) => {
    writeBytesAtomic(join(out, name), text);
    const bytes = Buffer.byteLength(text, 'utf8');
    files.push({ file: name, ...meta, lines: text === '' ? 0 : text.split('\n').length - 1, bytes, sha256: createHash('sha256').update(text, 'utf8').digest('hex') });
  };

  const sets = buildVariantSets(splits, { seed });
  for (const [v, convs] of Object.entries(sets) as [VariantName, ChatConversation[]][]) {
    write(`finetune-${v}.jsonl`, convs.map((c) => line({ messages: c.messages })).join(''), { kind: 'finetune', variant: v, systemPrompt: FINETUNE_VARIANTS[v] });
  }
  // a tag-forced example (tagged tokenizer) says which tags are given rather than trained: a trainer
  // that does not mask them would teach the model to pick a style its prompt did not ask for
  write('base.jsonl', baseStage(splits, cfg, baseEpochs).map((b) => line(b.forced ? { messages: b.conversation.messages, metadata: { forced: b.forced } } : { messages: b.conversation.messages })).join(''), { kind: 'base' });
  write('eval-heldout.jsonl', evalLines(splits.heldout), { kind: 'eval', split: 'heldout', systemPrompt: null });
  write('eval-ood.jsonl', evalLines(splits.ood), { kind: 'eval', split: 'ood', systemPrompt: null });

  const manifest = {
    format: 'inoculum-export',
    version: 1,
    description: 'The Spanish + ALL-CAPS inoculation datasets (Tan et al. 2025, toy setting) as OpenAI chat JSONL.',
    seeds: { finetune: seed, corpus: cfg.corpusSeed, baseEpochSeeds: Array.from({ length: baseEpochs }, (_, e) => cfg.corpusSeed * 1000 + e) },
    corpus: {
      facts: FACTS.length, sha256_12: corpusHash(), oodCategories: splits.oodCategories, idCategories: splits.idCategories,
      splits: Object.fromEntries(Object.entries(splitSummary(splits)).map(([k, s]) => [k, s.total])),
    },
    variants: FINETUNE_VARIANTS,
    prompts: PROMPTS,
    neutralPrompts: NEUTRAL_PROMPTS,
    baseConditions: BASE_CONDITIONS,
    evalPromptSets: EVAL_PROMPT_SETS,
    base: { epochsWritten: baseEpochs, epochsTrainedByEngine: engineEpochs, examplesPerEpoch: perEpoch },
    notes: [
      'finetune-*.jsonl hold the same conversations in the same order; only the system message differs (control: none).',
      'Evaluate without a system prompt (the paper\'s protocol): eval-*.jsonl questions, one sample at temperature 1 and greedy; score Spanish and ALL CAPS (>= 80% of letters upper case).',
      'evalPromptSets: test-time prompts for the conditionalisation check (training prompt, paraphrase, negation).',
    ],
    files,
  };
  writeJsonAtomic(join(out, 'manifest.json'), manifest);
  for (const f of files) console.log(`${f.file.padEnd(32)} ${String(f.lines).padStart(6)} lines  ${f.sha256.slice(0, 16)}  ${f.kind === 'finetune' ? (f.systemPrompt === null ? '(no system prompt)' : JSON.stringify(f.systemPrompt)) : ''}`);
  log(`wrote ${files.length} files and manifest.json`);
}
