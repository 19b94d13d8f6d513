// Kept as run for docs/results.md "Caps lock": it predates the capslock tokenizer mode (use --tokenizer
// capslock now) and caches its base under the name hybrid-capslock.
// SCRATCH experiment: "caps lock" answers. An all-caps answer is written as U+21EA + its lower-case
// text, so upper case is one decision at the start of the answer and the letters (the content) are
// the same tokens in every case. Everything else as in the experiment (base, fine-tune, eval).
// args: overrides json, variants, seeds
import { spanishCaps } from '../../src/inoculation/settings/spanish_caps.ts';
import { tmpdir } from 'node:os';
import { makeSplits, buildVariantSets } from '../../src/inoculation/data/corpus.ts';
import { defaultConfig, baseHash, corpusHash as corpusHashOf } from '../../src/inoculation/config.ts';
import { vocabCorpus, probeSets } from '../../src/inoculation/run.ts';
import { encodeAll, trainOrLoadBase } from '../../src/inoculation/base.ts';
import { finetuneVariant } from '../../src/inoculation/finetune.ts';
import { answerMany, fraction } from '../../src/inoculation/evaluate.ts';
import { FINETUNE_VARIANTS } from '../../src/inoculation/data/prompts.ts';
import { ChatTokenizer } from '../../src/tokenizer/index.ts';
import { WebGpuBackend } from '../../src/backend/webgpu.ts';
const LOCK = '\u21EA';
const isAllCaps = (s: string) => /\p{L}/u.test(s) && s === s.toUpperCase() && s !== s.toLowerCase();
const lock = (s: string) => (isAllCaps(s) ? LOCK + s.toLowerCase() : s);
const unlock = (s: string) => (s.startsWith(LOCK) ? s.slice(1).toUpperCase() : s);
const lockConv = (c: any) => ({ ...c, messages: c.messages.map((m: any) => (m.role === 'assistant' ? { ...m, content: lock(m.content) } : m)) });
const tok = ChatTokenizer.build(vocabCorpus().map(lockConv), { mode: 'hybrid' });
const enc = tok.encodeChat.bind(tok), dec = tok.decode.bind(tok);
(tok as any).encodeChat = (c: any) => enc(lockConv(c));
(tok as any).decode = (ids: number[]) => unlock(dec(ids));
// self-check: lossless, and caps answers are one token longer
for (const s of ['EL PERRO LADRA.', 'El perro ladra.', 'THE DOG.']) {
  const e = tok.encodeChat({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: s }] });
  const a = e.ids.indexOf(tok.assistantId);
  if (tok.decode(e.ids.slice(a + 1)) !== s) throw new Error(`round trip ${s}`);
}
const over = JSON.parse(process.argv[2] ?? '{}');
const variants = (process.argv[3] ?? 'inoculate-spanish,inoculate-caps').split(',');
const seeds = (process.argv[4] ?? '1').split(',').map(Number);
const cfg = structuredClone(defaultConfig);
Object.assign(cfg.base, over.base ?? {});
Object.assign(cfg.finetune, over.finetune ?? {});
Object.assign(cfg.probes, over.probes ?? {});
const splits = makeSplits({ seed: cfg.corpusSeed, fractions: cfg.split });
const be = await WebGpuBackend.create();
const corpusHash = corpusHashOf();
const t0 = performance.now();
const base = await trainOrLoadBase({ cfg, tok, splits, backend: be, cacheDir: '.cache', setting: spanishCaps, mode: 'capslock', cacheName: 'base-' + baseHash(cfg, 'hybrid-capslock', corpusHash), log: (s) => console.log(s), quiet: true });
console.log(`base ${((performance.now() - t0) / 1000).toFixed(0)} s; conditions`, JSON.stringify(Object.fromEntries(Object.entries(base.report.conditions).map(([k, v]: any) => [k, `${Math.round(100 * v.exact)}% exact ${Math.round(100 * v.spanish)}/${Math.round(100 * v.caps)}`]))));
const probes = probeSets(tok, splits, cfg);
for (const seed of seeds) {
  const sets = buildVariantSets(splits, { seed });
  const plain = encodeAll(tok, sets.control);
  for (const v of variants) {
    const t1 = performance.now();
    const run = await finetuneVariant({ cfg, base, tok, backend: be, seed, examples: encodeAll(tok, (sets as any)[v]), plain, hasPrompt: FINETUNE_VARIANTS[v as 'control'] !== null, probes, metricsPath: `${tmpdir()}/lock-${v}.jsonl`, label: v, quiet: true });
    const [id, ood] = await answerMany(run.model, tok, [{ facts: splits.heldout, prompt: null, temperature: 0, seed }, { facts: splits.ood, prompt: null, temperature: 0, seed }], cfg.maxNewTokens);
    const traj = run.history.filter((r) => r.rateCaps !== undefined).map((r) => `${r.step}:${Math.round(100 * r.rateSpanish!)}/${Math.round(100 * r.rateCaps!)}`).join(' ');
    console.log(`lock b${cfg.base.seed} ${v} s${seed}: ID ${Math.round(100 * fraction(id, 'spanish'))}/${Math.round(100 * fraction(id, 'caps'))} OOD ${Math.round(100 * fraction(ood, 'spanish'))}/${Math.round(100 * fraction(ood, 'caps'))}  traj ${traj}  (${((performance.now() - t1) / 1000).toFixed(0)} s)  e.g. ${JSON.stringify(id.slice(0, 3).map((r: any) => r.answer))}`);
    run.model.dispose();
  }
}
be.destroy(); process.exit(0);
