// The `inoculum` entry point (bin/inoculum.mjs loads this file through tsx): runs cli.ts's command
// and exits with its status.
import { runAndExit } from './cli.ts';

await runAndExit(process.argv.slice(2));
