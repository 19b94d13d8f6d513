// The whole Spanish + ALL-CAPS experiment: corpus -> tokenizer -> base model (cached) -> for each
// seed and variant, fine-tune with probes -> evaluation without a prompt (ID/OOD, greedy/sampled)
// and with prompts (conditionalisation) -> results.json, metrics JSONL, report.html, a table.
import type { Mode } from '../tokenizer/vocab.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import { ChatTokenizer } from '../tokenizer/index.ts';
import { readJson, writeJsonAtomic } from '../io/json.ts';
import { firstTargetOnly, type Example } from '../train/batches.ts';
import { FACTS, type Fact } from './data/facts.ts';
import { buildVariantSets, conversation, experimentSplits, styledAnswer, type ChatConversation, type Splits } from './data/corpus.ts';
import { EVAL_PROMPT_SETS, FINETUNE_VARIANTS, NEUTRAL_PROMPTS, PROMPTS, TRAIT_PROMPT_VARIANTS, BASE_CONDITIONS, type Style } from './data/prompts.ts';
import { baseHash, corpusHash, forTokenizer, type ExperimentConfig } from './config.ts';
import { encodeAll, trainOrLoadBase, type BaseModel } from './base.ts';
import { Interrupted } from './base_cache.ts';
import { finetuneVariant, type ProbeSets } from './finetune.ts';
import { answerMany, traitRates, type Scored } from './evaluate.ts';
import { answerLogprobs, mean } from './probes.ts';
import { GENERALISATION_PROBES, VARIANTS, generalisationFactor, missedTargets, patternMet, type GeneralisationProbe, type Results, type TraitRates, type Variant, type VariantResult, type ProbeRecord, type MemoryReport } from './results.ts';
import type { GPT } from '../nn/gpt.ts';
import { pctOf } from './report/format.ts';

export interface RunOptions {
  cfg: ExperimentConfig;
  tokenizer: Mode;
  outDir: string;
  cacheDir: string;
  backend: Backend;
  quiet?: boolean;
  log: (s: string) => void;
  /**
   * Reuse the (variant, seed) fine-tunes already finished in outDir/units/ (each is written there,
   * atomically, once evaluated): an interrupted run goes on where it stopped.
   */
  resume?: boolean;
  /** Checked between fine-tunes (and base steps): true stops the run with Interrupted, progress kept. */
  shouldStop?: () => boolean;
  /** Receives every scored answer and probe log of the run, per variant (bases.ts pools them over base models). */
  collect?: (scored: Record<Variant, VariantScores>) => void;
}

/** Every scored answer of one variant, per fine-tune seed, and its probe logs. */
export interface VariantScores { id: Scored[][]; ood: Scored[][]; idS: Scored[][]; oodS: Scored[][]; withPrompt: Record<string, Scored[][]>; hist: ProbeRecord[][] }

/** Everything one (variant, seed) fine-tune contributes to results.json: outDir/units/<variant>-s<seed>.json. */
interface Unit {
  id: Scored[]; ood: Scored[]; idS: Scored[]; oodS: Scored[];
  withPrompt: Record<string, Scored[]>;
  history: ProbeRecord[];
  gAfter?: Awaited<ReturnType<typeof generalisationLogprobs>>;
}

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

function examplesFor(tok: ChatTokenizer, facts: readonly Fact[], style: Style, prompt: string | null): Example[] {
  return encodeAll(tok, facts.map((f) => conversation(prompt, f.question, styledAnswer(f, style))));
}

export function probeSets(tok: ChatTokenizer, splits: Splits, cfg: ExperimentConfig): ProbeSets {
  const facts = splits.heldout.slice(0, cfg.probes.subset);
  const drift: Example[] = [];
  // drift: a fixed half of the probe facts in every base condition (cheap, and enough for a mean)
  for (const c of BASE_CONDITIONS) drift.push(...examplesFor(tok, facts.slice(0, Math.ceil(facts.length / 2)), c.style, c.prompt));
  const capsEnglish = examplesFor(tok, facts, 'en-caps', null);
  return {
    capsEnglish,
    capsStart: capsEnglish.map(firstTargetOnly),
    spanishLower: examplesFor(tok, facts, 'es', null),
    spanishCaps: examplesFor(tok, facts, 'es-caps', null),
    english: examplesFor(tok, facts, 'en', null),
    drift, rateFacts: facts,
  };
}

