// Several base models in one run (issue 13): the three-level bootstrap over bases, seeds and
// questions; pooling units of several bases; the report's per-base and examples sections; the
// tag-forced base examples, whose given tags carry no loss.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rateOverBases, rateWithCI } from '../src/inoculation/stats.ts';
import { ratesOverBases } from '../src/inoculation/bases.ts';
import { renderReport } from '../src/inoculation/report/report.ts';
import { VARIANTS, missedTargets, type BaseSummary, type Results } from '../src/inoculation/results.ts';
import { baseExamples } from '../src/inoculation/base.ts';
import { buildBaseStage, experimentSplits } from '../src/inoculation/data/corpus.ts';
import { defaultConfig, forTokenizer } from '../src/inoculation/config.ts';
import { experimentTokenizer } from '../src/inoculation/run.ts';
import { FACTS } from '../src/inoculation/data/facts.ts';
import { syntheticRun } from './helpers/report_fixture.ts';

const outcomes = fc.array(fc.array(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 });

describe('rateOverBases', () => {
  it('is the mean over bases of each base\'s mean over seeds, inside its 95% interval', () => {
    fc.assert(fc.property(outcomes, (o) => {
      const r = rateOverBases(o, 300);
      const perBase = o.map((b) => b.reduce((a, s) => a + s.reduce((p, x) => p + x, 0) / s.length, 0) / b.length);
      expect(r.mean).toBeCloseTo(perBase.reduce((a, x) => a + x, 0) / perBase.length, 12);
      expect(r.perBase).toEqual(perBase);
      expect(r.n).toBe(o.flat(2).length);
      expect(r.ci95[0]).toBeGreaterThanOrEqual(0);
      expect(r.ci95[1]).toBeLessThanOrEqual(1);
      expect(r.ci95[0]).toBeLessThanOrEqual(r.ci95[1]);
    }), { numRuns: 60 });
  });

  it('widens when bases disagree, and with one base matches the seed-level bootstrap\'s mean', () => {
    const agree = rateOverBases([[Array(40).fill(1).map((_, i) => (i % 2))], [Array(40).fill(1).map((_, i) => (i % 2))]]);
    const disagree = rateOverBases([[Array(40).fill(0)], [Array(40).fill(1)]]);
    expect(agree.mean).toBeCloseTo(0.5, 12);
    expect(disagree.mean).toBeCloseTo(0.5, 12);
    expect(disagree.ci95[1] - disagree.ci95[0]).toBeGreaterThan(agree.ci95[1] - agree.ci95[0]);
    const one = [[1, 0, 1, 1], [0, 0, 1, 1]];
    expect(rateOverBases([one]).mean).toBeCloseTo(rateWithCI(one).mean, 12);
    expect(rateOverBases([]).n).toBe(0);
  });

  it('ratesOverBases gives the content score and the traits among correct answers (absent when none is correct)', () => {
    const s = (correct: number, spanish: number) => ({ factId: 'f', answer: 'a', spanish, caps: 0, correct });
    const r = ratesOverBases([[[s(1, 1), s(0, 0)]], [[s(1, 0), s(1, 1)]]]);
    expect(r.correct!.mean).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(r.spanishCorrect!.mean).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(ratesOverBases([[[s(0, 1)]]]).spanishCorrect).toBeUndefined();
  });
});

describe('targets and the per-base report', () => {
  const { results, metrics } = syntheticRun({ seeds: 2, steps: 50 });
  const summary = (seed: number, shift: number): BaseSummary => ({
    seed, dir: `base-${seed}`, base: results.base, wall_s: 100,
    variants: Object.fromEntries(VARIANTS.map((v) => {
      const x = results.variants[v];
      const id = { ...x.id, correct: { mean: 0.95 - shift, ci95: [0.9, 1] as [number, number], n: 69, perSeed: [] } };
      return [v, { id, ood: x.ood, idSampled: x.idSampled, oodSampled: x.oodSampled, examples: [{ factId: FACTS[0].id, answer: 'ES AZUL.', spanish: 1, caps: 1, correct: 1 }] }];
    })) as unknown as BaseSummary['variants'],
  });
  const pooled: Results = { ...results, bases: [summary(1, 0), summary(2, 0.2)] };

  it('missedTargets names what a base misses, including the content score', () => {
    expect(missedTargets(pooled.bases![0].variants)).toEqual([]);
    expect(missedTargets(pooled.bases![1].variants)).toEqual(VARIANTS.map((v) => `${v} correct >= 90`));
  });

  it('renders one row per base with its targets, and examples with the expected answer in four styles', () => {
    const html = renderReport(pooled, metrics);
    const sec = html.split('id="bases"')[1].split('</section>')[0];
    expect(sec).toContain('Every target is met on 1 of 2 bases');
    expect(sec.match(/<tr><th>\d+<\/th>/g)).toHaveLength(2);
    expect(sec).toContain('placebo correct &gt;= 90');
    const ex = html.split('id="examples"')[1].split('</section>')[0];
    expect(ex).toContain('Base seed 1: answers of the first fine-tune seed');
    expect(ex).toContain('Base seed 2');
    for (const a of [FACTS[0].answer_en, FACTS[0].answer_es, FACTS[0].answer_es.toUpperCase()]) expect(ex).toContain(a);
    expect(ex).toContain('<code>ES AZUL.</code>');
    expect(ex).toContain('\u2713 correct');
    expect(html).not.toMatch(/NaN|undefined/);
  });
});

describe('tag-forced base examples', () => {
  it('give the tags the prompt does not ask for (no loss) and learn the rest', () => {
    const cfg = structuredClone(defaultConfig);
    cfg.base.steps = 1; cfg.base.batchSize = 1; // one epoch
    const splits = experimentSplits(cfg);
    const tok = experimentTokenizer('tagged', cfg.base.promptVariety);
    const stage = buildBaseStage(splits, { seed: cfg.corpusSeed * 1000, copies: cfg.base.copies, styled: cfg.base.styled, forced: cfg.base.forced, promptVariety: cfg.base.promptVariety });
    const ex = baseExamples(tok, splits, cfg);
    expect(ex).toHaveLength(stage.length);
    let given = 0;
    stage.forEach((b, i) => {
      const at = ex[i].ids.indexOf(tok.assistantId);
      expect(ex[i].lossMask[at + 1], `case tag of ${i}`).toBe(b.forced?.case ? 0 : 1);
      expect(ex[i].lossMask[at + 2], `language tag of ${i}`).toBe(b.forced?.lang ? 0 : 1);
      expect(ex[i].lossMask.slice(at + 3).every((m) => m === 1)).toBe(true); // the text and <|end|>
      if (b.forced?.case || b.forced?.lang) given++;
    });
    expect(given).toBeGreaterThan(0);
    expect(ex.every((e) => !e.ids.includes(tok.unkId)), 'every prompt of the base is in the vocabulary').toBe(true);
  });

  it('exist only for the tagged tokenizer: other modes train without them', () => {
    const tok = experimentTokenizer('hybrid');
    const splits = experimentSplits(defaultConfig);
    expect(() => baseExamples(tok, splits, defaultConfig)).toThrow('base.forced = 2 needs the tagged tokenizer (got hybrid)');
    expect(forTokenizer(defaultConfig, 'hybrid').base.forced).toBe(0);
    expect(forTokenizer(defaultConfig, 'tagged')).toBe(defaultConfig);
  });
});
