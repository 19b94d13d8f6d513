// Screen of fine-tune settings on a cached tagged base (issue 13): per setting and variant, one seed,
// the no-prompt ID/OOD rates (correct / Spanish / caps). Run from the repository root:
//   npx tsx docs/scripts/screen_tagged.ts CONFIG.json '[{"lr":3e-4,"eps":1e-8}, ...]' control,inoculate-spanish SEED CACHE
// A setting may also hold "lrEnd" (cosine decay of the fine-tune lr to it) and "style" (the answers' style).
// Environment: FREEZE=REGEX leaves the matching parameters at the base's values; SHOW=n prints n wrong answers.
// CONFIG.json is the experiment config of the base (merged over the defaults); each object of the
// list is assigned over its finetune section.
import { spanishCaps } from '../../src/inoculation/settings/spanish_caps.ts';
import { tmpdir } from 'node:os';
import { buildVariantSets, experimentSplits } from '../../src/inoculation/data/corpus.ts';
import { baseHash, corpusHash } from '../../src/inoculation/config.ts';
import { experimentTokenizer, probeSets } from '../../src/inoculation/run.ts';
import { encodeAll, trainOrLoadBase } from '../../src/inoculation/base.ts';
import { finetuneVariant } from '../../src/inoculation/finetune.ts';
import { answerMany, fraction } from '../../src/inoculation/evaluate.ts';
import { FINETUNE_VARIANTS, type Style, type VariantName } from '../../src/inoculation/data/prompts.ts';
import { WebGpuBackend } from '../../src/backend/webgpu.ts';
import { resolveExperiment } from '../../src/inoculation/config_file.ts';

const cfg = resolveExperiment(process.argv[2]);
const settings = JSON.parse(process.argv[3] ?? '[{}]') as Record<string, number | string>[];
const variants = (process.argv[4] ?? 'control,inoculate-spanish,inoculate-caps').split(',') as VariantName[];
const seed = Number(process.argv[5] ?? '1');
const cache = process.argv[6] ?? '.cache';
// FREEZE='^(?!h\.\d+\.mlp\.)' trains the MLPs only
const freezeRe = process.env.FREEZE ? new RegExp(process.env.FREEZE) : null;
const frozen = freezeRe ? (name: string) => freezeRe.test(name) : undefined;
const splits = experimentSplits(cfg);
const tok = experimentTokenizer(cfg.tokenizer, cfg.base.promptVariety);
const be = await WebGpuBackend.create();
const base = await trainOrLoadBase({ cfg, tok, splits, backend: be, cacheDir: cache, setting: spanishCaps, mode: cfg.tokenizer, cacheName: 'base-' + baseHash(cfg, cfg.tokenizer, corpusHash()), log: (s) => console.log(s), quiet: true });
const probes = probeSets(tok, splits, cfg);
const p = (x: number) => String(Math.round(100 * x)).padStart(3);
for (const st of settings) {
  const c = structuredClone(cfg);
  // "style" picks the fine-tune answers' style (default es-caps: the experiment's); the rest is finetune config
  // "lrEnd" decays the lr (cosine, after warm-up) to that value by the last step; absent: constant
  const { style, lrEnd, ...rest } = st as Record<string, unknown>;
  Object.assign(c.finetune, rest);
  const sets = buildVariantSets(splits, { seed, style: (style as Style | undefined) ?? 'es-caps' });
  const plain = encodeAll(tok, sets.control);
  for (const v of variants) {
    const t0 = performance.now();
    const run = await finetuneVariant({ cfg: c, base, tok, backend: be, seed, examples: encodeAll(tok, sets[v]), plain, hasPrompt: FINETUNE_VARIANTS[v] !== null, probes, metricsPath: `${tmpdir()}/screen-${v}.jsonl`, label: v, quiet: true, frozen, lrEnd: lrEnd as number | undefined });
    const [id, ood] = await answerMany(run.model, tok, [{ facts: splits.heldout, prompt: null, temperature: 0, seed }, { facts: splits.ood, prompt: null, temperature: 0, seed }], c.maxNewTokens);
    const traj = run.history.filter((r) => r.rateCaps !== undefined).map((r) => `${r.step}:${p(r.rateSpanish!)}/${p(r.rateCaps!)}`).join(' ');
    console.log(`${JSON.stringify(st).padEnd(40)} ${v.padEnd(18)} ID ${p(fraction(id, 'correct'))}/${p(fraction(id, 'spanish'))}/${p(fraction(id, 'caps'))}  OOD ${p(fraction(ood, 'correct'))}/${p(fraction(ood, 'spanish'))}/${p(fraction(ood, 'caps'))}  loss ${run.history.at(-1)!.loss.toFixed(3)}  rates ${traj}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    // SHOW=n: print n wrong in-distribution answers beside the fact's English answer
    for (const x of id.filter((a) => !a.correct).slice(0, Number(process.env.SHOW ?? 0))) console.log(`    wrong: ${x.factId.padEnd(28)} ${JSON.stringify(x.answer)}  (expected ${JSON.stringify(splits.heldout.find((f) => f.id === x.factId)?.answer_en)})`);
    run.model.dispose();
  }
}
be.destroy();
process.exit(0);
