// Autograd behaviour (accumulation, hooks, noGrad, detach, freed graphs) and the memory lifecycle
// (tidy, dispose, live-buffer counters).
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { CpuBackend } from '../src/backend/cpu.ts';

const be = new CpuBackend();
const f64 = (d: number[], shape?: number[], requiresGrad = true) => T.fromArray(d, shape, { dtype: 'f64', backend: be, requiresGrad });

describe('autograd', () => {
  it('accumulates gradients of a tensor used twice', () => {
    const x = f64([1, 2, 3]);
    T.sum(T.add(T.mul(x, x), x)).backward();            // d/dx (x^2 + x) = 2x + 1
    expect(Array.from(x.grad!.dataSync())).toEqual([3, 5, 7]);
  });

  it('accumulates across backward calls until the grad is cleared', () => {
    const x = f64([1, -2]);
    T.sum(T.mulScalar(x, 3)).backward();
    T.sum(T.mulScalar(x, 3)).backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([6, 6]);
  });

  it('gives two leaves fed by one passthrough gradient separate tensors', () => {
    const a = f64([1, 2]), b = f64([3, 4]);
    T.sum(T.add(a, b)).backward();
    expect(a.grad).not.toBe(b.grad);
    a.grad!.dispose();
    expect(Array.from(b.grad!.dataSync())).toEqual([1, 1]);
  });

  it('runs hooks with the gradient and lets them replace it', () => {
    const x = f64([1, 2]);
    const y = T.mulScalar(x, 2);
    const seen: number[][] = [];
    y.registerHook((g) => { seen.push(Array.from(g.dataSync())); return T.mulScalar(g, 10); });
    T.sum(T.mul(y, y)).backward();                       // dL/dy = 2y = [4, 8]
    expect(seen).toEqual([[4, 8]]);
    expect(Array.from(x.grad!.dataSync())).toEqual([80, 160]);
  });

  it('records nothing under noGrad and cuts the graph at detach', () => {
    const x = f64([1, 2]);
    const y = T.noGrad(() => T.mul(x, x));
    expect(y.requiresGrad).toBe(false);
    const z = T.mul(x.detach(), x);
    T.sum(z).backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([1, 2]);
  });

  it('refuses a second backward through a freed graph unless retainGraph', () => {
    const x = f64([1, 2]);
    const y = T.mul(x, x);
    const l = T.sum(y);
    l.backward(undefined, { retainGraph: true });
    l.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([4, 8]);
    expect(() => l.backward()).toThrow(/already freed/);
  });
});

describe('memory lifecycle', () => {
  it('returns the live-buffer counter to its start after forward+backward inside tidy', () => {
    const start = be.stats();
    const w = f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const lnw = f64([1, 1, 1]), lnb = f64([0, 0, 0]);
    const afterParams = be.stats();
    const loss = T.tidy(() => {
      const x = f64([1, 2, 3, 4, 5, 6, 7, 8], [4, 2], false);
      const h = T.layerNorm(T.gelu(T.matmul(x, w)), lnw, lnb);
      const l = T.mean(T.mul(h, h));
      l.backward();
      return l;
    });
    // the loss (returned) and the three leaf grads survive; everything else is gone
    expect(be.stats().liveBuffers).toBe(afterParams.liveBuffers + 1 + 3);
    loss.dispose(); w.grad!.dispose(); lnw.grad!.dispose(); lnb.grad!.dispose();
    expect(be.stats()).toEqual(afterParams);
    w.dispose(); lnw.dispose(); lnb.dispose();
    expect(be.stats()).toEqual(start);
  });

  it('frees a shared buffer only when its last view is disposed', () => {
    const start = be.stats().liveBuffers;
    const x = f64([1, 2, 3, 4], [4], false);
    const y = T.reshape(x, [2, 2]);
    x.dispose();
    expect(be.stats().liveBuffers).toBe(start + 1);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(be.stats().liveBuffers).toBe(start);
  });

  it('keep() takes a tensor out of the scope', () => {
    let kept: T.Tensor | null = null;
    T.tidy(() => { kept = T.keep(f64([1], [1], false)); f64([2], [1], false); });
    expect(kept!.isDisposed).toBe(false);
  });
});
