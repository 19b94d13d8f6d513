// Forward invariants as properties: softmax rows sum to 1, layerNorm normalises, attention is
// causal, matmul equals a float64 triple loop, reductions equal direct sums.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/index.ts';
import { Generator } from '../src/index.ts';
import { seedArb, shapeArb, t64 } from './helpers/cases.ts';

const dims = fc.integer({ min: 1, max: 9 });

describe('forward invariants', () => {
  it('softmax rows sum to 1 and are positive', () => {
    fc.assert(fc.property(shapeArb, seedArb, (s, seed) => {
      const x = t64(s, new Generator(seed), (g) => 10 * g.normal(), false);
      const y = T.softmax(x).dataSync(), C = s[s.length - 1];
      for (let r = 0; r < y.length / C; r++) {
        let sum = 0;
        for (let c = 0; c < C; c++) { expect(y[r * C + c]).toBeGreaterThanOrEqual(0); sum += y[r * C + c]; }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
      }
    }));
  });

  it('logSoftmax equals log of softmax', () => {
    fc.assert(fc.property(shapeArb, seedArb, (s, seed) => {
      const x = t64(s, new Generator(seed), (g) => 5 * g.normal(), false);
      const a = T.logSoftmax(x).dataSync(), b = T.softmax(x).dataSync();
      a.forEach((v, i) => expect(Math.abs(v - Math.log(b[i]))).toBeLessThan(1e-9));
    }));
  });

  it('layerNorm output has mean 0 and variance 1 per row (weight 1, bias 0)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 40 }), seedArb, (N, C, seed) => {
      const g = new Generator(seed);
      const x = t64([N, C], g, (r) => 3 + 4 * r.normal(), false);
      const w = T.ones([C], { dtype: 'f64', backend: x.backend }), b = T.zeros([C], { dtype: 'f64', backend: x.backend });
      const y = T.layerNorm(x, w, b, 1e-12).dataSync();
      for (let n = 0; n < N; n++) {
        const row = Array.from(y.subarray(n * C, n * C + C));
        const m = row.reduce((a, v) => a + v, 0) / C;
        const v = row.reduce((a, u) => a + (u - m) ** 2, 0) / C;
        expect(Math.abs(m)).toBeLessThan(1e-9);
        expect(Math.abs(v - 1)).toBeLessThan(1e-6);
      }
    }));
  });

  it('attention is causal: changing keys/values after t leaves outputs up to t unchanged', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 8 }), seedArb, (Tn, HS, seed) => {
      const g = new Generator(seed), shape = [2, 2, Tn, HS];
      const q = t64(shape, g, undefined, false), k = t64(shape, g, undefined, false), v = t64(shape, g, undefined, false);
      const t = g.int(Tn - 1);
      const kd = k.dataSync(), vd = v.dataSync();
      for (let bh = 0; bh < 4; bh++) for (let j = t + 1; j < Tn; j++) for (let h = 0; h < HS; h++) {
        kd[(bh * Tn + j) * HS + h] += 5 * g.normal(); vd[(bh * Tn + j) * HS + h] += 5 * g.normal();
      }
      const k2 = T.fromArray(kd, shape, { dtype: 'f64', backend: k.backend }), v2 = T.fromArray(vd, shape, { dtype: 'f64', backend: k.backend });
      const a = T.attention(q, k, v).dataSync(), b = T.attention(q, k2, v2).dataSync();
      let changedLater = false;
      for (let bh = 0; bh < 4; bh++) for (let i = 0; i < Tn; i++) for (let h = 0; h < HS; h++) {
        const o = (bh * Tn + i) * HS + h;
        if (i <= t) expect(b[o]).toBe(a[o]); else if (b[o] !== a[o]) changedLater = true;
      }
      expect(changedLater).toBe(true); // the perturbation was real
    }));
  });

  it('attention equals softmax(q k^T / sqrt(HS) + causal mask) v', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 8 }), seedArb, (Tn, HS, seed) => {
      const g = new Generator(seed), shape = [1, 2, Tn, HS];
      const q = t64(shape, g, undefined, false), k = t64(shape, g, undefined, false), v = t64(shape, g, undefined, false);
      const scores = T.mulScalar(T.matmul(q, T.transpose(k)), 1 / Math.sqrt(HS));
      const mask = T.fromArray(Array.from({ length: Tn * Tn }, (_, i) => (i % Tn > Math.floor(i / Tn) ? 1 : 0)), [Tn, Tn], { dtype: 'f64', backend: q.backend });
      const want = T.matmul(T.softmax(T.maskedFill(scores, mask, -Infinity)), v).dataSync();
      const got = T.attention(q, k, v).dataSync();
      got.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-12));
    }));
  });

  it('matmul equals a float64 triple loop (with broadcast batch)', () => {
    fc.assert(fc.property(dims, dims, dims, fc.integer({ min: 1, max: 3 }), seedArb, (M, K, N, B, seed) => {
      const g = new Generator(seed);
      const a = t64([B, M, K], g, undefined, false), b = t64([K, N], g, undefined, false);
      const ad = a.dataSync(), bd = b.dataSync(), c = T.matmul(a, b).dataSync();
      expect(c.length).toBe(B * M * N);
      for (let p = 0; p < B; p++) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += ad[p * M * K + m * K + k] * bd[k * N + n];
        expect(Math.abs(c[p * M * N + m * N + n] - s)).toBeLessThan(1e-12);
      }
      const b3 = t64([B, K, N], g, undefined, false), c3 = T.matmul(a, b3).dataSync(), b3d = b3.dataSync();
      for (let p = 0; p < B; p++) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += ad[p * M * K + m * K + k] * b3d[p * K * N + k * N + n];
        expect(Math.abs(c3[p * M * N + m * N + n] - s)).toBeLessThan(1e-12);
      }
    }));
  });

  it('sum over all dims equals the direct sum; max is the largest element', () => {
    fc.assert(fc.property(shapeArb, seedArb, (s, seed) => {
      const x = t64(s, new Generator(seed), undefined, false), d = Array.from(x.dataSync());
      expect(Math.abs(T.sum(x).dataSync()[0] - d.reduce((a, v) => a + v, 0))).toBeLessThan(1e-12);
      expect(T.max(x).dataSync()[0]).toBe(Math.max(...d));
    }));
  });

  it('permute then its inverse is the identity; concat of slices is the identity', () => {
    fc.assert(fc.property(shapeArb, seedArb, (s, seed) => {
      const g = new Generator(seed), x = t64(s, g, undefined, false);
      const p = g.shuffle(s.map((_, i) => i)), inv = p.map((_, i) => p.indexOf(i));
      expect(Array.from(T.permute(T.permute(x, p), inv).dataSync())).toEqual(Array.from(x.dataSync()));
      const d = g.int(s.length), cut = g.int(s[d] + 1);
      const back = T.concat([T.slice(x, d, 0, cut), T.slice(x, d, cut, s[d])], d);
      expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
    }));
  });

  it('dropout keeps about 1-p of the elements, scaled by 1/(1-p), and is reproducible from the seed', () => {
    const x = T.ones([10000], { dtype: 'f64', backend: t64([1], new Generator(1)).backend });
    const a = T.dropout(x, 0.3, new Generator(7)).dataSync(), b = T.dropout(x, 0.3, new Generator(7)).dataSync();
    const kept = a.filter((v) => v !== 0);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Math.abs(kept.length / 10000 - 0.7)).toBeLessThan(0.02);
    kept.forEach((v) => expect(Math.abs(v - 1 / 0.7)).toBeLessThan(1e-12));
  });
});
