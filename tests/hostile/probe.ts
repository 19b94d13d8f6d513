// One library call in a child process, for harness.ts's thrownBounded: `tsx probe.ts MODULE EXPORT
// ARG...` calls MODULE's EXPORT with the string arguments and prints, as one JSON line on stdout,
// whether it threw and the error's class and message. The child is where an input that would hang
// the reader (a FIFO, /dev/zero) or make it allocate without bound can do so under a timeout and
// a heap limit, instead of in the test runner.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [mod, name, ...args] = process.argv.slice(2);
// a path from the working directory (the repository root), or a built-in such as node:fs
const f = (await import(mod!.startsWith('node:') ? mod! : pathToFileURL(resolve(mod!)).href))[name!] as (...a: string[]) => unknown;
try {
  await f(...args);
  process.stdout.write(JSON.stringify({ threw: false }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ threw: true, name: (e as Error)?.constructor?.name, message: (e as Error)?.message ?? String(e) }) + '\n');
}
