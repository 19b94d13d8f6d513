// The directory a command writes (--out): claimed under a lock file (io/lock.ts), so a second
// command on the same directory stops at once naming the first, and checked for what it already
// holds before anything is written. Used by every command that writes a directory; what may be in
// a directory a run continues is the caller's (`problem`), e.g. src/inoculation/run_dir.ts.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from './files.ts';
import { acquireLock } from './lock.ts';
import { UserError } from './user_error.ts';

/** The lock file (io/lock.ts) a command holds in the directory it writes. */
export const LOCK_FILE = '.inoculum.lock';

/** What is in `dir` besides our lock file (nothing when it does not exist). */
export function outEntries(dir: string): string[] {
  return existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir).filter((n) => n !== LOCK_FILE).sort() : [];
}

/** The first three names of a list, then ', ...' if there are more (messages about a directory's contents). */
export function firstFew(names: readonly string[]): string {
  return `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}`;
}

/** Why a command that writes files of fixed names may not use `dir` without --force (null: absent or empty). */
export function nonEmptyProblem(dir: string): string | null {
  const entries = outEntries(dir);
  if (entries.length === 0) return null;
  return `--out ${dir} is not empty (it holds ${firstFew(entries)}): choose another directory, or pass --force to replace the files of the same names`;
}

/** A command's default output directory: runs/<name>-<UTC date and time to the second>. */
export function timestampedRunDir(name: string): string {
  return join('runs', `${name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
}

/** A claimed output directory: release() drops the lock and removes the directory again if this claim made it and it is still empty. */
export interface Claim { dir: string; created: boolean; release(): void }

/**
 * Takes `dir` for `command` to write: creates it (and its parents) if missing and takes its lock,
 * so a second command on the same directory stops here, naming the first (`note` gets the lock's
 * notes, e.g. a stale lock replaced). `problem` (checked under the lock, so two commands cannot
 * both find the directory empty) says why the directory may not be used, or null. Every refusal
 * leaves the disk as it was.
 */
export function claimOut(dir: string, command: string, note: (s: string) => void, problem: () => string | null = () => null): Claim {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`--out ${dir} exists and is not a directory`);
  let created: boolean;
  try {
    created = makeDirs(dir);
  } catch (e) {
    throw new UserError(`--out: ${(e as Error).message}`);
  }
  const undo = () => { if (created && outEntries(dir).length === 0) rmSync(dir, { recursive: true, force: true }); };
  let unlock: () => void;
  try {
    unlock = acquireLock(join(dir, LOCK_FILE), command, note);
  } catch (e) {
    undo();
    throw e;
  }
  const release = () => { unlock(); undo(); };
  const why = problem();
  if (why) { release(); throw new UserError(why); }
  return { dir, created, release };
}
