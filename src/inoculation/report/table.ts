// The main experiment's stdout table (spanish-caps): variant x {% correct, % Spanish, % caps} with
// CIs, ID and OOD, greedy and sampled; one line per base when pooled; the mechanism numbers.
import { VARIANTS, patternMet, missedTargets, type Results, type TraitRates } from '../results.ts';

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