// the answer style of each generalisation probe; capsStart is the caps-English answer's first token
// alone (capslock: the caps-lock marker), the decision that the whole-answer mean dilutes
const GP_STYLE: Record<GeneralisationProbe, [Style, boolean]> = { spanishCaps: ['es-caps', false], spanishLower: ['es', false], capsEnglish: ['en-caps', false], capsStart: ['en-caps', true] };

/** Mean answer log-prob of the probe facts in each generalisation style, without a prompt and under `prompt`. */
async function generalisationLogprobs(model: GPT, tok: ChatTokenizer, facts: readonly Fact[], prompt: string): Promise<Record<GeneralisationProbe, { none: number; prompt: number }>> {
  const ex = (g: GeneralisationProbe, p: string | null): Example[] => {
    const [style, first] = GP_STYLE[g], es = examplesFor(tok, facts, style, p);
    return first ? es.map(firstTargetOnly) : es;
  };
  const sets = GENERALISATION_PROBES.flatMap((g) => [ex(g, null), ex(g, prompt)]);
  const lp = await answerLogprobs(model, sets.flat(), tok.padId, 256);
  const out = {} as Record<GeneralisationProbe, { none: number; prompt: number }>;
  GENERALISATION_PROBES.forEach((g, k) => {
    const n = facts.length;
    out[g] = { none: mean(lp.slice(2 * k * n, (2 * k + 1) * n)), prompt: mean(lp.slice((2 * k + 1) * n, (2 * k + 2) * n)) };
  });
  return out;
}

