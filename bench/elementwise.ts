// Element-wise family (llm.c dev/cuda style): binary add (contiguous and broadcast), unary gelu,
// reduce sum (rows and columns) and adamw, each in a few variants (workgroup size; for reduce, one
// invocation per output vs one workgroup per output), validated against the CPU reference, then
// timed at a quick and a bigger shape next to the CPU reference.
// GB/s counts each input element read once and each output written once: the floor any kernel
// must move. The variant the backend picks is marked '*'.
import { benchBackend, report, timeCpu, timeGpu, type BenchOptions } from './common.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import type { Backend, Buf } from '../src/backend/backend.ts';
import type { Gpu, GpuBuf } from '../src/backend/gpu.ts';
import { binary, unary } from '../kernels/elementwise.ts';
import { adamw } from '../kernels/adamw.ts';
import { reduce, pickReduce, type ReduceVariant } from '../kernels/reduce.ts';

const cpu = new CpuBackend();
const gb = (b: Buf) => b as GpuBuf;

interface Case {
  kernel: string;
  shape: string;
  bytes: number;
  inputs: Float32Array[];
  outputs: number[];
  /** Relative tolerance of the validation (plus the same absolute, for sums near 0). */
  tol: number;
  variants: { name: string; picked: boolean; run(gpu: Gpu, outs: GpuBuf[], ins: GpuBuf[]): void }[];
  cpuRun(outs: Buf[], ins: Buf[]): void;
}

/** Uniform numbers in [lo, hi) from a seeded xorshift. */
function seeded(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return lo + (s / 4294967296) * (hi - lo); });
}

const WGS = [64, 256];

function binaryCase(N: number, C: number, broadcast: boolean): Case {
  const n = N * C;
  const bStrides = broadcast ? [0, 1] : [C, 1];
  return {
    kernel: broadcast ? 'binary-add-bcast' : 'binary-add', shape: broadcast ? `(${N},${C})+(${C})` : `(${N},${C})+(${N},${C})`,
    bytes: 4 * (2 * n + (broadcast ? C : n)), tol: 0,
    inputs: [seeded(n, 1), seeded(broadcast ? C : n, 2)], outputs: [n],
    variants: WGS.map((wg) => ({ name: `wg${wg}`, picked: wg === 256,
      run: (g, o, i) => binary(g, o[0], i[0], i[1], 'add', [N, C], [C, 1], bStrides, wg) })),
    cpuRun: (o, i) => cpu.binary(o[0], i[0], i[1], 'add', [N, C], [C, 1], bStrides),
  };
}

function geluCase(n: number): Case {
  return {
    kernel: 'unary-gelu', shape: `n=${n}`, bytes: 8 * n, tol: 1e-5,
    inputs: [seeded(n, 3, -6, 6)], outputs: [n],
    variants: WGS.map((wg) => ({ name: `wg${wg}`, picked: wg === 256, run: (g, o, i) => unary(g, o[0], i[0], 'gelu', 0, wg) })),
    cpuRun: (o, i) => cpu.unary(o[0], i[0], 'gelu', 0),
  };
}

function reduceCase(kind: 'hardware' | 'software', outer: number, R: number, inner: number): Case {
  const picked = pickReduce(kind, outer, R, inner);
  const variants: ReduceVariant[] = [{ rows: false, WG: 64 }, { rows: false, WG: 8 }, { rows: true, WG: 8 }, { rows: true, WG: 64 }, { rows: true, WG: 256 }];
  return {
    kernel: inner === 1 ? 'reduce-sum-rows' : 'reduce-sum-cols', shape: `(${outer},${R},${inner})`,
    bytes: 4 * (outer * R * inner + outer * inner), tol: 1e-4,
    inputs: [seeded(outer * R * inner, 4)], outputs: [outer * inner],
    variants: variants.map((v) => ({
      name: `${v.rows ? 'wg-per-out' : 'inv-per-out'} wg${v.WG}`, picked: v.rows === picked.rows && v.WG === picked.WG,
      run: (g, o, i) => reduce(g, o[0], i[0], 'sum', outer, R, inner, v),
    })),
    cpuRun: (o, i) => cpu.reduce(o[0], i[0], 'sum', outer, R, inner),
  };
}

