// Input files read whole (configs, chat JSONL, question files) and output directories created for a
// command: checked before any byte is read or written. A path that is a device (/dev/zero), a pipe
// (/dev/stdin, a FIFO) or a directory is refused by its kind, since reading it would hang, never
// end or fail with a bare errno; a file over the limit for its kind is refused by its size. Errors
// from the filesystem are given in words (read-only filesystem, permission denied, disk full).
// Also the sha256 of a file, read in pieces (checkpoint manifests, a --data file's record).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What kind of thing a stat describes, for messages ("a character device"). */
export function kindOf(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const MB = 1024 * 1024;
export const fmtBytes = (n: number): string => (n >= MB ? `${(n / MB).toFixed(n % MB === 0 ? 0 : 1)} MiB` : `${n} bytes`);

/** An errno error in words, naming the path: what the user can act on, the code in brackets. */
export function describeFsError(e: unknown, p: string): string {
  const err = e as NodeJS.ErrnoException;
  const at = err.path ?? p;
  switch (err.code) {
    case 'EROFS': return `${at} is on a read-only filesystem (EROFS)`;
    case 'EACCES': case 'EPERM': return `permission denied for ${at} (${err.code})`;
    case 'ENOSPC': return `no space left on the device holding ${at} (ENOSPC)`;
    case 'EDQUOT': return `disk quota exceeded for ${at} (EDQUOT)`;
    case 'ENOTDIR': return `a part of ${at} is not a directory (ENOTDIR)`;
    case 'EISDIR': return `${at} is a directory (EISDIR)`;
    case 'ENOENT': return `${at}: no such file or directory (ENOENT)`;
    case 'ELOOP': return `${at}: too many levels of symbolic links (ELOOP)`;
    case 'ENAMETOOLONG': return `${at}: the name is too long (ENAMETOOLONG)`;
    default: return err.message ?? String(e);
  }
}

/**
 * Reads a text file the user named, refusing (with `what` and the path) anything that is not a
 * regular file or is larger than `maxBytes`. A leading BOM is dropped.
 */
export function readUserText(file: string, what: string, maxBytes: number, hint = ''): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new Error(`${what} ${file}: cannot read it: ${describeFsError(e, file)}`);
  }
  if (!st.isFile()) throw new Error(`${what} ${file}: is ${kindOf(st)}, not a regular file${hint}`);
  if (st.size > maxBytes) throw new Error(`${what} ${file}: is ${fmtBytes(st.size)}, over the ${fmtBytes(maxBytes)} limit for a ${what}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${what} ${file}: cannot read it: ${describeFsError(e, file)}`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Creates `dir` and its missing parents one at a time (fs.mkdirSync's recursive mode spins forever
 * under /proc and reports a read-only parent as ENOENT). Returns whether `dir` itself was created.
 * Errors say why in words and name the directory that could not be made.
 */
export function makeDirs(dir: string): boolean {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw new Error(`cannot create ${dir}: ${describeFsError(e, p)}`);
    }
    if (st) {
      if (!st.isDirectory()) throw new Error(`cannot create ${dir}: ${p} is ${kindOf(st)}, not a directory`);
      break;
    }
    missing.unshift(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      fs.mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(p).isDirectory()) continue; // made by someone else meanwhile
      throw new Error(`cannot create ${dir}: ${describeFsError(e, p)}`);
    }
  }
  return missing.length > 0;
}

/** The sha256 of a file's bytes, in hex, read in 1 MiB pieces (a checkpoint's weights, a --data file). */
export function sha256File(file: string): string {
  const h = createHash('sha256'), buf = Buffer.alloc(1 << 20), fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}
