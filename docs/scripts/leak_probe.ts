// First-order leak probe on a base model, before any fine-tuning (issue 13, "the pattern on every
// base"): does one gradient step on a variant's training data lower the no-prompt loss of the tag
// it should not teach? For each variant, g = the gradient of its whole training set's loss on the
// base; for each tag decision without a prompt (the case tag: first answer token of an English
// caps answer; the language tag: second token of a lower-case Spanish answer), h = the gradient of
// that tag's NLL over the held-out facts. cos(g, h) > 0: a step along -g lowers the tag's NLL, the
// trait rises without a prompt. Cosines per parameter group say where the coupling lives.
//   npx tsx docs/scripts/leak_probe.ts CONFIG.json [CACHE]
import { spanishCaps } from '../../src/inoculation/settings/spanish_caps.ts';
import { buildVariantSets, conversation, experimentSplits, styledAnswer } from '../../src/inoculation/data/corpus.ts';
import { baseHash, corpusHash } from '../../src/inoculation/config.ts';
import { experimentTokenizer } from '../../src/inoculation/run.ts';
import { encodeAll, trainOrLoadBase } from '../../src/inoculation/base.ts';
import { gradientCosine, gradientsOf } from '../../src/inoculation/probes.ts';
import { GPT } from '../../src/nn/gpt.ts';
import { targetOnly } from '../../src/train/batches.ts';
import type { Tensor } from '../../src/tensor.ts';
import { WebGpuBackend } from '../../src/backend/webgpu.ts';
import { resolveExperiment } from '../../src/inoculation/config_file.ts';

const cfg = resolveExperiment(process.argv[2]);
const cache = process.argv[3] ?? '.cache';
const splits = experimentSplits(cfg);
const tok = experimentTokenizer(cfg.tokenizer, cfg.base.promptVariety);
const be = await WebGpuBackend.create();
const base = await trainOrLoadBase({ cfg, tok, splits, backend: be, cacheDir: cache, setting: spanishCaps, mode: cfg.tokenizer, cacheName: 'base-' + baseHash(cfg, cfg.tokenizer, corpusHash()), log: () => {}, quiet: true });
const model = new GPT({ ...base.model.config }, 0, be);
model.loadStateDict(base.state);

const facts = splits.heldout;
const tagSets = {
  caps: encodeAll(tok, facts.map((f) => conversation(null, f.question, styledAnswer(f, 'en-caps')))).map((e) => targetOnly(e, 0)),
  spanish: encodeAll(tok, facts.map((f) => conversation(null, f.question, styledAnswer(f, 'es')))).map((e) => targetOnly(e, 1)),
};
const sets = buildVariantSets(splits, { seed: 1 });
const groups: Record<string, (n: string) => boolean> = {
  all: () => true, embed: (n) => /^w[tp]e/.test(n), attn: (n) => /\.attn\./.test(n), mlp: (n) => /\.mlp\./.test(n),
};
const pick = (m: Map<string, Tensor>, f: (n: string) => boolean) => new Map([...m].filter(([n]) => f(n)));
const tagGrads = Object.fromEntries(Object.entries(tagSets).map(([k, ex]) => [k, gradientsOf(model, ex, tok.padId)]));
const out: Record<string, Record<string, number>> = {};
for (const v of ['control', 'inoculate-spanish', 'inoculate-caps', 'placebo'] as const) {
  const g = gradientsOf(model, encodeAll(tok, sets[v]), tok.padId);
  const row: Record<string, number> = {};
  for (const [tag, h] of Object.entries(tagGrads)) {
    for (const [gn, f] of Object.entries(groups)) row[`${tag}.${gn}`] = (await gradientCosine(pick(g, f), pick(h, f))).cosine;
  }
  out[v] = row;
  for (const t of g.values()) t.dispose();
}
console.log(JSON.stringify({ config: process.argv[2], seed: cfg.base.seed, cosines: out }));
const f = (x: number) => x.toFixed(3).padStart(7);
console.log(`${'variant'.padEnd(18)} | ${Object.keys(out.control).map((k) => k.padStart(12)).join(' ')}`);
for (const [v, r] of Object.entries(out)) console.log(`${v.padEnd(18)} | ${Object.values(r).map((x) => f(x).padStart(12)).join(' ')}`);
be.destroy();
process.exit(0);
