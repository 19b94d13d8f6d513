// The safetensors format (Hugging Face): an 8-byte little-endian u64 N, N bytes of JSON header
//   { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
//     "__metadata__": { "<key>": "<string>" } (optional) }
// and then the data buffer, every tensor row-major little-endian at [begin, end) counted from the
// buffer's start. The tensors must tile the buffer exactly: no holes, no overlaps, nothing after.
// We read F32/F16/BF16 (as Float32Array), F64 (Float64Array), I32/I64 (Int32Array), and write
// F32/F64/I32. Every check a corrupt or hand-made file can fail is made before data is trusted.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fmt } from '../shape.ts';
import { writeAll, writeFileAtomic } from './atomic.ts';
import { parseJsonText } from './json.ts';
import { kindOf } from './files.ts';

/** Bytes per element of every dtype the format defines; the ones we cannot convert are still validated. */
const DTYPE_BYTES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
} as const;
export type StDtype = keyof typeof DTYPE_BYTES;
const READABLE: readonly StDtype[] = ['F32', 'F16', 'BF16', 'F64', 'I32', 'I64'];

/** The reference implementation refuses headers over 100 MB; a larger N means a corrupt file. */
const MAX_HEADER_BYTES = 100_000_000;
/** One tensor is read into one buffer: 1 GiB holds GPT-2 XL's embedding three times over; more is a hostile header over a sparse file. */
const MAX_TENSOR_BYTES = 1 << 30;
const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

export type TensorData = Float32Array | Float64Array | Int32Array;
/** The engine dtype a tensor is read as (io sits below the engine, so it names them itself; the engine's DType holds these). */
type DType = 'f32' | 'f64' | 'i32';
/** What the writer takes: a row-major array and its shape. */
export interface TensorRecord { shape: readonly number[]; data: TensorData }
/** What the reader gives: the engine dtype the data was converted to, and the dtype on disk. */
export interface LoadedTensor { shape: number[]; dtype: DType; stored: StDtype; data: TensorData }
/** One header entry, offsets relative to the data buffer. */
export interface TensorInfo { name: string; dtype: StDtype; shape: number[]; begin: number; end: number }
export interface SafetensorsHeader {
  /** Entries in the order of their bytes in the file. */
  tensors: TensorInfo[];
  metadata: Record<string, string> | null;
  /** File offset of the data buffer (8 + N). */
  dataStart: number;
}

const isDim = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// ---- reading -----------------------------------------------------------------------------------

function readExactly(fd: number, into: Uint8Array, position: number, fail: () => Error): void {
  let got = 0;
  while (got < into.length) {
    const n = fs.readSync(fd, into, got, into.length - got, position + got);
    if (n === 0) throw fail();
    got += n;
  }
}

