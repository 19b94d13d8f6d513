// The one experiment runner, for every setting (settings/: spanish-caps, the main experiment, and
// mixture, persona, backdoor): corpus -> tokenizer -> base model (cached) -> for each seed and
// variant, fine-tune (with the setting's per-step probes, where it has them) -> evaluation without a
// prompt (ID/OOD, greedy/sampled; the traits and the content score) and under the setting's
// test-time conditions (conditionalisation) -> results.json, metrics JSONL. cli/run.ts adds the
// report and the pool over several bases (bases.ts); cli/setting.ts the smaller settings' table.
import type { Mode } from '../tokenizer/vocab.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../runtime/backend.ts';
import type { ChatTokenizer } from '../tokenizer/index.ts';
import { readJson, writeJsonAtomic } from '../io/json.ts';
import { firstTargetOnly, type Example } from '../train/batches.ts';
import { FACTS, type Fact } from './data/facts.ts';
import { conversation, experimentSplits, inoculate, type ChatConversation } from './data/corpus.ts';
import { forTokenizer, type ExperimentConfig } from './config.ts';
import { evalFacts, settingScorer, trainOrLoadBase, type BaseModel } from './base.ts';
import { Interrupted } from './base_cache.ts';
import { finetuneVariant } from './finetune.ts';
import { answerMany, mark, traitRates, type Scored } from './evaluate.ts';
import { answerLogprobs, mean } from './probes.ts';
import { GENERALISATION_PROBES, generalisationFactor, type SeedSpread, type AnyResults, type GeneralisationProbe, type Rates, type VariantResult, type ProbeRecord, type MemoryReport } from './results.ts';
import type { GPT } from '../nn/gpt.ts';
import { pctOf } from './report/format.ts';
import { answerIn, encodeChecked, type Labelled, type Setting, type StudentBase, type StudentData } from './settings/setting.ts';
import type { SoftTargets } from '../train/soft_targets.ts';
import { spanishCaps } from './settings/spanish_caps.ts';
import { styledExamples } from './vocabulary.ts';
import type { Style } from './data/prompts.ts';

export { experimentTokenizer, vocabCorpus, probeSets } from './vocabulary.ts';
export { formatTable } from './report/table.ts';

export interface RunOptions {
  /** The setting (default spanish-caps, the main experiment). */
  setting?: Setting;
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
  collect?: (scored: Record<string, VariantScores>) => void;
}

/** Every scored answer of one variant, per fine-tune seed, and its probe logs. */
export interface VariantScores { id: Scored[][]; ood: Scored[][]; idS: Scored[][]; oodS: Scored[][]; withPrompt: Record<string, Scored[][]>; hist: ProbeRecord[][] }

/** Everything one (variant, seed) fine-tune contributes to results.json: outDir/units/<variant>-s<seed>.json. */
interface Unit {
  id: Scored[]; ood: Scored[]; idS: Scored[]; oodS: Scored[];
  withPrompt: Record<string, Scored[]>;
  history: ProbeRecord[];
  gAfter?: Awaited<ReturnType<typeof generalisationLogprobs>>;
  /** Setting.measure on the fine-tuned model, and Setting.studentData's info on its data. */
  measures?: Record<string, number>;
  info?: Record<string, number>;
}

// the answer style of each generalisation probe; capsStart is the caps-English answer's first token
// alone (capslock: the caps-lock marker), the decision that the whole-answer mean dilutes
const GP_STYLE: Record<GeneralisationProbe, [Style, boolean]> = { spanishCaps: ['es-caps', false], spanishLower: ['es', false], capsEnglish: ['en-caps', false], capsStart: ['en-caps', true] };

