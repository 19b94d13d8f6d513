// Replacing a whole directory of files as one set (inoculum export --force): the new set is built
// under a temp name beside the target and swapped in with two renames, so a crash leaves the old
// set or the new one, never a mix (between the renames: no target, both complete sets beside it,
// named `<dir>.old-<pid>-*` and `<dir>.tmp-<pid>-*`). The next replacement removes what a killed
// one left: its temp set at once, its old set (which may be the only copy) once the new one is in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir } from './atomic.ts';

const sibling = (dir: string, tag: string) => `${dir}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** `<dir>.tmp-*` / `<dir>.old-*` siblings of processes that no longer run. */
export function staleSiblings(dir: string): string[] {
  const parent = path.dirname(dir), base = path.basename(dir);
  if (!fs.existsSync(parent)) return [];
  return fs.readdirSync(parent).filter((n) => {
    const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-[0-9a-f]+$`).exec(n);
    return m !== null && Number(m[2]) !== process.pid && !alive(Number(m[2]));
  }).map((n) => path.join(parent, n));
}

/**
 * Builds a fresh directory with `build(tmp)` and puts it in place of `dir` (absent, empty or not).
 * `moveError`, when given, prefixes the message of a failed swap (the old set is then put back).
 */
export function replaceDir(dir: string, build: (tmp: string) => void, moveError?: string): void {
  dir = path.resolve(dir);
  // a dead process's temp set is never the only copy; its old set is, when dir itself is missing
  for (const s of staleSiblings(dir)) if (s.includes('.tmp-') || fs.existsSync(dir)) fs.rmSync(s, { recursive: true, force: true });
  const tmp = sibling(dir, 'tmp');
  fs.mkdirSync(tmp);
  try {
    build(tmp);
    fsyncDir(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  let old: string | null = null;
  if (fs.existsSync(dir)) {
    old = sibling(dir, 'old');
    fs.renameSync(dir, old);
  }
  try {
    fs.renameSync(tmp, dir);
  } catch (e) {
    if (old) fs.renameSync(old, dir);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw moveError ? new Error(`${moveError}: ${(e as Error).message}`) : e;
  }
  fsyncDir(path.dirname(dir));
  if (old) fs.rmSync(old, { recursive: true, force: true });
  // a dead process's old set, kept above because dir was missing (killed between its renames), is
  // no longer the only copy
  for (const s of staleSiblings(dir)) fs.rmSync(s, { recursive: true, force: true });
}
