// A small inline-SVG chart kit for report.html: scales and ticks, axes, line charts, grouped bars
// with error whiskers, labelled scatter plots and legends. Output is plain XML text (every element
// closed, all text escaped), so a report needs no network and no JS to be read. Hover tooltips are
// <title> elements, which browsers show natively. Missing and non-finite values are skipped, never
// drawn as NaN.

import { esc, fmt, isNum } from './format.ts';

/** Finite and small enough that spans and pixel maps of such values cannot overflow. */
const plottable = (v: unknown): v is number => isNum(v) && Math.abs(v) < 1e100;

/** Okabe-Ito colours, safe for the common colour-vision deficiencies; black is left for axes. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#7F7F7F'];

// ---- scales and ticks --------------------------------------------------------------------------

export interface Scale {
  (v: number): number;
  ticks: number[];
  format: (v: number) => string;
  log: boolean;
}

/** 1, 2 or 5 times a power of ten, close to span/count (1 for an empty or unusable span). */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  if (!(raw > 1e-250) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** k * step without binary noise (0.30000000000000004 -> 0.3). */
const onGrid = (k: number, step: number) => Number((k * step).toPrecision(12));

/**
 * Widens [lo, hi] to nice tick boundaries. A degenerate domain (one value, or a span lost in
 * rounding) becomes +-10% around it, or [v - 1, v + 1] near zero; a non-finite one becomes [0, 1].
 */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!plottable(lo) || !plottable(hi)) return [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo <= mag * 1e-9 || hi - lo < 1e-200) {
    const d = mag > 1e-100 ? mag * 0.1 : 1;
    lo -= d; hi += d;
  }
  const step = niceStep(hi - lo, count);
  return [onGrid(Math.floor(lo / step + 1e-9), step), onGrid(Math.ceil(hi / step - 1e-9), step)];
}

/** A linear map from domain [d0, d1] to pixels [r0, r1], with about `count` nice ticks. */
export function linearScale(d0: number, d1: number, r0: number, r1: number, count = 5, format?: (v: number) => string): Scale {
  const span = d1 - d0 || 1;
  const f = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale;
  const step = niceStep(Math.abs(d1 - d0), count);
  const lo = Math.min(d0, d1), hi = Math.max(d0, d1);
  const ticks: number[] = [];
  // by index, not by repeated addition: a step below the values' resolution must not loop forever
  for (let k = Math.ceil(lo / step - 1e-9), i = 0; i < 50; k++, i++) {
    const t = onGrid(k, step);
    if (t > hi + step * 1e-9) break;
    ticks.push(t);
  }
  const decimals = Math.min(20, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  f.ticks = ticks;
  f.format = format ?? ((v) => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : v.toFixed(decimals)));
  f.log = false;
  return f;
}

/** A log10 map; ticks at powers of ten (and 2, 5 between them when the range is short). */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const l0 = Math.log10(d0), l1 = Math.log10(d1);
  const span = l1 - l0 || 1;
  const f = ((v: number) => r0 + ((Math.log10(Math.max(v, 1e-300)) - l0) / span) * (r1 - r0)) as Scale;
  const ticks: number[] = [];
  const mults = span < 1.5 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(span / 6));
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
    if (mults.length === 1 && e % every !== 0) continue;
    for (const m of mults) {
      const t = m * 10 ** e;
      if (t >= d0 * (1 - 1e-9) && t <= d1 * (1 + 1e-9)) ticks.push(t);
    }
  }
  f.ticks = ticks;
  f.format = (v) => (v >= 1e4 || v < 1e-2 ? v.toExponential(0).replace('e+', 'e') : String(Number(v.toPrecision(2))));
  f.log = true;
  return f;
}