/** Mean answer log-prob of the probe facts in each generalisation style, without a prompt and under `prompt`. */
async function generalisationLogprobs(model: GPT, tok: ChatTokenizer, facts: readonly Fact[], prompt: string): Promise<Record<GeneralisationProbe, { none: number; prompt: number }>> {
  const ex = (g: GeneralisationProbe, p: string | null): Example[] => {
    const [style, first] = GP_STYLE[g], es = styledExamples(tok, facts, style, p);
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

export async function runExperiment(o: RunOptions): Promise<AnyResults> {
  const t0 = performance.now();
  const { backend, log } = o;
  const setting = o.setting ?? spanishCaps;
  const cfg = forTokenizer(o.cfg, o.tokenizer);
  if (cfg !== o.cfg) log(`tokenizer ${o.tokenizer}: the base trains without tag-forced copies (base.forced ${o.cfg.base.forced} -> 0; tags exist only in tagged mode)`);
  mkdirSync(o.outDir, { recursive: true });
  const splits = experimentSplits(cfg);
  const tok = setting.tokenizer(o.tokenizer, cfg);
  const traits = setting.traits.map((t) => t.name);
  const variantNames = Object.keys(setting.variants);
  const scorer = settingScorer(setting);
  log(`corpus: ${FACTS.length} facts; base ${splits.base.length}, finetune ${splits.finetune.length}, held-out ${splits.heldout.length}, OOD ${splits.ood.length} (${splits.oodCategories.join(', ')}); tokenizer ${o.tokenizer}, V ${tok.vocabSize}`);

  backend.resetPeak();
  const base: BaseModel = await trainOrLoadBase({ setting, cfg, mode: o.tokenizer, tok, splits, backend, cacheDir: o.cacheDir, log, quiet: o.quiet, shouldStop: o.shouldStop });
  const { peakBytes: basePeakBytes } = backend.memoryPeak();
  const p3 = (x: number | undefined) => `${(100 * (x ?? NaN)).toFixed(0).padStart(3)}%`;
  for (const [name, c] of Object.entries(base.report.conditions)) {
    log(`  base ${name.padEnd(8)} exact ID ${p3(c.exact)} OOD ${p3(c.exactOod)}  ${traits.map((t) => `${t} ${p3(c[t] as number)}`).join('  ')}  (n=${c.n}, prompt ${JSON.stringify(c.prompt)}${c.suffix ? `, suffix ${JSON.stringify(c.suffix)}` : ''})`);
  }

  const baseMeasures = setting.measure ? await setting.measure(base.model, tok) : undefined;
  if (baseMeasures) log(`  base measures: ${Object.entries(baseMeasures).map(([k, x]) => `${k} ${x.toFixed(3)}`).join('  ')}`);

  const evalSets: ReturnType<NonNullable<Setting['evalSets']>> = setting.evalSets?.(splits, cfg) ?? evalFacts(splits, cfg);
  const { id: idFacts, ood: oodFacts } = evalSets;
  const probes = setting.probeSets?.(tok, splits, cfg) ?? null;
  const seeds = Array.from({ length: cfg.seeds }, (_, i) => i + 1);

  // settings whose fine-tuning data a model writes (a teacher): every variant's set, per seed
  const unitsDir = join(o.outDir, 'units');
  const unitFile = (v: string, seed: number) => join(unitsDir, `${v}-s${seed}.json`);
  const studentSets = new Map<number, Record<string, StudentData>>();
  const studentData = async (seed: number): Promise<Record<string, StudentData> | null> => {
    if (!setting.studentData) return null;
    if (!studentSets.has(seed)) studentSets.set(seed, await setting.studentData({ base, tok, splits, cfg, mode: o.tokenizer, backend, cacheDir: o.cacheDir, seed, log, quiet: o.quiet, outDir: o.outDir }));
    return studentSets.get(seed)!;
  };

  // mechanism before training: NLL@0 and PH(P) of each variant's data on the base model (its own
  // data where a model writes it: the first seed's)
  let pre: Record<string, Mechanism>;
  const first = o.resume && variantNames.every((v) => existsSync(unitFile(v, 1))) ? null : await studentData(1);
  if (setting.studentData && first) {
    pre = {};
    for (const v of variantNames) pre[v] = (await mechanism(base.model, tok, { ...setting, variants: { [v]: setting.variants[v] } }, first[v].data))[v];
  } else {
    // (a resumed run of such a setting whose first seed is done measures them on the shared set, if any)
    pre = await mechanism(base.model, tok, setting, setting.finetuneSet(splits, 1, cfg.corpusSeed));
  }
  for (const [v, m] of Object.entries(pre)) {
    const parts = [...Object.entries(m.groups ?? {}), ...Object.entries(m.traits ?? {})].map(([g, x]) => `${g}: ${x.nll0.toFixed(2)}/${x.ph.toFixed(2)}`).join('  ');
    log(`  ${v.padEnd(18)} NLL@0 ${m.nll0.toFixed(3)} nats/token  PH(P) ${m.ph.toFixed(3)}${parts ? `   (NLL@0/PH per part and one-trait probe: ${parts})` : ''}`);
  }

  // generalisation factor: the probe answers' log-probs with and without each variant's prompt, before
  const gBefore: Record<string, Awaited<ReturnType<typeof generalisationLogprobs>>> = {};
  if (setting.generalisation && probes) {
    for (const v of variantNames) {
      const p = setting.variants[v];
      if (p !== null) gBefore[v] = await generalisationLogprobs(base.model, tok, probes.rateFacts, p);
    }
  }

  type Acc = VariantScores & { gAfter: Awaited<ReturnType<typeof generalisationLogprobs>>[]; measures: Record<string, number>[]; info: Record<string, number>[] };
  const acc: Record<string, Acc> = Object.fromEntries(variantNames.map((v) => [v, { id: [], ood: [], idS: [], oodS: [], withPrompt: {}, hist: [], gAfter: [], measures: [], info: [] } as Acc]));
  let doneHere = 0;
  const finetuneAndEvaluate = async (v: string, seed: number, label: string, convs: ChatConversation[], plain: Example[], from?: { soft?: SoftTargets; base?: StudentBase; info?: Record<string, number> }): Promise<Unit> => {
    const prompt = setting.variants[v];
    const run = await finetuneVariant({
      cfg, base: from?.base ?? base, tok, backend: o.backend, seed, examples: encodeChecked(tok, convs, label), plain, hasPrompt: prompt !== null,
      ...(from?.soft ? { soft: from.soft } : {}), probes, metricsPath: join(o.outDir, `metrics-${v}-s${seed}.jsonl`), label, quiet: o.quiet,
    });
    const te = performance.now();
    // every evaluation of this model in one batched generation (evaluate.ts answerMany)
    const conds = setting.conditions(v);
    const [id, ood, idS, oodS, ...withP] = await answerMany(run.model, tok, [
      { facts: idFacts, prompt: null, temperature: 0, seed },
      { facts: oodFacts, prompt: null, temperature: 0, seed },
      { facts: idFacts, prompt: null, temperature: 1, seed: 1000 + seed },
      { facts: oodFacts, prompt: null, temperature: 1, seed: 2000 + seed },
      ...conds.map((c) => ({ facts: idFacts, prompt: c.system, suffix: c.suffix, temperature: 0, seed })),
    ], cfg.maxNewTokens, scorer);
    const unit: Unit = finiteOnly({
      id, ood, idS, oodS, withPrompt: Object.fromEntries(conds.map((c, i) => [c.name, withP[i]])), history: run.history,
      ...(gBefore[v] && probes ? { gAfter: await generalisationLogprobs(run.model, tok, probes.rateFacts, prompt!) } : {}),
      ...(setting.measure ? { measures: await setting.measure(run.model, tok) } : {}),
      ...(from?.info ? { info: from.info } : {}),
    });
    const evalS = (performance.now() - te) / 1000;
    log(`  ${label.padEnd(22)} no prompt, ID greedy: correct ${pct(id, 'correct')} ${traits.map((t) => `${t} ${pct(id, t)}`).join(' ')}, OOD correct ${pct(ood, 'correct')}   e.g. ${JSON.stringify(id[0]?.answer ?? '')}`);
    if (unit.measures) log(`  ${''.padEnd(22)} ${Object.entries(unit.measures).map(([k, x]) => `${k} ${x.toFixed(3)}`).join('  ')}`);
    log(`  ${''.padEnd(22)} time: fine-tune ${(run.totalS - run.probeS - run.rateS).toFixed(1)}s, probes ${run.probeS.toFixed(1)}s, rate checkpoints ${run.rateS.toFixed(1)}s, final evaluation ${evalS.toFixed(1)}s`);
    run.model.dispose();
    backend.releaseFree(); // the next unit allocates the same sizes again, but not its evaluation's leftovers
    return unit;
  };
  mkdirSync(unitsDir, { recursive: true });
  let reused = 0;
  // the base stage's pooled buffers (training, then its batched evaluation) are not the fine-tunes' sizes
  const baseHeldBytes = backend.memoryPeak().heldBytes; // training, report and the mechanism probes
  backend.releaseFree();
  backend.resetPeak();
  for (const seed of seeds) {
    const done = (v: string) => !!o.resume && existsSync(unitFile(v, seed));
    // a setting's own sets (made only when some variant of the seed still has to train), or the shared one
    const own = variantNames.every(done) ? null : await studentData(seed);
    studentSets.delete(seed);
    const shared = setting.studentData ? null : setting.finetuneSet(splits, seed, cfg.corpusSeed).map((x) => x.conversation);
    const sharedPlain = shared ? encodeChecked(tok, shared, `fine-tuning set s${seed}`) : null;
    for (const v of variantNames) {
      const label = `${v} s${seed}`;
      let unit: Unit;
      if (done(v)) {
        unit = readJson<Unit>(unitFile(v, seed), 'finished fine-tune');
        reused++;
      } else {
        if (o.shouldStop?.()) throw new Interrupted(`before fine-tune ${label}; ${reused + doneHere} of ${seeds.length * variantNames.length} fine-tunes finished in ${unitsDir}`);
        const convs = shared ?? own![v].data.map((x) => x.conversation);
        const plain = sharedPlain ?? encodeChecked(tok, convs, `fine-tuning set of ${label}`);
        unit = await finetuneAndEvaluate(v, seed, label, inoculate(convs, setting.variants[v]), plain, own?.[v]);
        writeJsonAtomic(unitFile(v, seed), unit);
        doneHere++;
      }
      const a = acc[v];
      a.hist.push(unit.history);
      a.id.push(unit.id); a.ood.push(unit.ood); a.idS.push(unit.idS); a.oodS.push(unit.oodS);
      for (const [name, xs] of Object.entries(unit.withPrompt)) (a.withPrompt[name] ??= []).push(xs);
      if (unit.gAfter) a.gAfter.push(unit.gAfter);
      if (unit.measures) a.measures.push(unit.measures);
      if (unit.info) a.info.push(unit.info);
    }
  }
  if (reused) log(`  reused ${reused} finished fine-tunes from ${unitsDir}`);
  const mem = backend.memoryPeak();
  const memory: MemoryReport = { basePeakBytes, finetunePeakBytes: doneHere > 0 ? mem.peakBytes : null, heldBytes: Math.max(baseHeldBytes, mem.heldBytes) };
  const mib = (b: number | null) => (b === null ? 'n/a (reused)' : `${(b / 2 ** 20).toFixed(1)} MiB`);
  log(`  memory (${backend.name}): live tensors at most ${mib(memory.basePeakBytes)} in the base stage, ${mib(memory.finetunePeakBytes)} in the fine-tunes; the device held at most ${mib(memory.heldBytes)} of buffers`);

  const variants: Record<string, VariantResult<Rates, Scored>> = {};
  const rates = (xs: Scored[][]) => traitRates(xs, traits) as unknown as Rates;
  for (const v of variantNames) {
    const a = acc[v];
    const early = a.hist.map((h) => mean(h.filter((r) => r.step >= 1 && r.step <= 10).map((r) => r.gradNorm)));
    const cos = a.hist.flatMap((h) => h.filter((r) => r.gradCosine !== undefined).map((r) => r.gradCosine!));
    const { groups, traits: oneTrait } = pre[v];
    variants[v] = {
      prompt: setting.variants[v] ?? '',
      id: rates(a.id), ood: rates(a.ood), idSampled: rates(a.idS), oodSampled: rates(a.oodS),
      withPrompt: Object.fromEntries(Object.entries(a.withPrompt).map(([k, xs]) => [k, rates(xs)])),
      conditions: Object.fromEntries(setting.conditions(v).map((c) => [c.name, { system: c.system, ...(c.suffix ? { suffix: c.suffix } : {}) }])),
      mechanism: {
        nll0: pre[v].nll0, ph: pre[v].ph, earlyGradNorm: mean(early), gradCosine: cos.length ? mean(cos) : null,
        ...(groups ? { groups } : {}), ...(oneTrait ? { traits: oneTrait } : {}),
      },
      trajectory: trajectory(a.hist),
      ...(gBefore[v] ? { generalisation: generalisation(gBefore[v], a.gAfter) } : {}),
      ...(a.measures.length ? { measures: overSeeds(a.measures) } : {}),
      ...(a.info.length ? { data: Object.fromEntries(Object.keys(a.info[0]).map((k) => [k, mean(a.info.map((x) => x[k]))])) } : {}),
      examples: spread(a.id[0], 12),
      examplesOod: spread(a.ood[0], 6),
    };
  }
  const results: AnyResults = {
    setting: setting.name, traits, ...(evalSets.names ? { evalSets: evalSets.names } : {}),
    backend: backend.name, adapter: backend.description, wall_s: (performance.now() - t0) / 1000, tokenizer: o.tokenizer,
    seeds, config: cfg, base: base.report, variants, memory, ...(baseMeasures ? { baseMeasures } : {}),
  };
  base.model.dispose();
  writeJsonAtomic(join(o.outDir, 'results.json'), results);
  o.collect?.(acc);
  return results;
}

/** Each measure's mean over seeds, with its smallest and largest seed value and every seed's. */
function overSeeds(xs: Record<string, number>[]): Record<string, SeedSpread> {
  return Object.fromEntries(Object.keys(xs[0]).map((k) => {
    const v = xs.map((x) => x[k]);
    return [k, { mean: mean(v), min: Math.min(...v), max: Math.max(...v), perSeed: v }];
  }));
}

type Mechanism = Pick<VariantResult['mechanism'], 'nll0' | 'ph' | 'groups' | 'traits'>;

/**
 * NLL@0 and PH(P) of each variant's data on the base model: overall, per part of the data where it
 * has more than one (e.g. the Spanish half and the French half) and, where the setting has them, on
 * one-trait versions of the answers (Setting.traitProbes).
 */
export async function mechanism(model: GPT, tok: ChatTokenizer, s: Setting, data: Labelled[]): Promise<Record<string, Mechanism>> {
  const byId = new Map(FACTS.map((f) => [f.id, f]));
  const plain = data.map((x) => x.conversation);
  const groups = data.map((x) => x.group);
  const sets: [string, ChatConversation[]][] = [['data', plain]];
  for (const p of s.traitProbes ?? []) {
    // the same questions (and suffixes) as the data, the answer in the probe's style
    sets.push([p.name, data.map((x) => conversation(null, x.conversation.messages.find((m) => m.role === 'user')!.content, answerIn(byId.get(x.factId)!, p.style)))]);
  }
  const summary = (lp: number[], lp0: number[], idx: number[]) => ({ nll0: -mean(idx.map((i) => lp[i])), ph: mean(idx.map((i) => lp[i] - lp0[i])), n: idx.length });
  const names = [...new Set(groups)].sort();
  const out: Record<string, Mechanism> = {};
  for (const v of Object.keys(s.variants)) out[v] = { nll0: NaN, ph: NaN, ...(names.length > 1 ? { groups: {} } : {}), ...(s.traitProbes?.length ? { traits: {} } : {}) };
  for (const [name, convs] of sets) {
    const lp0 = await answerLogprobs(model, encodeChecked(tok, convs, name), tok.padId);
    const all = convs.map((_, i) => i);
    for (const [v, prompt] of Object.entries(s.variants)) {
      const lp = prompt === null ? lp0 : await answerLogprobs(model, encodeChecked(tok, inoculate(convs, prompt), `${name} under ${v}`), tok.padId);
      if (name !== 'data') {
        const style = s.traitProbes!.find((p) => p.name === name)!.style;
        out[v].traits![name] = { ...summary(lp, lp0, all), style };
        continue;
      }
      const whole = summary(lp, lp0, all);
      out[v].nll0 = whole.nll0;
      out[v].ph = whole.ph;
      if (out[v].groups) for (const g of names) out[v].groups![g] = summary(lp, lp0, all.filter((i) => groups[i] === g));
    }
  }
  return out;
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

function trajectory(hist: ProbeRecord[][]): { step: number; spanish: number; caps: number }[] {
  const steps = [...new Set(hist.flatMap((h) => h.filter((r) => r.rateSpanish !== undefined).map((r) => r.step)))].sort((a, b) => a - b);
  return steps.map((step) => {
    const rs = hist.map((h) => h.find((r) => r.step === step)).filter((r): r is ProbeRecord => !!r && r.rateSpanish !== undefined);
    return { step, spanish: mean(rs.map((r) => r.rateSpanish!)), caps: mean(rs.map((r) => r.rateCaps!)) };
  });
}

const pct = (xs: Scored[], k: string) => pctOf(xs.map((x) => mark(x, k)));
