// Causal attention family (llm.c dev/cuda style): the fused flash-style kernels
// (kernels/attention.ts) against an UNFUSED baseline, what an engine without a fused kernel
// runs: scores = scale * q @ k^T (a batched matmul), causal mask + softmax, out = P @ v, and for the
// backward dP = dout @ v^T, dv = P^T @ dout, dS = softmax backward, dq = dS @ k, dk = dS^T @ q,
// all through (BH, T, T) buffers. The baseline's WGSL is bench-only (shaders/attention_unfused_*);
// its matmul tile is swept and the best kept. Where the engine's own matmul works, a second baseline
// uses it. Everything is validated against the CPU reference (kernels/attention.ts) first.
// The fused kernels read q, k, v straight from the qkv projection's (B, T, 3, NH, HS) layout and
// write (B, T, NH, HS); the baselines get q, k, v already split into (B, NH, T, HS), so they are
// not charged for the head split/merge copies the fused kernels make unnecessary.
// GFLOP/s count the useful causal FLOPs only (4*HS per (query, key<=query) pair forward, 8*HS
// backward), the same for every variant, so they compare like ms do.
import { benchBackend, report, timeCpu, timeGpu, type BenchOptions, type BenchResult } from './common.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import type { Buf } from '../src/runtime/backend.ts';
import type { Gpu, GpuBuf } from '../src/runtime/gpu.ts';
import type { WebGpuBackend } from '../src/backend/webgpu.ts';
import { grid1d } from '../kernels/lib/grid.ts';

const cpu = new CpuBackend();

/** Uniform numbers in [lo, hi) from a seeded xorshift. */
function seeded(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return lo + (s / 4294967296) * (hi - lo); });
}

/** (B, NH, T, HS) arrays q, k, v -> qkv (B, T, 3, NH, HS) */
function packQkv(parts: Float32Array[], B: number, NH: number, T: number, HS: number): Float32Array {
  const out = new Float32Array(3 * B * NH * T * HS);
  parts.forEach((a, p) => { for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) for (let t = 0; t < T; t++) for (let e = 0; e < HS; e++) {
    out[(((b * T + t) * 3 + p) * NH + h) * HS + e] = a[((b * NH + h) * T + t) * HS + e];
  } });
  return out;
}

/** (B, T, NH, HS) -> (B, NH, T, HS), or part p of (B, T, 3, NH, HS) -> (B, NH, T, HS) */
function heads(a: ArrayLike<number>, B: number, NH: number, T: number, HS: number, part = -1): Float32Array {
  const out = new Float32Array(B * NH * T * HS);
  for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) for (let t = 0; t < T; t++) for (let e = 0; e < HS; e++) {
    const src = part < 0 ? ((b * T + t) * NH + h) * HS + e : (((b * T + t) * 3 + part) * NH + h) * HS + e;
    out[((b * NH + h) * T + t) * HS + e] = a[src];
  }
  return out;
}

// ---- the unfused baseline ------------------------------------------------------------------

type Tile = [number, number];
/** matmul: out (batch, M, N) = alpha * opA(a) @ opB(b) through shaders/attention_unfused_matmul.wgsl. */
function unfusedMatmul(gpu: Gpu, tile: Tile, out: GpuBuf, a: GpuBuf, b: GpuBuf, batch: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, alpha = 1): void {
  const [TM, TN] = tile;
  const tilesM = Math.ceil(M / TM), tilesN = Math.ceil(N / TN);
  gpu.dispatch({
    shader: 'attention_unfused_matmul', constants: { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, TM, TN, WG: 8 },
    buffers: [out, a, b], uniforms: [M, N, K, alpha, tilesM, tilesN, batch], uniformTypes: 'uuufuuu',
    workgroups: grid1d(batch * tilesM * tilesN, 8),
  });
}

/** A matmul with the engine's contract (Backend.matmul, or the bench's own above). */
type Matmul = (out: GpuBuf, a: GpuBuf, b: GpuBuf, batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean, alpha?: number) => void;

