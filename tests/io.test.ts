// File formats: safetensors (round trips, half-precision decoding against known bit patterns, every
// malformed-header case), atomic writes that leave the old file alone on failure, JSON and JSONL
// with line/column errors. Checkpoints and the GPT-2 importer are in io_checkpoint.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSafetensors, readSafetensorsHeader, writeSafetensors, type TensorRecord } from '../src/io/safetensors.ts';
import { writeFileAtomic, writeAll } from '../src/io/atomic.ts';
import { JsonlWriter, readJson, readJsonl, writeJsonAtomic, writeJsonlAtomic } from '../src/io/json.ts';
import { scanJson } from '../src/io/json_scan.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'inoculum-io-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let fileNo = 0;
/** A fresh path in a fresh directory (so stray temp files can be counted). */
function fresh(name = 'x.safetensors'): string {
  const dir = path.join(root, `d${fileNo++}`);
  fs.mkdirSync(dir);
  return path.join(dir, name);
}

/** A safetensors file from raw parts: header text (or object), data bytes, optional bogus length. */
function raw(file: string, header: string | Uint8Array | object, data: Uint8Array = new Uint8Array(0), len?: bigint): string {
  const h = header instanceof Uint8Array ? header : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(len ?? BigInt(h.length));
  fs.writeFileSync(file, Buffer.concat([n, h, data]));
  return file;
}
const u16le = (vals: number[]) => { const b = Buffer.alloc(2 * vals.length); vals.forEach((v, i) => b.writeUInt16LE(v, 2 * i)); return b; };

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

// ---- safetensors round trips -------------------------------------------------------------------

describe('safetensors round trip', () => {
  it('f32, f64, i32, an empty tensor, a scalar and metadata come back bit for bit, in order', () => {
    const file = fresh();
    const tensors = new Map<string, TensorRecord>([
      ['w', { shape: [2, 3], data: new Float32Array([1.5, -0, NaN, Infinity, -3e-39, 7]) }],
      ['ids', { shape: [4], data: new Int32Array([0, -1, 2147483647, -2147483648]) }],
      ['empty', { shape: [0, 5], data: new Float32Array(0) }],
      ['scalar', { shape: [], data: new Float32Array([42]) }],
      ['d', { shape: [1, 2], data: new Float64Array([Math.PI, -1e300]) }],
      ['__proto__', { shape: [1], data: new Float32Array([3]) }],
    ]);
    writeSafetensors(file, tensors, { note: 'hi', step: '12' });
    const { tensors: back, metadata } = readSafetensors(file);
    expect(metadata).toEqual({ note: 'hi', step: '12' });
    // widest dtype first, then map order
    expect([...back.keys()]).toEqual(['d', 'w', 'ids', 'empty', 'scalar', '__proto__']);
    for (const [name, t] of tensors) {
      const b = back.get(name)!;
      expect(b.shape).toEqual(t.shape);
      expect(sameBits(b.data, t.data)).toBe(true);
    }
    expect(back.get('w')).toMatchObject({ dtype: 'f32', stored: 'F32' });
    expect(back.get('ids')!.data).toBeInstanceOf(Int32Array);
    expect(back.get('d')).toMatchObject({ dtype: 'f64', stored: 'F64' });
    const h = readSafetensorsHeader(file);
    expect(h.dataStart % 8).toBe(0);
    for (const t of h.tensors) expect(t.begin % (t.dtype === 'F64' ? 8 : 4)).toBe(0);
  });

  it('no metadata gives null; an empty map is a valid file', () => {
    const file = fresh();
    writeSafetensors(file, new Map());
    expect(readSafetensors(file)).toEqual({ tensors: new Map(), metadata: null });
  });

  it('reads only the tensors asked for', () => {
    const file = fresh();
    writeSafetensors(file, new Map([['a', { shape: [1], data: new Float32Array([1]) }], ['b', { shape: [1], data: new Float32Array([2]) }]]));
    expect([...readSafetensors(file, (n) => n === 'b').tensors.keys()]).toEqual(['b']);
  });

  it('property: random tensors of random dtypes and shapes round-trip exactly', () => {
    const tensorArb = fc.tuple(fc.constantFrom('F32', 'F64', 'I32'), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }), fc.integer()).map(([dt, shape, seed]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const vals = fc.sample(dt === 'I32' ? fc.integer() : dt === 'F32' ? fc.float() : fc.double(), { numRuns: n, seed });
      const data = dt === 'I32' ? Int32Array.from(vals) : dt === 'F32' ? Float32Array.from(vals) : Float64Array.from(vals);
      return { shape, data } as TensorRecord;
    });
    const dictArb = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__'), tensorArb), { selector: ([n]) => n, maxLength: 6 });
    const metaArb = fc.option(fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), fc.string()), { nil: undefined });
    fc.assert(fc.property(dictArb, metaArb, (entries, meta) => {
      const file = fresh();
      writeSafetensors(file, new Map(entries), meta);
      const { tensors, metadata } = readSafetensors(file);
      expect(metadata).toEqual(meta ?? null);
      expect(tensors.size).toBe(entries.length);
      for (const [name, t] of entries) {
        const b = tensors.get(name)!;
        expect(b.shape).toEqual(t.shape);
        expect(b.data.constructor).toBe(t.data.constructor);
        expect(sameBits(b.data, t.data)).toBe(true);
      }
    }), { numRuns: 40 });
  });
});

