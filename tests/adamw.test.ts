// Parity of the WebGPU AdamW kernel (kernels/adamw.ts) with the CPU reference, step by step within
// per-element rounding bounds (u = 2^-24 the unit roundoff), with clipping, and batched over parameters
// (the optimiser's flat arena: one moments buffer of (m, v) pairs for all of them, parameter j's
// from element offset j, and flat param and grad buffers the kernel copies them into).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Backend } from '../src/runtime/backend.ts';
import { cpu, expectClose, randomArray, upload, webgpu } from './helpers/backends.ts';
import { readAll } from './helpers/layouts.ts';
import type { GpuBuf } from '../src/runtime/gpu.ts';
import { adamw as gpuAdamw, type AdamwArena, type AdamwItem } from '../kernels/adamw.ts';

const u = 2 ** -24;
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
const RUNS = { numRuns: 20 };

/** An arena around the moments mv, its scratch poisoned with NaN. */
const arenaOf = (be: Backend, mv: Float32Array) => ({ param: upload(be, mv.length / 2), grad: upload(be, mv.length / 2), moments: upload(be, mv) });

/** (m, v) pairs of a parameter's moments, from pair `at` of a moments buffer of `pairs` pairs, the rest NaN. */
function pairs(m: ArrayLike<number>, v: ArrayLike<number>, at = 0, total = at + m.length): Float32Array {
  const out = new Float32Array(2 * total).fill(NaN);
  for (let i = 0; i < m.length; i++) { out[2 * (at + i)] = m[i]; out[2 * (at + i) + 1] = v[i]; }
  return out;
}
const ms = (mv: ArrayLike<number>, at: number, n: number) => Float32Array.from({ length: n }, (_, i) => mv[2 * (at + i)]);
const vs = (mv: ArrayLike<number>, at: number, n: number) => Float32Array.from({ length: n }, (_, i) => mv[2 * (at + i) + 1]);
/** Every pair outside [at, at + n) is still NaN: the kernel wrote only its own. */
function untouched(mv: ArrayLike<number>, at: number, n: number, what: string): void {
  for (let i = 0; i < mv.length; i++) {
    if ((i < 2 * at || i >= 2 * (at + n)) && !Number.isNaN(mv[i])) throw new Error(`${what}: moments[${i}] outside pairs ${at}..${at + n - 1} was written (${mv[i]})`);
  }
}

describe('webgpu adamw', () => {
  // Each step starts both backends from the CPU's state, so each bound covers one step. In f64,
  // from the state before the step: m' = b1 m + (1 - b1) g may cancel, so its error is bounded by
  // 3u (|b1 m| + |(1 - b1) g|) (+ u for f32(b1)), not relative to m'; v' adds positive terms (4u
  // relative); the step r = mhat / (sqrt(vhat) + eps) inherits m's error over c1 (sqrt(vhat) + eps)
  // plus ~8 roundings relative, and param' = p - lr (r + wd p) two more.
  it('adamw matches the CPU step by step, within per-element rounding bounds', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), seedArb, fc.integer({ min: 1, max: 1000 }),
      fc.constantFrom(0, 0.01, 0.1), fc.integer({ min: 0, max: 300 }), async (n, seed, step0, wd, at) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        let p: ArrayLike<number> = randomArray(n, seed), m: ArrayLike<number> = new Float32Array(n), v: ArrayLike<number> = new Float32Array(n);
        for (let s = 0; s < 3; s++) {
          const step = step0 + s, c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
          const grad = randomArray(n, seed + 7 * s + 1, -0.1, 0.1);
          const total = at + n + (seed % 5);
          const c = { p: upload(cpu, p), a: arenaOf(cpu, pairs(m, v, at, total)) };
          const g = { p: upload(gpu, p), a: arenaOf(gpu, pairs(m, v, at, total)), grad: upload(gpu, grad) };
          cpu.adamw([{ param: c.p, grad: upload(cpu, grad), offset: at, weightDecay: wd }], c.a, lr, b1, b2, eps, step);
          gpu.adamw([{ param: g.p, grad: g.grad, offset: at, weightDecay: wd }], g.a, lr, b1, b2, eps, step);
          const [gp, gmv] = await readAll(gpu, [g.p, g.a.moments, g.grad, g.a.param, g.a.grad]);
          untouched(gmv, at, n, `adamw n=${n} at pair ${at}`);
          const gm = ms(gmv, at, n), gv = vs(gmv, at, n);
          const cp = cpu.readSync(c.p), cmv = cpu.readSync(c.a.moments), cm = ms(cmv, at, n), cv = vs(cmv, at, n);
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
          const zero = new Float32Array(2 * n);
          const a = { p: upload(be, p0), a: arenaOf(be, zero) }, b = { p: upload(be, p0), a: arenaOf(be, zero) };
          const g = upload(be, grad), gs = upload(be, scaled), nsq = upload(be, [normSq]);
          be.adamw([{ param: a.p, grad: g, offset: 0, weightDecay: wd }], a.a, lr, b1, b2, eps, step, { normSq: nsq, maxNorm });
          be.adamw([{ param: b.p, grad: gs, offset: 0, weightDecay: wd }], b.a, lr, b1, b2, eps, step);
          const [ap, amv, bp, bmv] = await readAll(be, [a.p, a.a.moments, b.p, b.a.moments, g, gs, nsq]);
          out.push({ ap, am: ms(amv, 0, n), bp, bm: ms(bmv, 0, n) });
        }
        for (const o of out) {
          // s in f32 on the GPU (sqrt and divide, a few ulps) and the rounding of g * s are all that differ
          expectClose(o.am, o.bm, 0, 8 * u, `adamw clip n=${n} normSq=${normSq} maxNorm=${maxNorm}: m`);
          expectClose(o.ap, o.bp, 1e-9, 4 * u, `adamw clip n=${n} normSq=${normSq} maxNorm=${maxNorm}: param`);
        }
      }), RUNS);
  });
});

