// Output directories: one writer per --out (a lock held by a live process stops a second command;
// a dead one's lock is replaced; another host's or an unreadable one is named with the rm that
// clears it), no command writes into a non-empty directory it did not create unless --resume or
// --force says so, and export --force swaps a complete new set in. Refusals change nothing.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '../../src/io/out_dir.ts';
import { acquireLock } from '../../src/io/lock.ts';
import { inoculum, runCase, sandbox, snapshot, thrown, type Case } from './harness.ts';

const lock = (pid: number, host = hostname(), command = 'finetune') => JSON.stringify({ pid, host, command, started: '2026-01-01T00:00:00.000Z' });
/** A process id that surely runs (a sleeping child) and one that surely does not (a child that exited). */
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
const live = sleeper.pid!;
const dead = spawnSync('true').pid!;
process.on('exit', () => sleeper.kill());

const withLock = (content: string, extra: Record<string, string> = {}) => (d: string) => {
  mkdirSync(join(d, 'out'));
  writeFileSync(join(d, 'out', LOCK_FILE), content);
  for (const [f, v] of Object.entries(extra)) writeFileSync(join(d, 'out', f), v);
};
const out = (d: string) => join(d, 'out');

const LOCKED: Case[] = [
  { name: 'pretrain into a directory a live process writes', setup: withLock(lock(live)), argv: (d) => ['pretrain', '--out', out(d)], code: 1, msg: (d) => `${join(out(d), LOCK_FILE)}: another command is writing this directory: inoculum finetune (pid ${live} on ${hostname()}, since 2026-01-01T00:00:00.000Z); wait for it to finish or stop it` },
  { name: 'finetune --resume of a run another process holds', setup: withLock(lock(live), { 'run.json': '{}' }), argv: (d) => ['finetune', '--resume', out(d)], code: 1, msg: /run\.json is not an inoculum run record|another command is writing/ },
  { name: 'run into a directory locked from another host', setup: withLock(lock(live, 'elsewhere.example')), argv: (d) => ['run', '--quick', '--out', out(d)], code: 1, msg: (d) => `if that process no longer runs (another machine: this one cannot check), remove the lock: rm ${JSON.stringify(join(out(d), LOCK_FILE))}` },
  { name: 'setting into a directory with an unreadable lock', setup: withLock('garbage'), argv: (d) => ['setting', 'persona', '--quick', '--out', out(d)], code: 1, msg: (d) => `${join(out(d), LOCK_FILE)} exists but is not a lock this program can read (damaged?); if no inoculum command is writing this directory, remove it: rm ${JSON.stringify(join(out(d), LOCK_FILE))}` },
  { name: 'sweep into a directory whose lock is a directory', setup: (d) => mkdirSync(join(d, 'out', LOCK_FILE), { recursive: true }), argv: (d) => ['sweep', '--quick', '--out', out(d)], code: 1, msg: 'exists but is not a lock this program can read' },
  { name: 'export beside a live export', setup: (d) => writeFileSync(join(d, '.out.lock'), lock(live, hostname(), 'export')), argv: (d) => ['export', '--out', out(d)], code: 1, msg: (d) => `${join(d, '.out.lock')}: another command is writing this directory: inoculum export (pid ${live}` },
];

const NONEMPTY: Case[] = [
  { name: 'run into a directory of other files', setup: (d) => { mkdirSync(out(d)); writeFileSync(join(out(d), 'notes.txt'), 'mine'); }, argv: (d) => ['run', '--quick', '--out', out(d)], code: 1, msg: (d) => `--out ${out(d)} is not empty (it holds notes.txt) and is not a run directory: choose another directory` },
  { name: 'run into an earlier run stopped before any fine-tune', setup: (d) => { mkdirSync(out(d)); writeFileSync(join(out(d), 'config.json'), '{}'); }, argv: (d) => ['run', '--quick', '--out', out(d)], code: 1, msg: (d) => `--out ${out(d)} holds an earlier run (config.json): continue it with inoculum run --resume --out ${out(d)}` },
  { name: 'run into a multi-base run with finished fine-tunes', setup: (d) => { mkdirSync(join(out(d), 'base-2', 'units'), { recursive: true }); writeFileSync(join(out(d), 'base-2', 'units', 'control-s1.json'), '{}'); }, argv: (d) => ['run', '--quick', '--out', out(d)], code: 1, msg: 'holds fine-tunes of an earlier run: continue it with inoculum run --resume' },
  { name: 'setting into a non-empty directory', setup: (d) => { mkdirSync(out(d)); writeFileSync(join(out(d), 'results.json'), '{}'); }, argv: (d) => ['setting', 'backdoor', '--quick', '--out', out(d)], code: 1, msg: (d) => `--out ${out(d)} is not empty (it holds results.json): choose another directory, or pass --force to replace the files of the same names` },
  { name: 'sweep into a non-empty directory', setup: (d) => { mkdirSync(out(d)); writeFileSync(join(out(d), 'a'), ''); writeFileSync(join(out(d), 'b'), ''); writeFileSync(join(out(d), 'c'), ''); writeFileSync(join(out(d), 'd'), ''); }, argv: (d) => ['sweep', '--quick', '--out', out(d)], code: 1, msg: 'is not empty (it holds a, b, c, ...)' },
  { name: 'pretrain into a file', setup: (d) => writeFileSync(out(d), 'x'), argv: (d) => ['pretrain', '--out', out(d)], code: 1, msg: (d) => `--out ${out(d)} exists and is not a directory` },
  { name: 'pretrain under a file', setup: (d) => writeFileSync(out(d), 'x'), argv: (d) => ['pretrain', '--out', join(out(d), 'sub')], code: 1, msg: (d) => `--out: cannot create ${join(out(d), 'sub')}: ${out(d)} is a regular file, not a directory` },
  { name: 'export into a non-empty directory without --force', setup: (d) => { mkdirSync(out(d)); writeFileSync(join(out(d), 'base.jsonl'), ''); }, argv: (d) => ['export', '--out', out(d)], code: 1, msg: 'is not empty (use --force to replace the export in it)' },
  { name: 'export --force over files that are not an export', setup: (d) => { mkdirSync(out(d)); writeFileSync(join(out(d), 'base.jsonl'), ''); writeFileSync(join(out(d), 'thesis.tex'), ''); }, argv: (d) => ['export', '--out', out(d), '--force'], code: 1, msg: (d) => `--out ${out(d)} holds "thesis.tex", which is not part of an export; --force replaces an earlier export as a whole` },
  { name: 'export into a file', setup: (d) => writeFileSync(out(d), 'x'), argv: (d) => ['export', '--out', out(d)], code: 1, msg: 'exists and is not a directory' },
];

