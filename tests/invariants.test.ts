// Forward invariants as properties: softmax rows sum to 1, layerNorm normalises, attention is
// causal, matmul equals a float64 triple loop, reductions equal direct sums.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/index.ts';
import { Generator } from '../src/index.ts';
import { cpu64, randomStarts, seedArb, shapeArb, t64 } from './helpers/cases.ts';

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

  // qkv (B, T, 3, NH, HS) flat index of element e of head h, part (0 q, 1 k, 2 v), token t, row b
  const at = (b: number, t: number, part: number, h: number, e: number, Tn: number, NH: number, HS: number) =>
    (((b * Tn + t) * 3 + part) * NH + h) * HS + e;

  it('attention sees only its own sequence\'s past: changing k/v anywhere else leaves out[t] unchanged', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), seedArb, (Tn, HS, packed, seed) => {
      const g = new Generator(seed), B = 2, NH = 2, C = NH * HS;
      const starts = packed ? randomStarts(B, Tn, g) : null;
      const st = starts ? T.indices(starts, [B, Tn], { backend: cpu64 }) : undefined;
      const qkv = t64([B, Tn, 3 * C], g, undefined, false);
      const b0 = g.int(B), t = g.int(Tn - 1), s0 = starts ? starts[b0 * Tn + t] : 0;
      const d = qkv.dataSync();
      for (let b = 0; b < B; b++) for (let j = 0; j < Tn; j++) {
        if (b === b0 && j >= s0 && j <= t) continue; // the keys out[b0, t] sees
        for (let h = 0; h < NH; h++) for (let e = 0; e < HS; e++) {
          d[at(b, j, 1, h, e, Tn, NH, HS)] += 5 * g.normal(); d[at(b, j, 2, h, e, Tn, NH, HS)] += 5 * g.normal();
        }
      }
      const qkv2 = T.fromArray(d, qkv.shape, { dtype: 'f64', backend: cpu64 });
      const a = T.attention(qkv, NH, st).dataSync(), b = T.attention(qkv2, NH, st).dataSync();
      let changedElsewhere = false;
      for (let i = 0; i < B * Tn * C; i++) {
        const row = Math.floor(i / C);
        if (row === b0 * Tn + t) expect(b[i]).toBe(a[i]); else if (b[i] !== a[i]) changedElsewhere = true;
      }
      expect(changedElsewhere).toBe(true); // the perturbation was real
    }));
  });

  it('attention equals softmax(q k^T / sqrt(HS) + causal and sequence mask) v, heads split by permutes', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), seedArb, (Tn, HS, packed, seed) => {
      const g = new Generator(seed), B = 2, NH = 2, C = NH * HS;
      const starts = packed ? randomStarts(B, Tn, g) : Array.from({ length: B * Tn }, () => 0);
      const qkv = t64([B, Tn, 3 * C], g, undefined, false);
      const heads = T.permute(T.reshape(qkv, [B, Tn, 3, NH, HS]), [2, 0, 3, 1, 4]); // (3, B, NH, T, HS)
      const part = (i: number) => T.reshape(T.slice(heads, 0, i, i + 1), [B, NH, Tn, HS]);
      const scores = T.mulScalar(T.matmul(part(0), T.transpose(part(1))), 1 / Math.sqrt(HS)); // (B, NH, T, T)
      const m: number[] = [];
      for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) for (let t = 0; t < Tn; t++) for (let j = 0; j < Tn; j++) {
        m.push(j > t || j < starts[b * Tn + t] ? 1 : 0);
      }
      const mask = T.fromArray(m, [B, NH, Tn, Tn], { dtype: 'f64', backend: cpu64 });
      const y = T.matmul(T.softmax(T.maskedFill(scores, mask, -Infinity)), part(2));        // (B, NH, T, HS)
      const want = T.reshape(T.permute(y, [0, 2, 1, 3]), [B, Tn, C]).dataSync();
      const got = T.attention(qkv, NH, packed ? T.indices(starts, [B, Tn], { backend: cpu64 }) : undefined).dataSync();
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
