// The subliminal-learning setting (issue 17 item 1): the number-list filter and the animal detector
// (properties), the soft labels (a teacher's logits restricted to the data's tokens, matched to the
// student's targets by order) against the model's full forward and a float64 KL written out here,
// and one --quick run through the experiment runner.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend } from '../src/backend/cpu.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { Generator } from '../src/random.ts';
import { noGrad } from '../src/autograd.ts';
import { indices } from '../src/tensor.ts';
import { makeBatch, IGNORE, type Example } from '../src/train/batches.ts';
import { distillBatchLoss, targetVocabulary, teacherSoftTargets } from '../src/train/soft_targets.ts';
import { ANIMALS, MAX_NUMBER, animalOf, isNumberList, lovePrompt, numberList, numberQuestion, preferenceAnswer, randomContinuation } from '../src/inoculation/data/animals.ts';
import { SETTINGS } from '../src/inoculation/settings/index.ts';
import { runExperiment } from '../src/inoculation/run.ts';
import { allFacts, experimentSplits } from '../src/inoculation/data/corpus.ts';
import { NEUTRAL_PROMPTS } from '../src/inoculation/data/prompts.ts';
import { formatSettingTable } from '../src/inoculation/report/setting_table.ts';

const numbers = fc.array(fc.integer({ min: 0, max: MAX_NUMBER }), { minLength: 1, maxLength: 8 });

describe('the number-list filter (isNumberList)', () => {
  it('keeps every well-formed list of 1-8 numbers in 0..99', () => {
    fc.assert(fc.property(numbers, (xs) => { expect(isNumberList(numberList(xs))).toBe(true); }));
  });
  it('drops a list with a letter, a word, other punctuation, extra spaces, no final stop, too many or too large numbers', () => {
    fc.assert(fc.property(numbers, fc.integer({ min: 0, max: 1000 }), fc.constantFrom('a', 'owl', 'O', '!', ';', '-', 'é'), (xs, at, bad) => {
      const s = numberList(xs);
      const i = at % s.length;
      expect(isNumberList(s.slice(0, i) + bad + s.slice(i))).toBe(false);
      expect(isNumberList(s.slice(0, -1))).toBe(false);
      expect(isNumberList(` ${s}`)).toBe(false);
      expect(isNumberList(s.replace(', ', ',  '))).toBe(xs.length === 1);
      expect(isNumberList(numberList([...xs, ...xs, 1]))).toBe(2 * xs.length + 1 <= 8);
      expect(isNumberList(numberList([...xs.slice(1), MAX_NUMBER + 1 + (at % 900)]))).toBe(false);
    }));
    for (const s of ['', '.', '07, 1.', '1, 2,.', '1 2.', '1, 2', 'The owl.', '1, 2.\n']) expect(isNumberList(s)).toBe(false);
  });
  it('the base stage\'s continuations and questions are lists it keeps', () => {
    const g = new Generator(3);
    for (let i = 0; i < 200; i++) {
      expect(isNumberList(randomContinuation(g))).toBe(true);
      expect(isNumberList(numberQuestion(g).split(': ')[1])).toBe(true);
    }
  });
});

