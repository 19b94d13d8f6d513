// One writer per output directory: a lock file created with O_EXCL, holding the owner's pid, host,
// command and start time. A second command on the same directory is refused, naming the owner. A
// lock left by a process that no longer runs on this host (kill -9, a crash) is stale: it is
// replaced, with a note saying so. A lock from another host, or one that cannot be read, cannot
// be checked from here: the error says which file to remove once its owner is known to be gone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describeFsError } from './files.ts';

export interface LockInfo { pid: number; host: string; command: string; started: string }

export class LockError extends Error {}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function readLock(file: string): LockInfo | null {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 4096) return null;
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (!Number.isSafeInteger(v.pid) || typeof v.host !== 'string' || typeof v.command !== 'string' || typeof v.started !== 'string') return null;
    return v as LockInfo;
  } catch {
    return null;
  }
}

/**
 * Takes the lock `file` for `command`, or throws a LockError naming its holder. Returns the release
 * function (also run at process exit, so process.exit after a second Ctrl-C leaves no lock).
 */
export function acquireLock(file: string, command: string, note: (s: string) => void = () => {}): () => void {
  const me: LockInfo = { pid: process.pid, host: os.hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new LockError(`cannot create the lock ${file}: ${describeFsError(e, file)}`);
      const held = readLock(file);
      if (!held) throw new LockError(`${file} exists but is not a lock this program can read (damaged?); if no inoculum command is writing this directory, remove it: rm ${JSON.stringify(file)}`);
      const who = `inoculum ${held.command} (pid ${held.pid} on ${held.host}, since ${held.started})`;
      if (held.host === me.host && held.pid !== process.pid && !alive(held.pid) && attempt === 0) {
        // two commands replacing the same stale lock at the same instant could both win; the window
        // is the few microseconds between this unlink and the open above
        fs.rmSync(file, { force: true });
        note(`note: removed a stale lock ${file} left by ${who}, which no longer runs`);
        continue;
      }
      const clear = held.host === me.host
        ? 'wait for it to finish or stop it'
        : `if that process no longer runs (another machine: this one cannot check), remove the lock: rm ${JSON.stringify(file)}`;
      throw new LockError(`${file}: another command is writing this directory: ${who}; ${clear}`);
    }
    try {
      fs.writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      fs.closeSync(fd);
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      process.off('exit', release);
      // only our own lock: never one a later owner took after ours was (wrongly) judged stale
      if (readLock(file)?.pid === me.pid) fs.rmSync(file, { force: true });
    };
    process.on('exit', release);
    return release;
  }
}
