// Hostile Hugging Face GPT-2 directories (importHfGpt2: shard names that leave the directory, links
// to devices, configs sized to exhaust memory) and hostile environment variables. The devices and the
// sizes are imported in a child bounded in time and heap (harness.ts): a regression would spin or
// allocate gigabytes.
import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importHfGpt2 } from '../../src/io/hf_gpt2.ts';
import { backendFromEnv } from '../../src/runtime/backend.ts';
import { runCase, sandbox, thrown, thrownBounded } from './harness.ts';

const root = sandbox('hf');
const CONFIG = { model_type: 'gpt2', vocab_size: 7, n_positions: 5, n_layer: 1, n_head: 2, n_embd: 4 };
let n = 0;
/** An HF directory with `config` (an object, or raw text) and `files` (name -> text, or a symlink target with '->'). */
function hf(config: object | string, files: Record<string, string> = {}): string {
  const d = join(root, `hf${n++}`);
  mkdirSync(d);
  writeFileSync(join(d, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  for (const [f, v] of Object.entries(files)) {
    if (v.startsWith('->')) symlinkSync(v.slice(2), join(d, f)); else writeFileSync(join(d, f), v);
  }
  return d;
}
const index = (map: Record<string, unknown>) => JSON.stringify({ weight_map: map });

// [name, the directory, the message; true: imported in a bounded child]
const HF: [string, () => string, string, boolean?][] = [
  ['a shard path leaving the directory', () => hf(CONFIG, { 'model.safetensors.index.json': index({ 'wte.weight': '../../etc/passwd' }) }), 'names the shard "../../etc/passwd", which is not a file name in the directory'],
  ['an absolute shard path', () => hf(CONFIG, { 'model.safetensors.index.json': index({ 'wte.weight': '/dev/zero' }) }), 'names the shard "/dev/zero", which is not a file name in the directory'],
  ['a shard that is a symlink to /dev/zero', () => hf(CONFIG, { 'model.safetensors.index.json': index({ 'wte.weight': 'a.safetensors' }), 'a.safetensors': '->/dev/zero' }), 'the shard a.safetensors is a symbolic link; shards must be regular files', true],
  ['a shard name that is a number', () => hf(CONFIG, { 'model.safetensors.index.json': index({ 'wte.weight': 5 }) }), 'names the shard 5, which is not a file name in the directory'],
  ['a missing shard', () => hf(CONFIG, { 'model.safetensors.index.json': index({ 'wte.weight': 'gone.safetensors' }) }), 'the shard gone.safetensors named in'],
  ['an index without weight_map', () => hf(CONFIG, { 'model.safetensors.index.json': '{}' }), 'has no weight_map'],
  ['an index that is a symlink to /dev/zero', () => hf(CONFIG, { 'model.safetensors.index.json': '->/dev/zero' }), 'is a character device, not a regular file', true],
  ['n_layer of 100 million', () => hf({ ...CONFIG, n_layer: 1e8 }), 'n_layer 100000000 is over 1024, larger than any GPT-2 (not a GPT-2 config?)', true],
  ['n_embd of a million', () => hf({ ...CONFIG, n_embd: 1 << 20, n_head: 1 }), 'n_embd 1048576 is over 65536', true],
  ['vocab_size of 1e9', () => hf({ ...CONFIG, vocab_size: 1e9 }), 'vocab_size 1000000000 is over 1048576', true],
  ['n_positions as a string', () => hf({ ...CONFIG, n_positions: '1024', n_ctx: undefined }), 'n_positions (or n_ctx) must be a positive integer, got "1024"'],
  ['a config that is not JSON', () => hf('{"n_layer": 2,'), 'invalid JSON'],
];

describe('hostile Hugging Face directories: named and refused before any tensor is read', () => {
  for (const [name, make, msg, bounded] of HF) {
    it(name, async () => {
      const d = make();
      const m = bounded ? (await thrownBounded('src/io/hf_gpt2.ts', 'importHfGpt2', [d])).message : thrown(() => importHfGpt2(d));
      expect(m).toContain(d);
      expect(m).toContain(msg);
    });
  }
  it('a config that is a symlink to /dev/zero', async () => {
    const d = join(root, 'zero');
    mkdirSync(d);
    symlinkSync('/dev/zero', join(d, 'config.json'));
    expect((await thrownBounded('src/io/hf_gpt2.ts', 'importHfGpt2', [d])).message).toBe(`GPT-2 config ${join(d, 'config.json')}: is a character device, not a regular file`);
  });
});

describe('hostile environment: INOCULUM_BACKEND is checked exactly, a usage error (exit 2) naming it', () => {
  const BAD = ['', 'CPU', ' cpu', 'cpu\n', 'webgpu,cpu', 'gpu', 'cpu;rm -rf /'];
  for (const v of BAD) {
    it(`INOCULUM_BACKEND=${JSON.stringify(v)}`, async () => {
      const saved = process.env.INOCULUM_BACKEND;
      process.env.INOCULUM_BACKEND = v;
      try {
        expect(thrown(() => backendFromEnv())).toBe(`INOCULUM_BACKEND must be cpu or webgpu, got ${JSON.stringify(v)}`);
      } finally {
        if (saved === undefined) delete process.env.INOCULUM_BACKEND; else process.env.INOCULUM_BACKEND = saved;
      }
      // through a command that opens a backend: exit 2 before anything is written
      await runCase({ name: v, env: { INOCULUM_BACKEND: v }, argv: (d) => ['export', '--out', join(d, 'o'), '--seed', 'x'], code: 2, msg: '--seed must be an integer' });
      await runCase({ name: v, env: { INOCULUM_BACKEND: v }, argv: (d) => ['eval', '--model', join(d, 'm')], code: 2, msg: `INOCULUM_BACKEND must be cpu or webgpu, got ${JSON.stringify(v)}` });
    });
  }
  it('--backend wins over a bad INOCULUM_BACKEND only where given: the flag is checked first', async () => {
    await runCase({ name: 'flag', env: { INOCULUM_BACKEND: 'bogus' }, argv: (d) => ['eval', '--model', join(d, 'm'), '--backend', 'tpu'], code: 2, msg: '--backend must be one of cpu, webgpu, got "tpu"' });
  });
  it('INOCULUM_DEBUG=1 adds the stack trace to an error', async () => {
    const r = await runCase({ name: 'debug', env: { INOCULUM_DEBUG: '1' }, argv: (d) => ['report', join(d, 'nothing')], code: 1, msg: 'holds no results.json or sweep.json' });
    expect(r.err).toMatch(/\n\s+at /);
  });
});