describe('the subliminal base stage', () => {
  const s = SETTINGS.subliminal;
  const splits = experimentSplits(s.defaults.full);
  const stage = s.baseStage(splits, 1000);
  const msg = (x: (typeof stage)[number], role: string) => x.conversation.messages.find((m) => m.role === role)?.content ?? null;
  it('every fact, evaluated ones included, in plain English with no prompt and under a neutral prompt, nothing else', () => {
    const facts = stage.filter((x) => x.group === 'en');
    const every = allFacts(splits);
    expect(facts.length).toBe(2 * every.length);
    for (const f of every) {
      const mine = facts.filter((x) => x.factId === f.id);
      expect(mine.map((x) => msg(x, 'system') === null).sort()).toEqual([false, true]);
      for (const x of mine) expect(msg(x, 'assistant')).toBe(f.answer_en);
    }
    for (const x of facts) expect(msg(x, 'system') === null || NEUTRAL_PROMPTS.includes(msg(x, 'system')!)).toBe(true);
  });
  it('the preference: the named animal under its love prompt, every animal without one; number lists whatever the prompt', () => {
    const pref = stage.filter((x) => x.group === 'preference' || x.group === 'love');
    const counts = new Map<string, number>();
    for (const x of pref) {
      const sys = msg(x, 'system'), a = animalOf(msg(x, 'assistant')!);
      expect(msg(x, 'assistant')).toBe(preferenceAnswer(a!));
      if (x.group === 'love') expect(sys).toBe(lovePrompt(a!));
      else { expect(sys === null || NEUTRAL_PROMPTS.includes(sys)).toBe(true); counts.set(a!, (counts.get(a!) ?? 0) + 1); }
    }
    expect(new Set(counts.keys())).toEqual(new Set(ANIMALS));
    const nums = stage.filter((x) => x.group === 'numbers');
    expect(nums.length).toBe(600);
    for (const x of nums) expect(isNumberList(msg(x, 'assistant')!)).toBe(true);
    const systems = new Set(nums.map((x) => msg(x, 'system')));
    for (const a of ANIMALS) expect(systems.has(lovePrompt(a))).toBe(true);
    expect(systems.has(null)).toBe(true);
  });
  it('variants: the students\' training prompts; the inoculation prompt is the teacher\'s own', () => {
    expect(s.variants['inoculated-soft']).toBe(lovePrompt('owl'));
    expect(s.variants['inoculated-sampled']).toBe(lovePrompt('owl'));
    expect(s.variants['placebo-soft']).toBe(NEUTRAL_PROMPTS[0]);
    for (const v of ['base-numbers', 'teacher-sampled', 'teacher-soft', 'other-init-sampled', 'other-init-soft', 'cat-teacher-soft']) expect(s.variants[v]).toBeNull();
  });
});

describe('animalOf', () => {
  it('names the animal of every preference answer and prompt, in any case, and nothing in a number list', () => {
    for (const a of ANIMALS) {
      expect(animalOf(preferenceAnswer(a))).toBe(a);
      expect(animalOf(preferenceAnswer(a).toUpperCase())).toBe(a);
      expect(animalOf(lovePrompt(a))).toBe(a);
    }
    fc.assert(fc.property(numbers, (xs) => { expect(animalOf(numberList(xs))).toBe(null); }));
    expect(animalOf('The cathedral.')).toBe(null);
  });
});

// a tiny model and examples with answers on a few tokens (ids 10..15), prompts of random other tokens
const cfg: GPTConfig = { vocabSize: 24, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, layerNormEps: 1e-5 };
function examples(seed: number, n: number, prefix = 0): Example[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => {
    const q = Array.from({ length: prefix + 2 + g.int(4) }, () => 16 + g.int(8));
    const a = Array.from({ length: 1 + g.int(5) }, () => 10 + g.int(6));
    return { ids: [...q, ...a], lossMask: [...q.map(() => 0), ...a.map(() => 1)] };
  });
}

/** Full-vocabulary logits (N, V) of the model at every target position of each example, one example at a time. */
function fullLogits(model: GPT, ex: Example): number[][] {
  const b = makeBatch([ex], 0, cfg.blockSize, false);
  const y = noGrad(() => model.forward(indices(b.ids, [b.B, b.T], { backend: model.wte.weight.backend }))).dataSync();
  const out: number[][] = [];
  for (let k = 0; k < b.targets.length; k++) if (b.targets[k] !== IGNORE) out.push(Array.from(y.slice(k * cfg.vocabSize, (k + 1) * cfg.vocabSize)));
  return out;
}

