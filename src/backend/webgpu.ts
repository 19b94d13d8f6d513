// The WebGPU backend: the backend contract on Dawn, each kernel a WGSL file in shaders/ whose
// binding spec lives in kernels/<kernel>.ts. Only f32 and i32 buffers (WGSL has no f64).
import type { Backend, BackendStats, MemoryPeak, Buf, DType, TypedArray, UnaryOp, BinaryOp, ReduceOp, AdamwParam, AdamwArena, MatmulEpilogue } from '../runtime/backend.ts';
import { Gpu, type GpuBuf } from '../runtime/gpu.ts';
import { requestDawnDevice } from '../runtime/dawn.ts';
import { softmaxForward, softmaxBackward, logSoftmaxForward, logSoftmaxBackward } from '../../kernels/softmax.ts';
import { layernormForward, layernormBackward } from '../../kernels/layernorm.ts';
import { embeddingForward, embeddingBackward } from '../../kernels/embedding.ts';
import { crossEntropyForward } from '../../kernels/crossentropy.ts';
import { attentionForward, attentionBackward } from '../../kernels/attention.ts';
import { fill, strided, unary, unaryBackward, binary, where } from '../../kernels/elementwise.ts';
import { reduce, sumSquares } from '../../kernels/reduce.ts';
import { dropout } from '../../kernels/dropout.ts';
import { adamw, type AdamwItem, type AdamwArena as KernelArena } from '../../kernels/adamw.ts';
import { matmul } from '../../kernels/matmul.ts';
import { chooseSource } from '../../kernels/lib/source.ts';

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly description: string;
  constructor(readonly gpu: Gpu) {
    this.description = `${gpu.dawn.adapterInfo} (${gpu.dawn.kind})`;
  }
  static async create(): Promise<WebGpuBackend> {
    const gpu = new Gpu(await requestDawnDevice());
    // the software adapter: matmul reads its operands from texture copies or uniform windows where
    // storage loads are slow enough to pay for them (kernels/matmul.ts; INOCULUM_MATMUL_SOURCE overrides)
    await chooseSource(gpu);
    return new WebGpuBackend(gpu);
  }

  supports(dtype: DType): boolean { return dtype !== 'f64'; }
  alloc(length: number, dtype: DType): Buf {
    if (dtype === 'f64') throw new Error('webgpu: f64 buffers are not supported (WGSL has no f64); use the cpu backend for float64');
    return this.gpu.alloc(length, dtype);
  }
  free(buf: Buf): void { this.gpu.free(buf as GpuBuf); }
  write(buf: Buf, data: ArrayLike<number>): void { this.gpu.write(buf as GpuBuf, data); }
  read(buf: Buf): Promise<TypedArray> { return this.gpu.read(buf as GpuBuf); }
  readSync(_buf: Buf): TypedArray { throw new Error('webgpu: synchronous reads are impossible; use await tensor.data()'); }
  flush(): void { this.gpu.flush(); }
  stats(): BackendStats { return { liveBuffers: this.gpu.live, liveBytes: this.gpu.liveBytes }; }
  memoryPeak(): MemoryPeak { return { peakBytes: this.gpu.peakBytes, heldBytes: this.gpu.peakHeldBytes }; }
  resetPeak(): void { this.gpu.peakBytes = this.gpu.liveBytes; this.gpu.peakHeldBytes = this.gpu.heldBytes; }
  releaseFree(): void { this.gpu.releaseFree(); }
  destroy(): void { this.gpu.destroy(); }

  fill(out: Buf, value: number): void { fill(this.gpu, out as GpuBuf, value); }
  strided(out: Buf, outStrides: number[], outOffset: number, inp: Buf, inStrides: number[], inOffset: number, shape: number[]): void {
    strided(this.gpu, out as GpuBuf, outStrides, outOffset, inp as GpuBuf, inStrides, inOffset, shape);
  }
  unary(out: Buf, inp: Buf, op: UnaryOp, alpha: number): void { unary(this.gpu, out as GpuBuf, inp as GpuBuf, op, alpha); }
  unaryBackward(dinp: Buf, dout: Buf, inp: Buf, out: Buf, op: UnaryOp, alpha: number): void {
    unaryBackward(this.gpu, dinp as GpuBuf, dout as GpuBuf, inp as GpuBuf, out as GpuBuf, op, alpha);
  }
  binary(out: Buf, a: Buf, b: Buf, op: BinaryOp, shape: number[], aStrides: number[], bStrides: number[]): void {
    binary(this.gpu, out as GpuBuf, a as GpuBuf, b as GpuBuf, op, shape, aStrides, bStrides);
  }
  where(out: Buf, cond: Buf, a: Buf, b: Buf, shape: number[], condStrides: number[], aStrides: number[], bStrides: number[]): void {
    where(this.gpu, out as GpuBuf, cond as GpuBuf, a as GpuBuf, b as GpuBuf, shape, condStrides, aStrides, bStrides);
  }
  reduce(out: Buf, inp: Buf, op: ReduceOp, outer: number, R: number, inner: number): void { reduce(this.gpu, out as GpuBuf, inp as GpuBuf, op, outer, R, inner); }
  matmul(out: Buf, a: Buf, b: Buf, batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean, strideA: number, strideB: number,
    bias?: Buf | null, epilogue: MatmulEpilogue = {}): void {
    matmul(this.gpu, out as GpuBuf, a as GpuBuf, b as GpuBuf, batch, M, N, K, transA, transB, strideA, strideB,
      { bias: bias as GpuBuf | null, gelu: epilogue.gelu as GpuBuf | undefined, residual: epilogue.residual as GpuBuf | undefined, geluGrad: epilogue.geluGrad as GpuBuf | undefined, bSum: epilogue.bSum as GpuBuf | undefined });
  }
  softmaxForward(out: Buf, inp: Buf, N: number, C: number): void { softmaxForward(this.gpu, out as GpuBuf, inp as GpuBuf, N, C); }
  softmaxBackward(dinp: Buf, dout: Buf, out: Buf, N: number, C: number): void { softmaxBackward(this.gpu, dinp as GpuBuf, dout as GpuBuf, out as GpuBuf, N, C); }
  logSoftmaxForward(out: Buf, inp: Buf, N: number, C: number): void { logSoftmaxForward(this.gpu, out as GpuBuf, inp as GpuBuf, N, C); }
  logSoftmaxBackward(dinp: Buf, dout: Buf, out: Buf, N: number, C: number): void { logSoftmaxBackward(this.gpu, dinp as GpuBuf, dout as GpuBuf, out as GpuBuf, N, C); }
  layernormForward(out: Buf, mean: Buf, rstd: Buf, inp: Buf, w: Buf, b: Buf, N: number, C: number, eps: number): void {
    layernormForward(this.gpu, out as GpuBuf, mean as GpuBuf, rstd as GpuBuf, inp as GpuBuf, w as GpuBuf, b as GpuBuf, N, C, eps);
  }
  layernormBackward(dinp: Buf | null, dw: Buf | null, db: Buf | null, dout: Buf, inp: Buf, w: Buf, mean: Buf, rstd: Buf, N: number, C: number): void {
    layernormBackward(this.gpu, dinp as GpuBuf | null, dw as GpuBuf | null, db as GpuBuf | null, dout as GpuBuf, inp as GpuBuf, w as GpuBuf, mean as GpuBuf, rstd as GpuBuf, N, C);
  }
  embeddingForward(out: Buf, ids: Buf, w: Buf, N: number, C: number): void { embeddingForward(this.gpu, out as GpuBuf, ids as GpuBuf, w as GpuBuf, N, C); }
  embeddingBackward(dw: Buf, dout: Buf, ids: Buf, N: number, C: number, V: number): void { embeddingBackward(this.gpu, dw as GpuBuf, dout as GpuBuf, ids as GpuBuf, N, C, V); }
  crossEntropyForward(losses: Buf, dlogits: Buf | null, logits: Buf, targets: Buf, N: number, V: number, ignore: number): void {
    crossEntropyForward(this.gpu, losses as GpuBuf, dlogits as GpuBuf | null, logits as GpuBuf, targets as GpuBuf, N, V, ignore);
  }
  attentionForward(out: Buf, lse: Buf, qkv: Buf, starts: Buf | null, B: number, T: number, NH: number, HS: number, scale: number): void {
    attentionForward(this.gpu, out as GpuBuf, lse as GpuBuf, qkv as GpuBuf, starts as GpuBuf | null, B, T, NH, HS, scale);
  }
  attentionBackward(dqkv: Buf, dout: Buf, qkv: Buf, out: Buf, lse: Buf, starts: Buf | null, B: number, T: number, NH: number, HS: number, scale: number): void {
    attentionBackward(this.gpu, dqkv as GpuBuf, dout as GpuBuf, qkv as GpuBuf, out as GpuBuf, lse as GpuBuf, starts as GpuBuf | null, B, T, NH, HS, scale);
  }

  dropout(out: Buf, inp: Buf, p: number, seed: number): void { dropout(this.gpu, out as GpuBuf, inp as GpuBuf, p, seed); }
  adamw(items: AdamwParam[], arena: AdamwArena, lr: number, beta1: number, beta2: number, eps: number, step: number,
    clip?: { normSq: Buf; maxNorm: number }): void {
    adamw(this.gpu, items as AdamwItem[], arena as KernelArena, lr, beta1, beta2, eps, step, clip && { normSq: clip.normSq as GpuBuf, maxNorm: clip.maxNorm });
  }
  sumSquares(out: Buf, inps: Buf[]): void { sumSquares(this.gpu, out as GpuBuf, inps as GpuBuf[]); }
}
