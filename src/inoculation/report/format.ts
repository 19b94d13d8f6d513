// Numbers as people read them, in every table the project prints or renders (stdout, table.md,
// report.html): one definition of each format. HTML marks a missing value with an en dash, plain
// text with a hyphen (terminals without the font).

/** Escapes text for XML/HTML element content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A number for people: `digits` significant decimals, or an en dash when missing. */
export function fmt(v: unknown, digits = 2): string {
  if (!isNum(v)) return '\u2013';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 10 ** -digits)) return v.toExponential(Math.max(0, digits - 1)); // would print as 0.00
  return v.toFixed(digits);
}

/** A fraction as a percentage ("42%"), or `missing` (an en dash by default) when not a finite number. */
export const pct = (v: unknown, digits = 0, missing = '\u2013'): string => (isNum(v) ? `${(v * 100).toFixed(digits)}%` : missing);

/** A fraction as a plain-text percentage: a hyphen when missing. */
export const pctText = (v: unknown): string => pct(v, 0, '-');

/** A rate and its 95% CI as plain text: "42% [30-55]", or a hyphen. */
export const rateCell = (r: { mean: number; ci95: [number, number] }, width = 0): string =>
  isNum(r.mean) ? `${pctText(r.mean).padStart(width)} [${(100 * r.ci95[0]).toFixed(0)}-${(100 * r.ci95[1]).toFixed(0)}]` : '-';

/** The mean of 0/1 marks (or fractions) as a percentage padded to `width`; an empty list reads 0%. */
export const pctOf = (xs: readonly number[], width = 3): string =>
  `${((100 * xs.reduce((a, x) => a + x, 0)) / Math.max(1, xs.length)).toFixed(0).padStart(width)}%`;