/** Checks one header entry and returns it typed; `bad` builds the error. */
function checkEntry(name: string, e: unknown, bad: (msg: string) => Error): TensorInfo {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) throw bad(`entry for tensor '${name}' is not an object`);
  const entry = e as Record<string, unknown>;
  for (const k of Object.keys(entry)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw bad(`tensor '${name}' has an unknown field '${k}'`);
  }
  for (const k of ['dtype', 'shape', 'data_offsets']) if (!(k in entry)) throw bad(`tensor '${name}' is missing the '${k}' field`);
  const { dtype, shape, data_offsets: offs } = entry;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw bad(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every(isDim)) throw bad(`tensor '${name}' has shape ${JSON.stringify(shape)}; a shape is an array of non-negative integers`);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isDim)) throw bad(`tensor '${name}' has data_offsets ${JSON.stringify(offs)}; expected [begin, end], non-negative integers`);
  const [begin, end] = offs as number[];
  if (begin > end) throw bad(`tensor '${name}' has data_offsets [${begin}, ${end}] with begin after end`);
  const size = DTYPE_BYTES[dtype as StDtype];
  const count = elementCount(shape as number[]);
  if (!Number.isSafeInteger(count * size)) throw bad(`tensor '${name}' has shape ${fmt(shape as number[])}, too large to address`);
  if (count * size > MAX_TENSOR_BYTES) throw bad(`tensor '${name}' (${dtype} ${fmt(shape as number[])}) is ${count * size} bytes, over the ${MAX_TENSOR_BYTES}-byte limit for one tensor`);
  if (end - begin !== count * size) {
    throw bad(`tensor '${name}' (${dtype} ${fmt(shape as number[])}) needs ${count * size} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as StDtype, shape: [...(shape as number[])], begin, end };
}

/** Validates the header against the file size; entries come back sorted by offset. */
function parseHeader(fd: number, file: string): SafetensorsHeader {
  const bad = (msg: string) => new Error(`readSafetensors: ${file}: ${msg}`);
  const st = fs.fstatSync(fd);
  if (!st.isFile()) throw bad(`is ${kindOf(st)}, not a regular file`);
  const size = st.size;
  if (size < 8) throw bad(`file is ${size} bytes, too short to hold the 8-byte header length`);
  const lenBytes = new Uint8Array(8);
  readExactly(fd, lenBytes, 0, () => bad('file shrank while being read'));
  const n64 = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n64 > BigInt(size - 8)) throw bad(`header length ${n64} goes beyond the end of the file (${size} bytes); not a safetensors file, or truncated`);
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) throw bad(`header of ${n} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (n < 2) throw bad(`header of ${n} bytes cannot hold a JSON object`);
  const headerBytes = new Uint8Array(n);
  readExactly(fd, headerBytes, 8, () => bad('file shrank while being read'));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw bad('header is not valid UTF-8');
  }
  if (text[0] !== '{') throw bad(`header must start with '{' but starts with ${JSON.stringify(text.slice(0, 16))}`);
  let json: unknown;
  try {
    json = parseJsonText(text, 'header');
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('header is not a JSON object');

  let metadata: Record<string, string> | null = null;
  const tensors: TensorInfo[] = [];
  for (const [name, e] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) throw bad('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(e)) if (typeof v !== 'string') throw bad(`__metadata__ value for '${k}' is ${JSON.stringify(v)}, not a string`);
      metadata = e as Record<string, string>;
      continue;
    }
    tensors.push(checkEntry(name, e, bad));
  }

  const dataStart = 8 + n, dataBytes = size - dataStart;
  for (const t of tensors) {
    if (t.end > dataBytes) throw bad(`tensor '${t.name}' has data_offsets [${t.begin}, ${t.end}] outside the data buffer of ${dataBytes} bytes (file truncated?)`);
  }
  // walk the tensors in byte order: each must start where the previous ended
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0, prev: TensorInfo | null = null;
  for (const t of tensors) {
    if (t.begin < at) throw bad(`tensors '${prev!.name}' [${prev!.begin}, ${prev!.end}) and '${t.name}' [${t.begin}, ${t.end}) overlap`);
    if (t.begin > at) throw bad(`bytes [${at}, ${t.begin}) of the data buffer belong to no tensor (a hole before '${t.name}')`);
    at = t.end;
    prev = t;
  }
  if (at !== dataBytes) throw bad(`${dataBytes - at} bytes after the last tensor belong to no tensor (the data buffer is ${dataBytes} bytes, tensors cover ${at})`);
  return { tensors, metadata, dataStart };
}

const F16_TABLE = (() => {
  // every half-precision bit pattern decoded once (256 KB): faster than decoding per element
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    t[h] = e === 0 ? sign * m * 2 ** -24 : e === 31 ? (m ? NaN : sign * Infinity) : sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return t;
})();

/** Decodes one tensor's little-endian bytes (an ArrayBuffer of exactly its size) into an engine array. */
function decode(info: TensorInfo, raw: ArrayBuffer, bad: (msg: string) => Error): { dtype: DType; data: TensorData } {
  const count = elementCount(info.shape);
  const dv = new DataView(raw);
  switch (info.dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN_HOST) return { dtype: 'f32', data: new Float32Array(raw) };
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      return { dtype: 'f32', data: out };
    }
    case 'F64': {
      if (LITTLE_ENDIAN_HOST) return { dtype: 'f64', data: new Float64Array(raw) };
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      return { dtype: 'f64', data: out };
    }
    case 'I32': {
      if (LITTLE_ENDIAN_HOST) return { dtype: 'i32', data: new Int32Array(raw) };
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, true);
      return { dtype: 'i32', data: out };
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = F16_TABLE[dv.getUint16(2 * i, true)];
      return { dtype: 'f32', data: out };
    }
    case 'BF16': {
      // bf16 is the top half of an f32: shift the bits up
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      return { dtype: 'f32', data: new Float32Array(bits.buffer) };
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = dv.getBigInt64(8 * i, true);
        if (v < -2147483648n || v > 2147483647n) throw bad(`tensor '${info.name}' (I64) holds ${v} at index ${i}, which does not fit in i32`);
        out[i] = Number(v);
      }
      return { dtype: 'i32', data: out };
    }
    default:
      throw bad(`tensor '${info.name}' has dtype ${info.dtype}, which this reader does not convert (it reads ${READABLE.join(', ')})`);
  }
}

