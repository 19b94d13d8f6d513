// Preloaded (node --require) into an `inoculum` child by export_kill.test.ts: SIGKILLs the process
// just before or just after its Kth fs.renameSync under FAULT_DIR (INOCULUM_FAULT_RENAME="K:before"
// or "K:after"). An export's renames are what decide which set a crash leaves (each file's temp ->
// name, then DIR -> DIR.old-*, DIR.tmp-* -> DIR), so these are its every distinct moment, hit
// exactly rather than by timing. FAULT_COUNT names a file to write the number of renames to at exit.
'use strict';
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
const dir = process.env.FAULT_DIR ?? '';
const [k, when] = (process.env.INOCULUM_FAULT_RENAME ?? '').split(':');
const real = fs.renameSync;
let n = 0;
fs.renameSync = function renameSync(from, to) {
  // only the export's own renames: tsx and others may rename files in their caches
  if (!dir || !(String(from).startsWith(dir) || String(to).startsWith(dir))) return real.call(this, from, to);
  n++;
  if (n === Number(k) && when === 'before') process.kill(process.pid, 'SIGKILL');
  real.call(this, from, to);
  if (n === Number(k) && when === 'after') process.kill(process.pid, 'SIGKILL');
};
if (process.env.FAULT_COUNT) process.on('exit', () => fs.writeFileSync(process.env.FAULT_COUNT, String(n)));
// `import * as fs from 'node:fs'` in the ESM sources sees the wrapper only after this
syncBuiltinESMExports();
