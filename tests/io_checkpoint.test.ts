// Checkpoint directories (atomic replace, manifest checks) and the Hugging Face GPT-2 importer on a
// tiny hand-made HF checkpoint whose every value says where it came from.
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as T from '../src/index.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { loadCheckpoint, saveCheckpoint } from '../src/io/checkpoint.ts';
import { importHfGpt2 } from '../src/io/hf_gpt2.ts';
import { readSafetensors, writeSafetensors, type TensorRecord } from '../src/io/safetensors.ts';
import { writeJsonAtomic } from '../src/io/json.ts';

const be = new CpuBackend();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'inoculum-ckpt-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dirNo = 0;
const freshDir = () => path.join(root, `run${dirNo++}`, 'ckpt');

const f32 = (data: number[], shape: number[]) => T.fromArray(data, shape, { dtype: 'f32', backend: be });
function sampleState(scale: number): Map<string, T.Tensor> {
  return new Map([
    ['wte.weight', f32([1, 2, 3, 4, 5, 6].map((x) => x * scale), [3, 2])],
    ['ln_f.bias', f32([0.5 * scale, -0.25], [2])],
    ['counts', T.fromArray([7, -8], [2], { dtype: 'i32', backend: be })],
  ]);
}
const ckInput = (scale: number) => ({
  config: { nLayer: 1, nEmbd: 2, name: `scale ${scale}` },
  state: sampleState(scale),
  vocab: { tokens: ['<|endoftext|>', 'a', 'b'], ids: [50256, 64, 65] },
  extra: { step: 100 * scale },
});

