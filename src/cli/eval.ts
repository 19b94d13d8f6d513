// `inoculum eval`: the trait rates of one checkpoint's answers to held-out questions, greedy and
// sampled at temperature 1 (the paper's protocol), with or without a test-time system prompt.
import type { Backend } from '../backend/backend.ts';
import { writeJsonAtomic } from '../io/json.ts';
import { answerFacts, traitRates, type Scored } from '../inoculation/evaluate.ts';
import { styledAnswer } from '../inoculation/corpus.ts';
import type { Fact } from '../inoculation/facts.ts';
import type { Style } from '../inoculation/prompts.ts';
import { rateWithCI } from '../inoculation/stats.ts';
import type { TraitRates } from '../inoculation/results.ts';
import { parseArgs, formatHelp, type CommandSpec } from './args.ts';
import { BACKEND_OPTION, CONFIG_OPTION, closeBackend, experimentSplits, loadModel, log, openBackend, rateCell, resolveExperiment } from './common.ts';

export const spec: CommandSpec = {
  name: 'eval',
  summary: "Trait rates (% Spanish, % ALL CAPS) of a checkpoint's answers, greedy and sampled.",
  usage: '--model DIR [--prompt TEXT] [--split heldout|ood|both] [options]',
  description:
    "Answers each held-out question of the experiment (the facts never trained on: 'heldout' = categories seen in fine-tuning, 'ood' = categories never fine-tuned on) once greedily and once sampled at temperature 1, and scores each answer with the detectors: Spanish (lexicon and function words) and ALL CAPS (>= 80% of letters upper case). Rates come with 95% bootstrap intervals over questions. 'exact' is the share of answers that are exactly the fact in one of the four styles (a quality check).\n\n" +
    'Without --prompt there is no system message: the paper\'s test condition. With --prompt, e.g. the training prompt, a paraphrase or a negation of it, this is the conditionalisation check.\n\n' +
    'The splits come from the experiment config stored in the model\'s run.json (or --config, else the defaults).',
  options: [
    { name: 'model', type: 'string', metavar: 'DIR', help: 'a finetune or pretrain run directory, or a checkpoint directory' },
    { name: 'prompt', type: 'string', metavar: 'TEXT', help: 'system prompt at test time (default: none)' },
    { name: 'split', type: 'string', choices: ['heldout', 'ood', 'both'], help: 'which held-out facts (default both)' },
    { name: 'limit', type: 'int', min: 1, help: 'evaluate the first N facts of each split only (default: the config\'s evalLimit, 0 = all)' },
    { name: 'seed', type: 'int', min: 0, help: 'seed of the sampled answers (default 1)' },
    { name: 'max-new-tokens', type: 'int', min: 1, help: 'longest answer in tokens (default: the config\'s maxNewTokens)' },
    { name: 'show', type: 'int', min: 0, help: 'print this many example answers per split (default 3)' },
    { name: 'json', type: 'string', metavar: 'FILE', help: 'also write the rates and every answer to FILE' },
    CONFIG_OPTION,
    BACKEND_OPTION,
  ],
  examples: [
    'inoculum eval --model runs/ft-spanish',
    'inoculum eval --model runs/ft-spanish --prompt "You always speak in Spanish." --split heldout',
    'inoculum eval --model runs/ft-spanish --prompt "You never speak in Spanish." --json runs/ft-spanish/negation.json',
  ],
};

