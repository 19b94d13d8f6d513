// The bench table of docs/bench.md from JSON lines: every kernel's promoted variant (the one the
// engine runs, marked '*' or "promoted"; attention's fused kernels), its rate, that rate as a share
// of the adapter's ceiling measured by bench/peak.ts (GFLOP/s against peak_fma, GB/s against
// peak_copy), and how many times one training step of the experiment's base dispatches its shaders
// (bench/train_step.ts --config base --json, dispatches_by_kernel).
//   (for k in peak matmul attention softmax crossentropy layernorm elementwise reduce adamw embedding; do
//      npx tsx bench/run.ts $k --json; done; npx tsx bench/train_step.ts --config base --backend webgpu --json) > bench.jsonl
//   npx tsx bench/table.ts bench.jsonl > table.md
import { readFileSync } from 'node:fs';
import type { BenchResult } from './common.ts';

// the shaders a bench row's kernel dispatches in a training step
const SHADERS: Record<string, string[]> = {
  'binary-add': ['binary'], 'binary-add-bcast': ['binary'], 'unary-gelu': ['unary'], adamw: ['adamw'],
  'reduce-sum-rows': ['reduce', 'reduce_rows'], 'reduce-sum-cols': ['reduce', 'reduce_rows'],
  softmaxForward: ['softmax_forward'], softmaxBackward: ['softmax_backward'], logSoftmaxForward: ['softmax_forward'], logSoftmaxBackward: ['softmax_backward'],
  crossEntropyForward: ['crossentropy_forward'], 'crossEntropyFwd-loss': ['crossentropy_forward'],
  layernormForward: ['layernorm_forward'], layernormBackward: ['layernorm_backward', 'layernorm_backward_dweight', 'layernorm_backward_dweight_sum'],
  embeddingForward: ['embedding_forward'], embeddingBackward: ['embedding_backward', 'embedding_backward_links'],
  'attention fused fwd': ['attention_forward'], 'attention fused bwd': ['attention_backward_dq', 'attention_backward_dkv'],
  matmul: ['matmul_forward'],
};

interface Step { tokens_per_s: number; ms_per_step: number; dispatches_per_step: number; setup: string; adapter: string; breakdown_ms: Record<string, number>; dispatches_by_kernel?: Record<string, number> }

export function benchTable(lines: string[]): string {
  const rows: BenchResult[] = [];
  let step: Step | null = null;
  for (const [i, line] of lines.entries()) {
    const t = line.trim();
    if (!t.startsWith('{')) continue; // progress text between the JSON lines
    let o: Record<string, unknown>;
    try { o = JSON.parse(t) as Record<string, unknown>; } catch (e) { throw new Error(`bench/table.ts: line ${i + 1} is not JSON: ${(e as Error).message}`); }
    if ('tokens_per_s' in o) { if (o.backend === 'webgpu') step = o as unknown as Step; continue; }
    rows.push(o as unknown as BenchResult);
  }
  const gpu = rows.filter((r) => r.backend === 'webgpu');
  const best = (k: string, key: 'gflops' | 'gbps') => Math.max(0, ...gpu.filter((r) => r.kernel === k).map((r) => r[key] ?? 0));
  const peakFlops = best('peak_fma', 'gflops'), peakBytes = best('peak_copy', 'gbps');
  if (!peakFlops || !peakBytes) throw new Error('bench/table.ts: no peak_fma / peak_copy rows (run `npx tsx bench/run.ts peak --json` into the same file)');
  const promoted = gpu.filter((r) => !r.kernel.startsWith('peak_') && (/\*$/.test(r.variant) || r.variant.startsWith('promoted') || (r.kernel === 'attention' && /^fused (fwd|bwd)$/.test(r.variant)) || (r.kernel.startsWith('embedding') && r.variant === 'default')));
  const out: string[] = [];
  out.push(`Adapter: ${gpu[0]?.adapter ?? '?'}. Ceilings (bench/peak.ts, best variant): **${peakFlops.toFixed(1)} GFLOP/s** (peak_fma) and **${peakBytes.toFixed(2)} GB/s** (peak_copy).`);
  out.push('');
  out.push('| kernel | variant | shape | ms | rate | % of ceiling | dispatches / base step |');
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of promoted) {
    const name = r.kernel === 'attention' ? `attention ${r.variant}` : r.kernel;
    const rate = r.gflops !== undefined ? `${r.gflops.toFixed(2)} GFLOP/s` : `${(r.gbps ?? 0).toFixed(2)} GB/s`;
    const pct = r.gflops !== undefined ? (100 * r.gflops) / peakFlops : (100 * (r.gbps ?? 0)) / peakBytes;
    const shaders = SHADERS[name] ?? [];
    const n = step?.dispatches_by_kernel ? shaders.reduce((a, s) => a + (step!.dispatches_by_kernel![s] ?? 0), 0) : NaN;
    out.push(`| ${name} | ${r.variant.replace(/ \*$/, '')} | ${r.shape} | ${r.ms.toFixed(3)} | ${rate} | ${pct.toFixed(0)}% | ${Number.isNaN(n) ? '-' : `${n} (${shaders.join(', ')})`} |`);
  }
  if (step) {
    out.push('');
    out.push(`Training step (bench/train_step.ts --config ${step.setup}): ${step.tokens_per_s.toFixed(0)} tokens/s, ${step.ms_per_step.toFixed(1)} ms, ${step.dispatches_per_step.toFixed(0)} dispatches. Time per shader in one step (each dispatch replayed alone):`);
    out.push('');
    out.push('| shader | ms / step | dispatches / step |');
    out.push('| --- | --- | --- |');
    for (const [s, ms] of Object.entries(step.breakdown_ms)) out.push(`| ${s} | ${ms.toFixed(2)} | ${step.dispatches_by_kernel?.[s] ?? '-'} |`);
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (files.length === 0) { console.error('usage: npx tsx bench/table.ts BENCH.jsonl [...]  (the JSON lines of bench/run.ts --json and bench/train_step.ts --json)'); process.exit(2); }
  const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n'));
  console.log(benchTable(lines));
}