export async function runExperiment(o: RunOptions): Promise<Omit<Results, 'ablation'>> {
  const t0 = performance.now();
  const { backend, log } = o;
  const cfg = forTokenizer(o.cfg, o.tokenizer);
  if (cfg !== o.cfg) log(`tokenizer ${o.tokenizer}: the base trains without tag-forced copies (base.forced ${o.cfg.base.forced} -> 0; tags exist only in tagged mode)`);
  mkdirSync(o.outDir, { recursive: true });
  const splits = experimentSplits(cfg);
  const tok = experimentTokenizer(o.tokenizer, cfg.base.promptVariety);
  log(`corpus: ${FACTS.length} facts; base ${splits.base.length}, finetune ${splits.finetune.length}, held-out ${splits.heldout.length}, OOD ${splits.ood.length} (${splits.oodCategories.join(', ')}); tokenizer ${o.tokenizer}, V ${tok.vocabSize}`);

  backend.resetPeak();
  const base: BaseModel = await trainOrLoadBase({ cfg, tok, splits, backend, cacheDir: o.cacheDir, hash: baseHash(cfg, o.tokenizer, corpusHash()), log, quiet: o.quiet, shouldStop: o.shouldStop });
  const basePeakBytes = backend.memoryPeak().peakBytes;
  for (const [name, c] of Object.entries(base.report.conditions)) {
    log(`  base ${name.padEnd(8)} exact ID ${(100 * c.exact).toFixed(0).padStart(3)}% OOD ${(100 * (c.exactOod ?? NaN)).toFixed(0).padStart(3)}%  spanish ${(100 * c.spanish).toFixed(0).padStart(3)}%  caps ${(100 * c.caps).toFixed(0).padStart(3)}%  (n=${c.n}, prompt ${JSON.stringify(c.prompt)})`);
  }

  const idFacts = cfg.evalLimit > 0 ? splits.heldout.slice(0, cfg.evalLimit) : splits.heldout;
  const oodFacts = cfg.evalLimit > 0 ? splits.ood.slice(0, cfg.evalLimit) : splits.ood;
  const probes = probeSets(tok, splits, cfg);
  const seeds = Array.from({ length: cfg.seeds }, (_, i) => i + 1);

  // mechanism before training: NLL@0 and PH(P) of each variant's data on the base model
  const sets0 = buildVariantSets(splits, { seed: 1 });
  const plain0 = encodeAll(tok, sets0.control);
  const lpPlain = await answerLogprobs(base.model, plain0, tok.padId);
  const pre: Record<string, { nll0: number; ph: number }> = {};
  for (const v of VARIANTS) {
    const lp = v === 'control' ? lpPlain : await answerLogprobs(base.model, encodeAll(tok, sets0[v]), tok.padId);
    pre[v] = { nll0: -mean(lp), ph: mean(lp.map((x, i) => x - lpPlain[i])) };
    log(`  ${v.padEnd(18)} NLL@0 ${pre[v].nll0.toFixed(3)} nats/token  PH(P) ${pre[v].ph.toFixed(3)}`);
  }

  // generalisation factor: the probe answers' log-probs with and without each variant's prompt, before
  const gBefore: Partial<Record<Variant, Awaited<ReturnType<typeof generalisationLogprobs>>>> = {};
  for (const v of VARIANTS) {
    const p = FINETUNE_VARIANTS[v];
    if (p !== null) gBefore[v] = await generalisationLogprobs(base.model, tok, probes.rateFacts, p);
  }

  type Acc = { id: Scored[][]; ood: Scored[][]; idS: Scored[][]; oodS: Scored[][]; withPrompt: Record<string, Scored[][]>; hist: ProbeRecord[][]; gAfter: Awaited<ReturnType<typeof generalisationLogprobs>>[] };
  const acc = Object.fromEntries(VARIANTS.map((v) => [v, { id: [], ood: [], idS: [], oodS: [], withPrompt: {}, hist: [], gAfter: [] } as Acc])) as Record<Variant, Acc>;
  let doneHere = 0;
  const finetuneAndEvaluate = async (v: Variant, seed: number, label: string, convs: ChatConversation[], plain: Example[]): Promise<Unit> => {
    const run = await finetuneVariant({
      cfg, base, tok, backend: o.backend, seed, examples: encodeAll(tok, convs), plain, hasPrompt: FINETUNE_VARIANTS[v] !== null,
      probes, metricsPath: join(o.outDir, `metrics-${v}-s${seed}.jsonl`), label, quiet: o.quiet,
    });
    const te = performance.now();
    // every evaluation of this model in one batched generation (evaluate.ts answerMany)
    const conds = conditionPrompts(v);
    const [id, ood, idS, oodS, ...withP] = await answerMany(run.model, tok, [
      { facts: idFacts, prompt: null, temperature: 0, seed },
      { facts: oodFacts, prompt: null, temperature: 0, seed },
      { facts: idFacts, prompt: null, temperature: 1, seed: 1000 + seed },
      { facts: oodFacts, prompt: null, temperature: 1, seed: 2000 + seed },
      ...conds.map(([, p]) => ({ facts: idFacts, prompt: p, temperature: 0, seed })),
    ], cfg.maxNewTokens);
    const p = FINETUNE_VARIANTS[v];
    const unit: Unit = finiteOnly({
      id, ood, idS, oodS, withPrompt: Object.fromEntries(conds.map(([name], i) => [name, withP[i]])), history: run.history,
      ...(p !== null ? { gAfter: await generalisationLogprobs(run.model, tok, probes.rateFacts, p) } : {}),
    });
    const evalS = (performance.now() - te) / 1000;
    log(`  ${label.padEnd(22)} no prompt, ID greedy: correct ${pct(id, 'correct')} spanish ${pct(id, 'spanish')} caps ${pct(id, 'caps')}, OOD correct ${pct(ood, 'correct')}   e.g. ${JSON.stringify(id[0]?.answer ?? '')}`);
    log(`  ${''.padEnd(22)} time: fine-tune ${(run.totalS - run.probeS - run.rateS).toFixed(1)}s, probes ${run.probeS.toFixed(1)}s, rate checkpoints ${run.rateS.toFixed(1)}s, final evaluation ${evalS.toFixed(1)}s`);
    run.model.dispose();
    return unit;
  };
  const unitsDir = join(o.outDir, 'units');
  mkdirSync(unitsDir, { recursive: true });
  let reused = 0;
  backend.resetPeak();
  for (const seed of seeds) {
    const sets = buildVariantSets(splits, { seed });
    const plain = encodeAll(tok, sets.control);
    for (const v of VARIANTS) {
      const label = `${v} s${seed}`;
      const unitFile = join(unitsDir, `${v}-s${seed}.json`);
      let unit: Unit;
      if (o.resume && existsSync(unitFile)) {
        unit = readJson<Unit>(unitFile, 'finished fine-tune');
        reused++;
      } else {
        if (o.shouldStop?.()) throw new Interrupted(`before fine-tune ${label}; ${reused + doneHere} of ${seeds.length * VARIANTS.length} fine-tunes finished in ${unitsDir}`);
        unit = await finetuneAndEvaluate(v, seed, label, sets[v], plain);
        writeJsonAtomic(unitFile, unit);
        doneHere++;
      }
      const a = acc[v];
      a.hist.push(unit.history);
      a.id.push(unit.id); a.ood.push(unit.ood); a.idS.push(unit.idS); a.oodS.push(unit.oodS);
      for (const [name, xs] of Object.entries(unit.withPrompt)) (a.withPrompt[name] ??= []).push(xs);
      if (unit.gAfter) a.gAfter.push(unit.gAfter);
    }
  }
  if (reused) log(`  reused ${reused} finished fine-tunes from ${unitsDir}`);
  const mem = backend.memoryPeak();
  const memory: MemoryReport = { basePeakBytes, finetunePeakBytes: doneHere > 0 ? mem.peakBytes : null, heldBytes: mem.heldBytes };
  const mib = (b: number | null) => (b === null ? 'n/a (reused)' : `${(b / 2 ** 20).toFixed(1)} MiB`);
  log(`  memory (${backend.name}): live tensors at most ${mib(memory.basePeakBytes)} in the base stage, ${mib(memory.finetunePeakBytes)} in the fine-tunes; the device holds ${mib(memory.heldBytes)} of buffers`);

  const variants = {} as Record<Variant, VariantResult>;
  for (const v of VARIANTS) {
    const a = acc[v];
    const early = a.hist.map((h) => mean(h.filter((r) => r.step >= 1 && r.step <= 10).map((r) => r.gradNorm)));
    const cos = a.hist.flatMap((h) => h.filter((r) => r.gradCosine !== undefined).map((r) => r.gradCosine!));
    variants[v] = {
      prompt: FINETUNE_VARIANTS[v] ?? '',
      id: traitRates(a.id), ood: traitRates(a.ood), idSampled: traitRates(a.idS), oodSampled: traitRates(a.oodS),
      withPrompt: Object.fromEntries(Object.entries(a.withPrompt).map(([k, s]) => [k, traitRates(s)])) as Record<string, TraitRates>,
      mechanism: { nll0: pre[v].nll0, ph: pre[v].ph, earlyGradNorm: mean(early), gradCosine: cos.length ? mean(cos) : null },
      trajectory: trajectory(a.hist),
      ...(gBefore[v] ? { generalisation: generalisation(gBefore[v]!, a.gAfter) } : {}),
      examples: spread(a.id[0], 12),
      examplesOod: spread(a.ood[0], 6),
    };
  }
  const results: Omit<Results, 'ablation'> = {
    backend: backend.name, adapter: backend.description, wall_s: (performance.now() - t0) / 1000, tokenizer: o.tokenizer,
    seeds, config: cfg, base: base.report, variants, memory,
  };
  base.model.dispose();
  writeJsonAtomic(join(o.outDir, 'results.json'), results);
  o.collect?.(acc);
  return results;
}