/** Picks log when every value is positive and they span more than `ratio`; returns a nice domain. */
export function autoDomain(values: number[], opts: { zero?: boolean; logRatio?: number; pad?: number } = {}): { lo: number; hi: number; log: boolean } {
  const v = values.filter(plottable);
  if (v.length === 0) return { lo: 0, hi: 1, log: false };
  let lo = Math.min(...v), hi = Math.max(...v);
  if (opts.logRatio && lo > 0 && hi / lo > opts.logRatio) {
    // half-decade boundaries: tight enough to use the height, round enough to read
    return { lo: 10 ** (Math.floor(Math.log10(lo) * 2) / 2), hi: 10 ** (Math.ceil(Math.log10(hi) * 2) / 2), log: true };
  }
  if (opts.zero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
  const pad = (hi - lo) * (opts.pad ?? 0.04);
  const [a, b] = niceDomain(lo - (lo === 0 && opts.zero ? 0 : pad), hi + (hi === 0 && opts.zero ? 0 : pad));
  return { lo: a, hi: b, log: false };
}

// ---- primitives --------------------------------------------------------------------------------

const n2 = (v: number) => (Math.round(v * 10) / 10).toString();

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${n2(x)}" y="${n2(y)}"${attrs ? ' ' + attrs : ''}>${esc(s)}</text>`;
}

/** A label of more than `max` characters as two lines, cut at the hyphen or space nearest its middle (one line if it has none). */
export function wrapLabel(label: string, max: number): string[] {
  if (label.length <= max) return [label];
  let best = -1;
  for (let i = 1; i < label.length - 1; i++) if ((label[i] === '-' || label[i] === ' ') && (best < 0 || Math.abs(i - label.length / 2) < Math.abs(best - label.length / 2))) best = i;
  if (best < 0) return [label];
  return [label.slice(0, label[best] === '-' ? best + 1 : best), label.slice(best + 1)];
}

/** An <svg> element with a viewBox, scaling to its container up to its natural width. */
function svgOpen(width: number, height: number, cls: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="${esc(cls)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(label)}" style="max-width:100%;height:auto">`;
}

export interface Frame { width: number; height: number; left: number; right: number; top: number; bottom: number }

const plotArea = (f: Frame) => ({ x0: f.left, x1: f.width - f.right, y0: f.height - f.bottom, y1: f.top });

/** Title, y grid lines with tick labels, x axis line and axis labels. */
function axes(f: Frame, title: string, y: Scale, xLabel: string, yLabel: string): string {
  const { x0, x1, y0, y1 } = plotArea(f);
  const out: string[] = [];
  if (title) out.push(text(f.left, 16, title, 'class="chart-title"'));
  for (const t of y.ticks) {
    const py = y(t);
    out.push(`<line x1="${n2(x0)}" x2="${n2(x1)}" y1="${n2(py)}" y2="${n2(py)}" class="grid" />`);
    out.push(text(x0 - 5, py + 3.5, y.format(t), 'class="tick" text-anchor="end"'));
  }
  out.push(`<line x1="${n2(x0)}" x2="${n2(x0)}" y1="${n2(y0)}" y2="${n2(y1)}" class="axis" />`);
  out.push(`<line x1="${n2(x0)}" x2="${n2(x1)}" y1="${n2(y0)}" y2="${n2(y0)}" class="axis" />`);
  if (yLabel) out.push(text(12, (y0 + y1) / 2, yLabel, `class="axis-label" text-anchor="middle" transform="rotate(-90 12 ${n2((y0 + y1) / 2)})"`));
  if (xLabel) out.push(text((x0 + x1) / 2, f.height - 6, xLabel, 'class="axis-label" text-anchor="middle"'));
  return out.join('');
}

function xTicks(f: Frame, x: Scale): string {
  const { y0 } = plotArea(f);
  return x.ticks.map((t) => `<line x1="${n2(x(t))}" x2="${n2(x(t))}" y1="${n2(y0)}" y2="${n2(y0 + 4)}" class="axis" />` + text(x(t), y0 + 15, x.format(t), 'class="tick" text-anchor="middle"')).join('');
}

/** A message in place of a chart whose data is all missing. */
export function emptyChart(title: string, width: number, height: number, why = 'no data'): string {
  return svgOpen(width, height, 'chart empty', title) + text(10, 16, title, 'class="chart-title"') + text(width / 2, height / 2, why, 'class="empty-note" text-anchor="middle"') + '</svg>';
}

// ---- legend ------------------------------------------------------------------------------------

export interface LegendItem { name: string; color: string; dashed?: boolean; hollow?: boolean }

/** A one-line SVG legend (wraps onto more rows when it does not fit `width`). */
export function legend(items: LegendItem[], width = 900): string {
  const rowH = 20;
  let x = 4, y = 14;
  const parts: string[] = [];
  for (const it of items) {
    const w = 26 + it.name.length * 7 + 18;
    if (x + w > width && x > 4) { x = 4; y += rowH; }
    const swatch = it.hollow
      ? `<circle cx="${x + 8}" cy="${y - 4}" r="5" fill="white" stroke="${esc(it.color)}" stroke-width="2" />`
      : it.dashed
        ? `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${esc(it.color)}" stroke-width="2.5" stroke-dasharray="4 3" />`
        : `<rect x="${x}" y="${y - 10}" width="18" height="12" rx="2" fill="${esc(it.color)}" />`;
    parts.push(swatch + text(x + 24, y, it.name, 'class="legend-text"'));
    x += w;
  }
  const h = y + 8;
  return svgOpen(width, h, 'legend', 'legend') + parts.join('') + '</svg>';
}

