// The WebGPU runtime under the backend: buffer pool, pipeline cache, one command encoder per
// batch of dispatches, readback at sync points, validation errors turned into thrown Errors.
// Kernel binding specs (kernels/*.ts) call `dispatch`; nothing here knows any kernel.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Buf, DType, TypedArray } from './backend.ts';
import { bytesOf } from './backend.ts';
import type { DawnDevice } from './dawn.ts';
import { expandShader, locate, type ShaderSource } from './wgsl.ts';

const SHADER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');

export class GpuBuf implements Buf {
  constructor(readonly buffer: GPUBuffer, readonly length: number, readonly dtype: DType) {}
}

/**
 * Storage buffers are pooled by size class (powers of two, in bytes, at least 256). Four classes
 * per power of two held more, not less (385 against 303 MiB at most on the default run's first
 * base and fine-tune seed): the shrinking generation batches then find fewer buffers to reuse.
 */
function sizeClass(bytes: number): number {
  return Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(bytes, 1))));
}

/** Texels per row of copyToTexture's textures: 64 KiB of rgba32float, a multiple of the 256-byte row alignment of copies. */
export const TEXTURE_WIDTH = 4096;

export interface DispatchSpec {
  /** Shader file name in shaders/ without .wgsl; also names the kernel in errors. */
  shader: string;
  /** Override constants (tile sizes, workgroup size) the pipeline is specialised with. */
  constants?: Record<string, number>;
  /** Storage buffers in binding order 0..n-1 (group 0). */
  buffers: Buf[];
  /** Byte ranges to bind instead of whole buffers, by binding index (a uniform window into a buffer). */
  ranges?: ({ offset: number; size: number } | undefined)[];
  /** Uniform parameters, bound after the storage buffers; each value is written as u32, i32 or f32 per `uniformTypes`. */
  uniforms?: number[];
  /** One letter per uniform: 'u' u32, 'i' i32, 'f' f32. Defaults to all 'u'. */
  uniformTypes?: string;
  /** Textures (copyToTexture's, or placeholderTexture) bound after the uniform binding, in order. */
  textures?: GPUTexture[];
  workgroups: [number, number?, number?];
}

export class Gpu {
  readonly device: GPUDevice;
  private pool = new Map<number, GPUBuffer[]>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private shaderModules = new Map<string, { module: GPUShaderModule; src: ShaderSource }>();
  private texturePool = new Map<number, GPUTexture[]>();
  private placeholderTex: GPUTexture | null = null;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private kernelsInBatch: string[] = [];
  private uniformsInFlight: GPUBuffer[] = [];
  private uniformFree: GPUBuffer[] = [];
  // resolve to the Error to throw (never reject: a rejection nobody awaits yet is an unhandled
  // rejection in Node, reported before the next sync gets to throw it)
  private errorChecks: Promise<Error | null>[] = [];
  private lostReason: string | null = null;
  live = 0;
  liveBytes = 0;
  /** The most liveBytes since resetPeak was last called (see Backend.memoryPeak). */
  peakBytes = 0;
  /** Bytes of every storage buffer and texture created and not yet released (live or pooled; see releaseFree). */
  heldBytes = 0;
  /** The most heldBytes since resetPeak. */
  peakHeldBytes = 0;
  /** Dispatches recorded since the counter was last reset (benchmarks report it per step). */
  dispatchCount = 0;
  /** When set, every dispatch spec is passed here (profilers replay them to time each kernel). */
  onDispatch: ((spec: DispatchSpec) => void) | null = null;