interface Bufs {
  q: GpuBuf; k: GpuBuf; v: GpuBuf; dout: GpuBuf;
  out: GpuBuf; lse: GpuBuf; dq: GpuBuf; dk: GpuBuf; dv: GpuBuf;
  scores: GpuBuf; probs: GpuBuf; dprobs: GpuBuf; dscores: GpuBuf; // (BH, T, T), unfused only
}

// the engine's matmul has no alpha: the scale then costs an element-wise pass, as it would there
function unfusedForward(be: WebGpuBackend, mm: Matmul, x: Bufs, BH: number, T: number, HS: number, scale: number, hasAlpha: boolean): void {
  const gpu = be.gpu;
  if (hasAlpha) mm(x.scores, x.q, x.k, BH, T, T, HS, false, true, scale);  // (BH,T,T) = scale q k^T
  else { mm(x.dscores, x.q, x.k, BH, T, T, HS, false, true); be.unary(x.scores, x.dscores, 'mulScalar', scale); }
  gpu.dispatch({ shader: 'attention_unfused_softmax_forward', constants: { WG: 32 }, buffers: [x.probs, x.scores],
    uniforms: [BH * T, T], workgroups: grid1d(BH * T, 32) });
  mm(x.out, x.probs, x.v, BH, T, HS, T, false, false);                      // (BH,T,HS) = P v
}

function unfusedBackward(be: WebGpuBackend, mm: Matmul, x: Bufs, BH: number, T: number, HS: number, scale: number): void {
  const gpu = be.gpu;
  mm(x.dprobs, x.dout, x.v, BH, T, T, HS, false, true);                     // dP = dout v^T
  mm(x.dv, x.probs, x.dout, BH, T, HS, T, true, false);                     // dv = P^T dout
  gpu.dispatch({ shader: 'attention_unfused_softmax_backward', constants: { WG: 32 }, buffers: [x.dscores, x.dprobs, x.probs],
    uniforms: [BH * T, T, scale], uniformTypes: 'uuf', workgroups: grid1d(BH * T, 32) });
  mm(x.dq, x.dscores, x.k, BH, T, HS, T, false, false);                     // dq = dS k
  mm(x.dk, x.dscores, x.q, BH, T, HS, T, true, false);                      // dk = dS^T q
}

// ---- validation ----------------------------------------------------------------------------

async function check(be: WebGpuBackend, what: string, buf: Buf, want: ArrayLike<number>): Promise<void> {
  const got = await be.read(buf);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-4 + 1e-3 * Math.abs(want[i]))) {
      throw new Error(`attention bench: ${what}[${i}] = ${got[i]}, reference ${want[i]}`);
    }
  }
}

// ---- the bench -----------------------------------------------------------------------------

