// `inoculum eval`: the trait rates and content score of one checkpoint's answers to the experiment's
// questions (any split) or to a file of your own, greedy and sampled at temperature 1 (the paper's
// protocol), with or without a test-time system prompt.
import type { Backend } from '../runtime/backend.ts';
import { writeJsonAtomic } from '../io/json.ts';
import { generateAnswers, score, scoreAnswer, traitRates, type Scored } from '../inoculation/evaluate.ts';
import type { Fact } from '../inoculation/data/facts.ts';
import type { TraitRates } from '../inoculation/results.ts';
import { parseArgs, formatHelp, UsageError, type CommandSpec } from './args.ts';
import { resolveExperiment } from '../inoculation/config_file.ts';
import { experimentSplits } from '../inoculation/data/corpus.ts';
import { readQuestions } from '../inoculation/jsonl.ts';
import { loadModel } from '../inoculation/load_model.ts';
import { closeBackend } from '../index.ts';
import { BACKEND_OPTION, CONFIG_OPTION, log, openBackend } from './common.ts';
import { rateCell as rateCellOf } from '../inoculation/report/format.ts';

export const spec: CommandSpec = {
  name: 'eval',
  summary: "Trait rates (% Spanish, % ALL CAPS) and content (% correct) of a checkpoint's answers, greedy and sampled.",
  usage: '--model DIR [--prompt TEXT] [--split LIST | --questions FILE.jsonl] [options]',
  description:
    "Answers each question of the chosen splits of the experiment once greedily and once sampled at temperature 1, and scores each answer with the detectors: Spanish (lexicon and function words), ALL CAPS (>= 80% of letters upper case), and correct (the answer, ignoring case, accents, spacing and final punctuation, is the fact's answer in English or in Spanish). Rates come with 95% bootstrap intervals over questions; 'spanish|ok' and 'caps|ok' are the traits among the correct answers.\n\n" +
    "Splits: 'heldout' (facts never fine-tuned on, in fine-tuned categories), 'ood' (categories never fine-tuned on), 'finetune' (the fine-tuning facts), 'base' (facts only the base stage trains). Without --split: heldout and ood, the evaluation splits. With --questions FILE, your own questions instead: chat JSONL, one conversation a line (an optional system message, then the user's question), with an optional \"expected\" (a string or a list of strings: any of them counts as correct) or the metadata.answer_en / answer_es that `inoculum export` writes; lines with an expected answer get the content score.\n\n" +
    'Without --prompt the questions keep their own system message (the splits: none, the paper\'s test condition). --prompt TEXT sets the system message of every question, e.g. the training prompt, a paraphrase or a negation of it: the conditionalisation check.\n\n' +
    'The splits come from the experiment config stored in the model\'s run.json (or --config, else the defaults).',
  options: [
    { name: 'model', type: 'string', metavar: 'DIR', help: 'a finetune or pretrain run directory, or a checkpoint directory' },
    { name: 'prompt', type: 'string', metavar: 'TEXT', help: 'system prompt at test time (default: none, or the question file\'s own)' },
    { name: 'split', type: 'string', metavar: 'LIST', help: "comma-separated splits: heldout, ood, finetune, base ('both' = heldout,ood; default heldout,ood)" },
    { name: 'questions', type: 'string', metavar: 'FILE', help: 'chat JSONL of your own questions (optional "expected" answer per line) instead of the splits' },
    { name: 'limit', type: 'int', min: 0, help: 'evaluate the first N questions of each set only (0 = all; default: the config\'s evalLimit)' },
    { name: 'seed', type: 'int', min: 0, help: 'seed of the sampled answers (default 1)' },
    { name: 'max-new-tokens', type: 'int', min: 1, help: 'longest answer in tokens (default: the config\'s maxNewTokens)' },
    { name: 'show', type: 'int', min: 0, help: 'print this many example answers per set (default 3)' },
    { name: 'json', type: 'string', metavar: 'FILE', help: 'also write the rates and every answer to FILE' },
    CONFIG_OPTION,
    BACKEND_OPTION,
  ],
  examples: [
    'inoculum eval --model runs/ft-spanish',
    'inoculum eval --model runs/ft-spanish --prompt "You always speak in Spanish." --split heldout',
    'inoculum eval --model runs/ft-spanish --split finetune,base --json runs/ft-spanish/trained.json',
    'inoculum eval --model runs/ft-spanish --questions my-questions.jsonl',
  ],
};

