// The WebGPU backend: the backend contract on Dawn, each kernel a WGSL file in shaders/ whose
// binding spec lives in kernels/webgpu/<kernel>.ts. Only f32 and i32 buffers (WGSL has no f64).
import type { Backend, BackendStats, Buf, DType, TypedArray, UnaryOp, BinaryOp, ReduceOp } from './backend.ts';
import { Gpu, type GpuBuf } from './gpu.ts';
import { requestDawnDevice } from './dawn.ts';
import { fill } from '../../kernels/webgpu/fill.ts';

const todo = (k: string): never => { throw new Error(`webgpu: kernel ${k} is not implemented yet`); };

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly description: string;
  constructor(readonly gpu: Gpu) {
    this.description = `${gpu.dawn.adapterInfo} (${gpu.dawn.kind})`;
  }
  static async create(): Promise<WebGpuBackend> {
    return new WebGpuBackend(new Gpu(await requestDawnDevice()));
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
  destroy(): void { this.gpu.destroy(); }

  fill(out: Buf, value: number): void { fill(this.gpu, out as GpuBuf, value); }
  strided(_out: Buf, _outStrides: number[], _outOffset: number, _inp: Buf, _inStrides: number[], _inOffset: number, _shape: number[]): void { todo('strided'); }
  unary(_out: Buf, _inp: Buf, _op: UnaryOp, _alpha: number): void { todo('unary'); }
  unaryBackward(_dinp: Buf, _dout: Buf, _inp: Buf, _out: Buf, _op: UnaryOp, _alpha: number): void { todo('unaryBackward'); }
  binary(_out: Buf, _a: Buf, _b: Buf, _op: BinaryOp, _shape: number[], _aStrides: number[], _bStrides: number[]): void { todo('binary'); }
  where(_out: Buf, _cond: Buf, _a: Buf, _b: Buf, _shape: number[], _c: number[], _as: number[], _bs: number[]): void { todo('where'); }
  reduce(_out: Buf, _inp: Buf, _op: ReduceOp, _outer: number, _R: number, _inner: number): void { todo('reduce'); }
  matmul(_out: Buf, _a: Buf, _b: Buf, _batch: number, _M: number, _N: number, _K: number, _tA: boolean, _tB: boolean, _sA: number, _sB: number): void { todo('matmul'); }
  softmaxForward(_out: Buf, _inp: Buf, _N: number, _C: number): void { todo('softmaxForward'); }
  softmaxBackward(_dinp: Buf, _dout: Buf, _out: Buf, _N: number, _C: number): void { todo('softmaxBackward'); }
  logSoftmaxForward(_out: Buf, _inp: Buf, _N: number, _C: number): void { todo('logSoftmaxForward'); }
  logSoftmaxBackward(_dinp: Buf, _dout: Buf, _out: Buf, _N: number, _C: number): void { todo('logSoftmaxBackward'); }
  layernormForward(_out: Buf, _mean: Buf, _rstd: Buf, _inp: Buf, _w: Buf, _b: Buf, _N: number, _C: number, _eps: number): void { todo('layernormForward'); }
  layernormBackward(_dinp: Buf, _dw: Buf, _db: Buf, _dout: Buf, _inp: Buf, _w: Buf, _mean: Buf, _rstd: Buf, _N: number, _C: number): void { todo('layernormBackward'); }
  embeddingForward(_out: Buf, _ids: Buf, _w: Buf, _N: number, _C: number): void { todo('embeddingForward'); }
  embeddingBackward(_dw: Buf, _dout: Buf, _ids: Buf, _N: number, _C: number, _V: number): void { todo('embeddingBackward'); }
  crossEntropyForward(_losses: Buf, _dlogits: Buf | null, _logits: Buf, _targets: Buf, _N: number, _V: number, _ignore: number): void { todo('crossEntropyForward'); }
  attentionForward(_out: Buf, _lse: Buf, _q: Buf, _k: Buf, _v: Buf, _B: number, _NH: number, _T: number, _HS: number, _scale: number): void { todo('attentionForward'); }
  attentionBackward(_dq: Buf, _dk: Buf, _dv: Buf, _dout: Buf, _q: Buf, _k: Buf, _v: Buf, _out: Buf, _lse: Buf, _B: number, _NH: number, _T: number, _HS: number, _scale: number): void { todo('attentionBackward'); }
  dropout(_out: Buf, _inp: Buf, _p: number, _seed: number): void { todo('dropout'); }
  adamw(_param: Buf, _grad: Buf, _m: Buf, _v: Buf, _lr: number, _b1: number, _b2: number, _eps: number, _wd: number, _step: number): void { todo('adamw'); }
  sumSquares(_out: Buf, _inp: Buf): void { todo('sumSquares'); }
}
