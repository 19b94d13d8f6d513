// Exact match of a base model per category and condition, over chosen splits (diagnostic):
//   npx tsx docs/scripts/basecheck.ts CHECKPOINT_DIR [--config FILE] [--splits heldout,ood,finetune]
import { openBackend } from '../../src/cli/common.ts';
import { loadModel } from '../../src/inoculation/load_model.ts';
import { resolveExperiment } from '../../src/inoculation/config_file.ts';
import { experimentSplits, styledAnswer } from '../../src/inoculation/data/corpus.ts';
import { answerMany, exactRate } from '../../src/inoculation/evaluate.ts';
import { BASE_CONDITIONS } from '../../src/inoculation/data/prompts.ts';
import type { Fact } from '../../src/inoculation/data/facts.ts';

const argv = process.argv.slice(2);
const dir = argv[0];
const opt = (k: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
const backend = await openBackend(opt('--backend') ?? 'webgpu');
const m = loadModel(dir, backend);
const cfg = resolveExperiment(opt('--config'));
const splits = experimentSplits(cfg);
const names = (opt('--splits') ?? 'heldout,ood').split(',') as ('heldout' | 'ood' | 'finetune' | 'base')[];
const facts: Fact[] = names.flatMap((n) => splits[n]);
const res = await answerMany(m.model, m.tok, BASE_CONDITIONS.map((c) => ({ facts, prompt: c.prompt, temperature: 0, seed: 0 })), 64);
const cats = [...new Set(facts.map((f) => f.category))];
console.log(`${'category'.padEnd(11)} ${'n'.padStart(3)} ` + BASE_CONDITIONS.map((c) => c.name.padStart(8)).join(' '));
for (const cat of ['ALL', ...cats]) {
  const fs = cat === 'ALL' ? facts : facts.filter((f) => f.category === cat);
  const ids = new Set(fs.map((f) => f.id));
  const row = BASE_CONDITIONS.map((c, i) => (100 * exactRate(res[i].filter((s) => ids.has(s.factId)), fs, (f) => styledAnswer(f, c.style))).toFixed(0).padStart(7) + '%');
  console.log(`${cat.padEnd(11)} ${String(fs.length).padStart(3)} ${row.join(' ')}`);
}
const byId = new Map(facts.map((f) => [f.id, f]));
const miss = res[0].filter((s, k) => exactRate([s], facts, (f) => styledAnswer(f, 'en')) === 0).slice(0, Number(opt('--show') ?? 12));
for (const s of miss) console.log(`  none: ${JSON.stringify(byId.get(s.factId)!.question)} -> ${JSON.stringify(s.answer)} (expected ${JSON.stringify(byId.get(s.factId)!.answer_en)})`);
m.model.dispose();
process.exit(0);