/** The factor per probe style from the base's log-probs and each seed's fine-tuned ones (means over seeds). */
function generalisation(before: Record<GeneralisationProbe, { none: number; prompt: number }>, after: Record<GeneralisationProbe, { none: number; prompt: number }>[]): NonNullable<VariantResult['generalisation']> {
  const out = {} as NonNullable<VariantResult['generalisation']>;
  for (const g of GENERALISATION_PROBES) {
    const after0 = mean(after.map((x) => x[g].none)), afterP = mean(after.map((x) => x[g].prompt));
    const { none: before0, prompt: beforeP } = before[g];
    out[g] = { before0, after0, beforeP, afterP, factor: generalisationFactor(before0, after0, beforeP, afterP) };
  }
  return out;
}

/**
 * A unit as it reads back from its file: JSON has no NaN, so fields that are not finite (the step-0
 * record's loss and gradient norm) are dropped; a fresh unit and a reused one are then the same.
 */
function finiteOnly<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? undefined : v))) as T;
}

/** Up to n items evenly spaced over xs (the examples then span every category, not the first one). */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, k) => xs[Math.floor((k * xs.length) / n)]);
}

/** Test-time system prompts of the conditionalisation check for a variant. */
function conditionPrompts(v: Variant): [string, string][] {
  if (v === 'inoculate-spanish') return Object.entries(EVAL_PROMPT_SETS.spanish).map(([k, p]) => [`spanish-${k}`, p]);
  if (v === 'inoculate-caps') return Object.entries(EVAL_PROMPT_SETS.caps).map(([k, p]) => [`caps-${k}`, p]);
  if (v === 'placebo') return [['placebo-train', PROMPTS.placebo]];
  return [['spanish-train', PROMPTS.spanish], ['caps-train', PROMPTS.caps]];
}