/** Share of answers that are exactly the fact in one of the four styles. */
function exactAnyStyle(scored: Scored[], facts: readonly Fact[]): number[] {
  const byId = new Map(facts.map((f) => [f.id, f]));
  const styles: Style[] = ['en', 'es', 'en-caps', 'es-caps'];
  return scored.map((s) => (styles.some((st) => s.answer.trim() === styledAnswer(byId.get(s.factId)!, st)) ? 1 : 0));
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const dir = a.need('model');
  let backend: Backend | null = null;
  try {
    backend = await openBackend(a.str('backend'));
    const m = loadModel(dir, backend, { merge: true });
    const exp = resolveExperiment(a.str('config'), { fallback: m.run?.experiment ?? null });
    if (!m.run && !a.has('config')) log(`note: ${dir} has no run.json; using the default experiment config (corpus seed ${exp.corpusSeed})`);
    const splits = experimentSplits(exp);
    const limit = a.num('limit') ?? exp.evalLimit;
    const which = a.str('split') ?? 'both';
    const sets: [string, Fact[]][] = [];
    if (which !== 'ood') sets.push(['heldout', splits.heldout]);
    if (which !== 'heldout') sets.push(['ood', splits.ood]);
    const prompt = a.str('prompt') ?? null;
    const seed = a.num('seed') ?? 1;
    const maxNewTokens = a.num('max-new-tokens') ?? exp.maxNewTokens;
    const show = a.num('show') ?? 3;
    const r = m.run;
    const what = r?.command === 'finetune'
      ? `finetune of ${r.source && 'variant' in r.source ? `variant ${r.source.variant}` : r.source?.data}, prompt ${r.prompt === null || r.prompt === undefined ? (r.source && 'variant' in r.source ? 'of the variant' : "the data's own") : JSON.stringify(r.prompt)}, ${r.step}/${r.steps} steps${r.status !== 'done' ? ` (${r.status})` : ''}`
      : r?.command === 'pretrain' ? 'base model (pretrain)' : 'checkpoint';
    console.log(`model ${dir}: ${what}; test-time system prompt: ${prompt === null ? 'none' : JSON.stringify(prompt)}`);
    console.log(`${'split'.padEnd(8)} ${'decoding'.padEnd(11)} ${'n'.padStart(4)}  ${'spanish'.padEnd(13)} ${'caps'.padEnd(13)} exact`);
    const json: Record<string, { facts: number; greedy: TraitRates; sampled: TraitRates; answers: { greedy: Scored[]; sampled: Scored[] } }> = {};
    const examples: string[] = [];
    for (const [name, all] of sets) {
      const facts = limit > 0 ? all.slice(0, limit) : all;
      const t0 = performance.now();
      const greedy = await answerFacts(m.model, m.tok, facts, prompt, { temperature: 0, seed, maxNewTokens });
      const sampled = await answerFacts(m.model, m.tok, facts, prompt, { temperature: 1, seed: 1000 + seed, maxNewTokens });
      const rates = { greedy: traitRates([greedy]), sampled: traitRates([sampled]) };
      for (const [dec, xs] of [['greedy', greedy], ['sampled T=1', sampled]] as const) {
        const t = dec === 'greedy' ? rates.greedy : rates.sampled;
        t.correct = rateWithCI([exactAnyStyle(xs, facts)]);
        console.log(`${name.padEnd(8)} ${dec.padEnd(11)} ${String(xs.length).padStart(4)}  ${rateCell(t.spanish).padEnd(13)} ${rateCell(t.caps).padEnd(13)} ${rateCell(t.correct!)}`);
      }
      log(`  ${name}: ${facts.length} facts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const byId = new Map(facts.map((f) => [f.id, f]));
      for (const s of greedy.slice(0, show)) examples.push(`  ${name} ${JSON.stringify(byId.get(s.factId)!.question)} -> ${JSON.stringify(s.answer)}`);
      json[name] = { facts: facts.length, greedy: rates.greedy, sampled: rates.sampled, answers: { greedy, sampled } };
    }
    if (examples.length) console.log(`examples (greedy):\n${examples.join('\n')}`);
    const jsonFile = a.str('json');
    if (jsonFile) {
      writeJsonAtomic(jsonFile, { model: dir, checkpoint: m.ckDir, prompt, seed, maxNewTokens, limit, backend: backend.name, splits: json });
      log(`wrote ${jsonFile}`);
    }
    m.model.dispose();
    return 0;
  } finally {
    closeBackend(backend);
  }
}