describe('checkpoints', () => {
  it('save then load gives back config, tensors, vocab, extra and optimizer state', async () => {
    const dir = freshDir();
    const m = new Map<string, TensorRecord>([['wte.weight.m', { shape: [3, 2], data: new Float32Array(6).fill(0.125) }]]);
    await saveCheckpoint(dir, { ...ckInput(1), optimizer: m });
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint.json', 'config.json', 'extra.json', 'model.safetensors', 'optimizer.safetensors', 'vocab.json']);
    const ck = loadCheckpoint(dir);
    expect(ck.config).toEqual({ nLayer: 1, nEmbd: 2, name: 'scale 1' });
    expect(ck.vocab).toEqual({ tokens: ['<|endoftext|>', 'a', 'b'], ids: [50256, 64, 65] });
    expect(ck.extra).toEqual({ step: 100 });
    expect([...ck.tensors.keys()]).toEqual(['wte.weight', 'ln_f.bias', 'counts']);
    expect(ck.tensors.get('wte.weight')).toMatchObject({ shape: [3, 2], dtype: 'f32', data: new Float32Array([1, 2, 3, 4, 5, 6]) });
    expect(ck.tensors.get('counts')).toMatchObject({ shape: [2], dtype: 'i32', data: new Int32Array([7, -8]) });
    expect(Array.from(ck.optimizer!.get('wte.weight.m')!.data)).toEqual(Array(6).fill(0.125));
  });

  it('saving over a checkpoint replaces it whole and leaves no temp or old directories', async () => {
    const dir = freshDir();
    await saveCheckpoint(dir, { ...ckInput(1), optimizer: new Map([['m', { shape: [1], data: new Float32Array(1) }]]) });
    await saveCheckpoint(dir, ckInput(2));
    const ck = loadCheckpoint(dir);
    expect(ck.config).toMatchObject({ name: 'scale 2' });
    expect(Array.from(ck.tensors.get('wte.weight')!.data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(ck.optimizer).toBeNull(); // the old optimizer file did not survive into the new checkpoint
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['ckpt']);
  });

  it('the next save removes what a killed save left beside a complete checkpoint, not what a live process or the only copy holds', async () => {
    const dir = freshDir();
    await saveCheckpoint(dir, ckInput(1));
    // a pid that is not running (pid_max is below 2^22 on Linux) and this process's own
    const dead = `${dir}.tmp-4194999-0a0b0c0d`, deadOld = `${dir}.old-4194999-01020304`, live = `${dir}.tmp-${process.pid}-ffffffff`;
    for (const d of [dead, deadOld, live]) { fs.mkdirSync(d); fs.writeFileSync(path.join(d, 'config.json'), '{}'); }
    await saveCheckpoint(dir, ckInput(2));
    expect(fs.existsSync(dead) || fs.existsSync(deadOld)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    fs.rmSync(live, { recursive: true });
    // without a complete checkpoint at dir, a leftover may be the only copy: a save keeps it until
    // its own checkpoint is in place (a failed save leaves it), then it is superseded and removed
    const only = `${dir}.old-4194999-05060708`;
    fs.renameSync(dir, only);
    const badTensor = new Map<string, TensorRecord>([['w', { shape: [2, 2], data: new Float32Array(3) }]]);
    await expect(saveCheckpoint(dir, { ...ckInput(3), state: badTensor })).rejects.toThrow("tensor 'w' has 3 values");
    expect(fs.existsSync(only)).toBe(true);
    expect(loadCheckpoint(only).config).toMatchObject({ name: 'scale 2' });
    await expect(saveCheckpoint(dir, ckInput(3))).resolves.toBeUndefined();
    expect(loadCheckpoint(dir).config).toMatchObject({ name: 'scale 3' });
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['ckpt']);
  });

  it('a failed save leaves the existing checkpoint intact and no temp directory', async () => {
    const dir = freshDir();
    await saveCheckpoint(dir, ckInput(1));
    const bad1 = { ...ckInput(2), config: { lr: NaN } };
    await expect(saveCheckpoint(dir, bad1)).rejects.toThrow(`saveCheckpoint: ${dir}: config: value $.lr is NaN`);
    const disposed = sampleState(2);
    disposed.get('ln_f.bias')!.dispose();
    await expect(saveCheckpoint(dir, { ...ckInput(2), state: disposed })).rejects.toThrow(`saveCheckpoint: ${dir}: state: tensor 'ln_f.bias': data: a tensor of shape (2)`);
    const badTensor = new Map<string, TensorRecord>([['w', { shape: [2, 2], data: new Float32Array(3) }]]);
    await expect(saveCheckpoint(dir, { ...ckInput(2), state: badTensor })).rejects.toThrow("tensor 'w' has 3 values, which cannot have shape (2,2)");
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['ckpt']);
    expect(loadCheckpoint(dir).config).toMatchObject({ name: 'scale 1' });
  });

  it('refuses to replace a directory that is not a checkpoint', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'precious');
    await expect(saveCheckpoint(dir, ckInput(1))).rejects.toThrow(`saveCheckpoint: ${dir}: exists, is not empty and holds no checkpoint.json`);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('precious');
  });

  it('load rejects incomplete, truncated and corrupted checkpoints', async () => {
    const dir = freshDir();
    await saveCheckpoint(dir, ckInput(1));
    const model = path.join(dir, 'model.safetensors');
    const bytes = fs.readFileSync(model);
    fs.writeFileSync(model, bytes.subarray(0, bytes.length - 4));
    expect(() => loadCheckpoint(dir)).toThrow(`loadCheckpoint: ${dir}: model.safetensors is ${bytes.length - 4} bytes but the manifest says ${bytes.length} (truncated or changed since the save)`);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1] ^= 1;
    fs.writeFileSync(model, flipped);
    expect(() => loadCheckpoint(dir)).toThrow('model.safetensors does not match its sha256 in the manifest');
    expect(loadCheckpoint(dir, { verify: false }).tensors.get('counts')!.data[1]).not.toBe(-8);
    fs.rmSync(path.join(dir, 'vocab.json'));
    expect(() => loadCheckpoint(dir)).toThrow(`loadCheckpoint: ${dir}: vocab.json is missing`);
    fs.rmSync(path.join(dir, 'checkpoint.json'));
    expect(() => loadCheckpoint(dir)).toThrow(`loadCheckpoint: ${dir}: no checkpoint.json, so not a complete checkpoint`);
  });

  it('a hostile manifest is refused before any file it names is read: paths, symlinks, other files, bad entries', async () => {
    const dir = freshDir();
    await saveCheckpoint(dir, ckInput(1));
    const mpath = path.join(dir, 'checkpoint.json');
    const good = JSON.parse(fs.readFileSync(mpath, 'utf8'));
    const withFiles = (files: Record<string, unknown>) => fs.writeFileSync(mpath, JSON.stringify({ ...good, files: { ...good.files, ...files } }));
    const entry = good.files['vocab.json'];
    const cases: [Record<string, unknown>, string][] = [
      [{ '../../../etc/passwd': entry }, 'checkpoint.json lists "../../../etc/passwd", which is not a checkpoint file'],
      [{ 'notes.txt': entry }, 'checkpoint.json lists "notes.txt", which is not a checkpoint file'],
      [{ 'extra.json': null }, 'checkpoint.json entry extra.json must be {"bytes": <integer>, "sha256": <64 hex digits>}, got null'],
      [{ 'vocab.json': { bytes: '12', sha256: entry.sha256 } }, 'checkpoint.json entry vocab.json must be'],
      [{ 'vocab.json': { bytes: entry.bytes, sha256: 'abc' } }, 'checkpoint.json entry vocab.json must be'],
      [{ 'constructor': entry }, 'checkpoint.json lists "constructor", which is not a checkpoint file'],
    ];
    for (const [files, msg] of cases) {
      withFiles(files);
      expect(() => loadCheckpoint(dir), msg).toThrow(msg);
    }
    // a file named by the manifest that is a symlink (here to /dev/zero, which would never end) or a directory
    fs.writeFileSync(mpath, JSON.stringify(good));
    const extra = path.join(dir, 'extra.json');
    fs.rmSync(extra);
    fs.symlinkSync('/dev/zero', extra);
    expect(() => loadCheckpoint(dir)).toThrow(`loadCheckpoint: ${dir}: extra.json is a symbolic link; a checkpoint holds regular files only`);
    fs.rmSync(extra);
    fs.mkdirSync(extra);
    expect(() => loadCheckpoint(dir)).toThrow(`loadCheckpoint: ${dir}: extra.json is not a regular file`);
    // and the manifest itself left as it was: the untouched files still load
    fs.rmdirSync(extra);
    const { 'extra.json': _e, ...rest } = good.files;
    fs.writeFileSync(mpath, JSON.stringify({ ...good, files: rest }));
    expect(loadCheckpoint(dir).extra).toBeNull();
  });

  it('a missing checkpoint names leftovers of an interrupted save', () => {
    const dir = freshDir();
    fs.mkdirSync(`${dir}.old-123-abcd`, { recursive: true });
    expect(() => loadCheckpoint(dir)).toThrow(`loadCheckpoint: ${dir}: no such directory (an interrupted save left ckpt.old-123-abcd next to it)`);
  });
});