describe('webgpu adamw over many parameters in one dispatch', () => {
  // the multi-tensor call must change nothing but the dispatch count: it gives the bits of one call
  // per parameter (each with its own weight decay, with clipping); the moments between parameters
  // stay as they were (NaN here). Parameters end to end with the decayed ones first take one
  // dispatch; a gap, or a decayed parameter after an undecayed one, starts another.
  it('adamw on many parameters equals one call per parameter, bit for bit, in one dispatch per run', async () => {
    const gpu = await webgpu();
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ n: fc.integer({ min: 1, max: 3000 }), decay: fc.boolean(), gap: fc.constantFrom(0, 0, 0, 1, 5) }), { minLength: 1, maxLength: 20 }),
      seedArb, fc.boolean(), fc.boolean(), async (ps, seed, clipped, sorted) => {
        const lr = 1e-3, b1 = 0.9, b2 = 0.95, eps = 1e-2, step = 4;
        const list = sorted ? [...ps].sort((x, y) => Number(y.decay) - Number(x.decay)) : ps;
        const offsets: number[] = [];
        let total = 0;
        for (const p of list) { total += p.gap; offsets.push(total); total += p.n; }
        const mv = new Float32Array(2 * total).fill(NaN);
        list.forEach((p, i) => mv.set(pairs(randomArray(p.n, seed + 10 * i + 2, -0.01, 0.01), randomArray(p.n, seed + 10 * i + 3, 0, 0.01)), 2 * offsets[i]));
        const state = (be: Backend) => ({
          arena: arenaOf(be, mv),
          items: list.map((p, i) => ({ param: upload(be, randomArray(p.n, seed + 10 * i)), grad: upload(be, randomArray(p.n, seed + 10 * i + 1, -0.3, 0.3)),
            offset: offsets[i], weightDecay: p.decay ? 0.1 : 0 })),
        });
        const nsq = upload(gpu, [clipped ? 9 : 0.25]);
        const clip = { normSq: nsq, maxNorm: 1 };
        const one = state(gpu), many = state(gpu);
        for (const it of one.items) gpu.adamw([it], one.arena, lr, b1, b2, eps, step, clip);
        const before = gpu.gpu.dispatchCount;
        // shuffled: the call orders the items by offset itself
        gpuAdamw(gpu.gpu, [...many.items].reverse() as unknown as AdamwItem[], many.arena as unknown as AdamwArena, lr, b1, b2, eps, step, clip as { normSq: GpuBuf; maxNorm: number });
        const runs = list.filter((p, i) => i === 0 || p.gap > 0 || (p.decay && !list[i - 1].decay)).length;
        expect(gpu.gpu.dispatchCount - before, `dispatches for ${list.length} parameters in ${runs} runs`).toBe(runs);
        const bufs = (x: typeof one) => [x.arena.moments, ...x.items.flatMap((it) => [it.param, it.grad])];
        const a = await readAll(gpu, bufs(one));
        const b = await readAll(gpu, [...bufs(many), nsq]);
        a.forEach((x, i) => expect(Array.from(b[i]), `buffer ${i} of ${a.length} (${list.length} parameters)`).toEqual(Array.from(x)));
        const gaps = Array.from(a[0]).filter((_, i) => !offsets.some((o, j) => i >= 2 * o && i < 2 * (o + list[j].n)));
        expect(gaps.every(Number.isNaN), 'moments between parameters stay NaN').toBe(true);
      }), RUNS);
  });

  it('adamw says which buffers are wrong', async () => {
    const gpu = await webgpu();
    const p = upload(gpu, 5), g = upload(gpu, 5);
    expect(() => gpu.adamw([{ param: p, grad: g, offset: 0, weightDecay: 0 }], arenaOf(gpu, new Float32Array(8)), 1e-3, 0.9, 0.95, 1e-8, 1))
      .toThrow('the flat buffers hold 4 elements, a parameter of 5 elements at 0 needs 5');
    expect(() => gpu.adamw([{ param: p, grad: upload(gpu, 4), offset: 0, weightDecay: 0 }], arenaOf(gpu, new Float32Array(10)), 1e-3, 0.9, 0.95, 1e-8, 1))
      .toThrow('param has 5 elements, grad has 4');
    expect(() => gpu.adamw([{ param: p, grad: g, offset: 0, weightDecay: 0 }, { param: upload(gpu, 3), grad: upload(gpu, 3), offset: 4, weightDecay: 0 }],
      arenaOf(gpu, new Float32Array(20)), 1e-3, 0.9, 0.95, 1e-8, 1)).toThrow('parameters at 0 (5 elements) and 4 overlap');
  });
});