function adamwCase(n: number): Case {
  // outputs are param, m, v (in place): the bench copies the start state into them before each run
  const args = [1e-3, 0.9, 0.999, 1e-8, 0.01, 10] as const;
  return {
    kernel: 'adamw', shape: `n=${n}`, bytes: 4 * 7 * n, tol: 1e-5,
    inputs: [seeded(n, 5), seeded(n, 6, -0.1, 0.1)], outputs: [n, n, n],
    variants: WGS.map((wg) => ({ name: `wg${wg}`, picked: wg === 256,
      run: (g, o, i) => adamw(g, o[0], i[1], o[1], o[2], ...args, undefined, wg) })),
    cpuRun: (o, i) => cpu.adamw(o[0], i[1], o[1], o[2], ...args),
  };
}

async function runCase(c: Case, opts: BenchOptions): Promise<void> {
  const be = await benchBackend();
  const gIns = c.inputs.map((x) => { const b = be.alloc(x.length, 'f32'); be.write(b, x); return gb(b); });
  const cIns = c.inputs.map((x) => { const b = cpu.alloc(x.length, 'f32'); cpu.write(b, x); return b; });
  const gOuts = c.outputs.map((n) => gb(be.alloc(n, 'f32'))), cOuts = c.outputs.map((n) => cpu.alloc(n, 'f32'));
  const isAdamw = c.kernel === 'adamw';
  // adamw updates param, m, v in place: start from param = inputs[0], m = v = 0 on both sides
  const reset = (b: Backend, outs: Buf[], ins: Buf[]) => {
    if (!isAdamw) return;
    b.write(outs[0], c.inputs[0]); b.fill(outs[1], 0); b.fill(outs[2], 0);
    void ins;
  };
  reset(cpu, cOuts, cIns);
  c.cpuRun(cOuts, cIns);
  const want = cOuts.map((b) => cpu.readSync(b));
  const reps = opts.quick ? 5 : 20;
  for (const v of c.variants) {
    for (const b of gOuts) be.fill(b, NaN);
    reset(be, gOuts, gIns);
    v.run(be.gpu, gOuts, gIns);
    for (let k = 0; k < gOuts.length; k++) {
      const got = await be.read(gOuts[k]);
      for (let i = 0; i < got.length; i++) {
        if (!(Math.abs(got[i] - want[k][i]) <= c.tol * (1 + Math.abs(want[k][i])))) {
          throw new Error(`${c.kernel} ${c.shape} ${v.name}: output ${k}[${i}] = ${got[i]}, reference ${want[k][i]}`);
        }
      }
    }
    const ms = await timeGpu(be, () => v.run(be.gpu, gOuts, gIns), reps);
    report({ kernel: c.kernel, variant: v.name + (v.picked ? ' *' : ''), shape: c.shape, ms, gbps: c.bytes / ms / 1e6, backend: 'webgpu', adapter: be.description }, opts);
  }
  const ms = timeCpu(() => c.cpuRun(cOuts, cIns), Math.max(1, Math.floor(reps / 4)));
  report({ kernel: c.kernel, variant: 'cpu reference', shape: c.shape, ms, gbps: c.bytes / ms / 1e6, backend: 'cpu', adapter: 'TypeScript f32' }, opts);
  for (const b of [...gIns, ...gOuts]) be.free(b);
}

export async function bench(opts: BenchOptions): Promise<void> {
  const kind = (await benchBackend()).gpu.dawn.kind;
  // quick: a GPT-2-small activation slice; full adds a (B*T, C) = (4096, 768) step's worth
  const sizes: [number, number][] = opts.quick ? [[64, 768]] : [[64, 768], [4096, 768]];
  for (const [N, C] of sizes) {
    await runCase(binaryCase(N, C, false), opts);
    await runCase(binaryCase(N, C, true), opts);
    await runCase(geluCase(N * C), opts);
    await runCase(adamwCase(N * C), opts);
    await runCase(reduceCase(kind, N, C, 1), opts); // row sums, R = C
    await runCase(reduceCase(kind, 1, N, C), opts); // column sums (a bias gradient), one output per channel
  }
  // long rows with few outputs: where one invocation per output leaves the device idle
  await runCase(reduceCase(kind, 4, opts.quick ? 8192 : 50_000, 1), opts);
}
