// The `inoculum` entry point (bin/inoculum.mjs loads this file through tsx): runs cli.ts's command
// and exits with its status.
import { cli } from './cli.ts';

// Dawn can keep the event loop alive after a command: exit explicitly, once stdout and stderr
// have flushed (pipes are asynchronous on some platforms).
const code = await cli(process.argv.slice(2));
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
process.exit(code);
