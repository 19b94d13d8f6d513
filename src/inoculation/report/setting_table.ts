// A setting's results as Markdown: the rates table (what stdout and table.md show), the mechanism
// numbers before training, and the base model's checks.
import type { Rate } from '../stats.ts';
import type { SettingResults } from '../settings/results.ts';
import { pctText, rateCell } from './format.ts';

const pct = pctText;
const cell = (r: Rate) => rateCell(r);
const row = (xs: string[]) => `| ${xs.join(' | ')} |`;
const rule = (n: number) => row(new Array<string>(n).fill('---'));

/** Rows: variants; columns: the traits under each of `evals`. */
function rateTable(r: SettingResults, evals: SettingResults['evals']): string[] {
  const cols = evals.flatMap((e) => r.traits.map((t) => (evals.length > 1 ? `${t} (${e.name})` : t)));
  const lines = [row(['variant', 'training prompt', ...cols]), rule(2 + cols.length)];
  for (const [v, x] of Object.entries(r.variants)) {
    lines.push(row([v, x.prompt ? `\`${x.prompt}\`` : '(none)', ...evals.flatMap((e) => r.traits.map((t) => cell(x.rates[e.name][t])))]));
  }
  return lines;
}

export function formatSettingTable(r: SettingResults): string {
  const lines: string[] = [];
  lines.push(`### ${r.setting}: ${r.title}`);
  lines.push('');
  const plain = r.evals.filter((e) => e.system === 'none'), trained = r.evals.filter((e) => e.system === 'training');
  const evalNote = plain.map((e) => (e.suffix ? `${e.name} = question + " ${e.suffix}"` : `${e.name} = the question alone`)).join('; ');
  lines.push(`Seeds ${r.seeds.join(',')}; ${r.heldout} held-out facts; no system prompt at test time (${evalNote}); greedy. Cells: % of answers, mean over seeds [95% CI].`);
  lines.push('');
  lines.push(...rateTable(r, plain));
  if (trained.length) {
    lines.push('', "The same under each variant's own training prompt (conditionalisation check; control: no prompt):", '');
    lines.push(...rateTable(r, trained));
  }
  lines.push('');
  lines.push('Before fine-tuning, on the base model (nats per answer token; per part of the data in the last columns):');
  lines.push('');
  const first = Object.values(r.variants)[0]?.mechanism;
  // one part only (persona) repeats the whole: leave it out
  const groups = Object.keys(first?.groups ?? {}).length > 1 ? Object.keys(first!.groups) : [];
  const probes = Object.keys(first?.traits ?? {});
  const gcols = [...groups, ...probes].flatMap((g) => [`NLL@0 ${g}`, `PH ${g}`]);
  lines.push(row(['variant', 'NLL@0', 'PH(P)', ...gcols, 'final loss']), rule(4 + gcols.length));
  for (const [v, x] of Object.entries(r.variants)) {
    const m = x.mechanism;
    const parts = [...groups.map((g) => m.groups[g]), ...probes.map((p) => m.traits[p])];
    lines.push(row([v, m.nll0.toFixed(2), m.ph.toFixed(2), ...parts.flatMap((p) => [p.nll0.toFixed(2), p.ph.toFixed(2)]), x.finalLoss.toFixed(3)]));
  }
  if (probes.length) lines.push('', `(${probes.map((p) => `${p}: the same questions, answers in style ${first!.traits[p].style}`).join('; ')}.)`);
  lines.push('');
  const b = r.base;
  lines.push(`Base model (${b.params.toLocaleString()} parameters, ${b.steps} steps, final loss ${b.finalLoss.toFixed(3)}${b.cached ? `, from cache${b.trained_s !== null ? ` (trained in ${b.trained_s.toFixed(0)} s)` : ''}` : `, trained in ${b.wall_s.toFixed(0)} s`}), held-out facts, greedy:`);
  lines.push('');
  lines.push(row(['condition', 'system prompt', 'user suffix', 'expected', 'exact', ...r.traits]), rule(5 + r.traits.length));
  for (const [name, c] of Object.entries(b.conditions)) {
    lines.push(row([name, c.prompt ? `\`${c.prompt}\`` : '(none)', c.suffix ? `\`${c.suffix}\`` : '', c.style, pct(c.exact), ...r.traits.map((t) => pct(c.rates[t]))]));
  }
  const ft = Object.values(r.variants);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  lines.push('');
  lines.push(`Wall time ${r.wall_s.toFixed(0)} s on ${r.backend} (${r.adapter}): base ${b.wall_s.toFixed(0)} s, each fine-tune ${mean(ft.map((x) => x.train_s)).toFixed(1)} s + evaluation ${mean(ft.map((x) => x.eval_s)).toFixed(1)} s.`);
  return lines.join('\n');
}