describe('one writer per output directory', () => {
  for (const c of LOCKED) it(c.name, async () => { await runCase(c); });
  it('a lock left by a process that no longer runs is replaced, with a note, and released after', async () => {
    const d = sandbox();
    writeFileSync(join(d, '.out.lock'), lock(dead, hostname(), 'export'));
    const r = await inoculum(['export', '--out', out(d)]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`note: removed a stale lock ${join(d, '.out.lock')} left by inoculum export (pid ${dead} on ${hostname()}`);
    expect(existsSync(join(d, '.out.lock'))).toBe(false);
    expect(readdirSync(out(d))).toContain('manifest.json');
  });
  it('acquireLock: a second taker is refused while the first holds it, and gets it after release', () => {
    const f = join(sandbox(), 'x.lock');
    const release = acquireLock(f, 'one');
    expect(JSON.parse(readFileSync(f, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'one' });
    expect(thrown(() => acquireLock(f, 'two'))).toContain(`another command is writing this directory: inoculum one (pid ${process.pid}`);
    release();
    expect(existsSync(f)).toBe(false);
    acquireLock(f, 'two')();
  });
});

describe('no writing into a non-empty directory without --resume or --force', () => {
  for (const c of NONEMPTY) it(c.name, async () => { await runCase(c); });
});

/** Every file the manifest lists, with its sha256 as written there: a consistent export. */
function consistent(dir: string): boolean {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: { file: string; sha256: string }[] };
  const names = readdirSync(dir).sort();
  return JSON.stringify(names) === JSON.stringify([...m.files.map((f) => f.file), 'manifest.json'].sort())
    && m.files.every((f) => createHash('sha256').update(readFileSync(join(dir, f.file))).digest('hex') === f.sha256);
}

describe('export --force replaces the set whole', () => {
  it('the new set replaces the old one (files of the old seed gone), byte-identical to a fresh export, no siblings left', async () => {
    const d = sandbox();
    expect((await inoculum(['export', '--out', out(d), '--seed', '2'])).code).toBe(0);
    writeFileSync(join(out(d), 'finetune-extra.jsonl'), ''); // a file an older export might have written, listed in no manifest
    const m = JSON.parse(readFileSync(join(out(d), 'manifest.json'), 'utf8'));
    m.files.push({ file: 'finetune-extra.jsonl', sha256: 'x' });
    writeFileSync(join(out(d), 'manifest.json'), JSON.stringify(m));
    expect((await inoculum(['export', '--out', out(d), '--force'])).code).toBe(0);
    expect(consistent(out(d))).toBe(true);
    const fresh = join(d, 'fresh');
    expect((await inoculum(['export', '--out', fresh])).code).toBe(0);
    expect(snapshot(out(d))).toEqual(snapshot(fresh));
    expect(readdirSync(d).sort()).toEqual(['fresh', 'out']);
  });
  it('what a killed export left beside the directory (a dead process\'s temp and old sets) is removed by the next', async () => {
    const d = sandbox();
    expect((await inoculum(['export', '--out', out(d)])).code).toBe(0);
    mkdirSync(join(d, `out.tmp-${dead}-0badc0de`));
    mkdirSync(join(d, `out.old-${dead}-0badc0de`));
    mkdirSync(join(d, `out.tmp-${live}-0badc0de`)); // a live process's: not ours to remove
    expect((await inoculum(['export', '--out', out(d), '--force'])).code).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['out', `out.tmp-${live}-0badc0de`]);
  });
});
