// Screening script behind docs/results.md "What was tried to widen the window" (third session of
// 2026-11-30). Run from the repository root: npx tsx docs/scripts/screen.ts OVERRIDES VARIANTS SEEDS, e.g.
//   npx tsx docs/scripts/screen.ts '{"base":{"seed":1},"finetune":{"steps":72,"lr":1e-4},"probes":{"rateSteps":[24,36,48,60,72],"subset":73}}' inoculate-spanish,inoculate-caps 1
// OVERRIDES are assigned over the default config section by section (base, finetune, probes);
// OVERRIDES.tokenizer is the answer tokenisation (default hybrid, the mode these screens used).
// screening fine-tune settings for the caps cell: one seed, chosen variants, cached base
import { spanishCaps } from '../../src/inoculation/settings/spanish_caps.ts';
import { tmpdir } from 'node:os';
import { makeSplits, buildVariantSets } from '../../src/inoculation/data/corpus.ts';
import { defaultConfig, baseHash, corpusHash as corpusHashOf } from '../../src/inoculation/config.ts';
import { experimentTokenizer, probeSets } from '../../src/inoculation/run.ts';
import { encodeAll, trainOrLoadBase } from '../../src/inoculation/base.ts';
import { finetuneVariant } from '../../src/inoculation/finetune.ts';
import { answerMany, fraction } from '../../src/inoculation/evaluate.ts';
import { FINETUNE_VARIANTS } from '../../src/inoculation/data/prompts.ts';
import { WebGpuBackend } from '../../src/backend/webgpu.ts';
const over = JSON.parse(process.argv[2] ?? '{}');
const variants = (process.argv[3] ?? 'inoculate-spanish').split(',');
const seeds = (process.argv[4] ?? '1').split(',').map(Number);
const cfg = structuredClone(defaultConfig);
Object.assign(cfg.base, over.base ?? {});
Object.assign(cfg.finetune, over.finetune ?? {});
Object.assign(cfg.probes, over.probes ?? {});
const splits = makeSplits({ seed: cfg.corpusSeed, fractions: cfg.split });
// the screens of docs/results.md ran on hybrid bases; "tokenizer" in OVERRIDES picks another mode
const mode = over.tokenizer ?? 'hybrid';
const tok = experimentTokenizer(mode);
const be = await WebGpuBackend.create();
const corpusHash = corpusHashOf();
const base = await trainOrLoadBase({ cfg, tok, splits, backend: be, cacheDir: '.cache', setting: spanishCaps, mode: mode, cacheName: 'base-' + baseHash(cfg, mode, corpusHash), log: () => {}, quiet: true });
const probes = probeSets(tok, splits, cfg);
for (const seed of seeds) {
  const sets = buildVariantSets(splits, { seed, copies: over.copies ?? 1 });
  const plain = encodeAll(tok, sets.control);
  for (const v of variants) {
    const t0 = performance.now();
    const run = await finetuneVariant({ cfg, base, tok, backend: be, seed, examples: encodeAll(tok, (sets as any)[v]), plain, hasPrompt: FINETUNE_VARIANTS[v as 'control'] !== null, probes, metricsPath: `${tmpdir()}/m-${v}.jsonl`, label: v, quiet: true });
    const [id, ood] = await answerMany(run.model, tok, [{ facts: splits.heldout, prompt: null, temperature: 0, seed }, { facts: splits.ood, prompt: null, temperature: 0, seed }], cfg.maxNewTokens);
    const traj = run.history.filter((r) => r.rateCaps !== undefined).map((r) => `${r.step}:${Math.round(100 * r.rateSpanish!)}/${Math.round(100 * r.rateCaps!)}`).join(' ');
    console.log(`${JSON.stringify(over)} ${v} s${seed}: ID ${Math.round(100 * fraction(id, 'spanish'))}/${Math.round(100 * fraction(id, 'caps'))} OOD ${Math.round(100 * fraction(ood, 'spanish'))}/${Math.round(100 * fraction(ood, 'caps'))}  traj ${traj}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    run.model.dispose();
  }
}
be.destroy(); process.exit(0);
