// The CPU backend: typed arrays and the reference kernels (the <name>Cpu functions of kernels/<kernel>.ts).
// It runs in float64 (gradient checks) and float32 (the same numbers a GPU would see), and is the
// numerical truth.
import type { Backend, BackendStats, MemoryPeak, Buf, DType, TypedArray, AdamwParam, AdamwArena, MatmulEpilogue } from '../runtime/backend.ts';
import { bytesOf } from '../runtime/backend.ts';
import { stridedCpu, unaryCpu, unaryBackwardCpu, binaryCpu, whereCpu } from '../../kernels/elementwise.ts';
import { reduceCpu, sumSquaresCpu } from '../../kernels/reduce.ts';
import { matmulCpu } from '../../kernels/matmul.ts';
import { softmaxForwardCpu, softmaxBackwardCpu, logSoftmaxForwardCpu, logSoftmaxBackwardCpu } from '../../kernels/softmax.ts';
import { layernormForwardCpu, layernormBackwardCpu } from '../../kernels/layernorm.ts';
import { embeddingForwardCpu, embeddingBackwardCpu } from '../../kernels/embedding.ts';
import { crossEntropyForwardCpu } from '../../kernels/crossentropy.ts';
import { attentionForwardCpu, attentionBackwardCpu } from '../../kernels/attention.ts';
import { dropoutCpu } from '../../kernels/dropout.ts';
import { adamwCpu } from '../../kernels/adamw.ts';

class CpuBuf implements Buf {
  constructor(readonly data: TypedArray, readonly dtype: DType) {}
  get length(): number { return this.data.length; }
}

