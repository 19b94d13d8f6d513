// Atomic file writes: the bytes go to a temp file in the target's directory, are fsync'd, and the
// temp file is renamed over the target. A crash or an error mid-way leaves the old file as it was
// (and at worst a stray `.<name>.tmp-*` file, which nothing reads), never a half-written target.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A fresh name next to `target`: same directory (so rename stays on one filesystem), hidden. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target), base = path.basename(target);
  return path.join(dir, `.${base}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync a directory so a rename inside it survives a crash (a no-op where the OS refuses). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some filesystems and platforms cannot fsync a directory; the rename itself is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes every byte of `bytes` at the fd's current position (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Creates `target` atomically: `write(fd)` fills a temp file, which is fsync'd and renamed over
 * the target. If `write` throws, the temp file is removed and the target is untouched.
 */
export function writeFileAtomic(target: string, write: (fd: number) => void): void {
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    write(fd);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(target));
}

/** writeFileAtomic for bytes or text already in memory. */
export function writeBytesAtomic(target: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeFileAtomic(target, (fd) => writeAll(fd, bytes));
}