// ---- Hugging Face GPT-2 --------------------------------------------------------------------------

const C = 4, V = 7, TT = 5, L = 2;
/** HF's own layout for this size, written out by hand (Conv1D weights are (in, out)). */
function hfLayout(): [string, number[]][] {
  const out: [string, number[]][] = [['wte.weight', [7, 4]], ['wpe.weight', [5, 4]]];
  for (let i = 0; i < L; i++) {
    out.push(
      [`h.${i}.ln_1.weight`, [4]], [`h.${i}.ln_1.bias`, [4]],
      [`h.${i}.attn.bias`, [1, 1, 5, 5]], [`h.${i}.attn.masked_bias`, []],
      [`h.${i}.attn.c_attn.weight`, [4, 12]], [`h.${i}.attn.c_attn.bias`, [12]],
      [`h.${i}.attn.c_proj.weight`, [4, 4]], [`h.${i}.attn.c_proj.bias`, [4]],
      [`h.${i}.ln_2.weight`, [4]], [`h.${i}.ln_2.bias`, [4]],
      [`h.${i}.mlp.c_fc.weight`, [4, 16]], [`h.${i}.mlp.c_fc.bias`, [16]],
      [`h.${i}.mlp.c_proj.weight`, [16, 4]], [`h.${i}.mlp.c_proj.bias`, [4]],
    );
  }
  out.push(['ln_f.weight', [4]], ['ln_f.bias', [4]]);
  return out;
}
/** Tensor k of the layout holds k*1000 + flat index: every value names its tensor and position. */
const marker = (k: number, j: number) => k * 1000 + j;
const hfConfig = { model_type: 'gpt2', n_embd: C, n_layer: L, n_head: 2, n_positions: TT, vocab_size: V, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' };

function writeHf(opts: { prefix?: string; f64?: boolean; edit?: (m: Map<string, TensorRecord>) => void; config?: object } = {}): string {
  const dir = freshDir();
  fs.mkdirSync(dir, { recursive: true });
  const m = new Map<string, TensorRecord>();
  hfLayout().forEach(([name, shape], k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = Array.from({ length: n }, (_, j) => marker(k, j));
    m.set((opts.prefix ?? '') + name, { shape, data: opts.f64 ? Float64Array.from(vals) : Float32Array.from(vals) });
  });
  m.set('lm_head.weight', { ...m.get(`${opts.prefix ?? ''}wte.weight`)! });
  opts.edit?.(m);
  writeSafetensors(path.join(dir, 'model.safetensors'), m, { format: 'pt' });
  writeJsonAtomic(path.join(dir, 'config.json'), { ...hfConfig, ...opts.config });
  return dir;
}
const hfIndex = (name: string) => hfLayout().findIndex(([n]) => n === name);

describe('importHfGpt2', () => {
  it('maps a transformer.-prefixed checkpoint onto our names, values in place', () => {
    const { config, tensors } = importHfGpt2(writeHf({ prefix: 'transformer.' }));
    expect(config).toEqual({ vocabSize: 7, blockSize: 5, nLayer: 2, nHead: 2, nEmbd: 4, layerNormEps: 1e-5 });
    expect(tensors.size).toBe(2 + 12 * L + 2);
    expect([...tensors.keys()].slice(0, 4)).toEqual(['wte.weight', 'wpe.weight', 'h.0.ln_1.weight', 'h.0.ln_1.bias']);
    expect([...tensors.keys()].some((n) => /\.attn\.(bias|masked_bias)$|lm_head/.test(n))).toBe(false);
    const at = (name: string, r: number, c: number) => {
      const t = tensors.get(name)!;
      return t.data[r * t.shape[1] + c];
    };
    // (in, out) copied as is: HF element (r, c) is ours at (r, c); a transposing import would put
    // HF (c, r) there instead, which holds a different marker
    expect(tensors.get('h.1.mlp.c_fc.weight')!.shape).toEqual([4, 16]);
    expect(at('h.1.mlp.c_fc.weight', 2, 9)).toBe(marker(hfIndex('h.1.mlp.c_fc.weight'), 2 * 16 + 9));
    expect(at('h.0.attn.c_attn.weight', 1, 5)).toBe(marker(hfIndex('h.0.attn.c_attn.weight'), 1 * 12 + 5));
    expect(at('h.1.attn.c_proj.weight', 3, 0)).toBe(marker(hfIndex('h.1.attn.c_proj.weight'), 12));
    expect(at('h.0.mlp.c_proj.weight', 15, 3)).toBe(marker(hfIndex('h.0.mlp.c_proj.weight'), 63));
    expect(at('wte.weight', 6, 1)).toBe(marker(0, 25));
    expect(tensors.get('ln_f.bias')!.data[3]).toBe(marker(hfIndex('ln_f.bias'), 3));
    expect(tensors.get('h.0.attn.c_attn.bias')!.data).toBeInstanceOf(Float32Array);
  });

  it('reads unprefixed names and converts F64 to Float32Array', () => {
    const { tensors } = importHfGpt2(writeHf({ f64: true }));
    const t = tensors.get('h.0.mlp.c_fc.bias')!;
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data[7]).toBe(marker(hfIndex('h.0.mlp.c_fc.bias'), 7));
  });

  it('reads a sharded checkpoint through model.safetensors.index.json', () => {
    const dir = writeHf();
    const { tensors: all } = importHfGpt2(dir);
    const src = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
    fs.rmSync(path.join(dir, 'model.safetensors'));
    const weightMap: Record<string, string> = {};
    const shards = [new Map<string, TensorRecord>(), new Map<string, TensorRecord>()];
    [...src].forEach(([name, t], k) => { shards[k % 2].set(name, t); weightMap[name] = `model-0000${k % 2 + 1}-of-00002.safetensors`; });
    shards.forEach((s, k) => writeSafetensors(path.join(dir, `model-0000${k + 1}-of-00002.safetensors`), s));
    writeJsonAtomic(path.join(dir, 'model.safetensors.index.json'), { metadata: {}, weight_map: weightMap });
    const { tensors } = importHfGpt2(dir);
    expect([...tensors.keys()]).toEqual([...all.keys()]);
    for (const [n, t] of all) expect(tensors.get(n)!.data).toEqual(t.data);
  });

  it('a transposed weight is caught, naming the tensor', () => {
    const dir = writeHf({ prefix: 'transformer.', edit: (m) => m.set('transformer.h.0.mlp.c_fc.weight', { shape: [16, 4], data: new Float32Array(64) }) });
    expect(() => importHfGpt2(dir)).toThrow(`importHfGpt2: ${dir}: tensor 'transformer.h.0.mlp.c_fc.weight' has shape (16,4) but the config needs (4,16) (transposed: stored as (out, in)`);
  });

  it('shape, name and tying problems are errors naming the tensors', () => {
    const noBias = writeHf({ edit: (m) => { m.delete('h.1.ln_2.bias'); m.delete('ln_f.weight'); } });
    expect(() => importHfGpt2(noBias)).toThrow(`importHfGpt2: ${noBias}: missing tensors h.1.ln_2.bias, ln_f.weight`);
    const extra = writeHf({ edit: (m) => m.set('h.0.attn.q_proj.weight', { shape: [1], data: new Float32Array(1) }) });
    expect(() => importHfGpt2(extra)).toThrow('unexpected tensors h.0.attn.q_proj.weight');
    const wrongVocab = writeHf({ config: { vocab_size: 8 } });
    expect(() => importHfGpt2(wrongVocab)).toThrow("tensor 'wte.weight' has shape (7,4) but the config needs (8,4)");
    const untied = writeHf({ edit: (m) => m.set('lm_head.weight', { shape: [7, 4], data: new Float32Array(28) }) });
    expect(() => importHfGpt2(untied)).toThrow('lm_head.weight differs from wte.weight');
    const both = writeHf({ edit: (m) => m.set('transformer.ln_f.bias', m.get('ln_f.bias')!) });
    expect(() => importHfGpt2(both)).toThrow("tensor 'ln_f.bias' appears twice");
    const ints = writeHf({ edit: (m) => m.set('ln_f.bias', { shape: [4], data: new Int32Array(4) }) });
    expect(() => importHfGpt2(ints)).toThrow("tensor 'ln_f.bias' in");
  });

  it('configs our model cannot run are refused', () => {
    const bad = (config: object, msg: string) => expect(() => importHfGpt2(writeHf({ config }))).toThrow(msg);
    bad({ n_head: 3 }, 'config.json: n_embd 4 does not divide by n_head 3');
    bad({ n_embd: 0 }, 'n_embd must be a positive integer, got 0');
    bad({ n_positions: undefined, n_ctx: undefined }, 'n_positions (or n_ctx) must be a positive integer');
    bad({ activation_function: 'relu' }, 'activation_function "relu" is not supported');
    bad({ n_inner: 10 }, 'n_inner 10 is not 4 * n_embd');
    bad({ model_type: 'llama' }, 'model_type is "llama", not "gpt2"');
    bad({ scale_attn_by_inverse_layer_idx: true }, 'scale_attn_by_inverse_layer_idx is not supported');
  });

  it('a directory with only pytorch_model.bin says what to do', () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, 'config.json'), hfConfig);
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), 'pickle');
    expect(() => importHfGpt2(dir)).toThrow('holds only pytorch_model.bin (a pickle); this importer reads model.safetensors');
  });
});