type F = Float32Array | Float64Array;
const f = (b: Buf): F => (b as CpuBuf).data as F;
const i32 = (b: Buf): Int32Array => {
  const d = (b as CpuBuf).data;
  if (!(d instanceof Int32Array)) throw new Error(`cpu: expected an i32 index buffer, got ${b.dtype}`);
  return d;
};

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly description = 'cpu (TypeScript reference kernels)';
  private live = 0;
  private bytes = 0;
  private peak = 0;

  supports(_dtype: DType): boolean { return true; }

  alloc(length: number, dtype: DType): Buf {
    const data = dtype === 'f64' ? new Float64Array(length) : dtype === 'f32' ? new Float32Array(length) : new Int32Array(length);
    this.live++; this.bytes += length * bytesOf(dtype);
    if (this.bytes > this.peak) this.peak = this.bytes;
    return new CpuBuf(data, dtype);
  }
  free(buf: Buf): void {
    this.live--; this.bytes -= buf.length * bytesOf(buf.dtype);
  }
  write(buf: Buf, data: ArrayLike<number>): void { (buf as CpuBuf).data.set(data); }
  read(buf: Buf): Promise<TypedArray> { return Promise.resolve(this.readSync(buf)); }
  readSync(buf: Buf): TypedArray { return (buf as CpuBuf).data.slice(); }
  flush(): void {}
  stats(): BackendStats { return { liveBuffers: this.live, liveBytes: this.bytes }; }
  memoryPeak(): MemoryPeak { return { peakBytes: this.peak, heldBytes: this.peak }; } // nothing pooled: held is live
  resetPeak(): void { this.peak = this.bytes; }
  releaseFree(): void { /* nothing pooled */ }

  fill(out: Buf, value: number): void { (out as CpuBuf).data.fill(value); }
  strided(out: Buf, outStrides: number[], outOffset: number, inp: Buf, inStrides: number[], inOffset: number, shape: number[]): void {
    stridedCpu((out as CpuBuf).data as F, outStrides, outOffset, (inp as CpuBuf).data as F, inStrides, inOffset, shape);
  }
  unary(out: Buf, inp: Buf, op: Parameters<Backend['unary']>[2], alpha: number): void { unaryCpu(f(out), f(inp), op, alpha); }
  unaryBackward(dinp: Buf, dout: Buf, inp: Buf, out: Buf, op: Parameters<Backend['unary']>[2], alpha: number): void {
    unaryBackwardCpu(f(dinp), f(dout), f(inp), f(out), op, alpha);
  }
  binary(out: Buf, a: Buf, b: Buf, op: Parameters<Backend['binary']>[3], shape: number[], aStrides: number[], bStrides: number[]): void {
    binaryCpu(f(out), f(a), f(b), op, shape, aStrides, bStrides);
  }
  where(out: Buf, cond: Buf, a: Buf, b: Buf, shape: number[], condStrides: number[], aStrides: number[], bStrides: number[]): void {
    whereCpu(f(out), (cond as CpuBuf).data as F, f(a), f(b), shape, condStrides, aStrides, bStrides);
  }
  reduce(out: Buf, inp: Buf, op: 'sum' | 'max', outer: number, R: number, inner: number): void { reduceCpu(f(out), f(inp), op, outer, R, inner); }
  matmul(out: Buf, a: Buf, b: Buf, batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean, strideA: number, strideB: number,
    bias?: Buf | null, epilogue: MatmulEpilogue = {}): void {
    matmulCpu(f(out), f(a), f(b), batch, M, N, K, transA, transB, strideA, strideB, bias ? f(bias) : null,
      { gelu: epilogue.gelu && f(epilogue.gelu), residual: epilogue.residual && f(epilogue.residual), geluGrad: epilogue.geluGrad && f(epilogue.geluGrad), bSum: epilogue.bSum && f(epilogue.bSum) });
  }
  softmaxForward(out: Buf, inp: Buf, N: number, C: number): void { softmaxForwardCpu(f(out), f(inp), N, C); }
  softmaxBackward(dinp: Buf, dout: Buf, out: Buf, N: number, C: number): void { softmaxBackwardCpu(f(dinp), f(dout), f(out), N, C); }
  logSoftmaxForward(out: Buf, inp: Buf, N: number, C: number): void { logSoftmaxForwardCpu(f(out), f(inp), N, C); }
  logSoftmaxBackward(dinp: Buf, dout: Buf, out: Buf, N: number, C: number): void { logSoftmaxBackwardCpu(f(dinp), f(dout), f(out), N, C); }
  layernormForward(out: Buf, mean: Buf, rstd: Buf, inp: Buf, weight: Buf, bias: Buf, N: number, C: number, eps: number): void {
    layernormForwardCpu(f(out), f(mean), f(rstd), f(inp), f(weight), f(bias), N, C, eps);
  }
  layernormBackward(dinp: Buf | null, dweight: Buf | null, dbias: Buf | null, dout: Buf, inp: Buf, weight: Buf, mean: Buf, rstd: Buf, N: number, C: number): void {
    const fo = (b: Buf | null) => (b === null ? null : f(b));
    layernormBackwardCpu(fo(dinp), fo(dweight), fo(dbias), f(dout), f(inp), f(weight), f(mean), f(rstd), N, C);
  }
  embeddingForward(out: Buf, ids: Buf, weight: Buf, N: number, C: number): void { embeddingForwardCpu(f(out), i32(ids), f(weight), N, C); }
  embeddingBackward(dweight: Buf, dout: Buf, ids: Buf, N: number, C: number, V: number): void {
    embeddingBackwardCpu(f(dweight), f(dout), i32(ids), N, C, V);
  }
  crossEntropyForward(losses: Buf, dlogits: Buf | null, logits: Buf, targets: Buf, N: number, V: number, ignoreIndex: number): void {
    crossEntropyForwardCpu(f(losses), dlogits ? f(dlogits) : null, f(logits), i32(targets), N, V, ignoreIndex);
  }
  attentionForward(out: Buf, lse: Buf, qkv: Buf, starts: Buf | null, B: number, T: number, NH: number, HS: number, scale: number): void {
    attentionForwardCpu(f(out), f(lse), f(qkv), starts ? i32(starts) : null, B, T, NH, HS, scale);
  }
  attentionBackward(dqkv: Buf, dout: Buf, qkv: Buf, out: Buf, lse: Buf, starts: Buf | null, B: number, T: number, NH: number, HS: number, scale: number): void {
    attentionBackwardCpu(f(dqkv), f(dout), f(qkv), f(out), f(lse), starts ? i32(starts) : null, B, T, NH, HS, scale);
  }

  dropout(out: Buf, inp: Buf, p: number, seed: number): void { dropoutCpu(f(out), f(inp), p, seed); }
  // the arena's param and grad are scratch the reference does not need
  adamw(items: AdamwParam[], arena: AdamwArena, lr: number, beta1: number, beta2: number, eps: number, step: number,
    clip?: { normSq: Buf; maxNorm: number }): void {
    for (const it of items) {
      adamwCpu(f(it.param), f(it.grad), f(arena.moments), it.offset, lr, beta1, beta2, eps, it.weightDecay, step, clip && { normSq: f(clip.normSq), maxNorm: clip.maxNorm });
    }
  }
  sumSquares(out: Buf, inps: Buf[]): void { sumSquaresCpu(f(out), inps.map(f)); }
}