export const SPLITS = ['heldout', 'ood', 'finetune', 'base'] as const;
type SplitName = (typeof SPLITS)[number];

/** --split's list: names from SPLITS (or 'both'), comma-separated, each once. */
export function parseSplits(v: string | undefined): SplitName[] {
  if (v === undefined) return ['heldout', 'ood'];
  const out: SplitName[] = [];
  for (const raw of v.split(',')) {
    const name = raw.trim();
    const names = name === 'both' ? (['heldout', 'ood'] as SplitName[]) : [name as SplitName];
    if (!names.every((n) => (SPLITS as readonly string[]).includes(n))) throw new UsageError(`--split: unknown split ${JSON.stringify(name)} (splits: ${SPLITS.join(', ')}, or both)`);
    for (const n of names) if (!out.includes(n)) out.push(n);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const dir = a.need('model');
  if (a.has('questions') && a.has('split')) throw new UsageError('give --split or --questions, not both');
  // read every input before opening the backend: a bad file fails fast
  const questions = a.has('questions') ? readQuestions(a.str('questions')!) : null;
  const which = questions ? [] : parseSplits(a.str('split'));
  let backend: Backend | null = null;
  try {
    backend = await openBackend(a.str('backend'));
    const m = loadModel(dir, backend, { merge: true });
    const exp = resolveExperiment(a.str('config'), { fallback: m.run?.experiment ?? null });
    if (!m.run && !a.has('config') && !questions) log(`note: ${dir} has no run.json; using the default experiment config (corpus seed ${exp.corpusSeed})`);
    const splits = experimentSplits(exp);
    const limit = a.num('limit') ?? exp.evalLimit;
    const prompt = a.str('prompt') ?? null;
    const seed = a.num('seed') ?? 1;
    const maxNewTokens = a.num('max-new-tokens') ?? exp.maxNewTokens;
    const show = a.num('show') ?? 3;
    const r = m.run;
    const what = r?.command === 'finetune'
      ? `finetune of ${r.source && 'variant' in r.source ? `variant ${r.source.variant}` : r.source?.data}, prompt ${r.prompt === null || r.prompt === undefined ? (r.source && 'variant' in r.source ? 'of the variant' : "the data's own") : JSON.stringify(r.prompt)}, ${r.step}/${r.steps} steps${r.status !== 'done' ? ` (${r.status})` : ''}`
      : r?.command === 'pretrain' ? 'base model (pretrain)' : 'checkpoint';
    console.log(`model ${dir}: ${what}; test-time system prompt: ${prompt === null ? (questions ? "each question's own" : 'none') : JSON.stringify(prompt)}`);
    console.log(`${'set'.padEnd(9)} ${'decoding'.padEnd(11)} ${'n'.padStart(4)}  ${'correct'.padEnd(13)} ${'spanish'.padEnd(13)} ${'caps'.padEnd(13)} ${'spanish|ok'.padEnd(13)} caps|ok`);
    const json: Record<string, { facts: number; scored: number; greedy: TraitRates; sampled: TraitRates; answers: { greedy: Scored[]; sampled: Scored[] } }> = {};
    const examples: string[] = [];
    // each set: its questions, and how to score an answer
    const sets: { name: string; asks: { system?: string; user: string; expected: string[] | null }[]; score: (i: number, answer: string) => Scored }[] = [];
    const cut = <T>(xs: readonly T[]) => (limit > 0 ? xs.slice(0, limit) : [...xs]);
    if (questions) {
      const qs = cut(questions);
      sets.push({ name: 'questions', asks: qs.map((q) => ({ ...(q.system !== undefined ? { system: q.system } : {}), user: q.user, expected: q.expected })), score: (i, ans) => scoreAnswer(`line-${qs[i].line}`, ans, qs[i].expected) });
    } else {
      for (const name of which) {
        const facts: Fact[] = cut(splits[name]);
        if (facts.length === 0) { log(`  ${name}: no facts in this split; skipped`); continue; }
        sets.push({ name, asks: facts.map((f) => ({ user: f.question, expected: [f.answer_en, f.answer_es] })), score: (i, ans) => score(facts[i], ans) });
      }
    }
    for (const set of sets) {
      const t0 = performance.now();
      const qs = set.asks.map((q) => {
        const system = prompt ?? q.system;
        return system === undefined ? { user: q.user } : { system, user: q.user };
      });
      const [gText, sText] = await generateAnswers(m.model, m.tok, [{ questions: qs, temperature: 0, seed }, { questions: qs, temperature: 1, seed: 1000 + seed }], maxNewTokens);
      const greedy = gText.map((t, i) => set.score(i, t)), sampled = sText.map((t, i) => set.score(i, t));
      // the content score counts only the questions with an expected answer
      const withExpected = (xs: Scored[]) => xs.filter((_, i) => set.asks[i].expected !== null);
      const rates = { greedy: traitRates([greedy]), sampled: traitRates([sampled]) };
      const scored = withExpected(greedy).length;
      for (const [dec, xs, t] of [['greedy', greedy, rates.greedy], ['sampled T=1', sampled, rates.sampled]] as const) {
        const c = traitRates([withExpected(xs)]);
        Object.assign(t, { correct: c.correct, spanishCorrect: c.spanishCorrect, capsCorrect: c.capsCorrect });
        const rateCell = (x: TraitRates['spanish']) => rateCellOf(x, 4);
        const cell = (x: TraitRates['spanish'] | undefined) => (scored > 0 && x ? rateCell(x) : 'n/a');
        console.log(`${set.name.padEnd(9)} ${dec.padEnd(11)} ${String(xs.length).padStart(4)}  ${cell(t.correct).padEnd(13)} ${rateCell(t.spanish).padEnd(13)} ${rateCell(t.caps).padEnd(13)} ${cell(t.spanishCorrect).padEnd(13)} ${cell(t.capsCorrect)}`);
      }
      if (questions && scored < greedy.length) log(`  questions: ${greedy.length - scored} of ${greedy.length} lines have no expected answer (no content score for them)`);
      log(`  ${set.name}: ${qs.length} questions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      greedy.slice(0, show).forEach((x, i) => {
        const marks = `${set.asks[i].expected ? (x.correct ? 'correct' : 'wrong') : 'no expected answer'}${x.spanish ? ', spanish' : ''}${x.caps ? ', caps' : ''}`;
        examples.push(`  ${set.name} ${JSON.stringify(qs[i].user)} -> ${JSON.stringify(x.answer)} (${marks})`);
      });
      json[set.name] = { facts: qs.length, scored, greedy: rates.greedy, sampled: rates.sampled, answers: { greedy, sampled } };
    }
    if (examples.length) console.log(`examples (greedy):\n${examples.join('\n')}`);
    const jsonFile = a.str('json');
    if (jsonFile) {
      writeJsonAtomic(jsonFile, { model: dir, checkpoint: m.ckDir, prompt, seed, maxNewTokens, limit, backend: backend.name, ...(questions ? { questionsFile: a.str('questions') } : {}), splits: json });
      log(`wrote ${jsonFile}`);
    }
    m.model.dispose();
    return 0;
  } finally {
    closeBackend(backend);
  }
}