  constructor(readonly dawn: DawnDevice) {
    this.device = dawn.device;
    void this.device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  // ---- buffers ------------------------------------------------------------------------------
  alloc(length: number, dtype: DType): GpuBuf {
    const bytes = sizeClass(length * bytesOf(dtype));
    const free = this.pool.get(bytes);
    let buffer = free?.pop();
    if (!buffer) {
      // UNIFORM too: kernels may read a window of a buffer as a uniform binding (kernels/matmul.ts)
      buffer = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      this.held(bytes);
    }
    this.live++; this.liveBytes += length * bytesOf(dtype);
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    return new GpuBuf(buffer, length, dtype);
  }

  // Safe to reuse at once: the queue runs commands in order, so later users of the buffer come
  // after earlier ones. (Uploads flush first for the same reason, see write.)
  free(buf: GpuBuf): void {
    const bytes = buf.buffer.size;
    if (!this.pool.has(bytes)) this.pool.set(bytes, []);
    this.pool.get(bytes)!.push(buf.buffer);
    this.live--; this.liveBytes -= buf.length * bytesOf(buf.dtype);
  }

  write(buf: GpuBuf, data: ArrayLike<number>): void {
    // queue.writeBuffer runs before any unsubmitted dispatch: submit those first to keep order
    this.flush();
    const arr = buf.dtype === 'i32' ? Int32Array.from(data) : Float32Array.from(data);
    this.device.queue.writeBuffer(buf.buffer, 0, arr.buffer, arr.byteOffset, arr.byteLength);
  }

  async read(buf: GpuBuf): Promise<TypedArray> {
    const bytes = Math.max(4, buf.length * 4);
    const staging = this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.begin();
    this.endPass();
    this.encoder!.copyBufferToBuffer(buf.buffer, 0, staging, 0, staging.size);
    this.flush();
    await this.checkErrors();
    await staging.mapAsync(GPUMapMode.READ);
    const range = staging.getMappedRange();
    const out = buf.dtype === 'i32' ? new Int32Array(range.slice(0, buf.length * 4)) : new Float32Array(range.slice(0, buf.length * 4));
    staging.unmap();
    staging.destroy();
    return out;
  }

  // ---- pipelines ----------------------------------------------------------------------------
  pipeline(shader: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = shader + JSON.stringify(constants);
    let p = this.pipelines.get(key);
    if (p) return p;
    let entry = this.shaderModules.get(shader);
    const src = entry?.src ?? expandShader(SHADER_DIR, shader); // #include "lib/..." (wgsl.ts); throws before any scope opens
    // the scope opens before the module is created, so a compile error is caught here, with the pipeline's
    this.device.pushErrorScope('validation');
    if (!entry) {
      entry = { module: this.device.createShaderModule({ code: src.code, label: shader }), src };
      this.shaderModules.set(shader, entry);
    }
    const { module } = entry;
    p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main', constants }, label: shader });
    this.errorChecks.push(this.device.popErrorScope().then(async (e) => {
      if (!e) return null;
      // compile errors at the file and line they were written (the expanded text has no file)
      const info = typeof module.getCompilationInfo === 'function' ? await module.getCompilationInfo() : null;
      const at = (info?.messages ?? []).filter((m) => m.type === 'error').map((m) => `${locate(src, m.lineNum, m.linePos)}: ${m.message}`);
      return new Error(`webgpu: kernel ${shader} failed to compile or validate: ${at.length ? at.join('; ') : e.message}`);
    }));
    this.pipelines.set(key, p);
    return p;
  }

  // ---- recording ----------------------------------------------------------------------------
  private begin(): void {
    if (this.lostReason) throw new Error(`webgpu: device lost (${this.lostReason})`);
    if (!this.encoder) {
      this.device.pushErrorScope('validation');
      this.encoder = this.device.createCommandEncoder();
    }
  }
  private endPass(): void {
    if (this.pass) { this.pass.end(); this.pass = null; }
  }

  dispatch(spec: DispatchSpec): void {
    const [x, y = 1, z = 1] = spec.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const maxWg = this.dawn.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    if (x > maxWg || y > maxWg || z > maxWg) {
      throw new Error(`webgpu: ${spec.shader}: dispatch (${x}, ${y}, ${z}) exceeds maxComputeWorkgroupsPerDimension ${maxWg}`);
    }
    const pipeline = this.pipeline(spec.shader, spec.constants);
    const entries: GPUBindGroupEntry[] = spec.buffers.map((b, i) => ({ binding: i, resource: { buffer: (b as GpuBuf).buffer, ...spec.ranges?.[i] } }));
    if (spec.uniforms && spec.uniforms.length > 0) {
      const u = this.uniformBuffer(spec.uniforms, spec.uniformTypes);
      entries.push({ binding: spec.buffers.length, resource: { buffer: u } });
    }
    for (const t of spec.textures ?? []) entries.push({ binding: entries.length, resource: t.createView() });
    this.begin();
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    if (!this.pass) this.pass = this.encoder!.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.kernelsInBatch.push(spec.shader);
    this.dispatchCount++;
    this.onDispatch?.(spec);
  }

  /** Copies bytes inside the current batch (keeps queue order, unlike queue.writeBuffer); offsets in bytes, multiples of 4. */
  copy(dst: GpuBuf, src: GpuBuf, bytes: number, dstOffset = 0, srcOffset = 0): void {
    this.begin();
    this.endPass();
    this.encoder!.copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, Math.ceil(bytes / 4) * 4);
  }

