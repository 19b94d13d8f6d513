// The error of a command's input: a file, a directory or a model the user named that cannot be used.
// Its message says what is wrong and what to do, so the CLI prints the message alone (no stack, no
// "INOCULUM_DEBUG=1 for a stack trace"), exit status 1. Thrown by the library (run directories,
// model loading, the user's JSONL) and by src/cli.

/** An error meant for the user: `inoculum` prints its message alone (no stack), exit code 1. */
export class UserError extends Error {}
