// Every differentiable op against float64 central differences (gradcheck: eps 1e-6, atol 1e-5,
// rtol 1e-3) on random shapes. One line per case; the last test fails if an op has none.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/index.ts';
import { Generator, OP_NAMES, type Tensor } from '../src/index.ts';
import { gradcheck } from '../src/gradcheck.ts';
import { away, broadcastPartner, cpu64, ids, positive, randomStarts, seedArb, shapeArb, t64 } from './helpers/cases.ts';

type Case = (shape: number[], g: Generator) => [(...xs: Tensor[]) => Tensor, Tensor[]];

const binaryCase = (op: (a: Tensor, b: Tensor) => Tensor, drawB?: (g: Generator) => number): Case =>
  (s, g) => { const swap = g.uniform() < 0.5, p = broadcastPartner(s, g);
    const a = t64(swap ? p : s, g), b = t64(swap ? s : p, g, drawB); return [op, [a, b]]; };
const unaryCase = (op: (x: Tensor) => Tensor, draw?: (g: Generator) => number): Case => (s, g) => [op, [t64(s, g, draw)]];
const randomDims = (s: number[], g: Generator) => s.map((_, i) => i).filter(() => g.uniform() < 0.5);

const CASES: Record<string, Case> = {
  add: binaryCase(T.add),
  sub: binaryCase(T.sub),
  mul: binaryCase(T.mul),
  div: binaryCase(T.div, away(0.5, 2)),
  neg: unaryCase(T.neg),
  exp: unaryCase(T.exp),
  log: unaryCase(T.log, positive(0.3, 3)),
  sqrt: unaryCase(T.sqrt, positive(0.3, 3)),
  tanh: unaryCase(T.tanh, away(0, 2)),
  relu: unaryCase(T.relu, away(0.05, 1)),
  gelu: unaryCase(T.gelu, away(0, 3)),
  pow: (s, g) => { const e = [2, 3, 0.5, -1.5][g.int(4)]; return [(x) => T.pow(x, e), [t64(s, g, positive(0.3, 2))]]; },
  mulScalar: (s, g) => { const c = g.uniform() * 4 - 2; return [(x) => T.mulScalar(x, c), [t64(s, g)]]; },
  addScalar: (s, g) => { const c = g.uniform() * 4 - 2; return [(x) => T.addScalar(x, c), [t64(s, g)]]; },
  where: (s, g) => { const c = t64(broadcastPartner(s, g), g, (r) => (r.uniform() < 0.5 ? 1 : 0), false);
    return [(a, b) => T.where(c, a, b), [t64(s, g), t64(broadcastPartner(s, g), g)]]; },
  reshape: (s, g) => { const n = s.reduce((a, b) => a * b, 1); const to = g.uniform() < 0.5 ? [n] : [-1, s[s.length - 1]];
    return [(x) => T.reshape(x, to), [t64(s, g)]]; },
  permute: (s, g) => { const p = g.shuffle(s.map((_, i) => i)); return [(x) => T.permute(x, p), [t64(s, g)]]; },
  slice: (s, g) => { const d = g.int(s.length), a = g.int(s[d]), b = a + 1 + g.int(s[d] - a);
    return [(x) => T.slice(x, d, a, b), [t64(s, g)]]; },
  concat: (s, g) => { const d = g.int(s.length), s2 = [...s]; s2[d] = 1 + g.int(3);
    return [(a, b) => T.concat([a, b, a], d), [t64(s, g), t64(s2, g)]]; },
  expand: (s, g) => { const p = broadcastPartner(s, g); return [(x) => T.expand(x, s), [t64(p, g)]]; },
  clone: unaryCase(T.clone),
  sum: (s, g) => { const d = randomDims(s, g), k = g.uniform() < 0.5; return [(x) => T.sum(x, d, k), [t64(s, g)]]; },
  mean: (s, g) => { const d = randomDims(s, g), k = g.uniform() < 0.5; return [(x) => T.mean(x, d, k), [t64(s, g)]]; },
  max: (s, g) => { const d = randomDims(s, g), k = g.uniform() < 0.5; return [(x) => T.max(x, d.length ? d : undefined, k), [t64(s, g)]]; },
  matmul: (s, g) => { const [M, K, N] = [1 + g.int(6), 1 + g.int(6), 1 + g.int(6)]; const batch = s.slice(0, g.int(3));
    const bb = g.uniform() < 0.3 ? [] : broadcastPartner(batch.length ? batch : [1], g);
    return [T.matmul, [t64([...batch, M, K], g), t64([...bb, K, N], g)]]; },
  softmax: unaryCase(T.softmax),
  logSoftmax: unaryCase(T.logSoftmax),
  layerNorm: (s, g) => { const C = s[s.length - 1];
    return [(x, w, b) => T.layerNorm(x, w, b), [t64(s, g, (r) => r.normal()), t64([C], g, positive(0.5, 1.5)), t64([C], g)]]; },
  embedding: (s, g) => { const V = 1 + g.int(7), C = 1 + g.int(5), i = ids(s.slice(0, 3), V, g);
    return [(w) => T.embedding(i, w), [t64([V, C], g)]]; },
  crossEntropy: (s, g) => { const V = 2 + g.int(6), lead = s.slice(0, 2), n = lead.reduce((a, b) => a * b, 1);
    const tg = Array.from({ length: n }, (_, j) => (j > 0 && g.uniform() < 0.25 ? -100 : g.int(V)));
    const targets = T.indices(tg, lead, { backend: ids([1], 1, g).backend });
    return [(x) => T.crossEntropy(x, targets), [t64([...lead, V], g, (r) => 2 * r.normal())]]; },
  distillKL: (s, g) => { const V = 2 + g.int(6), lead = s.slice(0, 2), n = lead.reduce((a, b) => a * b, 1), Tm = 0.5 + 2.5 * g.uniform();
    const mask = Array.from({ length: n }, (_, j) => (j > 0 && g.uniform() < 0.3 ? 0 : 1)), teacher = t64([...lead, V], g, (r) => 2 * r.normal(), false);
    return [(x) => T.distillKL(x, teacher, { temperature: Tm, mask }), [t64([...lead, V], g, (r) => 2 * r.normal())]]; },
  dropout: (s, g) => { const p = 0.1 + 0.6 * g.uniform(), seed = g.nextU32();
    return [(x) => T.dropout(x, p, new Generator(seed)), [t64(s, g)]]; },
  linear: (s, g) => { const K = s[s.length - 1], N = 1 + g.int(6);
    return [T.linear, [t64(s, g), t64([K, N], g), t64([N], g)]]; },
  matmulTransposed: (s, g) => { const K = s[s.length - 1], N = 1 + g.int(6);
    return [T.matmulTransposed, [t64(s.length >= 2 ? s : [1, ...s], g), t64([N, K], g)]]; },
  mlpResidual: (s, g) => { const K = s[s.length - 1], H = 1 + g.int(6), N = 1 + g.int(4), lead = s.slice(0, -1);
    return [T.mlpResidual, [t64(s, g), t64([K, H], g), t64([H], g), t64([H, N], g), t64([N], g), t64([...lead, N], g)]]; },
  linearGelu: (s, g) => { const K = s[s.length - 1], N = 1 + g.int(6);
    return [T.linearGelu, [t64(s, g), t64([K, N], g), t64([N], g)]]; },
  linearResidual: (s, g) => { const K = s[s.length - 1], N = 1 + g.int(6);
    return [T.linearResidual, [t64(s, g), t64([K, N], g), t64([N], g), t64([...s.slice(0, -1), N], g)]]; },
  attention: (s, g) => { const B = 1 + g.int(2), Tn = 1 + g.int(6), NH = 1 + g.int(2), HS = 1 + g.int(5);
    const starts = g.uniform() < 0.5 ? undefined : T.indices(randomStarts(B, Tn, g), [B, Tn], { backend: cpu64 });
    return [(qkv) => T.attention(qkv, NH, starts), [t64([B, Tn, 3 * NH * HS], g)]]; },
};

describe('gradcheck (float64, central differences)', () => {
  for (const [name, make] of Object.entries(CASES)) {
    it(name, () => {
      fc.assert(fc.property(shapeArb, seedArb, (shape, seed) => {
        const [fn, inputs] = make(shape, new Generator(seed));
        try { gradcheck(fn, inputs); } finally { for (const x of inputs) x.dispose(); }
      }), { numRuns: 25 });
    });
  }

  it('covers every registered differentiable op', () => {
    const missing = OP_NAMES.filter((n) => !(n in CASES));
    expect(missing).toEqual([]);
    expect(OP_NAMES.length).toBeGreaterThanOrEqual(30);
  });
});