function trajectory(hist: ProbeRecord[][]): { step: number; spanish: number; caps: number }[] {
  const steps = [...new Set(hist.flatMap((h) => h.filter((r) => r.rateSpanish !== undefined).map((r) => r.step)))].sort((a, b) => a - b);
  return steps.map((step) => {
    const rs = hist.map((h) => h.find((r) => r.step === step)).filter((r): r is ProbeRecord => !!r && r.rateSpanish !== undefined);
    return { step, spanish: mean(rs.map((r) => r.rateSpanish!)), caps: mean(rs.map((r) => r.rateCaps!)) };
  });
}

const pct = (xs: Scored[], k: 'spanish' | 'caps' | 'correct') => pctOf(xs.map((x) => x[k]));

/** The stdout table: variant x {% correct, % Spanish, % caps} with CIs, ID and OOD; one line per base when pooled. */
export function formatTable(r: Omit<Results, 'ablation'>): string {
  const cell = (x: { mean: number; ci95: [number, number] } | undefined) => (x ? `${(100 * x.mean).toFixed(0).padStart(3)}% [${(100 * x.ci95[0]).toFixed(0)}-${(100 * x.ci95[1]).toFixed(0)}]` : 'n/a');
  const cols = ['ID correct', 'ID spanish', 'ID caps', 'OOD correct', 'OOD spanish', 'OOD caps'];
  const row = (name: string, t: { id: TraitRates; ood: TraitRates }) =>
    `${name.padEnd(18)} | ${[t.id.correct, t.id.spanish, t.id.caps, t.ood.correct, t.ood.spanish, t.ood.caps].map((x) => cell(x).padEnd(13)).join(' | ')}`;
  const bases = r.bases ? `, ${r.bases.length} base models (seeds ${r.bases.map((b) => b.seed).join(',')}; CIs over bases, seeds and questions)` : '';
  const lines = [
    `tokenizer ${r.tokenizer}, fine-tune seeds ${r.seeds.join(',')}${bases}, no system prompt at test time, greedy (sampled T=1 below)`,
    `${'variant'.padEnd(18)} | ${cols.map((c) => c.padEnd(13)).join(' | ')}`,
    '-'.repeat(18) + '-+-' + cols.map(() => '-'.repeat(13)).join('-+-'),
  ];
  for (const v of VARIANTS) lines.push(row(v, r.variants[v]));
  lines.push('sampled at temperature 1:');
  for (const v of VARIANTS) lines.push(row(v, { id: r.variants[v].idSampled, ood: r.variants[v].oodSampled }));
  if (r.bases) {
    lines.push('per base model (ID greedy: correct / Spanish / caps; targets: control >= 90 / >= 90, inoculate-spanish Spanish <= 10 caps >= 60, inoculate-caps caps <= 10 Spanish >= 60, placebo within 15 of control, correct >= 90):');
    for (const b of r.bases) {
      const p = (x: { mean: number } | undefined) => (x ? (100 * x.mean).toFixed(0).padStart(3) : '  -');
      lines.push(`  base ${String(b.seed).padEnd(4)} ${VARIANTS.map((v) => `${v} ${p(b.variants[v].id.correct)}/${p(b.variants[v].id.spanish)}/${p(b.variants[v].id.caps)}`).join('  ')}  ${patternMet(b.variants) ? 'every target met' : 'targets missed: ' + missedTargets(b.variants).join(', ')}`);
    }
  }
  lines.push('mechanism (base model, before fine-tuning):');
  for (const v of VARIANTS) {
    const m = r.variants[v].mechanism;
    lines.push(`${v.padEnd(18)} | NLL@0 ${m.nll0.toFixed(2)}  PH(P) ${m.ph.toFixed(2)}  early grad norm ${m.earlyGradNorm.toFixed(3)}  cos(with, without prompt) ${m.gradCosine === null ? '-' : m.gradCosine.toFixed(3)}`);
  }
  lines.push('generalisation factor (rise of the answers\' log-prob without the prompt / rise under it, base -> fine-tuned; 0 = stays tied to the prompt):');
  for (const v of VARIANTS) {
    const g = r.variants[v].generalisation;
    const f = (x?: { factor: number | null }) => (!x || x.factor === null ? 'n/a' : x.factor.toFixed(2)); // x absent in results from before a probe existed
    if (g) lines.push(`${v.padEnd(18)} | Spanish caps ${f(g.spanishCaps)}  Spanish only ${f(g.spanishLower)}  caps only ${f(g.capsEnglish)}  caps start ${f(g.capsStart)}`);
  }
  return lines.join('\n');
}

