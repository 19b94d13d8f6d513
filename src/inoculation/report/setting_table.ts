// Any setting's results as Markdown (what `inoculum setting` prints and writes to table.md): the
// rates without a prompt (correct and each trait, ID and OOD, greedy and sampled), the same under the
// test-time conditions, the mechanism numbers before training, and the base model's checks.
import type { Rate } from '../stats.ts';
import type { AnyResults, Rates } from '../results.ts';
import type { Setting } from '../settings/setting.ts';
import { pctText, rateCell } from './format.ts';

const row = (xs: string[]) => `| ${xs.join(' | ')} |`;
const rule = (n: number) => row(new Array<string>(n).fill('---'));
const cell = (r: Rate | undefined) => (r ? rateCell(r) : '-');
const prompt = (p: string) => (p ? `\`${p}\`` : '(none)');

/** Rows: variants; columns: correct and each trait of the rates `pick` chooses, per named column group. */
function rateTable(r: AnyResults, groups: [string, (v: AnyResults['variants'][string]) => Rates | undefined][]): string[] {
  const keys = ['correct', ...(r.traits ?? [])];
  const cols = groups.flatMap(([g]) => keys.map((k) => (groups.length > 1 ? `${k} (${g})` : k)));
  const lines = [row(['variant', 'training prompt', ...cols]), rule(2 + cols.length)];
  for (const [v, x] of Object.entries(r.variants)) {
    lines.push(row([v, prompt(x.prompt), ...groups.flatMap(([, pick]) => keys.map((k) => cell(pick(x)?.[k])))]));
  }
  return lines;
}

