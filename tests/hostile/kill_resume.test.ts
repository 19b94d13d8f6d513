// Fault injection (issue 16 item 6): a small pretrain run is killed with SIGKILL at seeded random
// moments, N times, and resumed after each (with no flags: --checkpoint-every is remembered); it must
// end bit-identical to a run never interrupted: model and optimiser state, and one metrics row per
// step. A kill may land mid-step, mid-checkpoint (the temp sibling is cleaned), mid-metrics-line
// (the torn line is dropped) or while the lock is held (a dead owner's lock is replaced).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from '../cli_helpers.ts';
import { sandbox } from './harness.ts';

const N = 3;
const STEPS = 60;
const root = sandbox('kill');
const config = join(root, 'tiny.json');
writeFileSync(config, JSON.stringify({ seeds: 1, base: { model: { nLayer: 1, nEmbd: 16, nHead: 2 }, steps: STEPS, batchSize: 4, warmup: 2 }, maxNewTokens: 2, evalLimit: 1 }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** mulberry32: the kill moments are a function of the seed, so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
}
const rows = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.endsWith('}')).length : 0);
// each start pays the tsx load (about a second on two cores): bounded, in a child with a heap limit
const opts = { env: { NODE_OPTIONS: '--max-old-space-size=512' } };

describe('SIGKILL at random points, resumed each time', () => {
  it(`${N} kills end bit-identical to an uninterrupted run`, async () => {
    const a = join(root, 'a'), b = join(root, 'b');
    const reference = startCli(['pretrain', '--config', config, '--out', b, '--cache', join(root, 'cache-b')], opts).done;
    const random = rng(16);
    let kills = 0, args = ['pretrain', '--config', config, '--out', a, '--cache', join(root, 'cache-a'), '--checkpoint-every', '1'];
    for (let attempt = 0; kills < N && attempt < 3 * N; attempt++) {
      const { child, done } = startCli(args, opts);
      args = ['pretrain', '--resume', a];
      // once this process has trained a step of its own, kill it after a random 0-100 ms
      const start = rows(join(a, 'metrics.jsonl'));
      let exited = false;
      void done.then(() => { exited = true; });
      const t0 = Date.now();
      // (and after the first checkpoint: a run killed before it cannot be resumed, and says so)
      while (!exited && (rows(join(a, 'metrics.jsonl')) <= start || !existsSync(join(a, 'checkpoint', 'checkpoint.json'))) && Date.now() - t0 < 60_000) await sleep(5);
      await sleep(100 * random());
      if (exited) { const r = await done; expect(r.code, r.stderr).toBe(0); break; } // it finished first: nothing left to kill
      child.kill('SIGKILL');
      const r = await done;
      expect(r.signal).toBe('SIGKILL');
      kills++;
    }
    expect(kills).toBe(N);
    const last = await startCli(['pretrain', '--resume', a], opts).done;
    expect(last.code, last.stderr).toBe(0);
    const ref = await reference;
    expect(ref.code, ref.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(a, 'run.json'), 'utf8'))).toMatchObject({ status: 'done', step: STEPS, checkpointEvery: 1 });
    for (const f of ['model.safetensors', 'optimizer.safetensors']) {
      expect(readFileSync(join(a, 'checkpoint', f)).equals(readFileSync(join(b, 'checkpoint', f))), f).toBe(true);
    }
    const losses = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((m) => [m.step, m.loss, m.gradNorm]);
    expect(losses(a)).toEqual(losses(b));
    expect(losses(a).map(([s]) => s)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(existsSync(join(a, '.inoculum.lock'))).toBe(false);
  });
});
