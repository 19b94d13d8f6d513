// `npm run bench` runs the quick set of every kernel family; `npm run bench -- <kernel> [--json]`
// runs one family in full. Each bench/<kernel>.ts exports `bench(opts)`.
import { closeBench, type BenchOptions } from './common.ts';

type BenchFn = (opts: BenchOptions) => Promise<void>;
const FAMILIES: Record<string, () => Promise<{ bench: BenchFn }>> = {
  elementwise: () => import('./elementwise.ts'),
  reduce: () => import('./reduce.ts'),
  adamw: () => import('./adamw.ts'),
  softmax: () => import('./softmax.ts'),
  crossentropy: () => import('./crossentropy.ts'),
  layernorm: () => import('./layernorm.ts'),
  embedding: () => import('./embedding.ts'),
  attention: () => import('./attention.ts'),
  matmul: () => import('./matmul.ts'),
  peak: () => import('./peak.ts'),
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) {
  if (!FAMILIES[n]) { console.error(`bench: unknown kernel family '${n}'; known: ${Object.keys(FAMILIES).join(', ')}`); process.exit(2); }
}
const quick = names.length === 0;
for (const n of quick ? Object.keys(FAMILIES) : names) {
  const mod = await FAMILIES[n]();
  await mod.bench({ json, quick });
}
closeBench();
