// The Spanish + ALL-CAPS inoculation experiment (Tan et al. 2025, toy setting), from scratch:
//   npx tsx examples/spanish-caps.ts [--quick] [--seeds N] [--out DIR] [--backend cpu|webgpu]
//                                    [--tokenizer hybrid|bpe] [--ablation] [--lora RANK] [--cache DIR]
// Trains (or loads from cache) a base model whose style follows its system prompt, fine-tunes it on
// Spanish ALL-CAPS answers under each variant's prompt, evaluates without a prompt, prints the table
// and writes results.json, metrics-*.jsonl and report.html to the run directory.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { useBackend } from '../src/index.ts';
import { defaultConfig, quickConfig, type ExperimentConfig } from '../src/inoculation/config.ts';
import { formatTable, runExperiment } from '../src/inoculation/run.ts';
import { writeJsonAtomic } from '../src/io/json.ts';
import type { Results } from '../src/inoculation/results.ts';
import { fmtTime } from '../src/train/progress.ts';

const HELP = `usage: npx tsx examples/spanish-caps.ts [options]
  --quick                 minutes-long smoke run (structure, not the effect)
  --seeds N               fine-tune seeds per variant (default ${defaultConfig.seeds})
  --out DIR               run directory (default runs/spanish-caps-<time>)
  --backend cpu|webgpu    engine backend (default webgpu, falling back to cpu)
  --tokenizer hybrid|bpe  answer tokenisation (default hybrid: BPE prompts, character answers)
  --ablation              also run the other tokenizer (its own base model) for the report
  --lora RANK             fine-tune LoRA adapters of this rank instead of all weights
  --cache DIR             base-model cache (default .cache)`;

function parseArgs(argv: string[]) {
  const o: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') { console.log(HELP); process.exit(0); }
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'\n${HELP}`);
    const key = a.slice(2);
    if (['quick', 'ablation'].includes(key)) { o[key] = true; continue; }
    if (!['seeds', 'out', 'backend', 'tokenizer', 'lora', 'cache'].includes(key)) throw new Error(`unknown option ${a}\n${HELP}`);
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) throw new Error(`option ${a} needs a value\n${HELP}`);
    o[key] = v;
  }
  return o;
}

const args = parseArgs(process.argv.slice(2));
const cfg: ExperimentConfig = structuredClone(args.quick ? quickConfig : defaultConfig);
if (args.seeds !== undefined) {
  const n = Number(args.seeds);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--seeds must be a positive integer, got ${args.seeds}`);
  cfg.seeds = n;
}
if (args.tokenizer !== undefined) {
  if (args.tokenizer !== 'hybrid' && args.tokenizer !== 'bpe') throw new Error(`--tokenizer must be hybrid or bpe, got ${args.tokenizer}`);
  cfg.tokenizer = args.tokenizer;
}
if (args.lora !== undefined) {
  const r = Number(args.lora);
  if (!Number.isInteger(r) || r < 1) throw new Error(`--lora must be a positive integer rank, got ${args.lora}`);
  cfg.finetune.loraRank = r;
}
cfg.ablation = !!args.ablation;
const backendName = args.backend as 'cpu' | 'webgpu' | undefined;
if (backendName !== undefined && backendName !== 'cpu' && backendName !== 'webgpu') throw new Error(`--backend must be cpu or webgpu, got ${backendName}`);
const outDir = (args.out as string) ?? join('runs', `spanish-caps-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
const cacheDir = (args.cache as string) ?? '.cache';

const t0 = performance.now();
const backend = await useBackend(backendName);
const log = (s: string) => console.error(s);
log(`inoculum: Spanish + ALL-CAPS inoculation${args.quick ? ' (quick)' : ''}; backend ${backend.name} (${backend.description}); run directory ${outDir}`);
mkdirSync(outDir, { recursive: true });
writeJsonAtomic(join(outDir, 'config.json'), cfg);

const main = await runExperiment({ cfg, tokenizer: cfg.tokenizer, outDir, cacheDir, backend, log });
let results: Results = main;
if (cfg.ablation) {
  const other = cfg.tokenizer === 'hybrid' ? 'bpe' : 'hybrid';
  log(`ablation: tokenizer ${other}`);
  const ab = await runExperiment({ cfg, tokenizer: other, outDir: join(outDir, `ablation-${other}`), cacheDir, backend, log });
  results = { ...main, ablation: ab };
}
results.wall_s = (performance.now() - t0) / 1000;
writeJsonAtomic(join(outDir, 'results.json'), results);
console.log(formatTable(main));
if (results.ablation) { console.log(`\nablation:`); console.log(formatTable(results.ablation)); }
try {
  const { writeReport } = await import('../src/inoculation/report.ts');
  log(`report: ${writeReport(outDir)}`);
} catch (e) {
  log(`report: not written (${(e as Error).message})`);
}
log(`done in ${fmtTime(results.wall_s)}; results in ${outDir}/results.json`);
if ('destroy' in backend && typeof backend.destroy === 'function') (backend as { destroy(): void }).destroy();