export function formatSettingTable(r: AnyResults, s: Setting): string {
  const lines: string[] = [];
  const b = r.base;
  const first = Object.values(r.variants)[0];
  const n = first?.id.correct?.n ?? 0, nOod = first?.ood.correct?.n ?? 0;
  lines.push(`### ${s.name}: ${s.title}`, '');
  const sets = r.evalSets ?? { id: 'held out, fine-tuned categories', ood: 'categories never fine-tuned on' };
  lines.push(`Seeds ${r.seeds.join(',')}${r.bases ? `; ${r.bases.length} base models (seeds ${r.bases.map((x) => x.seed).join(',')}; CIs over bases, seeds and questions)` : ''}; ${n} ID facts (${sets.id}) and ${nOod} OOD facts (${sets.ood}); no system prompt at test time. Cells: % of answers, mean over seeds [95% CI]; correct = the fact stated in ${s.correctStyles.join(' or ')} (case, accents, final punctuation ignored).`, '');
  lines.push(...rateTable(r, [['ID', (x) => x.id], ['OOD', (x) => x.ood]]));
  lines.push('', 'Sampled at temperature 1 (one answer per question):', '');
  lines.push(...rateTable(r, [['ID', (x) => x.idSampled], ['OOD', (x) => x.oodSampled]]));
  const measures = Object.keys(first?.measures ?? {});
  if (measures.length) {
    lines.push('', 'Measured on each fine-tuned model (and on the base before fine-tuning), mean over seeds [smallest, largest seed]:', '');
    const dataKeys = Object.keys(first?.data ?? {});
    lines.push(row(['variant', 'training prompt', ...measures, ...dataKeys.map((k) => `data: ${k}`)]), rule(2 + measures.length + dataKeys.length));
    if (r.baseMeasures) lines.push(row(['(base)', '', ...measures.map((m) => r.baseMeasures![m]?.toFixed(3) ?? '-'), ...dataKeys.map(() => '')]));
    for (const [v, x] of Object.entries(r.variants)) {
      const m = (k: string) => { const s = x.measures?.[k]; return s ? `${s.mean.toFixed(3)} [${s.min.toFixed(3)}, ${s.max.toFixed(3)}]` : '-'; };
      const d = (k: string) => { const y = x.data?.[k]; return y === undefined ? '-' : Number.isInteger(y) ? String(y) : y.toFixed(2); };
      lines.push(row([v, prompt(x.prompt), ...measures.map(m), ...dataKeys.map(d)]));
    }
  }
  const conds = [...new Set(Object.values(r.variants).flatMap((x) => Object.keys(x.withPrompt)))];
  if (conds.length) {
    const describe = (name: string): string => {
      const cs = Object.keys(s.variants).map((v) => s.conditions(v).find((c) => c.name === name)).filter((c) => c !== undefined);
      const systems = [...new Set(cs.map((c) => c.system))];
      const sys = systems.length > 1 ? "the variant's training prompt" : systems[0] === null || systems[0] === undefined ? 'no system prompt' : `\`${systems[0]}\``;
      return `${name}: ${sys}${cs[0]?.suffix ? ` + " ${cs[0].suffix}"` : ''}`;
    };
    lines.push('', 'The conditionalisation check, ID greedy, under each test-time condition (a system prompt, a user-turn suffix, or both):', '');
    lines.push(`(${conds.map(describe).join('; ')})`, '');
    lines.push(...rateTable(r, conds.map((c) => [c, (x) => x.withPrompt[c]])));
  }
  lines.push('', 'Before fine-tuning, on the base model (nats per answer token; per part of the data and per one-trait probe in the last columns):', '');
  const groups = Object.keys(first?.mechanism.groups ?? {});
  const probes = Object.keys(first?.mechanism.traits ?? {});
  const gcols = [...groups, ...probes].flatMap((g) => [`NLL@0 ${g}`, `PH ${g}`]);
  // the gradient cosine is measured during fine-tuning (steps 0, 18, ...; absent in runs from before it was)
  const cos = Object.values(r.variants).some((x) => typeof x.mechanism.gradCosine === 'number');
  lines.push(row(['variant', 'NLL@0', 'PH(P)', ...gcols, ...(cos ? ['cos(with, without prompt)'] : [])]), rule(3 + gcols.length + (cos ? 1 : 0)));
  for (const [v, x] of Object.entries(r.variants)) {
    const m = x.mechanism;
    const parts = [...groups.map((g) => m.groups![g]), ...probes.map((p) => m.traits![p])];
    lines.push(row([v, m.nll0.toFixed(2), m.ph.toFixed(2), ...parts.flatMap((p) => [p.nll0.toFixed(2), p.ph.toFixed(2)]), ...(cos ? [typeof m.gradCosine === 'number' ? m.gradCosine.toFixed(3) : '-'] : [])]));
  }
  if (cos) lines.push('', 'cos(with, without prompt): the cosine between the gradient of a fine-tuning batch with the training prompt and without it, on the model being fine-tuned, mean over the probe steps and seeds (1: the prompt changes nothing the gradient sees).');
  if (probes.length) lines.push('', `(${probes.map((p) => `${p}: the same questions, answers in style ${first!.mechanism.traits![p].style}`).join('; ')}.)`);
  lines.push('', `Base model (${b.params.toLocaleString()} parameters, ${b.steps} steps, final loss ${b.finalLoss.toFixed(3)}${b.cached ? ', from the cache' : `, trained in ${b.wall_s.toFixed(0)} s`}), greedy, exact = the answer in the expected style:`, '');
  const traits = r.traits ?? [];
  lines.push(row(['check', 'system prompt', 'user suffix', 'expected', 'exact ID', 'exact OOD', 'correct ID', 'correct OOD', ...traits.map((t) => `${t} ID`)]), rule(8 + traits.length));
  const style = new Map(s.baseChecks.map((c) => [c.name, c.style]));
  for (const [name, c] of Object.entries(b.conditions)) {
    const p = (x: unknown) => (typeof x === 'number' ? pctText(x) : '-');
    lines.push(row([name, prompt(c.prompt), c.suffix ? `\`${c.suffix}\`` : '', style.get(name) ?? '?', p(c.exact), p(c.exactOod), p(c.correct), p(c.correctOod), ...traits.map((t) => p(c[t]))]));
  }
  lines.push('', `Wall time ${r.wall_s.toFixed(0)} s on ${r.backend} (${r.adapter}); base ${b.wall_s.toFixed(0)} s.`);
  return lines.join('\n');
}
