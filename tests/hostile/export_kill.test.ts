// An interrupted `inoculum export --force` (issue 16 item 6): the export that replaces an earlier
// one is SIGKILLed at each moment that decides what is left (fault_rename.cjs, preloaded, kills it
// at an exact rename: before the first file of the new set is in place, midway through the set,
// with the new set complete, between the two renames of the swap, after the swap). Afterwards DIR
// is one whole set, byte for byte the old export or the new one, with a manifest that matches its
// files; only between the two renames is DIR missing, and then both whole sets lie beside it. A
// rerun of the same command succeeds, replaces a dead owner's lock and leaves DIR alone, no
// `DIR.tmp-*` or `DIR.old-*` beside it.
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCli, type CliResult } from '../cli_helpers.ts';
import { inoculum, sandbox, snapshot } from './harness.ts';

const PRELOAD = fileURLToPath(new URL('./fault_rename.cjs', import.meta.url));
const root = sandbox('export-kill');
const refOld = join(root, 'ref-old'), refNew = join(root, 'ref-new');
const NEW = ['--seed', '2']; // the old set is seed 1's: every data file differs

/** `inoculum export --force` of the new set into `out`, its renames under `dir` counted or faulted; bounded. */
async function exportNew(dir: string, out: string, fault: Record<string, string> = {}): Promise<CliResult> {
  const { child, done } = startCli(['export', '--out', out, '--force', ...NEW], {
    env: { NODE_OPTIONS: `--max-old-space-size=512${Object.keys(fault).length ? ` --require ${PRELOAD}` : ''}`, FAULT_DIR: dir, ...fault },
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    return await done;
  } finally {
    clearTimeout(killer);
  }
}

/** The files of `dir` are exactly those its manifest lists, each of the size and sha256 it says. */
function manifestMatches(dir: string): void {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: { file: string; bytes: number; sha256: string }[] };
  expect(readdirSync(dir).sort(), `${dir}: files beside the manifest's`).toEqual([...m.files.map((f) => f.file), 'manifest.json'].sort());
  for (const f of m.files) {
    const b = readFileSync(join(dir, f.file));
    expect({ file: f.file, bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') }).toEqual({ file: f.file, bytes: f.bytes, sha256: f.sha256 });
  }
}

/** A fresh parent directory holding `data`, a copy of the old export. */
let n = 0;
function withOld(): { dir: string; out: string } {
  const dir = join(root, `p${n++}`), out = join(dir, 'data');
  mkdirSync(dir);
  cpSync(refOld, out, { recursive: true });
  return { dir, out };
}

// the export's renames: each of its 7 files and manifest.json from its temp name, DIR -> DIR.old-*,
// DIR.tmp-* -> DIR (checked below, so a change to how export writes shows here first)
const FILES = 8, SWAP_OUT = FILES + 1, SWAP_IN = FILES + 2;

beforeAll(async () => {
  for (const [d, seed] of [[refOld, '1'], [refNew, '2']]) {
    const r = await inoculum(['export', '--out', d, '--seed', seed]);
    expect(r.code, r.err).toBe(0);
  }
});

describe('inoculum export --force killed while it replaces an export', () => {
  it(`makes ${SWAP_IN} renames, the last two the swap`, async () => {
    const { dir, out } = withOld();
    const r = await exportNew(dir, out, { FAULT_COUNT: join(root, 'count') });
    expect(r.code, r.stderr).toBe(0);
    expect(Number(readFileSync(join(root, 'count'), 'utf8'))).toBe(SWAP_IN);
    expect(snapshot(out)).toEqual(snapshot(refNew));
  });

  // [moment, the rename and when, the set DIR holds afterwards (null: none, both beside it)]
  const POINTS: [string, string, 'old' | 'new' | null][] = [
    ['before the first file of the new set is in place', '1:before', 'old'],
    ['with 4 of the 7 files of the new set written', '5:before', 'old'],
    ['with the new set complete, before the swap', `${SWAP_OUT}:before`, 'old'],
    ['between the two renames of the swap', `${SWAP_IN}:before`, null],
    ['after the swap, before the old set is removed', `${SWAP_IN}:after`, 'new'],
  ];
  for (const [moment, at, holds] of POINTS) {
    it(`${moment}: one whole set, and a rerun cleans up`, async () => {
      const { dir, out } = withOld();
      const killed = await exportNew(dir, out, { INOCULUM_FAULT_RENAME: at });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const beside = readdirSync(dir).filter((e) => e !== 'data' && e !== '.data.lock');
      if (holds === null) {
        // DIR is missing for the instant between the renames; both whole sets are beside it
        expect(existsSync(out)).toBe(false);
        const old = beside.filter((e) => e.startsWith('data.old-')), tmp = beside.filter((e) => e.startsWith('data.tmp-'));
        expect([old.length, tmp.length], beside.join(', ')).toEqual([1, 1]);
        expect(snapshot(join(dir, old[0]))).toEqual(snapshot(refOld));
        expect(snapshot(join(dir, tmp[0]))).toEqual(snapshot(refNew));
      } else {
        expect(snapshot(out)).toEqual(snapshot(holds === 'old' ? refOld : refNew));
        manifestMatches(out);
      }
      const again = await exportNew(dir, out);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/note: removed a stale lock .*\.data\.lock left by inoculum export \(pid \d+ .*\), which no longer runs/);
      expect(snapshot(out)).toEqual(snapshot(refNew));
      manifestMatches(out);
      expect(readdirSync(dir), 'left beside DIR after the rerun').toEqual(['data']);
    });
  }
});
