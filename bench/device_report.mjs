// Writes bench/device.sh's one JSON from its step table and logs. Plain Node (no tsx, no
// node_modules), so a report comes out even when the modules are what broke. Called after every
// step, so a run killed at its limit still leaves the steps done so far.
//   node bench/device_report.mjs <steps.tsv> <logs dir> <out.json>     (meta from DEVICE_* env vars)
import { readFileSync, writeFileSync, renameSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [stepsFile, logs, outFile] = process.argv.slice(2);
const env = process.env;
const read = (p) => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };
// eslint-disable-next-line no-control-regex
const plain = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
/** Every line of a log that is a JSON object. */
function jsonLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try { const v = JSON.parse(t); if (v && typeof v === 'object') out.push(v); } catch { /* a log line */ }
  }
  return out;
}
const tail = (text, n) => plain(text).split('\n').filter((l) => l.trim()).slice(-n);

const steps = read(stepsFile).split('\n').filter(Boolean).map((line) => {
  const [name, rc, wall, limit, command] = line.split('\t');
  const code = rc === 'skipped' ? null : Number(rc);
  return {
    name, rc: code, ok: code === 0, wall_s: Number(wall), limit_s: Number(limit),
    timed_out: code === 124 || code === 137, skipped: rc === 'skipped' ? command : undefined,
    command: rc === 'skipped' ? undefined : command, log: `logs/${name}.log`,
  };
});
const step = (name) => steps.find((s) => s.name === name);
const log = (name) => read(join(logs, `${name}.log`));

const report = {
  schema: 1,
  script: 'bench/device.sh',
  mode: env.DEVICE_MODE,
  started: env.DEVICE_STARTED,
  written: new Date().toISOString(),
  finished: env.DEVICE_FINISHED === '1',
  wall_s: Math.round((Date.now() / 1000 - Number(env.DEVICE_START_S)) * 10) / 10,
  budget_s: env.DEVICE_BUDGET ? Number(env.DEVICE_BUDGET) : null,
  commit: env.DEVICE_COMMIT || null,
  host: { uname: env.DEVICE_UNAME, cpus: Number(env.DEVICE_CPUS), nvidia_smi: env.DEVICE_NVSMI || null },
  node: { version: process.version, path: process.execPath, from: env.DEVICE_NODE_FROM },
  modules: env.DEVICE_MODULES_FROM,
  vulkan_loader: env.DEVICE_VULKAN,
  env: Object.fromEntries(['INOCULUM_ADAPTER', 'VK_DRIVER_FILES', '__EGL_VENDOR_LIBRARY_FILENAMES']
    .filter((k) => env[k]).map((k) => [k, env[k]])),
  adapter: null,
  steps,
  failed: steps.filter((s) => !s.ok).map((s) => s.name),
};

// the adapter check's JSON line
const info = jsonLines(log('info')).find((o) => 'node' in o);
report.adapter = info ?? { error: tail(log('info'), 5).join('\n') || 'no output' };

// the WebGPU test files: vitest's summary lines
const tests = plain(log('tests'));
if (step('tests')) {
  const m = (label) => { const r = new RegExp(`^\\s*${label}\\s+(.*)$`, 'm').exec(tests); return r ? r[1].trim() : null; };
  report.tests = { files: m('Test Files'), tests: m('Tests'), failed: [...tests.matchAll(/^\s*(?:FAIL|×)\s+(.+)$/gm)].map((x) => x[1].trim()).slice(0, 20) };
}

// the benches: one JSON object per result
report.bench = {};
for (const family of ['peak', 'matmul', 'attention']) if (step(family)) report.bench[family] = jsonLines(log(family));
// the promoted matmul's GFLOP/s as a share of the measured WGSL fma ceiling (bench/peak.ts)
const best = (rows, key) => Math.max(0, ...(rows ?? []).filter((r) => r.backend === 'webgpu').map((r) => r[key] ?? 0));
const peakFlops = best((report.bench.peak ?? []).filter((r) => r.kernel === 'peak_fma'), 'gflops');
if (peakFlops > 0 && report.bench.matmul) {
  report.ceilings = { peak_fma_gflops: peakFlops, peak_copy_gbps: best((report.bench.peak ?? []).filter((r) => r.kernel === 'peak_copy'), 'gbps') };
  report.matmul_pct_of_peak_fma = (report.bench.matmul ?? []).filter((r) => r.backend === 'webgpu' && /^promoted/.test(r.variant))
    .map((r) => ({ shape: r.shape, gflops: r.gflops, pct: Math.round((1000 * r.gflops) / peakFlops) / 10 }));
}

// the training step
if (step('train_step')) report.train_step = jsonLines(log('train_step')).find((o) => 'tokens_per_s' in o) ?? null;
if (step('finetune_step')) report.finetune_step = jsonLines(log('finetune_step')).find((o) => 'tokens_per_s' in o) ?? null;

// the default example
const ex = step('example');
if (ex) {
  const dir = env.DEVICE_EXAMPLE_DIR;
  const results = dir && existsSync(join(dir, 'results.json'));
  report.example = {
    rc: ex.rc, wall_s: ex.wall_s, quick: env.DEVICE_MODE === 'quick', cache: 'cold (a fresh --cache)',
    results_json: results ? `${join(dir, 'results.json')} (${statSync(join(dir, 'results.json')).size} bytes)` : null,
    log_tail: tail(log('example'), 8),
  };
}
for (const s of steps) if (!s.ok && s.rc !== null) s.log_tail = tail(log(s.name), 6);

const tmp = `${outFile}.tmp`;
writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
renameSync(tmp, outFile);
