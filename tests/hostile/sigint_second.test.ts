// A second signal exits at once (issue 16 item 4). `inoculum run` answers the first Ctrl-C in a
// fine-tune by finishing that fine-tune (here 100000 steps: minutes), so only the second can stop
// it in time: it must exit 130 (143 for SIGTERM) within seconds, leave the cached base model whole
// and no lock behind. And SIGTERM alone stops `pretrain` like Ctrl-C, with a resumable checkpoint,
// exit 143. Each child is bounded by a SIGKILL fallback.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, type CliResult } from '../cli_helpers.ts';
import { loadCheckpoint } from '../../src/io/checkpoint.ts';
import { sandbox } from './harness.ts';

const root = sandbox('signal2');
const config = join(root, 'long-finetune.json');
writeFileSync(config, JSON.stringify({ seeds: 1, bases: 1, base: { model: { nLayer: 1, nEmbd: 16, nHead: 2 }, steps: 2, batchSize: 4, warmup: 0 }, finetune: { steps: 100000 }, maxNewTokens: 2, evalLimit: 1 }));
const cache = join(root, 'cache'); // shared: the second run loads the base the first trained
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `args`, waits until stderr matches `ready` (bounded), and gives a way to wait for more. */
async function started(args: string[], ready: RegExp) {
  const { child, done } = startCli(args, { env: { INOCULUM_BACKEND: 'cpu', NODE_OPTIONS: '--max-old-space-size=512' } });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000); // a child that ignores us fails below, bounded
  const until = async (re: RegExp) => { for (const t0 = Date.now(); !re.test(stderr) && Date.now() - t0 < 60_000;) await sleep(50); expect(stderr).toMatch(re); };
  await until(ready);
  return { child, until, done: done.finally(() => clearTimeout(killer)) as Promise<CliResult> };
}

describe('a second signal exits at once', () => {
  for (const [signal, code, name] of [['SIGINT', 130, 'Ctrl-C'], ['SIGTERM', 143, 'SIGTERM']] as const) {
    it(`a second ${name} during a fine-tune exits ${code} within seconds, the base model whole, no lock`, async () => {
      const out = join(root, `run-${signal}`);
      const p = await started(['run', '--config', config, '--out', out, '--cache', cache], /control s1 \[[^\]]*\] [1-9]\d*\/100000/);
      p.child.kill(signal);
      await p.until(new RegExp(`${name}: stopping after the current fine-tune`));
      await sleep(500); // still running: the first signal waits for the fine-tune's end
      expect(p.child.exitCode).toBe(null);
      const t0 = Date.now();
      p.child.kill(signal);
      const r = await p.done;
      expect(r.code, r.stderr.slice(-400)).toBe(code);
      expect(r.stderr).toContain(`second ${name}: exiting without saving`);
      expect(Date.now() - t0, 'seconds from the second signal to the exit').toBeLessThan(10_000);
      // the cached base is a whole checkpoint (sizes and sha256s as its manifest says), nothing half-written beside it
      const entries = readdirSync(cache);
      expect(entries.filter((e) => /\.lock$|\.tmp-|\.old-/.test(e)), entries.join(', ')).toEqual([]);
      const bases = entries.filter((e) => e.startsWith('base-') && !e.endsWith('.partial'));
      expect(bases.length, entries.join(', ')).toBe(1);
      expect(() => loadCheckpoint(join(cache, bases[0]!))).not.toThrow();
      expect(existsSync(join(out, '.inoculum.lock'))).toBe(false);
    }, 180_000);
  }

  it('SIGTERM stops pretrain with a resumable checkpoint, exit 143', async () => {
    const out = join(root, 'pretrain');
    const tiny = join(root, 'long-base.json');
    writeFileSync(tiny, JSON.stringify({ base: { model: { nLayer: 1, nEmbd: 16, nHead: 2 }, steps: 100000, batchSize: 4 } }));
    const p = await started(['pretrain', '--config', tiny, '--out', out, '--cache', join(root, 'cache-pretrain')], /pretrain \[[^\]]*\] [1-9]\d*\/100000/);
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.code, r.stderr.slice(-400)).toBe(143);
    expect(r.stderr).toContain('SIGTERM: saving a resumable checkpoint after this step');
    expect(r.stderr).toMatch(/saved a resumable checkpoint at step \d+ in .*; continue with: inoculum pretrain --resume /);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ status: 'interrupted' });
    expect(() => loadCheckpoint(join(out, 'checkpoint'))).not.toThrow();
    expect(existsSync(join(out, '.inoculum.lock'))).toBe(false);
  }, 180_000);
});