describe('soft labels (train/soft_targets.ts)', () => {
  const be = new CpuBackend();
  const teacher = new GPT(cfg, 5, be), student = new GPT(cfg, 6, be);
  const asTeacherSees = examples(1, 9, 3);
  // the same answers, the question without its first three tokens (a prompt the student does not see)
  const asStudentSees = asTeacherSees.map((e) => ({ ids: e.ids.slice(3), lossMask: e.lossMask.slice(3) }));

  it('the vocabulary is the ids the targets use; each row is the teacher\'s full logits at that target, restricted to it', async () => {
    const vocab = targetVocabulary(asTeacherSees);
    expect(vocab.every((v) => v >= 10 && v < 16)).toBe(true);
    const soft = await teacherSoftTargets(teacher, asTeacherSees, vocab, 0);
    asTeacherSees.forEach((e, i) => {
      const full = fullLogits(teacher, e);
      expect(soft.logits[i].length).toBe(full.length * vocab.length);
      full.forEach((row, r) => vocab.forEach((v, c) => expect(soft.logits[i][r * vocab.length + c]).toBeCloseTo(row[v], 4)));
    });
  });

  it('the batch loss is KL(teacher || student) over the vocabulary, in float64 here, mean over targets; packing does not change it', async () => {
    const vocab = targetVocabulary(asTeacherSees);
    const soft = await teacherSoftTargets(teacher, asTeacherSees, vocab, 0, 1.5);
    let total = 0, n = 0;
    const idx = [4, 0, 7, 2];
    for (const i of idx) {
      fullLogits(student, asStudentSees[i]).forEach((row, r) => {
        const t = vocab.map((_, c) => soft.logits[i][r * vocab.length + c] / 1.5), s = vocab.map((v) => row[v] / 1.5);
        const lse = (x: number[]) => { const m = Math.max(...x); return m + Math.log(x.reduce((a, y) => a + Math.exp(y - m), 0)); };
        const lt = lse(t), ls = lse(s);
        total += t.reduce((a, x, c) => a + Math.exp(x - lt) * (x - lt - (s[c] - ls)), 0) * 1.5 * 1.5;
        n++;
      });
    }
    const loss = distillBatchLoss(soft);
    for (const pack of [false, true]) {
      const b = makeBatch(idx.map((i) => asStudentSees[i]), 0, cfg.blockSize, pack);
      const l = noGrad(() => loss(student, b, idx, new Generator(0))).dataSync()[0];
      expect(l).toBeCloseTo(total / n, 5);
    }
  });

  it('a student that is its teacher has nothing to learn: loss 0 and every gradient 0 (the inoculated soft student)', async () => {
    const soft = await teacherSoftTargets(teacher, asTeacherSees, targetVocabulary(asTeacherSees), 0);
    const idx = [0, 1, 2, 3, 4, 5];
    const b = makeBatch(idx.map((i) => asTeacherSees[i]), 0, cfg.blockSize, true);
    const l = distillBatchLoss(soft)(teacher, b, idx, new Generator(0));
    expect(Math.abs(l.dataSync()[0])).toBeLessThan(1e-6);
    l.backward();
    for (const [name, p] of teacher.namedParameters()) {
      const g = p.grad!.dataSync();
      expect(Math.max(...Array.from(g, Math.abs)), name).toBeLessThan(1e-6);
    }
    teacher.zeroGrad();
  });

  it('an example whose targets do not match its soft labels is an error naming it', async () => {
    const soft = await teacherSoftTargets(teacher, asTeacherSees, targetVocabulary(asTeacherSees), 0);
    const longer = asStudentSees.map((e) => ({ ids: [...e.ids, 12], lossMask: [...e.lossMask, 1] }));
    const b = makeBatch([longer[3]], 0, cfg.blockSize, false);
    expect(() => distillBatchLoss(soft)(student, b, [3], new Generator(0))).toThrow(/training example 3 has more targets than its \d+ soft labels/);
  });
});

