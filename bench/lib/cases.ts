// The flat-buffer benchmark harness (llm.c dev/cuda style) shared by bench/elementwise.ts, reduce.ts
// and adamw.ts: a case holds a few variants (workgroup size; for reduce, one invocation per output vs
// one workgroup per output), each validated against the CPU reference, then timed next to it.
// GB/s counts each input element read once and each output written once: the floor any kernel
// must move. The variant the backend picks is marked '*'.
import { benchBackend, report, timeCpu, timeGpu, type BenchOptions } from '../common.ts';
import { CpuBackend } from '../../src/backend/cpu.ts';
import type { Backend, Buf } from '../../src/runtime/backend.ts';
import type { Gpu, GpuBuf } from '../../src/runtime/gpu.ts';

export const cpu = new CpuBackend();
export const gb = (b: Buf) => b as GpuBuf;

export interface Case {
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
export function seeded(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return lo + (s / 4294967296) * (hi - lo); });
}

export const WGS = [64, 256];

export async function runCase(c: Case, opts: BenchOptions): Promise<void> {
  const be = await benchBackend();
  const gIns = c.inputs.map((x) => { const b = be.alloc(x.length, 'f32'); be.write(b, x); return gb(b); });
  const cIns = c.inputs.map((x) => { const b = cpu.alloc(x.length, 'f32'); cpu.write(b, x); return b; });
  const gOuts = c.outputs.map((n) => gb(be.alloc(n, 'f32'))), cOuts = c.outputs.map((n) => cpu.alloc(n, 'f32'));
  const isAdamw = c.kernel === 'adamw';
  // adamw updates param and its moments in place: start from param = inputs[0], moments 0 on both sides
  const reset = (b: Backend, outs: Buf[], ins: Buf[]) => {
    if (!isAdamw) return;
    b.write(outs[0], c.inputs[0]); for (const o of outs.slice(1)) b.fill(o, 0);
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
