// Rates with 95% confidence intervals. Answers are clustered by seed (each seed is its own
// fine-tuned model), so the interval is a two-level bootstrap: resample seeds, then prompts
// within each seed; with one seed it reduces to a bootstrap over prompts. Seeded, so reports are
// reproducible.
import { Generator } from '../random.ts';

export interface Rate {
  /** Fraction of answers showing the trait, averaged over seeds. */
  mean: number;
  /** 95% percentile-bootstrap interval [low, high]. */
  ci95: [number, number];
  /** Answers counted (all seeds). */
  n: number;
  /** The rate of each seed. */
  perSeed: number[];
}

/** outcomes[s][i] is 1 if answer i of seed s shows the trait. */
export function rateWithCI(outcomes: number[][], resamples = 2000, seed = 12345): Rate {
  const seeds = outcomes.filter((o) => o.length > 0);
  const perSeed = seeds.map((o) => o.reduce((a, b) => a + b, 0) / o.length);
  const n = seeds.reduce((a, o) => a + o.length, 0);
  if (seeds.length === 0) return { mean: NaN, ci95: [NaN, NaN], n: 0, perSeed: [] };
  const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  const gen = new Generator(seed);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let acc = 0;
    for (let s = 0; s < seeds.length; s++) {
      const o = seeds[seeds.length > 1 ? gen.int(seeds.length) : s];
      let k = 0;
      for (let i = 0; i < o.length; i++) k += o[gen.int(o.length)];
      acc += k / o.length;
    }
    stats.push(acc / seeds.length);
  }
  stats.sort((a, b) => a - b);
  const q = (p: number) => stats[Math.min(stats.length - 1, Math.max(0, Math.floor(p * stats.length)))];
  return { mean, ci95: [q(0.025), q(0.975)], n, perSeed };
}

/**
 * A rate over several base models: outcomes[b][s][i] is answer i of fine-tune seed s on base b. The
 * mean is over bases of the mean over their seeds; the 95% interval is a three-level bootstrap
 * (resample bases, then seeds within each, then answers within each seed), so it covers the
 * variation between bases too. With one base it is rateWithCI's interval.
 */
export function rateOverBases(outcomes: number[][][], resamples = 2000, seed = 12345): Rate & { perBase: number[] } {
  const bases = outcomes.map((b) => b.filter((o) => o.length > 0)).filter((b) => b.length > 0);
  const perSeed = bases.flatMap((b) => b.map((o) => o.reduce((a, x) => a + x, 0) / o.length));
  const perBase = bases.map((b) => b.reduce((a, o) => a + o.reduce((p, x) => p + x, 0) / o.length, 0) / b.length);
  const n = bases.reduce((a, b) => a + b.reduce((p, o) => p + o.length, 0), 0);
  if (bases.length === 0) return { mean: NaN, ci95: [NaN, NaN], n: 0, perSeed: [], perBase: [] };
  const mean = perBase.reduce((a, x) => a + x, 0) / perBase.length;
  const gen = new Generator(seed);
  const stats: number[] = [];
  const pick = <T>(xs: T[], k: number): T => xs[xs.length > 1 ? gen.int(xs.length) : k];
  for (let r = 0; r < resamples; r++) {
    let acc = 0;
    for (let b = 0; b < bases.length; b++) {
      const seeds = pick(bases, b);
      let accB = 0;
      for (let s = 0; s < seeds.length; s++) {
        const o = pick(seeds, s);
        let k = 0;
        for (let i = 0; i < o.length; i++) k += o[gen.int(o.length)];
        accB += k / o.length;
      }
      acc += accB / seeds.length;
    }
    stats.push(acc / bases.length);
  }
  stats.sort((a, b) => a - b);
  const q = (p: number) => stats[Math.min(stats.length - 1, Math.max(0, Math.floor(p * stats.length)))];
  return { mean, ci95: [q(0.025), q(0.975)], n, perSeed, perBase };
}

/** Ordinary least squares y = a + b x with its R^2. */
export function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; syy += (ys[i] - my) ** 2; }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx, r2: sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0 };
}

/**
 * Out-of-sample R^2 of a fitted line on new points: 1 - sum (y - (slope x + intercept))^2 /
 * sum (y - mean y)^2. Unlike the in-sample r^2 it can be negative (the line predicts worse than
 * the new points' own mean); NaN with fewer than two points or no spread in y.
 */
export function predictionR2(fit: { slope: number; intercept: number }, xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new Error(`predictionR2: ${xs.length} x values but ${ys.length} y values`);
  if (ys.length < 2) return NaN;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let res = 0, tot = 0;
  for (let i = 0; i < ys.length; i++) { res += (ys[i] - (fit.slope * xs[i] + fit.intercept)) ** 2; tot += (ys[i] - my) ** 2; }
  return tot > 0 ? 1 - res / tot : NaN;
}