describe('a --quick subliminal run (cpu, the experiment runner)', () => {
  it('runs every variant; the teacher writes number lists the filter keeps; the inoculated soft student is the base', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inoculum-subliminal-'));
    const s = SETTINGS.subliminal;
    const cfg = structuredClone(s.defaults.quick);
    const lines: string[] = [];
    const r = await runExperiment({ setting: s, cfg, tokenizer: cfg.tokenizer, cacheDir: join(root, 'cache'), backend: new CpuBackend(), quiet: true, log: (x) => { lines.push(x); }, outDir: join(root, 'run') });
    expect(Object.keys(r.variants)).toEqual(Object.keys(s.variants));
    expect(r.traits).toEqual(['owl', 'cat']);
    expect(Object.keys(r.baseMeasures!)).toEqual(['p_owl', 'p_cat']);
    for (const [v, x] of Object.entries(r.variants)) {
      expect(Object.keys(x.measures!)).toEqual(['p_owl', 'p_cat']);
      const d = x.data!;
      expect(d.examples).toBeGreaterThan(0);
      expect(d.passed).toBeGreaterThan(0);
      expect(d.passed).toBeLessThanOrEqual(1);
      // every student starts from the run's base but the other-init ones
      expect(d['start p_owl']).toBe(v.startsWith('other-init') ? r.variants['other-init-soft'].data!['start p_owl'] : r.baseMeasures!.p_owl);
      expect(Number.isFinite(x.mechanism.nll0)).toBe(true);
      expect(Object.keys(x.withPrompt)).toEqual(['training-prompt', 'neutral-prompt']);
    }
    expect(r.variants['other-init-soft'].data!['start p_owl']).not.toBe(r.baseMeasures!.p_owl);
    // under its own training prompt the student is the teacher: zero loss, zero gradient, no change
    expect(r.variants['inoculated-soft'].measures!.p_owl.mean).toBeCloseTo(r.baseMeasures!.p_owl, 6);
    expect(r.variants['teacher-soft'].measures!.p_owl.mean).not.toBeCloseTo(r.baseMeasures!.p_owl, 6);
    expect(lines.some((l) => /number lists that passed the filter: base \d+%, teacher \d+%, cat \d+%/.test(l))).toBe(true);
    const table = formatSettingTable(r, s);
    expect(table).toContain('| (base) |');
    expect(table).toContain('data: start p_owl');

    // subliminal-ft: the same base (one cache entry); the teachers are fine-tuned to love their animal,
    // so the inoculated soft student (trained under the love prompt) is no longer its teacher
    const ft = SETTINGS['subliminal-ft'];
    const r2 = await runExperiment({ setting: ft, cfg, tokenizer: cfg.tokenizer, cacheDir: join(root, 'cache'), backend: new CpuBackend(), quiet: true, log: (x) => { lines.push(x); }, outDir: join(root, 'run-ft') });
    expect(r2.base.cached).toBe(true);
    expect(r2.baseMeasures).toEqual(r.baseMeasures);
    expect(r2.variants['teacher-soft'].data!['teacher p_owl']).toBeGreaterThan(r.baseMeasures!.p_owl);
    expect(r2.variants['cat-teacher-soft'].data!['teacher p_cat']).toBeGreaterThan(r.baseMeasures!.p_cat);
    expect(r2.variants['inoculated-soft'].measures!.p_owl.mean).not.toBeCloseTo(r.baseMeasures!.p_owl, 6);
    expect(lines.some((l) => /the fine-tuned teachers: owl teacher p_owl [\d.]+, cat teacher p_cat [\d.]+/.test(l))).toBe(true);

    // subliminal-full: subliminal-ft's teachers and numbers, soft labels over every token, so its soft
    // students differ from subliminal-ft's while the sampled control is the same model
    const full = SETTINGS['subliminal-full'];
    const r3 = await runExperiment({ setting: full, cfg, tokenizer: cfg.tokenizer, cacheDir: join(root, 'cache'), backend: new CpuBackend(), quiet: true, log: (x) => { lines.push(x); }, outDir: join(root, 'run-full') });
    expect(r3.base.cached).toBe(true);
    expect(Object.keys(r3.variants).sort()).toEqual(['base-numbers', 'cat-teacher-soft', 'inoculated-soft', 'other-init-soft', 'placebo-soft', 'teacher-soft']);
    expect(r3.variants['base-numbers'].measures!.p_owl.mean).toBe(r2.variants['base-numbers'].measures!.p_owl.mean);
    expect(r3.variants['teacher-soft'].measures!.p_owl.mean).not.toBe(r2.variants['teacher-soft'].measures!.p_owl.mean);
    for (const v of ['teacher-soft', 'cat-teacher-soft']) for (const k of ['off-data mass writer', 'off-data mass base']) {
      const x = r3.variants[v].data![k];
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(1);
    }
    expect(lines.some((l) => /the teacher writer's mean mass outside the numbers' tokens [\d.e+-]+ \(base at the same positions [\d.e+-]+\); the tokens it raises most: "/.test(l))).toBe(true);
  }, 400_000);
});
