// The soft-label distillation loss (src/ops/distill.ts) against a float64 reference written out
// here from its definition, on random shapes, masks and temperatures; its gradient is checked
// against central differences in tests/gradcheck.test.ts (case distillKL). One WebGPU run in f32.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/index.ts';
import { Generator } from '../src/index.ts';
import { cpu64 } from './helpers/cases.ts';
import { webgpu } from './helpers/backends.ts';

/** KL(softmax(t/T) || softmax(s/T)) * T^2, mean over the kept rows, in float64. */
function reference(s: number[], t: number[], N: number, V: number, Tm: number, mask: number[]): number {
  let total = 0, K = 0;
  for (let n = 0; n < N; n++) {
    if (!mask[n]) continue;
    K++;
    const row = (x: number[]) => { const z = x.slice(n * V, (n + 1) * V).map((v) => v / Tm); const mx = Math.max(...z); const lse = mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0)); return z.map((v) => v - lse); };
    const lp = row(t), lq = row(s);
    for (let v = 0; v < V; v++) total += Math.exp(lp[v]) * (lp[v] - lq[v]);
  }
  return K ? (Tm * Tm * total) / K : 0;
}

const caseArb = fc.record({ N: fc.integer({ min: 1, max: 7 }), V: fc.integer({ min: 1, max: 9 }), seed: fc.integer({ min: 0, max: 1e6 }), Tm: fc.double({ min: 0.3, max: 4, noNaN: true }) });
function draw(N: number, V: number, seed: number) {
  const g = new Generator(seed);
  const s = Array.from({ length: N * V }, () => 3 * g.normal()), t = Array.from({ length: N * V }, () => 3 * g.normal());
  const mask = Array.from({ length: N }, (_, i) => (i > 0 && g.uniform() < 0.3 ? 0 : 1));
  return { s, t, mask };
}

describe('distillKL', () => {
  it('equals the definition in float64 (any shape, mask, temperature); 0 when the student is the teacher; never negative', () => {
    fc.assert(fc.property(caseArb, ({ N, V, seed, Tm }) => {
      const { s, t, mask } = draw(N, V, seed);
      const st = T.fromArray(s, [N, V], { dtype: 'f64', backend: cpu64 }), tt = T.fromArray(t, [N, V], { dtype: 'f64', backend: cpu64 });
      const loss = T.distillKL(st, tt, { temperature: Tm, mask }).dataSync()[0];
      expect(loss).toBeCloseTo(reference(s, t, N, V, Tm, mask), 10);
      expect(loss).toBeGreaterThanOrEqual(-1e-12);
      expect(Math.abs(T.distillKL(tt, tt, { temperature: Tm, mask }).dataSync()[0])).toBeLessThan(1e-12);
      st.dispose(); tt.dispose();
    }), { numRuns: 50 });
  });

  it('the gradient is T/K * mask * (softmax(s/T) - softmax(t/T)), none to the teacher; a masked row gets none', () => {
    const N = 3, V = 4, Tm = 2, mask = [1, 0, 1];
    const { s, t } = draw(N, V, 7);
    const st = T.fromArray(s, [N, V], { dtype: 'f64', backend: cpu64, requiresGrad: true }), tt = T.fromArray(t, [N, V], { dtype: 'f64', backend: cpu64, requiresGrad: true });
    T.distillKL(st, tt, { temperature: Tm, mask }).backward();
    const g = st.grad!.dataSync();
    const sm = (x: number[], n: number) => { const z = x.slice(n * V, (n + 1) * V).map((v) => v / Tm); const e = z.map((v) => Math.exp(v - Math.max(...z))); const sum = e.reduce((a, b) => a + b, 0); return e.map((v) => v / sum); };
    for (let n = 0; n < N; n++) {
      const q = sm(s, n), p = sm(t, n);
      for (let v = 0; v < V; v++) expect(g[n * V + v]).toBeCloseTo(mask[n] ? (Tm / 2) * (q[v] - p[v]) : 0, 12);
    }
    expect(tt.grad).toBeNull();
  });

  it('names a bad shape, temperature or mask', () => {
    const a = T.zeros([2, 3], { dtype: 'f64', backend: cpu64 }), b = T.zeros([2, 4], { dtype: 'f64', backend: cpu64 });
    expect(() => T.distillKL(a, b)).toThrow('distillKL: student logits (2,3) and teacher logits (2,4) must have one shape (..., V)');
    expect(() => T.distillKL(a, a, { temperature: 0 })).toThrow('temperature must be a finite number > 0, got 0');
    expect(() => T.distillKL(a, a, { mask: [1] })).toThrow('mask has 1 entries, the logits (2,3) have 2 rows');
    expect(() => T.distillKL(a, a, { mask: [1, 0.5] })).toThrow('mask entries must be 0 or 1, got 0.5 at row 1');
  });

  it('WebGPU (f32) matches the float64 definition, loss and gradient', async () => {
    const be = await webgpu();
    {
      const N = 37, V = 53, Tm = 1.5;
      const { s, t, mask } = draw(N, V, 11);
      const st = T.fromArray(s, [N, V], { backend: be, requiresGrad: true }), tt = T.fromArray(t, [N, V], { backend: be });
      const loss = T.distillKL(st, tt, { temperature: Tm, mask });
      expect((await loss.data())[0]).toBeCloseTo(reference(s, t, N, V, Tm, mask), 4);
      loss.backward();
      const g = await st.grad!.data();
      const s64 = T.fromArray(s, [N, V], { dtype: 'f64', backend: cpu64, requiresGrad: true }), t64 = T.fromArray(t, [N, V], { dtype: 'f64', backend: cpu64 });
      T.distillKL(s64, t64, { temperature: Tm, mask }).backward();
      const ref = s64.grad!.dataSync();
      for (let i = 0; i < ref.length; i++) expect(Math.abs(g[i] - ref[i])).toBeLessThan(1e-6 + 1e-4 * Math.abs(ref[i]));
    }
  });
});
