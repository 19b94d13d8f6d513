// Hostile safetensors files beyond tests/io.test.ts's malformed-layout cases: sizes meant to make
// the reader allocate (a 4 GiB tensor over a sparse file, a 100 MB+ header), shapes and offsets of
// the wrong JSON type, dtypes by another name, and things that are not files. Errors name the file
// and the tensor; nothing is allocated from a size before it is checked. The sizes and the device
// are read in a child bounded in time and heap (harness.ts): a regression would allocate gigabytes
// or read for ever.
import { describe, expect, it } from 'vitest';
import { closeSync, ftruncateSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { sandbox, thrown, thrownBounded } from './harness.ts';

const dir = sandbox('st');
let n = 0;
/** A file of: the 8-byte length (or `len`), the header text, `data` bytes, then zeros up to `size` (sparse). */
function file(header: string | object, data = 0, opts: { len?: bigint; size?: number } = {}): string {
  const f = join(dir, `t${n++}.safetensors`);
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(opts.len ?? BigInt(h.length));
  const fd = openSync(f, 'w');
  writeSync(fd, Buffer.concat([head, h, Buffer.alloc(data)]));
  if (opts.size !== undefined) ftruncateSync(fd, opts.size);
  closeSync(fd);
  return f;
}
const e = (dtype: unknown, shape: unknown, offs: unknown) => ({ dtype, shape, data_offsets: offs });
const sparseHeader = JSON.stringify({ w: e('F32', [2 ** 30], [0, 2 ** 32]) });

// [name, the file, the message; true: read in a bounded child]
const CASES: [string, () => string, string | RegExp, boolean?][] = [
  ['a header length of 0', () => file('', 4), 'header of 0 bytes cannot hold a JSON object'],
  ['a header length of 1', () => file('{', 4), 'header of 1 bytes cannot hold a JSON object'],
  ['a header over 100 MB in a sparse file', () => file('{}', 0, { len: 100_000_001n, size: 100_000_016 }), 'header of 100000001 bytes is over the 100000000-byte limit', true],
  ['a 4 GiB tensor over a sparse file (never allocated)', () => file(sparseHeader, 0, { size: 8 + sparseHeader.length + 2 ** 32 }), "tensor 'w' (F32 (1073741824)) is 4294967296 bytes, over the 1073741824-byte limit for one tensor", true],
  ['a shape whose size overflows', () => file({ w: e('F32', [2 ** 26, 2 ** 26, 2 ** 26], [0, 4]) }, 4), "tensor 'w' has shape (67108864,67108864,67108864), too large to address", true],
  ['a shape that is a string', () => file({ w: e('F32', '4', [0, 16]) }, 16), "tensor 'w' has shape \"4\"; a shape is an array of non-negative integers"],
  ['a shape of 1e400', () => file('{"w": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 4]}}', 4), "tensor 'w' has shape [null]"],
  ['a shape of null', () => file({ w: e('F32', null, [0, 4]) }, 4), "tensor 'w' has shape null"],
  ['offsets as strings', () => file({ w: e('F32', [1], ['0', '4']) }, 4), /tensor 'w' has data_offsets \["0","4"\]; expected \[begin, end\]/],
  ['negative offsets', () => file({ w: e('F32', [1], [-4, 0]) }, 4), /tensor 'w' has data_offsets \[-4,0\]/],
  ['a lower-case dtype', () => file({ w: e('f32', [1], [0, 4]) }, 4), /tensor 'w' has unknown dtype "f32"/],
  ['a null dtype', () => file({ w: e(null, [1], [0, 4]) }, 4), /tensor 'w' has unknown dtype null/],
  ['a BOOL tensor (valid, not convertible)', () => file({ w: e('BOOL', [4], [0, 4]) }, 4), "tensor 'w' has dtype BOOL, which this reader does not convert"],
  ['a header with a leading space', () => file(' {}'), "header must start with '{' but starts with \" {}\""],
  ['a header with trailing garbage', () => file('{} x'), 'header: invalid JSON at line 1, column 4'],
  ['a header of nested arrays 10000 deep', () => file(`{"w": ${'['.repeat(10000)}${']'.repeat(10000)}}`), 'header: nesting deeper than 512 levels'],
  ['a header length past 2^63', () => file('{}', 0, { len: 2n ** 64n - 1n }), /header length 18446744073709551615 goes beyond the end of the file/],
  ['a directory', () => { const d = join(dir, `d${n++}`); mkdirSync(d); return d; }, 'is a directory, not a regular file'],
];

describe('hostile safetensors: the file and the tensor, checked before anything is allocated', () => {
  for (const [name, make, msg, bounded] of CASES) {
    it(name, async () => {
      const f = make();
      const m = bounded ? (await thrownBounded('src/io/safetensors.ts', 'readSafetensors', [f])).message : thrown(() => readSafetensors(f));
      expect(m.startsWith(`readSafetensors: ${f}: `), m).toBe(true);
      if (typeof msg === 'string') expect(m).toContain(msg); else expect(m).toMatch(msg);
    });
  }
  it('a symlink to /dev/zero as a model file', async () => {
    const f = join(dir, 'zero.safetensors');
    symlinkSync('/dev/zero', f);
    // refused by its kind: fstat gives a character device size 0, and reading it would never end
    expect((await thrownBounded('src/io/safetensors.ts', 'readSafetensors', [f])).message).toBe(`readSafetensors: ${f}: is a character device, not a regular file`);
  });
  it('a tensor named __proto__ is a tensor like any other', () => {
    const f = file('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 4);
    const t = readSafetensors(f).tensors;
    expect([...t.keys()]).toEqual(['__proto__']);
    expect(t.get('__proto__')!.shape).toEqual([1]);
  });
});