// ---- grouped bars ------------------------------------------------------------------------------

export interface Bar { value: number; low?: number; high?: number; tip?: string }

export interface BarSeries { name: string; color: string; values: (Bar | null | undefined)[] }

export interface BarChartOpts {
  title: string;
  /** Group labels along x; series[s].values[g] is the bar of series s in group g. */
  groups: string[];
  series: BarSeries[];
  yLabel?: string;
  /** Fixed y range; default from the data, starting at 0. */
  yDomain?: [number, number];
  yFormat?: (v: number) => string;
  /** Text printed above each bar (default: the y format of its value). */
  valueLabel?: (b: Bar) => string;
  width?: number;
  height?: number;
}

/**
 * Grouped bars with 95% CI whiskers: one group per x label, one bar per series, colours by series.
 * Each drawn bar is a <rect class="bar">; a missing bar leaves a gap marked "n/a".
 */
export function barChart(o: BarChartOpts): string {
  const width = o.width ?? 460, height = o.height ?? 280;
  // a group label wider than its group (~7 px a character at 12 px bold) wraps at a hyphen or space into two lines
  const groupWidth = (width - 56) / Math.max(1, o.groups.length);
  const lines = o.groups.map((g) => wrapLabel(g, Math.floor(groupWidth / 7)));
  const twoLines = lines.some((l) => l.length > 1);
  const f: Frame = { width, height, left: 46, right: 10, top: 40, bottom: twoLines ? 42 : 28 }; // top: room for a value label over a 100% bar
  const vals = o.series.flatMap((s) => s.values.flatMap((b) => (b ? [b.value, b.high ?? b.value] : [])));
  const dom = o.yDomain ?? (() => { const d = autoDomain(vals, { zero: true }); return [d.lo, d.hi] as [number, number]; })();
  const { x0, x1, y0, y1 } = plotArea(f);
  const y = linearScale(dom[0], dom[1], y0, y1, 5, o.yFormat);
  const out: string[] = [svgOpen(width, height, 'chart bar-chart', o.title), axes(f, o.title, y, '', o.yLabel ?? '')];
  const G = o.groups.length, S = o.series.length;
  const gw = (x1 - x0) / Math.max(1, G);
  const pad = gw * 0.12;
  const bw = (gw - 2 * pad) / Math.max(1, S);
  const label = o.valueLabel ?? ((b: Bar) => y.format(b.value));
  const clampY = (v: number) => y(Math.min(dom[1], Math.max(dom[0], v)));
  for (let g = 0; g < G; g++) {
    const gx = x0 + g * gw;
    lines[g].forEach((l, k) => out.push(text(gx + gw / 2, y0 + 17 + 14 * k, l, 'class="group-label" text-anchor="middle"')));
    for (let s = 0; s < S; s++) {
      const b = o.series[s].values[g];
      const bx = gx + pad + s * bw;
      const cx = bx + bw / 2;
      if (!b || !plottable(b.value)) {
        out.push(text(cx, y0 - 4, 'n/a', 'class="na" text-anchor="middle"'));
        continue;
      }
      const top = clampY(b.value), base = clampY(Math.max(dom[0], 0));
      const tip = b.tip ?? `${o.series[s].name}, ${o.groups[g]}: ${label(b)}`;
      out.push(`<g><title>${esc(tip)}</title>`);
      out.push(`<rect class="bar" x="${n2(bx + 1)}" y="${n2(Math.min(top, base))}" width="${n2(Math.max(1, bw - 2))}" height="${n2(Math.max(0.5, Math.abs(base - top)))}" fill="${esc(o.series[s].color)}" />`);
      let labelY = top;
      if (plottable(b.low) && plottable(b.high)) {
        const lo = clampY(b.low), hi = clampY(b.high), cap = Math.min(6, bw / 3);
        out.push(`<path class="whisker" d="M${n2(cx)} ${n2(lo)}V${n2(hi)}M${n2(cx - cap)} ${n2(lo)}H${n2(cx + cap)}M${n2(cx - cap)} ${n2(hi)}H${n2(cx + cap)}" />`);
        labelY = Math.min(labelY, hi);
      }
      out.push(text(cx, labelY - 4, label(b), 'class="bar-value" text-anchor="middle"'));
      out.push('</g>');
    }
  }
  out.push('</svg>');
  return out.join('');
}

