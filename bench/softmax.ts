// Row-wise softmax family (llm.c dev/cuda style): softmax and log-softmax forward/backward and the
// fused cross-entropy, each run with several row geometries (kernels/lib/rows.ts: WG invocations
// per workgroup, TPR of them per row), validated against the CPU reference, then timed.
// GB/s counts each input read once and each output written once: the floor any kernel must move.
// `benchRows` is shared with bench/layernorm.ts.
import { benchBackend, report, timeCpu, timeGpu, type BenchOptions } from './common.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import type { Backend, Buf, DType } from '../src/backend/backend.ts';
import type { GpuBuf } from '../src/backend/gpu.ts';
import { rowGeometry, type RowGeometry } from '../kernels/lib/rows.ts';
import * as K from '../kernels/softmax.ts';
import { crossEntropyForward } from '../kernels/crossentropy.ts';

export interface RowCase {
  kernel: string;
  shape: string;
  /** Row length: the bench marks the geometry rows.ts picks for it with '*'. */
  C: number;
  /** Bytes read + written, once each. */
  bytes: number;
  inputs: { data: ArrayLike<number>; dtype?: DType }[];
  outputs: number[];
  /** Records the kernel on the GPU with geometry g, or on the CPU reference (g ignored). */
  run(be: Backend, outs: Buf[], ins: Buf[], g: RowGeometry): void;
}

/** The geometries tried: one invocation per row (no barriers) up to a whole workgroup per row. */
export const GEOMETRIES: RowGeometry[] = [
  { WG: 64, TPR: 1 }, { WG: 8, TPR: 1 }, { WG: 64, TPR: 4 }, { WG: 64, TPR: 8 }, { WG: 8, TPR: 8 },
  { WG: 64, TPR: 16 }, { WG: 64, TPR: 64 }, { WG: 256, TPR: 256 },
];

const cpu = new CpuBackend();
/** Uniform numbers in [lo, hi) from a seeded xorshift. */
export const seeded = (n: number, seed: number, lo = -1, hi = 1): Float32Array => {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return lo + (s / 4294967296) * (hi - lo); });
};

/** Validates every geometry against the CPU reference (max |err| <= 1e-5 + 1e-3 |want|), times it, reports. */
export async function benchRows(c: RowCase, opts: BenchOptions): Promise<void> {
  const be = await benchBackend();
  const up = (b: Backend) => c.inputs.map((x) => { const buf = b.alloc(x.data.length, x.dtype ?? 'f32'); b.write(buf, x.data); return buf; });
  const gIns = up(be), cIns = up(cpu);
  const gOuts = c.outputs.map((n) => be.alloc(n, 'f32')), cOuts = c.outputs.map((n) => cpu.alloc(n, 'f32'));
  const picked = rowGeometry(be.gpu.dawn.kind, c.C);
  c.run(cpu, cOuts, cIns, picked);
  const want = cOuts.map((b) => cpu.readSync(b));
  const reps = opts.quick ? 4 : 16;
  for (const g of GEOMETRIES) {
    for (const b of gOuts) be.fill(b, NaN);
    try { c.run(be, gOuts, gIns, g); } catch (e) {
      // rows too long for this geometry on the software adapter's loop limit (kernels/lib/rows.ts)
      if (!opts.json) console.log(`${c.kernel.padEnd(14)} wg${g.WG}-tpr${g.TPR} skipped: ${(e as Error).message.split(';')[0]}`);
      continue;
    }
    for (let k = 0; k < gOuts.length; k++) {
      const got = await be.read(gOuts[k]);
      for (let i = 0; i < got.length; i++) {
        if (!(Math.abs(got[i] - want[k][i]) <= 1e-5 + 1e-3 * Math.abs(want[k][i]))) {
          throw new Error(`${c.kernel} ${c.shape} WG=${g.WG} TPR=${g.TPR}: output ${k}[${i}] = ${got[i]}, reference ${want[k][i]}`);
        }
      }
    }
    const ms = await timeGpu(be, () => c.run(be, gOuts, gIns, g), reps);
    const mark = g.WG === picked.WG && g.TPR === picked.TPR ? ' *' : '';
    report({ kernel: c.kernel, variant: `wg${g.WG}-tpr${g.TPR}${mark}`, shape: c.shape, ms, gbps: c.bytes / ms / 1e6, backend: 'webgpu', adapter: be.description }, opts);
  }
  const ms = timeCpu(() => c.run(cpu, cOuts, cIns, picked), Math.max(1, reps / 4));
  report({ kernel: c.kernel, variant: 'cpu reference', shape: c.shape, ms, gbps: c.bytes / ms / 1e6, backend: 'cpu', adapter: 'TypeScript f32' }, opts);
  for (const b of [...gIns, ...gOuts]) be.free(b);
}

