// Hostile checkpoint directories (what `eval --model`, `finetune --base` and `--resume` load):
// a manifest that is not one, and files that pass the manifest's sizes and sha256s (the manifest is
// resealed after each edit) but hold what the model cannot use. tests/io_checkpoint.test.ts has the
// manifest's paths, symlinks, truncation and corruption; tests/cli.test.ts sizes in config.json.
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuBackend } from '../../src/backend/cpu.ts';
import { GPT, type GPTConfig } from '../../src/nn/gpt.ts';
import { ChatTokenizer } from '../../src/tokenizer/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { loadModel } from '../../src/inoculation/load_model.ts';
import { runBounded, sandbox, snapshot, thrown, thrownBounded } from './harness.ts';

const root = sandbox('ck');
const be = new CpuBackend();
const good = join(root, 'good'), trained = join(root, 'trained');
let cfg: GPTConfig;

beforeAll(async () => {
  const tok = ChatTokenizer.build([{ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] }], { mode: 'hybrid' });
  cfg = { vocabSize: tok.vocabSize, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, layerNormEps: 1e-5 };
  const model = new GPT(cfg, 1, be);
  await saveCheckpoint(good, { config: { model: cfg }, state: model.stateDict(), vocab: tok.toJSON() });
  const e = tok.encodeChat({ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] });
  const t = new Trainer(model, [{ ids: e.ids, lossMask: e.lossMask }], { steps: 2, batchSize: 1, warmup: 0 }, tok.padId);
  await t.run({ quiet: true, checkpointDir: trained, vocab: tok.toJSON() });
});

