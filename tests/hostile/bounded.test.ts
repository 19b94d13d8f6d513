// The bounded children of harness.ts (runBounded, thrownBounded) turn a hang or a heap exhaustion
// into a failed case that says which: checked on inputs that do each (runaway.ts, a pipe nobody
// writes to), so a bounded case cannot pass by never running.
import { describe, expect, it } from 'vitest';
import { runBounded, thrownBounded } from './harness.ts';

describe('bounded children', () => {
  it('a call that spins is killed at its timeout and its case fails saying so', async () => {
    await expect(thrownBounded('tests/hostile/runaway.ts', 'spin', [], { timeoutMs: 3000 })).rejects.toThrow('spin(): still running after 3000 ms, killed (the input made it hang?)');
  });
  it('a call that allocates without end fails naming the heap limit', async () => {
    await expect(thrownBounded('tests/hostile/runaway.ts', 'grow', [], { heapMb: 64 })).rejects.toThrow('grow(): ran out of its 64 MB heap (the input made it allocate without a bound?)');
  });
  it('stdin is a FIFO nobody writes to: a read of /dev/stdin blocks until the timeout', async () => {
    await expect(thrownBounded('node:fs', 'readFileSync', ['/dev/stdin'], { timeoutMs: 3000 })).rejects.toThrow('still running after 3000 ms');
  });
  it('an inoculum command that finishes is not affected', async () => {
    const r = await runBounded(['--version'], { timeoutMs: 30_000, heapMb: 128 });
    expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/^inoculum \d/) });
  });
});
