// Parity of the WebGPU AdamW kernel (kernels/adamw.ts) with the CPU reference, step by step within
// per-element rounding bounds (u = 2^-24 the unit roundoff), with clipping, and batched over parameters.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Backend } from '../src/runtime/backend.ts';
import { cpu, expectClose, randomArray, upload, webgpu } from './helpers/backends.ts';
import { readAll } from './helpers/layouts.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import { adamwMany as gpuAdamwMany, type AdamwItem } from '../kernels/adamw.ts';

const u = 2 ** -24;
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
const RUNS = { numRuns: 20 };

describe('webgpu adamw', () => {
  // Each step starts both backends from the CPU's state, so each bound covers one step. In f64,
  // from the state before the step: m' = b1 m + (1 - b1) g may cancel, so its error is bounded by
  // 3u (|b1 m| + |(1 - b1) g|) (+ u for f32(b1)), not relative to m'; v' adds positive terms (4u
  // relative); the step r = mhat / (sqrt(vhat) + eps) inherits m's error over c1 (sqrt(vhat) + eps)
  // plus ~8 roundings relative, and param' = p - lr (r + wd p) two more.
  it('adamw matches the CPU step by step, within per-element rounding bounds', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), seedArb, fc.integer({ min: 1, max: 1000 }),
      fc.constantFrom(0, 0.01, 0.1), async (n, seed, step0, wd) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        let p: ArrayLike<number> = randomArray(n, seed), m: ArrayLike<number> = new Float32Array(n), v: ArrayLike<number> = new Float32Array(n);
        for (let s = 0; s < 3; s++) {
          const step = step0 + s, c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
          const grad = randomArray(n, seed + 7 * s + 1, -0.1, 0.1);
          const c = { p: upload(cpu, p), m: upload(cpu, m), v: upload(cpu, v) };
          const g = { p: upload(gpu, p), m: upload(gpu, m), v: upload(gpu, v), grad: upload(gpu, grad) };
          cpu.adamw(c.p, upload(cpu, grad), c.m, c.v, lr, b1, b2, eps, wd, step);
          gpu.adamw(g.p, g.grad, g.m, g.v, lr, b1, b2, eps, wd, step);
          const [gp, gm, gv] = await readAll(gpu, [g.p, g.m, g.v, g.grad]);
          const cp = cpu.readSync(c.p), cm = cpu.readSync(c.m), cv = cpu.readSync(c.v);
          for (let i = 0; i < n; i++) {
            const dm = 4 * u * (Math.abs(b1 * m[i]) + Math.abs((1 - b1) * grad[i]));
            const den = Math.sqrt(cv[i] / c2) + eps, r = Math.abs(cm[i] / c1) / den;
            const dp = lr * (dm / c1 / den + 8 * u * r + 3 * u * wd * Math.abs(p[i])) + 2 * u * Math.abs(cp[i]);
            const where = `adamw step ${step} n=${n} element ${i}`;
            if (!(Math.abs(gm[i] - cm[i]) <= dm)) throw new Error(`${where}: m ${gm[i]} vs ${cm[i]} (bound ${dm})`);
            if (!(Math.abs(gv[i] - cv[i]) <= 4 * u * cv[i])) throw new Error(`${where}: v ${gv[i]} vs ${cv[i]}`);
            if (!(Math.abs(gp[i] - cp[i]) <= dp)) throw new Error(`${where}: param ${gp[i]} vs ${cp[i]} (bound ${dp})`);
          }
          p = cp; m = cm; v = cv;
        }
      }), RUNS);
  });

  // the clip factor is computed on the device from a squared-norm buffer: it must scale exactly when
  // the norm is over maxNorm (torch's clip_grad_norm_) and leave the gradient alone otherwise
  it('adamw with clipping equals adamw on the clipped gradient', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), seedArb, fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.constantFrom(0, 0.5, 1, 4), async (n, seed, normSq, maxNorm) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01, step = 3;
        const p0 = randomArray(n, seed), grad = randomArray(n, seed + 1, -0.1, 0.1);
        const norm = Math.sqrt(Math.fround(normSq));
        const s = maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
        const scaled = Float32Array.from(grad, (g) => g * s);
        const out = [];
        for (const be of [cpu, gpu] as Backend[]) {
          const a = { p: upload(be, p0), m: upload(be, new Float32Array(n)), v: upload(be, new Float32Array(n)) };
          const b = { p: upload(be, p0), m: upload(be, new Float32Array(n)), v: upload(be, new Float32Array(n)) };
          const g = upload(be, grad), gs = upload(be, scaled), nsq = upload(be, [normSq]);
          be.adamw(a.p, g, a.m, a.v, lr, b1, b2, eps, wd, step, { normSq: nsq, maxNorm });
          be.adamw(b.p, gs, b.m, b.v, lr, b1, b2, eps, wd, step);
          const [ap, am, bp, bm] = await readAll(be, [a.p, a.m, b.p, b.m, a.v, b.v, g, gs, nsq]);
          out.push({ ap, am, bp, bm });
        }
        for (const o of out) {
          // s in f32 on the GPU (sqrt and divide, a few ulps) and the rounding of g * s are all that differ
          expectClose(o.am, o.bm, 0, 8 * u, `adamw clip n=${n} normSq=${normSq} maxNorm=${maxNorm}: m`);
          expectClose(o.ap, o.bp, 1e-9, 4 * u, `adamw clip n=${n} normSq=${normSq} maxNorm=${maxNorm}: param`);
        }
      }), RUNS);
  });
});

describe('webgpu adamw over several parameters per dispatch', () => {
  // the batched call must change nothing but the dispatch count: any grouping gives the bits of one
  // parameter per dispatch (and, with clipping, each parameter's own weight decay)
  it('adamwMany with 1, 2 or 3 parameters per dispatch equals one adamw per parameter, bit for bit', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }),
      seedArb, fc.boolean(), async (sizes, slots, seed, clipped) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.95, eps = 1e-2, step = 4;
        const state = (be: Backend) => sizes.map((n, i) => ({
          param: upload(be, randomArray(n, seed + 10 * i)), grad: upload(be, randomArray(n, seed + 10 * i + 1, -0.3, 0.3)),
          m: upload(be, randomArray(n, seed + 10 * i + 2, -0.01, 0.01)), v: upload(be, randomArray(n, seed + 10 * i + 3, 0, 0.01)),
          weightDecay: i % 2 ? 0.1 : 0,
        }));
        const nsq = upload(gpu, [clipped ? 9 : 0.25]);
        const clip = { normSq: nsq, maxNorm: 1 };
        const one = state(gpu), many = state(gpu);
        for (const it of one) gpu.adamw(it.param, it.grad, it.m, it.v, lr, b1, b2, eps, it.weightDecay, step, clip);
        gpuAdamwMany(gpu.gpu, many as unknown as AdamwItem[], lr, b1, b2, eps, step, clip as { normSq: GpuBuf; maxNorm: number }, { slots });
        const bufs = (xs: typeof one) => xs.flatMap((x) => [x.param, x.m, x.v]);
        const a = await readAll(gpu, [...bufs(one), ...one.map((x) => x.grad)]);
        const b = await readAll(gpu, [...bufs(many), ...many.map((x) => x.grad), nsq]);
        a.forEach((x, i) => expect(Array.from(b[i]), `buffer ${i} of ${a.length} (sizes ${sizes}, ${slots} per dispatch)`).toEqual(Array.from(x)));
      }), RUNS);
  });
});