  // ---- textures -----------------------------------------------------------------------------
  /**
   * Records a copy of buf's first `length` elements (f32 or i32 bits) into a pooled rgba32float
   * texture TEXTURE_WIDTH texels wide, inside the current batch: element e is component e % 4 of
   * texel t = e / 4, at (t % TEXTURE_WIDTH, t / TEXTURE_WIDTH). Kernels read operands this way where
   * a texel fetch is cheaper than a storage load (kernels/matmul.ts). Null when the copy would not
   * fit maxTextureDimension2D. Hand the texture back with freeTexture once the dispatches reading it
   * are recorded: like buffers, safe to reuse at once, since the queue keeps command order.
   */
  copyToTexture(buf: GpuBuf, length = buf.length): GPUTexture | null {
    const texels = Math.max(1, Math.ceil(length / 4)), rows = Math.ceil(texels / TEXTURE_WIDTH);
    const height = 2 ** Math.ceil(Math.log2(rows));
    if (height > (this.dawn.limits.maxTextureDimension2D ?? 8192)) return null;
    const tex = this.texturePool.get(height)?.pop() ?? this.createTexture(height);
    this.begin();
    this.endPass();
    const full = Math.floor(texels / TEXTURE_WIDTH), rest = texels - full * TEXTURE_WIDTH;
    const rowBytes = TEXTURE_WIDTH * 16;
    if (full > 0) this.encoder!.copyBufferToTexture({ buffer: buf.buffer, bytesPerRow: rowBytes }, { texture: tex }, [TEXTURE_WIDTH, full]);
    if (rest > 0) this.encoder!.copyBufferToTexture({ buffer: buf.buffer, offset: full * rowBytes, bytesPerRow: rowBytes }, { texture: tex, origin: [0, full] }, [rest, 1]);
    return tex;
  }

  freeTexture(tex: GPUTexture): void {
    if (!this.texturePool.has(tex.height)) this.texturePool.set(tex.height, []);
    this.texturePool.get(tex.height)!.push(tex);
  }

  private held(bytes: number): void {
    this.heldBytes += bytes;
    if (this.heldBytes > this.peakHeldBytes) this.peakHeldBytes = this.heldBytes;
  }

  /**
   * Destroys every pooled (free) buffer and texture: the pool keeps each size class it has seen, so
   * stages that allocate different sizes (training, then batched generation whose batch shrinks as
   * rows finish) would otherwise hold the union of their buffers. Work already recorded that uses
   * them is submitted first; WebGPU keeps a destroyed buffer until submitted work using it is done.
   */
  releaseFree(): void {
    this.flush();
    for (const bufs of this.pool.values()) for (const b of bufs) { this.heldBytes -= b.size; b.destroy(); }
    this.pool.clear();
    for (const texs of this.texturePool.values()) for (const t of texs) { this.heldBytes -= t.width * t.height * 16; t.destroy(); }
    this.texturePool.clear();
  }

  /** A 1 x 1 texture for texture bindings a dispatch does not read (WGSL counts them as used). */
  placeholderTexture(): GPUTexture {
    return this.placeholderTex ??= this.createTexture(1, 1);
  }

  private createTexture(height: number, width = TEXTURE_WIDTH): GPUTexture {
    this.held(width * height * 16);
    return this.device.createTexture({ size: [width, height], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
  }

  /** Zeroes a buffer's elements inside the current batch (a command, not a dispatch). */
  clear(buf: GpuBuf): void {
    if (buf.length === 0) return;
    this.begin();
    this.endPass();
    this.encoder!.clearBuffer(buf.buffer, 0, buf.length * 4);
  }

  private uniformBuffer(values: number[], types = ''): GPUBuffer {
    // 16-byte multiple; uniform buffers are only recycled after the submit that used them
    const size = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
    const data = new ArrayBuffer(size);
    const dv = new DataView(data);
    values.forEach((v, i) => {
      const t = types[i] ?? 'u';
      if (t === 'f') dv.setFloat32(i * 4, v, true);
      else if (t === 'i') dv.setInt32(i * 4, v, true);
      else dv.setUint32(i * 4, v >>> 0, true);
    });
    let buf = this.uniformFree.findIndex((b) => b.size === size) >= 0
      ? this.uniformFree.splice(this.uniformFree.findIndex((b) => b.size === size), 1)[0]
      : this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    // the write lands before this batch's submit, and this buffer is used once per batch
    this.device.queue.writeBuffer(buf, 0, data);
    this.uniformsInFlight.push(buf);
    return buf;
  }

  /** Submits everything recorded so far as one command buffer. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const kernels = this.kernelsInBatch;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.kernelsInBatch = [];
    this.errorChecks.push(this.device.popErrorScope().then((e) =>
      e ? new Error(`webgpu: validation error in a batch running [${[...new Set(kernels)].join(', ')}]: ${e.message}`) : null));
    this.uniformFree.push(...this.uniformsInFlight);
    this.uniformsInFlight = [];
  }

  /** Throws the first validation error recorded since the last check (pipelines or batches). */
  async checkErrors(): Promise<void> {
    const checks = this.errorChecks;
    this.errorChecks = [];
    const first = (await Promise.all(checks)).find((e) => e !== null);
    if (first) throw first;
  }

  /** Waits for all submitted work (a sync point). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  destroy(): void {
    this.dawn.destroy();
  }
}