/** Recomputes the manifest's sizes and sha256s, so a hand edit reaches the parsers behind it. */
function reseal(dir: string): void {
  const m = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
  for (const name of Object.keys(m.files)) {
    const b = readFileSync(join(dir, name));
    m.files[name] = { bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') };
  }
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(m));
}
let n = 0;
function copy(from = good): string {
  const d = join(root, `c${n++}`);
  cpSync(from, d, { recursive: true });
  return d;
}
const editJson = (d: string, file: string, f: (v: Record<string, unknown>) => unknown) => writeFileSync(join(d, file), JSON.stringify(f(JSON.parse(readFileSync(join(d, file), 'utf8')))));
const editTensors = (d: string, f: (m: Map<string, { shape: number[]; data: Float32Array | Float64Array | Int32Array }>) => void) => {
  const t = new Map([...readSafetensors(join(d, 'model.safetensors')).tensors].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
  f(t);
  writeSafetensors(join(d, 'model.safetensors'), t);
};

// [name, the edit (resealed after), the message loadModel gives]
const MODEL: [string, (d: string) => void, string | RegExp][] = [
  ['config.json not JSON', (d) => writeFileSync(join(d, 'config.json'), '{"model": '), /checkpoint config .*config\.json: invalid JSON/],
  ['config.json without a model section', (d) => writeFileSync(join(d, 'config.json'), '{"train": {}}'), 'config.json has no "model" section (not a GPT checkpoint of this project)'],
  ['a layerNormEps that is a string', (d) => editJson(d, 'config.json', (c) => ({ model: { ...(c.model as object), layerNormEps: '1e-5' } })), 'config.json model.layerNormEps must be a number, got "1e-5"'],
  ['a vocabSize of 0', (d) => editJson(d, 'config.json', (c) => ({ model: { ...(c.model as object), vocabSize: 0 } })), 'config.json model.vocabSize must be an integer >= 1, got 0'],
  ['vocab.json not a vocabulary', (d) => writeFileSync(join(d, 'vocab.json'), '[1, 2, 3]'), /vocab\.json/],
  ['a NaN weight', (d) => editTensors(d, (t) => { t.get('h.0.mlp.c_fc.weight')!.data[3] = NaN; }), 'tensor h.0.mlp.c_fc.weight holds NaN at index 3; a model with non-finite weights cannot be used (did its training diverge?)'],
  ['an infinite weight', (d) => editTensors(d, (t) => { t.get('ln_f.bias')!.data[0] = -Infinity; }), 'tensor ln_f.bias holds -Infinity at index 0'],
  ['a missing tensor', (d) => editTensors(d, (t) => { t.delete('h.0.attn.c_proj.bias'); }), 'loadStateDict: missing parameter h.0.attn.c_proj.bias'],
  ['a tensor of the wrong shape', (d) => editTensors(d, (t) => { t.set('h.0.mlp.c_fc.bias', { shape: [3], data: new Float32Array(3) }); }), 'loadStateDict: h.0.mlp.c_fc.bias has shape (3) in the state dict but (32) in the model'],
  ['wte shaped for another vocabulary', (d) => editTensors(d, (t) => { t.set('wte.weight', { shape: [cfg.vocabSize + 1, 8], data: new Float32Array((cfg.vocabSize + 1) * 8) }); }), /config\.json says vocabSize x nEmbd = \d+x8 for wte\.weight, but the checkpoint's wte\.weight is \d+x8/],
  ['an extra block of tensors', (d) => editTensors(d, (t) => { t.set('h.7.ln_1.weight', { shape: [8], data: new Float32Array(8) }); }), 'config.json says model.nLayer 1, but the checkpoint holds 2 blocks'],
  ['LoRA adapters with no run.json for their alpha', (d) => editTensors(d, (t) => { t.set('h.0.attn.c_attn.lora_A', { shape: [8, 2], data: new Float32Array(16) }); }), 'holds LoRA adapters but no run.json beside it gives their alpha'],
];

// [name, the edit (not resealed: the manifest itself is the input), the message loadCheckpoint gives,
// true where a regression would hang or exhaust memory: run in a bounded child (harness.ts)]
const MANIFEST: [string, (d: string) => void, string, boolean?][] = [
  ['a manifest that is an array', (d) => writeFileSync(join(d, 'checkpoint.json'), '[]'), 'checkpoint.json is not an inoculum-checkpoint manifest'],
  ['a manifest of another version', (d) => editJson(d, 'checkpoint.json', (m) => ({ ...m, version: 2 })), 'checkpoint format version 2, this code reads version 1'],
  ['a manifest whose files are null', (d) => editJson(d, 'checkpoint.json', (m) => ({ ...m, files: null })), 'checkpoint.json is not an inoculum-checkpoint manifest'],
  ['a manifest without the model', (d) => editJson(d, 'checkpoint.json', (m) => { const f = { ...(m.files as object) } as Record<string, unknown>; delete f['model.safetensors']; return { ...m, files: f }; }), 'the manifest lists no model.safetensors'],
  ['a manifest that is a symlink to /dev/zero', (d) => { rmSync(join(d, 'checkpoint.json')); symlinkSync('/dev/zero', join(d, 'checkpoint.json')); }, 'checkpoint.json is a symbolic link; a checkpoint holds regular files only', true],
  ['a manifest that is a directory', (d) => { rmSync(join(d, 'checkpoint.json')); mkdirSync(join(d, 'checkpoint.json')); }, 'checkpoint.json is not a regular file'],
  ['a manifest claiming a 1 GB vocab.json', (d) => editJson(d, 'checkpoint.json', (m) => ({ ...m, files: { ...(m.files as object), 'vocab.json': { bytes: 1e9, sha256: '0'.repeat(64) } } })), "vocab.json is 1000000000 bytes by the manifest, over the 67108864-byte limit for a checkpoint's JSON file", true],
];

describe('hostile checkpoint contents: loadModel names the checkpoint and what is wrong, before using it', () => {
  for (const [name, edit, msg] of MODEL) {
    it(name, () => {
      const d = copy();
      edit(d);
      reseal(d);
      const before = snapshot(d);
      const m = thrown(() => loadModel(d, be));
      if (typeof msg === 'string') expect(m).toContain(msg); else expect(m).toMatch(msg);
      expect(m).toContain(d);
      expect(snapshot(d)).toEqual(before);
    });
  }
});

describe('hostile checkpoint manifests: refused before any file it names is read', () => {
  for (const [name, edit, msg, bounded] of MANIFEST) {
    it(name, async () => {
      const d = copy();
      edit(d);
      const m = bounded ? (await thrownBounded('src/io/checkpoint.ts', 'loadCheckpoint', [d])).message : thrown(() => loadCheckpoint(d));
      expect(m).toContain(`loadCheckpoint: ${d}: ${msg}`);
    });
  }
});

// sizes in config.json that would allocate gigabytes (or a hundred million blocks) if the model
// were built from them before they are checked against the tensors: through the CLI, in a child
// with a 256 MB heap
describe('hostile checkpoint sizes: inoculum eval --model refuses before allocating, bounded', () => {
  const SIZES: [string, Record<string, number>, string | RegExp][] = [
    ['nEmbd of 4 million', { nEmbd: 4_000_000 }, 'config.json says vocabSize x nEmbd = '],
    ['nLayer of 100 million', { nLayer: 1e8 }, 'config.json says model.nLayer 100000000, but the checkpoint holds 1 blocks'],
    ['blockSize of 2^30', { blockSize: 2 ** 30 }, 'config.json says blockSize x nEmbd'],
  ];
  for (const [name, bad, msg] of SIZES) {
    it(name, async () => {
      const d = copy();
      editJson(d, 'config.json', (c) => ({ ...c, model: { ...(c.model as object), ...bad } }));
      reseal(d);
      const before = snapshot(d);
      const r = await runBounded(['eval', '--model', d, '--limit', '1'], { heapMb: 256 });
      expect(r.code, r.err).toBe(1);
      if (typeof msg === 'string') expect(r.err).toContain(msg); else expect(r.err).toMatch(msg);
      expect(r.err).toContain(d);
      expect(snapshot(d)).toEqual(before);
    });
  }
});

describe('hostile trainer state: Trainer.load names the file and the field', () => {
  const STATE: [string, (d: string) => void, string][] = [
    ['a step that is a string', (d) => editJson(d, 'extra.json', (x) => ({ ...x, step: 'two' })), 'extra.json step must be an integer >= 0, got "two"'],
    ['a negative step', (d) => editJson(d, 'extra.json', (x) => ({ ...x, step: -1 })), 'extra.json step must be an integer >= 0, got -1'],
    ['an optimiser step of 1e400', (d) => writeFileSync(join(d, 'extra.json'), '{"step": 2, "optStep": 1e400}'), 'extra.json optStep must be an integer >= 0, got null'],
    ['no optimiser state', (d) => editJson(d, 'checkpoint.json', (m) => { const f = { ...(m.files as object) } as Record<string, unknown>; delete f['optimizer.safetensors']; return { ...m, files: f }; }), 'holds no trainer state (extra.json / optimizer.safetensors)'],
  ];
  for (const [name, edit, msg] of STATE) {
    it(name, () => {
      const d = copy(trained);
      edit(d);
      if (!name.startsWith('no optimiser')) reseal(d);
      const model = new GPT(cfg, 1, be);
      const t = new Trainer(model, [{ ids: [1, 2, 3], lossMask: [0, 1, 1] }], { steps: 4, batchSize: 1 }, 0);
      const m = thrown(() => t.load(d));
      expect(m).toContain(d);
      expect(m).toContain(msg);
      expect(t.step).toBe(0);
    });
  }
  it('the directory is left as it was', () => {
    expect(readdirSync(trained).sort()).toEqual(['checkpoint.json', 'config.json', 'extra.json', 'model.safetensors', 'optimizer.safetensors', 'vocab.json']);
    expect(statSync(join(trained, 'model.safetensors')).size).toBeGreaterThan(0);
  });
});