export const gb = (b: Buf) => b as GpuBuf;

function softmaxCases(N: number, C: number): RowCase[] {
  const shape = `N=${N} C=${C}`;
  const inp = seeded(N * C, 1, -4, 4);
  const probs = new Float32Array(N * C), logp = new Float32Array(N * C);
  K.softmaxForwardCpu(probs, inp, N, C);
  K.logSoftmaxForwardCpu(logp, inp, N, C);
  const dout = seeded(N * C, 2);
  const fwd = 8 * N * C, bwd = 12 * N * C;
  return [
    { kernel: 'softmaxForward', shape, C, bytes: fwd, inputs: [{ data: inp }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.softmaxForward(o[0], i[0], N, C) : K.softmaxForward(gpuOf(b), gb(o[0]), gb(i[0]), N, C, g)) },
    { kernel: 'softmaxBackward', shape, C, bytes: bwd, inputs: [{ data: dout }, { data: probs }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.softmaxBackward(o[0], i[0], i[1], N, C) : K.softmaxBackward(gpuOf(b), gb(o[0]), gb(i[0]), gb(i[1]), N, C, g)) },
    { kernel: 'logSoftmaxForward', shape, C, bytes: fwd, inputs: [{ data: inp }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.logSoftmaxForward(o[0], i[0], N, C) : K.logSoftmaxForward(gpuOf(b), gb(o[0]), gb(i[0]), N, C, g)) },
    { kernel: 'logSoftmaxBackward', shape, C, bytes: bwd, inputs: [{ data: dout }, { data: logp }], outputs: [N * C],
      run: (b, o, i, g) => (b.name === 'cpu' ? b.logSoftmaxBackward(o[0], i[0], i[1], N, C) : K.logSoftmaxBackward(gpuOf(b), gb(o[0]), gb(i[0]), gb(i[1]), N, C, g)) },
  ];
}

export function crossEntropyCase(N: number, V: number, withGrad: boolean): RowCase {
  const logits = seeded(N * V, 3, -6, 6);
  const targets = Array.from(seeded(N, 4, 0, V), Math.floor).map((t, n) => (n % 16 === 15 ? -100 : t));
  return {
    kernel: withGrad ? 'crossEntropyForward' : 'crossEntropyFwd-loss', shape: `N=${N} V=${V}`, C: V,
    bytes: 4 * (N * V + 2 * N + (withGrad ? N * V : 0)),
    inputs: [{ data: logits }, { data: targets, dtype: 'i32' }], outputs: withGrad ? [N, N * V] : [N],
    run: (b, o, i, g) => (b === cpu
      ? b.crossEntropyForward(o[0], withGrad ? o[1] : null, i[0], i[1], N, V, -100)
      : crossEntropyForward(gpuOf(b), gb(o[0]), withGrad ? gb(o[1]) : null, gb(i[0]), gb(i[1]), N, V, -100, g)),
  };
}

export function gpuOf(b: Backend) { return (b as Awaited<ReturnType<typeof benchBackend>>).gpu; }

export async function bench(opts: BenchOptions): Promise<void> {
  // the quick shape, the transformer's rows (attention-sized C = 128), a vocabulary row and short rows
  const shapes: [number, number][] = opts.quick ? [[512, 1024], [512, 128]] : [[512, 1024], [512, 128], [4096, 32], [16, 50257]];
  for (const [N, C] of shapes) for (const c of softmaxCases(N, C)) await benchRows(c, opts);
  const ce: [number, number][] = opts.quick ? [[512, 1024]] : [[512, 1024], [64, 50257]];
  for (const [N, V] of ce) { await benchRows(crossEntropyCase(N, V, true), opts); await benchRows(crossEntropyCase(N, V, false), opts); }
}
