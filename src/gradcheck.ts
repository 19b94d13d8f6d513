// Gradient checking in the style of torch.autograd.gradcheck: float64 on the CPU backend,
// central differences, |analytic - numeric| <= atol + rtol * |numeric| for every input element.
import { Tensor, tidy, noGrad, fromArray, type Backend } from './index.ts';
import { Generator } from './random.ts';
import { fmt } from './shape.ts';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random projection that turns a non-scalar output into a scalar. */
  seed?: number;
}

/**
 * Checks fn's gradient with respect to every input that requires grad. Inputs must be float64
 * tensors on a backend that reads synchronously (the CPU backend). Throws an Error naming the
 * input, element, and both values on the first mismatch; returns the largest error seen.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): number {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-3;
  for (const x of inputs) {
    if (x.dtype !== 'f64' && x.requiresGrad) throw new Error(`gradcheck: input ${fmt(x.shape)} is ${x.dtype}; use float64`);
  }
  const be: Backend = inputs[0].backend;
  let worst = 0;
  tidy(() => {
    // a fixed random projection w: loss = sum(fn(x) * w)
    const out0 = noGrad(() => fn(...inputs));
    const gen = new Generator(opts.seed ?? 1234);
    const w = Array.from({ length: out0.size }, () => gen.uniform() * 2 - 1);
    const wt = fromArray(w, out0.shape, { dtype: 'f64', backend: be });
    const lossOf = (): number => {
      const o = noGrad(() => fn(...inputs));
      const d = o.dataSync();
      let s = 0;
      for (let i = 0; i < d.length; i++) s += d[i] * w[i];
      return s;
    };
    for (const x of inputs) x.grad = null;
    const out = fn(...inputs);
    if (!out.requiresGrad) throw new Error('gradcheck: the output does not require grad: no input reaches it');
    out.backward(wt);
    inputs.forEach((x, xi) => {
      if (!x.requiresGrad) return;
      const analytic = x.grad ? x.grad.dataSync() : new Float64Array(x.size);
      const base = x.dataSync();
      const buf = x.bufFor('gradcheck');
      for (let i = 0; i < x.size; i++) {
        const orig = base[i];
        base[i] = orig + eps; be.write(buf, base);
        const lp = lossOf();
        base[i] = orig - eps; be.write(buf, base);
        const lm = lossOf();
        base[i] = orig; be.write(buf, base);
        const numeric = (lp - lm) / (2 * eps);
        const err = Math.abs(analytic[i] - numeric);
        worst = Math.max(worst, err);
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          throw new Error(`gradcheck: input ${xi} ${fmt(x.shape)} element ${i}: analytic ${analytic[i]}, numeric ${numeric} (atol ${atol}, rtol ${rtol})`);
        }
      }
      x.grad?.dispose();
      x.grad = null;
    });
  });
  return worst;
}