async function benchShape(B: number, NH: number, T: number, HS: number, opts: BenchOptions): Promise<void> {
  const be = await benchBackend();
  const gpu = be.gpu;
  const BH = B * NH, n = BH * T * HS, scale = 1 / Math.sqrt(HS);
  const shape = `B=${B} NH=${NH} T=${T} HS=${HS}`;
  const pairs = BH * T * (T + 1) / 2;
  const flops = { fwd: 4 * HS * pairs, bwd: 8 * HS * pairs, 'fwd+bwd': 12 * HS * pairs };
  const reps = opts.quick ? 2 : 5;
  const data = { q: seeded(n, 1, -2, 2), k: seeded(n, 2, -2, 2), v: seeded(n, 3), dout: seeded(n, 4) };

  // CPU reference on the qkv layout: the truth, and a timing
  const qkvHost = packQkv([data.q, data.k, data.v], B, NH, T, HS);
  const cUp = (a: Float32Array) => { const b = cpu.alloc(a.length, 'f32'); cpu.write(b, a); return b; };
  const cQkv = cUp(qkvHost);
  const doutBTH = new Float32Array(n);
  for (let b = 0; b < B; b++) for (let h = 0; h < NH; h++) for (let t = 0; t < T; t++) for (let e = 0; e < HS; e++) {
    doutBTH[((b * T + t) * NH + h) * HS + e] = data.dout[((b * NH + h) * T + t) * HS + e];
  }
  const cDo = cUp(doutBTH);
  const cOut = cpu.alloc(n, 'f32'), cLse = cpu.alloc(BH * T, 'f32'), cDqkv = cpu.alloc(3 * n, 'f32');
  const cpuFwd = () => cpu.attentionForward(cOut, cLse, cQkv, null, B, T, NH, HS, scale);
  const cpuBwd = () => cpu.attentionBackward(cDqkv, cDo, cQkv, cOut, cLse, null, B, T, NH, HS, scale);
  cpuFwd(); cpuBwd();
  const wantQkv = { out: cpu.readSync(cOut), dqkv: cpu.readSync(cDqkv) };
  const want = {
    out: heads(wantQkv.out, B, NH, T, HS), lse: cpu.readSync(cLse),
    dq: heads(wantQkv.dqkv, B, NH, T, HS, 0), dk: heads(wantQkv.dqkv, B, NH, T, HS, 1), dv: heads(wantQkv.dqkv, B, NH, T, HS, 2),
  };

  const up = (a: Float32Array) => { const b = be.alloc(a.length, 'f32') as GpuBuf; be.write(b, a); return b; };
  const al = (len: number) => be.alloc(len, 'f32') as GpuBuf;
  const x: Bufs = {
    q: up(data.q), k: up(data.k), v: up(data.v), dout: up(data.dout),
    out: al(n), lse: al(BH * T), dq: al(n), dk: al(n), dv: al(n),
    scores: al(BH * T * T), probs: al(BH * T * T), dprobs: al(BH * T * T), dscores: al(BH * T * T),
  };
  const f = { qkv: up(qkvHost), dout: up(doutBTH), out: al(n), dqkv: al(3 * n) }; // the fused kernels' layouts
  const poison = () => { for (const b of [x.out, x.lse, x.dq, x.dk, x.dv, f.out, f.dqkv]) be.fill(b, NaN); };
  const validate = async (name: string, withLse: boolean) => {
    await check(be, `${name} out`, x.out, want.out);
    if (withLse) await check(be, `${name} lse`, x.lse, want.lse);
    await check(be, `${name} dq`, x.dq, want.dq);
    await check(be, `${name} dk`, x.dk, want.dk);
    await check(be, `${name} dv`, x.dv, want.dv);
  };

  const results: { variant: string; fwd: () => void; bwd: () => void }[] = [];
  // fused
  const fusedFwd = () => be.attentionForward(f.out, x.lse, f.qkv, null, B, T, NH, HS, scale);
  const fusedBwd = () => be.attentionBackward(f.dqkv, f.dout, f.qkv, f.out, x.lse, null, B, T, NH, HS, scale);
  poison(); fusedFwd(); fusedBwd();
  await check(be, 'fused out', f.out, wantQkv.out);
  await check(be, 'fused lse', x.lse, want.lse);
  await check(be, 'fused dqkv', f.dqkv, wantQkv.dqkv);
  results.push({ variant: 'fused', fwd: fusedFwd, bwd: fusedBwd });

  // unfused with the bench's own matmul: sweep its register tile, keep the fastest fwd+bwd
  let best: { tile: Tile; ms: number } | null = null;
  for (const tile of [[4, 4], [8, 8], [4, 8]] as Tile[]) {
    const mm: Matmul = (o, a, b, bt, M, N, K, tA, tB, alpha = 1) => unfusedMatmul(gpu, tile, o, a, b, bt, M, N, K, tA, tB, alpha);
    const fwd = () => unfusedForward(be, mm, x, BH, T, HS, scale, true), bwd = () => unfusedBackward(be, mm, x, BH, T, HS, scale);
    poison(); fwd(); bwd(); await validate(`unfused tile ${tile}`, false);
    const ms = await timeGpu(be, () => { fwd(); bwd(); }, reps, 3);
    if (!opts.json) console.log(`  (unfused matmul tile ${tile.join('x')}: fwd+bwd ${ms.toFixed(2)} ms)`);
    if (!best || ms < best.ms) best = { tile, ms };
  }
  const tile = best!.tile;
  const ownMm: Matmul = (o, a, b, bt, M, N, K, tA, tB, alpha = 1) => unfusedMatmul(gpu, tile, o, a, b, bt, M, N, K, tA, tB, alpha);
  results.push({ variant: `unfused (mm ${tile.join('x')})`, fwd: () => unfusedForward(be, ownMm, x, BH, T, HS, scale, true), bwd: () => unfusedBackward(be, ownMm, x, BH, T, HS, scale) });

  // unfused with the engine's own matmul (Backend.matmul), when it is there
  const engineMm: Matmul = (o, a, b, bt, M, N, K, tA, tB) => be.matmul(o, a, b, bt, M, N, K, tA, tB, M * K, K * N);
  try {
    poison();
    unfusedForward(be, engineMm, x, BH, T, HS, scale, false); unfusedBackward(be, engineMm, x, BH, T, HS, scale);
    await validate('unfused (engine matmul)', false);
    results.push({ variant: 'unfused (engine matmul)', fwd: () => unfusedForward(be, engineMm, x, BH, T, HS, scale, false), bwd: () => unfusedBackward(be, engineMm, x, BH, T, HS, scale) });
  } catch (e) {
    if (!opts.json) console.log(`  (unfused with the engine's matmul skipped: ${(e as Error).message.split('\n')[0]})`);
  }

  const ms: Record<string, Record<string, number>> = {};
  const base = { kernel: 'attention', shape, backend: 'webgpu', adapter: be.description };
  for (const r of results) {
    // bwd alone reads what the fwd timed just before left in place (out, lse or probs)
    const fwd = await timeGpu(be, r.fwd, reps);
    const bwd = await timeGpu(be, r.bwd, reps);
    const both = await timeGpu(be, () => { r.fwd(); r.bwd(); }, reps);
    ms[r.variant] = { fwd, bwd, 'fwd+bwd': both };
    for (const pass of ['fwd', 'bwd', 'fwd+bwd'] as const) {
      report({ ...base, variant: `${r.variant} ${pass}`, ms: ms[r.variant][pass], gflops: flops[pass] / ms[r.variant][pass] / 1e6 }, opts);
    }
  }
  // unfused / fused: how many times faster the fused kernels are
  for (const r of results.slice(1)) {
    for (const pass of ['fwd', 'bwd', 'fwd+bwd'] as const) {
      const ratio = ms[r.variant][pass] / ms.fused[pass];
      const line: BenchResult & { ratio: number } = { ...base, variant: `speedup fused vs ${r.variant} ${pass}`, ms: ms.fused[pass], ratio };
      if (opts.json) console.log(JSON.stringify(line));
      else console.log(`${'attention'.padEnd(14)} ${`fused vs ${r.variant} ${pass}`.padEnd(40)} ${shape.padEnd(22)} unfused/fused = ${ratio.toFixed(2)}x`);
    }
  }

  const cpuReps = T > 128 ? 1 : 3;
  const cf = timeCpu(cpuFwd, cpuReps), cb = timeCpu(cpuBwd, cpuReps);
  const cpuBase = { kernel: 'attention', shape, backend: 'cpu', adapter: 'TypeScript f32 reference (f64 accumulators)' };
  report({ ...cpuBase, variant: 'cpu reference fwd', ms: cf, gflops: flops.fwd / cf / 1e6 }, opts);
  report({ ...cpuBase, variant: 'cpu reference bwd', ms: cb, gflops: flops.bwd / cb / 1e6 }, opts);
  report({ ...cpuBase, variant: 'cpu reference fwd+bwd', ms: cf + cb, gflops: flops['fwd+bwd'] / (cf + cb) / 1e6 }, opts);

  for (const b of [...Object.values(x), ...Object.values(f)]) be.free(b);
}

export async function bench(opts: BenchOptions): Promise<void> {
  // the issue's shape (a small GPT's attention) and a longer context
  const shapes: [number, number, number, number][] = opts.quick ? [[8, 4, 64, 32]] : [[8, 4, 64, 32], [8, 4, 256, 32]];
  for (const [B, NH, T, HS] of shapes) await benchShape(B, NH, T, HS, opts);
}