// ---- line charts -------------------------------------------------------------------------------

export interface LineSeries {
  name: string;
  color: string;
  points: [number, number][];
  /** Drawn thin and translucent (per-seed lines behind a mean). */
  faint?: boolean;
  dashed?: boolean;
  /** Marks each point with a dot (sparse series such as checkpoint rates). */
  dots?: boolean;
}

export interface LineChartOpts {
  title: string;
  series: LineSeries[];
  xLabel?: string;
  yLabel?: string;
  yDomain?: [number, number];
  /** With yDomain: a log axis over it. */
  yLog?: boolean;
  yFormat?: (v: number) => string;
  /** Use a log y axis when all values are positive and span more than this ratio (default never). */
  logRatio?: number;
  /** Limits the automatic y domain (a cosine never exceeds 1). */
  yClamp?: [number, number];
  /** A horizontal reference line (e.g. 0 or 1). */
  refY?: number;
  /** Series longer than this are thinned to bucket means (keeps long runs' pages small). */
  maxPoints?: number;
  width?: number;
  height?: number;
}

/** Averages consecutive points in buckets so that at most `max` remain; shorter series are kept. */
export function thin(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const out: [number, number][] = [];
  const per = points.length / max;
  for (let b = 0; b < max; b++) {
    let sx = 0, sy = 0, k = 0;
    for (let i = Math.floor(b * per); i < Math.floor((b + 1) * per); i++) {
      const [x, y] = points[i];
      if (plottable(x) && plottable(y)) { sx += x; sy += y; k++; }
    }
    out.push(k ? [sx / k, sy / k] : [NaN, NaN]);
  }
  return out;
}

