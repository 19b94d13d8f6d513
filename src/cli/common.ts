// What the inoculum commands share that is about the command line only: printing progress, the
// option specs every command declares alike, opening the backend a command was asked for, and
// Ctrl-C. The rest lives in the library: run directories (src/inoculation/run_dir.ts), loading a
// model (src/inoculation/load_model.ts), output-directory claims (src/io/out_dir.ts), the user's
// JSONL (src/inoculation/jsonl.ts), errors meant for the user (src/io/user_error.ts).
import { envBackend } from './args.ts';
import type { Backend } from '../runtime/backend.ts';
import { useBackend } from '../index.ts';

/** Thrown out of a training loop after Ctrl-C saved a resumable checkpoint; exit code 130 (143 after SIGTERM). */
export class Interrupted extends Error {
  constructor(readonly step: number, readonly dir: string) { super(`interrupted at step ${step}`); }
}

export const log = (s: string): void => { process.stderr.write(s + '\n'); };

export const BACKEND_OPTION = { name: 'backend', type: 'string', choices: ['cpu', 'webgpu'], help: 'engine backend (default: INOCULUM_BACKEND, else webgpu with a cpu fallback)' } as const;

export const CONFIG_OPTION = { name: 'config', type: 'string', metavar: 'FILE', help: 'experiment config JSON (fields: inoculum run --print-config); merged over the defaults' } as const;

/** The backend of --backend (else INOCULUM_BACKEND, else webgpu with a cpu fallback), named on stderr. */
export async function openBackend(name: string | undefined): Promise<Backend> {
  if (name === undefined) envBackend(); // a bad INOCULUM_BACKEND is a usage error before any work
  const b = await useBackend(name as 'cpu' | 'webgpu' | undefined);
  log(`backend ${b.name}: ${b.description}`);
  return b;
}

/**
 * The first Ctrl-C (or SIGTERM) asks the training loop to save a resumable checkpoint after the
 * current step and stop; a second signal exits at once without saving (every save is atomic, so
 * the last checkpoint stays whole). The exit code is the shell's 128 + signal: 130 for SIGINT,
 * 143 for SIGTERM (`code`, which the commands return once the loop has stopped).
 */
export class InterruptGuard {
  requested = false;
  /** The exit code of the signal that stopped the command: 130 (SIGINT) or 143 (SIGTERM). */
  code = 130;
  constructor(private readonly what = 'saving a resumable checkpoint after this step') {}
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    const name = signal === 'SIGTERM' ? 'SIGTERM' : 'Ctrl-C';
    if (this.requested) {
      process.stderr.write(`\nsecond ${name}: exiting without saving\n`);
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    this.requested = true;
    this.code = signal === 'SIGTERM' ? 143 : 130;
    process.stderr.write(`\n${name}: ${this.what} (Ctrl-C again to quit at once)\n`);
  };
  install(): this { process.on('SIGINT', this.onSignal); process.on('SIGTERM', this.onSignal); return this; }
  /**
   * Lets a pending signal be delivered. On the cpu backend a training step is all microtasks, so
   * the event loop (where Node runs signal handlers) would never turn without this.
   */
  poll(): Promise<void> { return new Promise((r) => setImmediate(r)); }
  dispose(): void { process.off('SIGINT', this.onSignal); process.off('SIGTERM', this.onSignal); }
}
