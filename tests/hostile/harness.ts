// The hostile suite's harness: run `inoculum ...` in this process (cli.ts, no tsx start-up per case),
// capture what it prints, and check that a refused command left the disk as it was (a snapshot of
// every path under the case's directory: kind, mode, size and sha256 of each file). Inputs that
// could hang or exhaust memory run in a child instead (runBounded, thrownBounded), under a
// wall-clock timeout and a heap limit, so a regression fails its case and names it rather than
// stalling or crashing the test runner.
import { expect, vi } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { format } from 'node:util';
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../src/cli/cli.ts';
import { BIN, ROOT } from '../cli_helpers.ts';

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
export const runCase = (c: Case): Promise<Outcome> => checkCase(c, (dir) => inoculum(c.argv(dir), { cwd: dir, env: c.env }));

/** A case run by `exec` in its fresh directory, with runCase's checks. */
async function checkCase(c: Case, exec: (dir: string) => Promise<Outcome>): Promise<Outcome> {
  const dir = sandbox();
  c.setup?.(dir);
  const before = snapshot(dir);
  const r = await exec(dir);
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

/** Limits of a child: wall-clock time (ms), V8 heap (MB), working directory, environment over ours. */
export interface Bounds { timeoutMs?: number; heapMb?: number; cwd?: string; env?: Record<string, string | undefined> }

/**
 * `node --max-old-space-size=heapMb ...args` with stdin a FIFO that nothing is ever written to (a
 * read of /dev/stdin blocks on it, as on a producer that is slow or stuck; spawn's own 'pipe' is a
 * socket, which open() refuses). A child still running after timeoutMs is killed and its case
 * fails saying so; one that ran out of heap fails saying that.
 */
async function runChild(what: string, args: string[], b: Bounds): Promise<Outcome> {
  const timeoutMs = b.timeoutMs ?? 30_000, heapMb = b.heapMb ?? 256;
  const env: Record<string, string | undefined> = { ...process.env, INOCULUM_BACKEND: 'cpu', INOCULUM_DEBUG: undefined, NODE_OPTIONS: undefined, ...b.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const fifo = join(sandbox('stdin'), 'stdin');
  execFileSync('mkfifo', [fifo]);
  const stdin = openSync(fifo, 'r+'); // read-write: opening does not wait for a writer
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, ...args], { cwd: b.cwd ?? ROOT, env, stdio: [stdin, 'pipe', 'pipe'] });
  closeSync(stdin);
  let out = '', err = '', timedOut = false;
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c, s) => res([c, s]));
  }).finally(() => clearTimeout(timer));
  const tail = err.slice(-600);
  if (timedOut) throw new Error(`${what}: still running after ${timeoutMs} ms, killed (the input made it hang?); stderr: ${tail}`);
  if (/heap out of memory|Allocation failed/.test(err) || signal === 'SIGABRT' || code === 134) {
    throw new Error(`${what}: ran out of its ${heapMb} MB heap (the input made it allocate without a bound?); stderr: ${tail}`);
  }
  if (code === null) throw new Error(`${what}: killed by ${signal}; stderr: ${tail}`);
  return { code, out, err };
}

/** `inoculum argv` in a child process (bin/inoculum.mjs), bounded in time and heap. */
export const runBounded = (argv: string[], b: Bounds = {}): Promise<Outcome> => runChild(`inoculum ${argv.join(' ')}`, [BIN, ...argv], b);

/** runCase in a child (runBounded): for inputs that could hang or explode. */
export const runCaseBounded = (c: Case, b: Bounds = {}): Promise<Outcome> =>
  checkCase(c, (dir) => runBounded(c.argv(dir), { cwd: dir, ...b, env: { ...c.env, ...b.env } }));

const PROBE = join(ROOT, 'tests/hostile/probe.ts');

/**
 * thrown() for `fn` (an export of `module`, a path from the repository root) called with string
 * arguments, in a child (probe.ts) bounded in time and heap: the error's class and message.
 */
export async function thrownBounded(module: string, fn: string, args: string[], b: Bounds = {}): Promise<{ name: string; message: string }> {
  const what = `${fn}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
  const r = await runChild(what, ['--import', 'tsx', PROBE, module, fn, ...args], b);
  const line = r.out.trim().split('\n').pop() ?? '';
  let v: { threw: boolean; name: string; message: string };
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`${what}: the probe printed no result (exit ${r.code}); stderr: ${r.err.slice(-600)}`);
  }
  if (!v.threw) throw new Error(`${what}: expected an error`);
  return { name: v.name, message: v.message };
}