// ---- half precision and integer conversion -----------------------------------------------------

describe('safetensors conversions', () => {
  it('F16 bit patterns decode to the right floats', () => {
    const cases: [number, number][] = [
      [0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x0400, 2 ** -14],
      [0x8000, -0], [0x0000, 0], [0x7c00, Infinity], [0xfc00, -Infinity], [0x7e00, NaN], [0x3555, 0.333251953125], [0xbc01, -1.0009765625],
    ];
    const file = raw(fresh(), { h: { dtype: 'F16', shape: [cases.length], data_offsets: [0, 2 * cases.length] } }, u16le(cases.map((c) => c[0])));
    const t = readSafetensors(file).tensors.get('h')!;
    expect(t).toMatchObject({ dtype: 'f32', stored: 'F16' });
    expect(t.data).toBeInstanceOf(Float32Array);
    cases.forEach(([, v], i) => expect(Object.is(t.data[i], v), `pattern ${cases[i][0].toString(16)}: ${t.data[i]} vs ${v}`).toBe(true));
  });

  it('every finite positive F16 pattern decodes strictly increasing, from 0 to 65504', () => {
    const n = 0x7c00;
    const file = raw(fresh(), { h: { dtype: 'F16', shape: [n], data_offsets: [0, 2 * n] } }, u16le(Array.from({ length: n }, (_, i) => i)));
    const d = readSafetensors(file).tensors.get('h')!.data;
    expect(d[0]).toBe(0);
    for (let i = 1; i < n; i++) if (!(d[i] > d[i - 1])) throw new Error(`not increasing at ${i}`);
    expect(d[n - 1]).toBe(65504);
  });

  it('BF16 bit patterns decode to the right floats', () => {
    const cases: [number, number][] = [
      [0x3f80, 1], [0xc040, -3], [0x7f80, Infinity], [0xff80, -Infinity], [0x7fc0, NaN], [0x8000, -0],
      [0x0001, 2 ** -133], [0x3eab, 0.333984375], [0x7f7f, 3.3895313892515355e38], [0x4049, 3.140625],
    ];
    const file = raw(fresh(), { b: { dtype: 'BF16', shape: [2, 5], data_offsets: [0, 20] } }, u16le(cases.map((c) => c[0])));
    const t = readSafetensors(file).tensors.get('b')!;
    expect(t).toMatchObject({ dtype: 'f32', stored: 'BF16', shape: [2, 5] });
    cases.forEach(([, v], i) => expect(Object.is(t.data[i], v), `pattern ${cases[i][0].toString(16)}`).toBe(true));
  });

  it('I64 in i32 range becomes Int32Array; out of range is an error naming the tensor and value', () => {
    const vals = [-5n, 0n, 2147483647n, -2147483648n];
    const bytes = Buffer.alloc(32);
    vals.forEach((v, i) => bytes.writeBigInt64LE(v, 8 * i));
    const ok = raw(fresh(), { ids: { dtype: 'I64', shape: [4], data_offsets: [0, 32] } }, bytes);
    const t = readSafetensors(ok).tensors.get('ids')!;
    expect(t).toMatchObject({ dtype: 'i32', stored: 'I64' });
    expect(Array.from(t.data)).toEqual([-5, 0, 2147483647, -2147483648]);
    bytes.writeBigInt64LE(2147483648n, 16);
    const bad = raw(fresh(), { ids: { dtype: 'I64', shape: [4], data_offsets: [0, 32] } }, bytes);
    expect(() => readSafetensors(bad)).toThrow(`readSafetensors: ${bad}: tensor 'ids' (I64) holds 2147483648 at index 2, which does not fit in i32`);
  });

  it('a valid but unconverted dtype (U8) is a clear error', () => {
    const file = raw(fresh(), { m: { dtype: 'U8', shape: [3], data_offsets: [0, 3] } }, new Uint8Array([1, 2, 3]));
    expect(readSafetensorsHeader(file).tensors[0]).toMatchObject({ name: 'm', dtype: 'U8' });
    expect(() => readSafetensors(file)).toThrow(/tensor 'm' has dtype U8, which this reader does not convert \(it reads F32, F16, BF16, F64, I32, I64\)/);
  });

  it('header keys need not be in offset order; tensors come back in file order', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const file = raw(fresh(), { late: { dtype: 'F32', shape: [2], data_offsets: [4, 12] }, early: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data);
    const t = readSafetensors(file).tensors;
    expect([...t.keys()]).toEqual(['early', 'late']);
    expect(Array.from(t.get('late')!.data)).toEqual([2, 3]);
  });
});

