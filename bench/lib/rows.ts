// The row-wise benchmark harness (llm.c dev/cuda style) shared by bench/softmax.ts, crossentropy.ts and
// layernorm.ts: a kernel case is run with several row geometries (kernels/lib/rows.ts: WG invocations
// per workgroup, TPR of them per row), validated against the CPU reference, then timed.
// GB/s counts each input read once and each output written once: the floor any kernel must move.
import { benchBackend, report, timeCpu, timeGpu, type BenchOptions } from '../common.ts';
import { CpuBackend } from '../../src/backend/cpu.ts';
import type { Backend, Buf, DType } from '../../src/runtime/backend.ts';
import type { GpuBuf } from '../../src/runtime/gpu.ts';
import { rowGeometry, type RowGeometry } from '../../kernels/lib/rows.ts';

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

/** The CPU reference every row case is checked against (crossEntropyCase tells it apart by identity). */
export const cpu = new CpuBackend();
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

export function gpuOf(b: Backend) { return (b as Awaited<ReturnType<typeof benchBackend>>).gpu; }