/** The validated header of a safetensors file, without reading the tensors. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openForRead(path);
  try {
    return parseHeader(fd, path);
  } finally {
    fs.closeSync(fd);
  }
}

function openForRead(path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch (e) {
    throw new Error(`readSafetensors: ${path}: cannot open it: ${(e as Error).message}`);
  }
}

/**
 * Reads every tensor of a safetensors file (in file order), converted to engine arrays, and the
 * metadata. `only` picks the tensors to load (the whole header is validated regardless).
 */
export function readSafetensors(path: string, only?: (name: string) => boolean): { tensors: Map<string, LoadedTensor>; metadata: Record<string, string> | null } {
  const bad = (msg: string) => new Error(`readSafetensors: ${path}: ${msg}`);
  const fd = openForRead(path);
  try {
    const header = parseHeader(fd, path);
    const tensors = new Map<string, LoadedTensor>();
    for (const info of header.tensors) {
      if (only && !only(info.name)) continue;
      const raw = new ArrayBuffer(info.end - info.begin);
      readExactly(fd, new Uint8Array(raw), header.dataStart + info.begin, () => bad('file shrank while being read'));
      const { dtype, data } = decode(info, raw, bad);
      tensors.set(info.name, { shape: info.shape, dtype, stored: info.dtype, data });
    }
    return { tensors, metadata: header.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

// ---- writing -----------------------------------------------------------------------------------

function storedDtype(data: unknown): 'F32' | 'F64' | 'I32' | null {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  return null;
}

/** Little-endian bytes of an array (a view, no copy, on little-endian hosts). */
function bytesOf(data: TensorData): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength), dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(4 * i, data[i], true);
    else if (data instanceof Float64Array) dv.setFloat64(8 * i, data[i], true);
    else dv.setInt32(4 * i, data[i], true);
  }
  return out;
}

/**
 * Writes tensors (Float32Array -> F32, Float64Array -> F64, Int32Array -> I32) and optional string
 * metadata to `path`, atomically. Everything is checked before the file is touched. Tensors are laid
 * out widest dtype first, then in the map's order, with the header padded to 8 bytes, so every
 * tensor's bytes sit at an offset aligned to its element size.
 */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, TensorRecord>, metadata?: Record<string, string>): void {
  const bad = (msg: string) => new Error(`writeSafetensors: ${path}: ${msg}`);
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw bad('metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw bad(`metadata value for '${k}' is ${typeof v}, not a string`);
  }
  const items: { name: string; dtype: 'F32' | 'F64' | 'I32'; shape: number[]; data: TensorData }[] = [];
  for (const [name, t] of tensors) {
    if (typeof name !== 'string' || name === '') throw bad(`tensor names must be non-empty strings, got ${JSON.stringify(name)}`);
    if (name === '__metadata__') throw bad(`'__metadata__' is reserved and cannot name a tensor`);
    const shape = t?.shape, data = t?.data;
    if (!Array.isArray(shape) || !shape.every(isDim)) throw bad(`tensor '${name}' has shape ${JSON.stringify(shape)}; a shape is an array of non-negative integers`);
    const dtype = storedDtype(data);
    if (!dtype) throw bad(`tensor '${name}' has data of type ${data?.constructor?.name ?? typeof data}; expected Float32Array, Float64Array or Int32Array`);
    if (data!.length !== elementCount(shape)) throw bad(`tensor '${name}' has ${data!.length} values, which cannot have shape ${fmt(shape)}`);
    items.push({ name, dtype, shape: [...shape], data: data! });
  }
  // widest first keeps F64 tensors 8-byte aligned; sort is stable, so map order holds within a width
  items.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype]);

  // no prototype, so a tensor named __proto__ becomes a key rather than a prototype swap
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const it of items) {
    header[it.name] = { dtype: it.dtype, shape: it.shape, data_offsets: [offset, offset + it.data.byteLength] };
    offset += it.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8; // pad with spaces so the data starts 8-aligned
  if (padded > MAX_HEADER_BYTES) throw bad(`header would be ${padded} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  const head = Buffer.alloc(8 + padded, 0x20);
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);

  try {
    writeFileAtomic(path, (fd) => {
      writeAll(fd, head);
      for (const it of items) writeAll(fd, bytesOf(it.data));
    });
  } catch (e) {
    throw bad(`cannot write it: ${(e as Error).message}`);
  }
}