// ---- malformed files ---------------------------------------------------------------------------

describe('safetensors rejects malformed files with the file name and the problem', () => {
  const f32 = (n: number) => new Uint8Array(new Float32Array(n).buffer);
  const entry = (begin: number, end: number, shape = [(end - begin) / 4], dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });
  const cases: [string, (file: string) => void, string | RegExp][] = [
    ['a file shorter than 8 bytes', (f) => fs.writeFileSync(f, Buffer.from([1, 2, 3])), 'file is 3 bytes, too short to hold the 8-byte header length'],
    ['a header length beyond the file', (f) => raw(f, '{}', f32(2), 1000n), 'header length 1000 goes beyond the end of the file (18 bytes)'],
    ['a huge header length', (f) => raw(f, '{}', undefined, 2n ** 63n), /header length 9223372036854775808 goes beyond the end of the file/],
    ['a non-JSON header', (f) => raw(f, '{"a": }'), "header: invalid JSON at line 1, column 7: expected a value, found character \"}\""],
    ['a header that is not UTF-8', (f) => raw(f, new Uint8Array([0x7b, 0xff, 0x7d])), 'header is not valid UTF-8'],
    ['a header that is not an object', (f) => raw(f, '[1, 2]'), "header must start with '{'"],
    ['a missing field', (f) => raw(f, { a: { dtype: 'F32', shape: [1] } }, f32(1)), "tensor 'a' is missing the 'data_offsets' field"],
    ['an unknown field', (f) => raw(f, { a: { ...entry(0, 4), extra: 1 } }, f32(1)), "tensor 'a' has an unknown field 'extra'"],
    ['an entry that is not an object', (f) => raw(f, { a: [1] }), "entry for tensor 'a' is not an object"],
    ['an unknown dtype', (f) => raw(f, { a: entry(0, 4, [1], 'F17') }, f32(1)), /tensor 'a' has unknown dtype "F17" \(known: BOOL, U8/],
    ['a negative dim', (f) => raw(f, { a: entry(0, 4, [-1]) }, f32(1)), "tensor 'a' has shape [-1]; a shape is an array of non-negative integers"],
    ['a fractional dim', (f) => raw(f, { a: entry(0, 4, [0.5]) }, f32(1)), /tensor 'a' has shape \[0.5\]/],
    ['offsets with begin after end', (f) => raw(f, { a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, f32(2)), "tensor 'a' has data_offsets [8, 4] with begin after end"],
    ['offsets of the wrong arity', (f) => raw(f, { a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, f32(1)), /tensor 'a' has data_offsets \[0\]; expected \[begin, end\]/],
    ['offsets outside the buffer', (f) => raw(f, { a: entry(0, 8) }, f32(1)), "tensor 'a' has data_offsets [0, 8] outside the data buffer of 4 bytes (file truncated?)"],
    ['a byte count that does not match the shape', (f) => raw(f, { a: entry(0, 8, [3]) }, f32(2)), "tensor 'a' (F32 (3)) needs 12 bytes but data_offsets [0, 8] span 8"],
    ['overlapping tensors', (f) => raw(f, { a: entry(0, 8), b: entry(4, 12) }, f32(3)), "tensors 'a' [0, 8) and 'b' [4, 12) overlap"],
    ['a hole between tensors', (f) => raw(f, { a: entry(0, 4), b: entry(8, 12) }, f32(3)), "bytes [4, 8) of the data buffer belong to no tensor (a hole before 'b')"],
    ['a hole at the start', (f) => raw(f, { b: entry(4, 8) }, f32(2)), "bytes [0, 4) of the data buffer belong to no tensor (a hole before 'b')"],
    ['bytes after the last tensor', (f) => raw(f, { a: entry(0, 4) }, f32(2)), '4 bytes after the last tensor belong to no tensor'],
    ['duplicate names', (f) => raw(f, '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(2)), /header: duplicate key "a" at line 1, column 55/],
    ['non-string metadata', (f) => raw(f, { __metadata__: { step: 3 } }), "__metadata__ value for 'step' is 3, not a string"],
    ['metadata that is not an object', (f) => raw(f, { __metadata__: 'x' }), '__metadata__ must be an object of strings'],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      const file = fresh();
      make(file);
      const expected = typeof message === 'string' ? `readSafetensors: ${file}: ${message}` : message;
      expect(() => readSafetensors(file)).toThrow(expected);
      expect(() => readSafetensors(file)).toThrow(file);
    });
  }
  it('a missing file', () => {
    const file = path.join(root, 'nope.safetensors');
    expect(() => readSafetensors(file)).toThrow(`readSafetensors: ${file}: cannot open it: ENOENT`);
  });
});

// ---- failed writes leave the old file alone ----------------------------------------------------

describe('atomic writes', () => {
  /** Runs a failing write and checks the target still holds its old bytes and no temp file is left. */
  function expectUntouched(file: string, write: () => void, message: string | RegExp): void {
    const before = fs.readFileSync(file);
    expect(write).toThrow(message);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  }
  const good = (): Map<string, TensorRecord> => new Map([['a', { shape: [2], data: new Float32Array([1, 2]) }]]);

  it('writeSafetensors: bad tensors and metadata fail before the file is touched', () => {
    const file = fresh();
    writeSafetensors(file, good());
    const bad = (name: string, t: unknown) => () => writeSafetensors(file, new Map([...good(), [name, t as TensorRecord]]));
    expectUntouched(file, bad('b', { shape: [2, 2], data: new Float32Array(3) }), `writeSafetensors: ${file}: tensor 'b' has 3 values, which cannot have shape (2,2)`);
    expectUntouched(file, bad('b', { shape: [2], data: [1, 2] }), "tensor 'b' has data of type Array; expected Float32Array, Float64Array or Int32Array");
    expectUntouched(file, bad('b', { shape: [2], data: new Uint8Array(2) }), "tensor 'b' has data of type Uint8Array");
    expectUntouched(file, bad('b', { shape: [-2], data: new Float32Array(0) }), "tensor 'b' has shape [-2]");
    expectUntouched(file, bad('b', null), "tensor 'b' has shape undefined");
    expectUntouched(file, bad('__metadata__', { shape: [1], data: new Float32Array(1) }), "'__metadata__' is reserved");
    expectUntouched(file, bad('', { shape: [1], data: new Float32Array(1) }), 'tensor names must be non-empty strings');
    expectUntouched(file, () => writeSafetensors(file, good(), { step: 3 } as unknown as Record<string, string>), "metadata value for 'step' is number, not a string");
    expect(Array.from(readSafetensors(file).tensors.get('a')!.data)).toEqual([1, 2]);
  });

  it('writeFileAtomic: a write that fails half-way leaves the old file and no temp file', () => {
    const file = fresh('data.bin');
    fs.writeFileSync(file, 'old contents');
    expectUntouched(file, () => writeFileAtomic(file, (fd) => {
      writeAll(fd, new Uint8Array(1000).fill(7));
      throw new Error('disk on fire');
    }), 'disk on fire');
    expect(fs.readFileSync(file, 'utf8')).toBe('old contents');
  });

  it('a directory that does not exist is an error naming the path', () => {
    const file = path.join(root, 'no-such-dir', 'x.safetensors');
    expect(() => writeSafetensors(file, good())).toThrow(`writeSafetensors: ${file}: cannot write it: ENOENT`);
  });

  it('writeJsonAtomic: values JSON would garble are refused, naming where they are', () => {
    const file = fresh('c.json');
    writeJsonAtomic(file, { ok: true });
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    const w = (v: unknown) => () => writeJsonAtomic(file, v);
    expectUntouched(file, w({ a: { b: NaN } }), `writeJsonAtomic: ${file}: value $.a.b is NaN, which JSON cannot hold`);
    expectUntouched(file, w({ lr: Infinity }), '$.lr is Infinity');
    expectUntouched(file, w({ n: 10n }), '$.n is a bigint');
    expectUntouched(file, w(cyc), '$.self refers back to an enclosing value (a cycle)');
    expectUntouched(file, w({ m: new Map([[1, 2]]) }), '$.m is a Map, which JSON would write as {}');
    expectUntouched(file, w({ xs: [1, new Float32Array(2)] }), '$.xs[1] is a Float32Array; convert it with Array.from() first');
    expectUntouched(file, w([1, undefined]), '$[1] is undefined');
    expectUntouched(file, w({ 'a-b': { f: () => 1 } }), '$["a-b"].f is a function');
    expect(readJson(file)).toEqual({ ok: true });
  });
});

// ---- JSON --------------------------------------------------------------------------------------

describe('JSON files', () => {
  it('round trip, with dates via toJSON and undefined properties omitted', () => {
    const file = fresh('c.json');
    const value = { name: 'tiny ✓', dims: [1, 2, 3], nested: { x: null, y: -0.5 }, when: new Date(0), skip: undefined };
    writeJsonAtomic(file, value);
    expect(readJson(file)).toEqual({ name: 'tiny ✓', dims: [1, 2, 3], nested: { x: null, y: -0.5 }, when: '1970-01-01T00:00:00.000Z' });
    expect(fs.readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
  });

  const bad: [string, string, string][] = [
    ['a bad literal', '{\n  "a": 1,\n  "b": tru\n}', 'line 3, column 8: expected a value, found character "t"'],
    ['a trailing comma', '{\n  "a": 1,\n}', 'line 3, column 1: expected a double-quoted property name, found character "}"'],
    ['a missing comma', '[1 2]', "line 1, column 4: expected ',' or ']' after an array element"],
    ['an unterminated string', '{"a": "x', 'line 1, column 9: unterminated string'],
    ['a raw newline in a string', '{"a": "x\ny"}', 'line 1, column 9: unescaped control character in string'],
    ['a bad escape', '["\\q"]', 'line 1, column 3: bad escape \\q in string'],
    ['trailing garbage', '{}\n{}', 'line 2, column 1: unexpected character "{" after the JSON value'],
    ['an empty file', '', 'line 1, column 1: expected a value, found end of input'],
    ['a leading zero', '[01]', "line 1, column 3: expected ',' or ']'"],
  ];
  for (const [what, text, message] of bad) {
    it(`malformed: ${what}`, () => {
      const file = fresh('config.json');
      fs.writeFileSync(file, text);
      expect(() => readJson(file, 'config')).toThrow(`config ${file}: invalid JSON at ${message}`);
    });
  }

  it('duplicate keys are errors (JSON.parse would keep the last silently)', () => {
    const file = fresh('config.json');
    fs.writeFileSync(file, '{\n  "lr": 1,\n  "nested": {"a": 1, "b": 2},\n  "lr": 2\n}');
    expect(() => readJson(file, 'config')).toThrow(`config ${file}: duplicate key "lr" at line 4, column 3`);
  });

  it('a missing file names the file', () => {
    const file = path.join(root, 'missing.json');
    expect(() => readJson(file, 'config')).toThrow(`config ${file}: cannot read it: ENOENT`);
  });

  it('property: the scanner accepts exactly what JSON.parse accepts (on valid and mutated JSON)', () => {
    const mutated = fc.tuple(fc.jsonValue(), fc.nat(), fc.constantFrom('', ',', '"', '}', ']', '{', '[', ':', '-', '.', 'e', '0', '\\', '\n', '\t', '\u0001', ' ', 'u', 'n', 'x'), fc.nat({ max: 2 }))
      .map(([v, at, ch, del]) => {
        const s = JSON.stringify(v, null, at % 2 ? 1 : undefined);
        const k = at % (s.length + 1);
        return s.slice(0, k) + ch + s.slice(k + del);
      });
    fc.assert(fc.property(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), mutated), (text) => {
      let parses = true;
      try { JSON.parse(text); } catch { parses = false; }
      const p = scanJson(text, { duplicates: false });
      expect(p === null, `${JSON.stringify(text)}: scanner says ${p?.message}`).toBe(parses);
      // with duplicate checks on, valid JSON can only be refused for a duplicate key
      if (parses) expect(scanJson(text)?.kind ?? 'duplicate').toBe('duplicate');
    }), { numRuns: 2000 });
  });
});

// ---- JSONL -------------------------------------------------------------------------------------

describe('JSONL files', () => {
  it('writeJsonlAtomic / readJsonl round trip; CRLF and a trailing newline are fine', () => {
    const file = fresh('m.jsonl');
    const rows = [{ step: 1, loss: 2.5 }, { step: 2, loss: 2.25, note: 'a\nb' }];
    writeJsonlAtomic(file, rows);
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
    expect(readJsonl(file)).toEqual(rows);
    fs.writeFileSync(file, '{"a":1}\r\n{"a":2}\r\n');
    expect(readJsonl(file)).toEqual([{ a: 1 }, { a: 2 }]);
    fs.writeFileSync(file, '');
    expect(readJsonl(file)).toEqual([]);
  });

  it('a malformed line is an error naming the file and the line', () => {
    const file = fresh('m.jsonl');
    fs.writeFileSync(file, '{"step":1}\n{"step":2}\n{"step":3,}\n{"step":4}\n');
    expect(() => readJsonl(file, { what: 'metrics' })).toThrow(`metrics ${file}: line 3: invalid JSON at line 1, column 11: expected a double-quoted property name`);
    fs.writeFileSync(file, '{"step":1}\n\n{"step":3}\n');
    expect(() => readJsonl(file)).toThrow(`JSONL file ${file}: line 2: blank line`);
    fs.writeFileSync(file, '{"step":1}\n[1,2]\n');
    expect(() => readJsonl(file)).toThrow(`JSONL file ${file}: line 2: expected a JSON object, got an array`);
  });

  it('JsonlWriter appends one line per row and refuses (or repairs) a torn last line', () => {
    const file = fresh('m.jsonl');
    const w = new JsonlWriter(file);
    w.append({ step: 1, loss: 3 });
    w.append({ step: 2, loss: 2 });
    expect(() => w.append({ loss: NaN })).toThrow(`JsonlWriter: ${file}: value $.loss is NaN`);
    w.close();
    expect(() => w.append({ step: 3 })).toThrow('is closed');
    const w2 = new JsonlWriter(file);
    w2.append({ step: 3, loss: 1 });
    w2.close();
    expect(readJsonl(file).map((r) => r.step)).toEqual([1, 2, 3]);

    fs.appendFileSync(file, '{"step":4,"lo'); // a crash mid-line
    expect(() => readJsonl(file)).toThrow(`line 4: invalid JSON`);
    expect(readJsonl(file, { tolerateTornTail: true })).toHaveLength(3);
    expect(() => new JsonlWriter(file)).toThrow(`JsonlWriter: ${file} ends in an incomplete line`);
    const w3 = new JsonlWriter(file, { repair: true });
    w3.append({ step: 4, loss: 0.5 });
    w3.close();
    expect(readJsonl(file).map((r) => r.step)).toEqual([1, 2, 3, 4]);

    const w4 = new JsonlWriter(file, { truncate: true });
    w4.append({ fresh: true });
    w4.close();
    expect(readJsonl(file)).toEqual([{ fresh: true }]);
  });
});
