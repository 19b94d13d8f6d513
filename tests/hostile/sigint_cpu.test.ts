// Ctrl-C during `inoculum run` on the CPU backend (issue 16 item 4): the CPU kernels are synchronous,
// so a training loop that awaits only resolved promises never lets the SIGINT handler run; the run
// must stop at the next step with a resumable base checkpoint, exit 130 and release its locks.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from '../cli_helpers.ts';
import { sandbox } from './harness.ts';

const root = sandbox('sigint');
const config = join(root, 'long.json');
writeFileSync(config, JSON.stringify({ base: { steps: 100000 } })); // minutes of work: only a stop ends it in time

describe('Ctrl-C on the CPU backend', () => {
  it('run --quick stops in the base stage with a checkpoint, exit 130, no lock left', async () => {
    const out = join(root, 'out'), cache = join(root, 'cache');
    const { child, done } = startCli(['run', '--quick', '--config', config, '--out', out, '--cache', cache], { env: { INOCULUM_BACKEND: 'cpu' } });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    const t0 = Date.now();
    while (!/base \[[^\]]*\] [1-9]\d*\//.test(stderr) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000); // a run that ignores it fails below, bounded
    const r = await done;
    clearTimeout(killer);
    expect(r.code, r.stderr.slice(-400)).toBe(130);
    expect(r.stderr).toMatch(/interrupted: base model at step \d+ of 100000, checkpoint in /);
    const entries = readdirSync(cache);
    expect(entries.some((e) => e.endsWith('.partial'))).toBe(true);
    expect(entries.some((e) => e.endsWith('.lock'))).toBe(false);
    expect(existsSync(join(out, '.inoculum.lock'))).toBe(false);
  }, 120_000);
});
