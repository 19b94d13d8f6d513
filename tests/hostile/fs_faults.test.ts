// Injected filesystem faults (node:fs mocked for this file): a read-only filesystem, a directory
// without write permission and a full disk are reported in words naming the path (EROFS, EACCES,
// ENOSPC), not as a missing file, and leave the disk as it was.
import { describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import type { PathLike } from 'node:fs';

/** Paths under which the mocked fs fails, and how. */
const faults = new Map<string, string>();
vi.mock('node:fs', async (orig) => {
  const fs = await orig<typeof import('node:fs')>();
  const fail = (p: unknown, op: string) => {
    for (const [root, code] of faults) {
      if (String(p).startsWith(root)) throw Object.assign(new Error(`${code}: injected, ${op} '${p}'`), { code, path: String(p), syscall: op });
    }
  };
  const wrapped = {
    ...fs,
    mkdirSync: (p: PathLike, ...a: unknown[]) => { fail(p, 'mkdir'); return (fs.mkdirSync as (...x: unknown[]) => unknown)(p, ...a); },
    openSync: (p: PathLike, ...a: unknown[]) => { if (String(a[0] ?? 'r') !== 'r') fail(p, 'open'); return (fs.openSync as (...x: unknown[]) => number)(p, ...a); },
  };
  return { ...wrapped, default: wrapped };
});

const { inoculum, sandbox, snapshot } = await import('./harness.ts');

const CASES: [string, string, string][] = [
  ['a read-only filesystem', 'EROFS', 'is on a read-only filesystem (EROFS)'],
  ['no write permission', 'EACCES', 'permission denied for'],
  ['a full disk', 'ENOSPC', 'no space left on the device holding'],
];

describe('filesystem faults are said in words, naming the path', () => {
  for (const [name, code, msg] of CASES) {
    it(`pretrain --out on ${name}`, async () => {
      const d = sandbox('fs');
      faults.clear(); faults.set(join(d, 'out'), code);
      const before = snapshot(d);
      const r = await inoculum(['pretrain', '--out', join(d, 'out', 'base')], { cwd: d });
      faults.clear();
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain(`--out: cannot create ${join(d, 'out', 'base')}: ${code === 'EROFS' ? join(d, 'out') + ' ' : ''}`);
      expect(r.err).toContain(msg);
      expect(r.err).not.toContain('ENOENT');
      expect(snapshot(d)).toEqual(before);
    });
    it(`export --out on ${name} (the lock beside it)`, async () => {
      const d = sandbox('fs');
      faults.clear(); faults.set(join(d, '.out.lock'), code);
      const before = snapshot(d);
      const r = await inoculum(['export', '--out', join(d, 'out')], { cwd: d });
      faults.clear();
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain(`cannot create the lock ${join(d, '.out.lock')}: `);
      expect(r.err).toContain(msg);
      expect(snapshot(d)).toEqual(before);
    });
  }
});