/** Lines over a numeric x (fine-tuning step). Non-finite points break the line. */
export function lineChart(o: LineChartOpts): string {
  const width = o.width ?? 460, height = o.height ?? 240;
  const f: Frame = { width, height, left: 52, right: 12, top: 26, bottom: 34 };
  const series = o.series.map((s) => ({ ...s, points: thin(s.points, o.maxPoints ?? 500) }));
  const pts = series.flatMap((s) => s.points).filter(([a, b]) => plottable(a) && plottable(b));
  if (pts.length === 0) return emptyChart(o.title, width, height);
  const { x0, x1, y0, y1 } = plotArea(f);
  const xs = pts.map((p) => p[0]);
  let xlo = Math.min(...xs), xhi = Math.max(...xs);
  if (xlo === xhi) { xlo -= 1; xhi += 1; }
  const x = linearScale(xlo, xhi, x0, x1, 6);
  let y: Scale;
  if (o.yDomain) y = o.yLog ? logScale(o.yDomain[0], o.yDomain[1], y0, y1) : linearScale(o.yDomain[0], o.yDomain[1], y0, y1, 5, o.yFormat);
  else {
    const d = autoDomain(pts.map((p) => p[1]).concat(plottable(o.refY) ? [o.refY] : []), { logRatio: o.logRatio });
    if (o.yClamp && !d.log) { d.lo = Math.max(d.lo, o.yClamp[0]); d.hi = Math.min(d.hi, o.yClamp[1]); }
    y = d.log ? logScale(d.lo, d.hi, y0, y1) : linearScale(d.lo, d.hi, y0, y1, 5, o.yFormat);
  }
  const out: string[] = [svgOpen(width, height, 'chart line-chart', o.title), axes(f, o.title, y, o.xLabel ?? '', o.yLabel ?? ''), xTicks(f, x)];
  if (plottable(o.refY) && !(y.log && o.refY <= 0)) {
    out.push(`<line x1="${n2(x0)}" x2="${n2(x1)}" y1="${n2(y(o.refY))}" y2="${n2(y(o.refY))}" class="ref" />`);
  }
  const clip = clipId();
  out.push(`<clipPath id="${clip}"><rect x="${x0 - 4}" y="${y1 - 4}" width="${x1 - x0 + 8}" height="${y0 - y1 + 8}" /></clipPath>`);
  out.push(`<g clip-path="url(#${clip})">`);
  // faint lines first so the means sit on top
  for (const s of [...series].sort((a, b) => Number(!!b.faint) - Number(!!a.faint))) {
    const segs: string[] = [];
    let pen = false;
    for (const [a, b] of s.points) {
      if (!plottable(a) || !plottable(b) || (y.log && b <= 0)) { pen = false; continue; }
      segs.push(`${pen ? 'L' : 'M'}${n2(x(a))} ${n2(y(b))}`);
      pen = true;
    }
    if (segs.length === 0) continue;
    const cls = s.faint ? 'line faint' : 'line';
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    out.push(`<path class="${cls}" d="${segs.join('')}" stroke="${esc(s.color)}"${dash}><title>${esc(s.name)}</title></path>`);
    const lone = s.points.filter(([a, b]) => plottable(a) && plottable(b)).length === 1;
    if ((s.dots || lone) && !s.faint) {
      for (const [a, b] of s.points) {
        if (!plottable(a) || !plottable(b) || (y.log && b <= 0)) continue;
        out.push(`<circle cx="${n2(x(a))}" cy="${n2(y(b))}" r="3" fill="${esc(s.color)}"><title>${esc(`${s.name}: step ${a}, ${o.yFormat ? o.yFormat(b) : fmt(b, 3)}`)}</title></circle>`);
      }
    }
  }
  out.push('</g></svg>');
  return out.join('');
}

let clipSeq = 0;
/** A fresh clip-path id: ids must be unique across all the SVGs of one page. */
const clipId = () => `clip${(clipSeq++).toString(36)}`;
/** Restarts clip-path ids, so that rendering the same page twice gives the same text. */
export function resetIds(): void {
  clipSeq = 0;
}

// ---- scatter -----------------------------------------------------------------------------------

export interface ScatterPoint { x: number; y: number; label: string; color: string; hollow?: boolean; tip?: string }

export interface ScatterOpts {
  title: string;
  points: ScatterPoint[];
  xLabel?: string;
  yLabel?: string;
  /** A fitted line y = intercept + slope x drawn dashed across the x range. */
  fit?: { slope: number; intercept: number; label?: string };
  refY?: number;
  /** Limits the automatic y domain (suppression in points never leaves [-100, 100]). */
  yClamp?: [number, number];
  width?: number;
  height?: number;
}

