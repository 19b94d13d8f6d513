// The hostile suite's harness: run `inoculum ...` in this process (cli.ts, no tsx start-up per case),
// capture what it prints, and check that a refused command left the disk as it was (a snapshot of
// every path under the case's directory: kind, mode, size and sha256 of each file).
import { expect, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { format } from 'node:util';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../src/cli/cli.ts';

export interface Outcome { code: number; out: string; err: string }

/** A fresh directory for one case. */
export const sandbox = (tag = 'case'): string => mkdtempSync(join(tmpdir(), `inoculum-hostile-${tag}-`));

/**
 * `inoculum argv` in-process with `cwd` as the working directory (so default outputs such as runs/
 * and .cache/ land in the snapshot) and `env` over the environment (INOCULUM_BACKEND=cpu unless set).
 */
export async function inoculum(argv: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Outcome> {
  let out = '', err = '';
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out += format(...a) + '\n'; }),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err += format(...a) + '\n'; }),
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; }),
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; }),
  ];
  const env = { INOCULUM_BACKEND: 'cpu', INOCULUM_DEBUG: undefined, ...opts.env };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const cwd = process.cwd();
  for (const [k, v] of Object.entries(env)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  if (opts.cwd) process.chdir(opts.cwd);
  try {
    return { code: await cli(argv), out, err };
  } finally {
    process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    for (const s of spies) s.mockRestore();
  }
}

/** Every path under `dir` with what it is: a refused command must leave this unchanged. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name, p = join(dir, r);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) { out[r] = `dir ${st.mode.toString(8)}`; walk(r); }
      else if (st.isFile()) out[r] = `file ${st.mode.toString(8)} ${st.size} ${st.size < 1 << 24 ? createHash('sha256').update(readFileSync(p)).digest('hex') : `mtime ${st.mtimeMs}`}`;
      else out[r] = `special ${st.mode.toString(8)}`;
    }
  };
  walk('');
  return out;
}

/** A table case: a crafted input (setup) and the command line, the exit code and message expected. */
export interface Case {
  name: string;
  setup?: (dir: string) => void;
  argv: (dir: string) => string[];
  code: number;
  /** What stderr must contain (a function of the case's directory, for paths). */
  msg: string | RegExp | ((dir: string) => string | RegExp);
  env?: Record<string, string | undefined>;
}

/** Runs one case in a fresh directory: the exit code, the message, and nothing written or changed. */
export async function runCase(c: Case): Promise<Outcome> {
  const dir = sandbox();
  c.setup?.(dir);
  const before = snapshot(dir);
  const r = await inoculum(c.argv(dir), { cwd: dir, env: c.env });
  const msg = typeof c.msg === 'function' ? c.msg(dir) : c.msg;
  expect(r.code, r.err).toBe(c.code);
  if (typeof msg === 'string') expect(r.err).toContain(msg);
  else expect(r.err).toMatch(msg);
  expect(snapshot(dir), 'the command changed the disk').toEqual(before);
  return r;
}

/** The message of the error `f` throws (failing the test when it throws none). */
export function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}