/** Points with text labels; labels are nudged so that they do not overlap each other. */
export function scatter(o: ScatterOpts): string {
  const width = o.width ?? 560, height = o.height ?? 340;
  const f: Frame = { width, height, left: 56, right: 16, top: 28, bottom: 38 };
  const pts = o.points.filter((p) => plottable(p.x) && plottable(p.y));
  if (pts.length === 0) return emptyChart(o.title, width, height);
  const { x0, x1, y0, y1 } = plotArea(f);
  const dx = autoDomain(pts.map((p) => p.x), { pad: 0.12 });
  const dy = autoDomain(pts.map((p) => p.y).concat(plottable(o.refY) ? [o.refY] : []), { pad: 0.12 });
  if (o.yClamp) { dy.lo = Math.max(dy.lo, Math.min(o.yClamp[0], ...pts.map((p) => p.y))); dy.hi = Math.min(dy.hi, Math.max(o.yClamp[1], ...pts.map((p) => p.y))); }
  const x = linearScale(dx.lo, dx.hi, x0, x1, 6);
  const y = linearScale(dy.lo, dy.hi, y0, y1, 5);
  const out: string[] = [svgOpen(width, height, 'chart scatter', o.title), axes(f, o.title, y, o.xLabel ?? '', o.yLabel ?? ''), xTicks(f, x)];
  if (plottable(o.refY)) out.push(`<line x1="${n2(x0)}" x2="${n2(x1)}" y1="${n2(y(o.refY))}" y2="${n2(y(o.refY))}" class="ref" />`);
  if (o.fit && plottable(o.fit.slope) && plottable(o.fit.intercept)) {
    const ya = o.fit.intercept + o.fit.slope * dx.lo, yb = o.fit.intercept + o.fit.slope * dx.hi;
    const clip = clipId();
    out.push(`<clipPath id="${clip}"><rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" /></clipPath>`);
    out.push(`<line clip-path="url(#${clip})" x1="${n2(x(dx.lo))}" x2="${n2(x(dx.hi))}" y1="${n2(y(ya))}" y2="${n2(y(yb))}" class="fit"><title>${esc(o.fit.label ?? 'least-squares fit')}</title></line>`);
  }
  // labels: right of the point, or left near the right edge; pushed down past earlier labels
  const placed: { x: number; y: number; w: number }[] = [];
  const order = pts.map((p, i) => ({ p, i, px: x(p.x), py: y(p.y) })).sort((a, b) => a.py - b.py);
  const labels: string[] = [];
  for (const { p, px, py } of order) {
    const w = p.label.length * 6.6 + 4;
    const left = px + 12 + w > x1;
    let lx = left ? px - 12 - w : px + 12, ly = py + 4;
    for (let tries = 0; tries < 20; tries++) {
      const hit = placed.find((q) => Math.abs(q.y - ly) < 13 && lx < q.x + q.w && q.x < lx + w);
      if (!hit) break;
      ly = hit.y + 13;
    }
    placed.push({ x: lx, y: ly, w });
    labels.push(text(lx + (left ? w : 0), ly, p.label, `class="point-label" text-anchor="${left ? 'end' : 'start'}"`));
  }
  // hollow rings first and a little larger, so a filled dot at the same place leaves the ring visible
  for (const p of [...pts].sort((a, b) => Number(!!b.hollow) - Number(!!a.hollow))) {
    const tip = p.tip ?? `${p.label}: (${fmt(p.x, 3)}, ${fmt(p.y, 3)})`;
    const fill = p.hollow ? 'none' : esc(p.color);
    out.push(`<circle class="point" cx="${n2(x(p.x))}" cy="${n2(y(p.y))}" r="${p.hollow ? 8.5 : 5.5}" fill="${fill}" stroke="${esc(p.color)}" stroke-width="2"><title>${esc(tip)}</title></circle>`);
  }
  out.push(labels.join(''), '</svg>');
  return out.join('');
}

/** The CSS the charts rely on (classes used above), for the page's <style>. */
export const CHART_CSS = `
svg.chart { display: block; background: #fff; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #222; }
.chart-title { font-size: 13px; font-weight: 600; }
.tick { font-size: 10.5px; fill: #555; }
.axis-label { font-size: 11px; fill: #444; }
.group-label { font-size: 12px; font-weight: 600; }
.bar-value { font-size: 10px; fill: #333; }
.na, .empty-note { font-size: 11px; fill: #999; font-style: italic; }
.legend-text { font-size: 12px; }
.point-label { font-size: 11.5px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
line.grid { stroke: #e6e6e6; stroke-width: 1; }
line.axis { stroke: #444; stroke-width: 1; }
line.ref { stroke: #999; stroke-width: 1; stroke-dasharray: 2 3; }
line.fit { stroke: #666; stroke-width: 1.5; stroke-dasharray: 6 4; }
path.whisker { stroke: #222; stroke-width: 1.3; fill: none; }
path.line { fill: none; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
path.line.faint { stroke-width: 1; opacity: 0.28; }
`;
