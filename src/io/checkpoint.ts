// Checkpoints: a directory holding
//   config.json          the model config (any JSON value)
//   model.safetensors    the parameters, by state-dict name
//   vocab.json           the tokenizer's compact vocabulary map (opaque JSON here)
//   extra.json           optional: step, run info, anything JSON
//   optimizer.safetensors optional: optimizer moments for resuming training
//   checkpoint.json      the manifest, written last: every file's size and sha256
// A save builds the whole directory under a temp name next to the target and renames it into
// place, so `dir` is always either the old checkpoint or the new one, never a mix or a half. The
// manifest lets a load reject a directory that was copied partially or edited since.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeBytesAtomic } from './atomic.ts';
import { replaceDir } from './replace_dir.ts';
import { sha256File } from './files.ts';
import { readJson, toJsonText } from './json.ts';
import { readSafetensors, writeSafetensors, type LoadedTensor, type TensorData, type TensorRecord } from './safetensors.ts';

const MANIFEST = 'checkpoint.json';
/** config, vocab, extra and the manifest are kilobytes (a BPE vocabulary a few MB); larger is not ours. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
const FORMAT = 'inoculum-checkpoint';
const VERSION = 1;

/**
 * What a save reads an engine tensor through (io sits below the engine and knows no Tensor class):
 * its shape, and its data read back from whichever backend holds it.
 */
export interface HostReadable { readonly shape: readonly number[]; data(): Promise<TensorData> }

export interface CheckpointInput {
  config: unknown;
  /** Parameters by name: engine tensors (read back from any backend) or plain arrays. */
  state: ReadonlyMap<string, HostReadable | TensorRecord>;
  vocab: unknown;
  extra?: Record<string, unknown>;
  optimizer?: ReadonlyMap<string, HostReadable | TensorRecord>;
}

export interface Checkpoint<C = unknown, V = unknown> {
  config: C;
  tensors: Map<string, LoadedTensor>;
  vocab: V;
  extra: Record<string, unknown> | null;
  optimizer: Map<string, LoadedTensor> | null;
}

/** Every file a save writes (saveCheckpoint); a manifest naming another is refused. */
const CHECKPOINT_FILES = ['config.json', 'vocab.json', 'extra.json', 'model.safetensors', 'optimizer.safetensors'];

interface Manifest {
  format: typeof FORMAT;
  version: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

/** Host copies of the tensors (a sync point for GPU tensors), with errors naming the tensor. */
async function toRecords(where: string, state: ReadonlyMap<string, HostReadable | TensorRecord>): Promise<Map<string, TensorRecord>> {
  if (!(state instanceof Map)) throw new Error(`${where} must be a Map of name -> tensor`);
  const out = new Map<string, TensorRecord>();
  for (const [name, t] of state) {
    if (isHostReadable(t)) {
      let data: TensorData;
      try {
        data = await t.data();
      } catch (e) {
        throw new Error(`${where}: tensor '${name}': ${(e as Error).message}`);
      }
      out.set(name, { shape: [...t.shape], data });
    } else out.set(name, t);
  }
  return out;
}

/** A tensor to read back (data is a method), not a record (data is an array). */
const isHostReadable = (t: HostReadable | TensorRecord | null | undefined): t is HostReadable =>
  typeof (t as Partial<HostReadable> | null | undefined)?.data === 'function';

/**
 * Saves a checkpoint to `dir`, replacing an existing checkpoint there atomically. Refuses to replace
 * a directory that is not a checkpoint (no checkpoint.json) unless it is empty.
 */
export async function saveCheckpoint(dir: string, ck: CheckpointInput): Promise<void> {
  const where = `saveCheckpoint: ${dir}`;
  dir = path.resolve(dir);
  // everything that can fail on bad input fails here, before the disk is touched
  const state = await toRecords(`${where}: state`, ck.state);
  const optimizer = ck.optimizer ? await toRecords(`${where}: optimizer`, ck.optimizer) : null;
  const texts: [string, string][] = [
    ['config.json', toJsonText(ck.config, `${where}: config`) + '\n'],
    ['vocab.json', toJsonText(ck.vocab, `${where}: vocab`, 0) + '\n'],
  ];
  if (ck.extra !== undefined) texts.push(['extra.json', toJsonText(ck.extra, `${where}: extra`) + '\n']);
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${where}: exists and is not a directory`);
    if (!fs.existsSync(path.join(dir, MANIFEST)) && fs.readdirSync(dir).length > 0) {
      throw new Error(`${where}: exists, is not empty and holds no ${MANIFEST}; refusing to replace what is not a checkpoint`);
    }
  }

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // a directory cannot be renamed over a non-empty one: replaceDir builds the new set beside it and
  // swaps it in with two renames (a crash between them leaves no `dir`, but both complete copies)
  replaceDir(dir, (tmp) => {
    for (const [name, text] of texts) writeBytesAtomic(path.join(tmp, name), text);
    writeSafetensors(path.join(tmp, 'model.safetensors'), state, { format: 'inoculum' });
    if (optimizer) writeSafetensors(path.join(tmp, 'optimizer.safetensors'), optimizer, { format: 'inoculum' });
    const manifest: Manifest = { format: FORMAT, version: VERSION, files: {} };
    for (const name of fs.readdirSync(tmp).sort()) {
      const file = path.join(tmp, name);
      manifest.files[name] = { bytes: fs.statSync(file).size, sha256: sha256File(file) };
    }
    writeBytesAtomic(path.join(tmp, MANIFEST), toJsonText(manifest, where) + '\n');
  }, `${where}: cannot move the new checkpoint into place`);
}

/** Names of `<dir>.tmp-*` / `<dir>.old-*` siblings an interrupted save may have left. */
function leftovers(dir: string): string[] {
  const parent = path.dirname(dir), base = path.basename(dir);
  if (!fs.existsSync(parent)) return [];
  return fs.readdirSync(parent).filter((n) => n.startsWith(`${base}.tmp-`) || n.startsWith(`${base}.old-`));
}

/**
 * Loads a checkpoint saved by saveCheckpoint. Every file is checked against the manifest's size
 * and (unless verify is false) sha256 before anything is parsed.
 */
export function loadCheckpoint<C = unknown, V = unknown>(dir: string, opts: { verify?: boolean } = {}): Checkpoint<C, V> {
  const where = `loadCheckpoint: ${dir}`;
  if (!fs.existsSync(dir)) {
    const left = leftovers(path.resolve(dir));
    throw new Error(`${where}: no such directory${left.length ? ` (an interrupted save left ${left.join(', ')} next to it)` : ''}`);
  }
  const manifestPath = path.join(dir, MANIFEST);
  const mst = fs.lstatSync(manifestPath, { throwIfNoEntry: false });
  if (!mst) throw new Error(`${where}: no ${MANIFEST}, so not a complete checkpoint (the manifest is written last)`);
  // the manifest is checked like the files it lists: a link to /dev/zero must not be read
  if (mst.isSymbolicLink()) throw new Error(`${where}: ${MANIFEST} is a symbolic link; a checkpoint holds regular files only`);
  if (!mst.isFile()) throw new Error(`${where}: ${MANIFEST} is not a regular file`);
  if (mst.size > MAX_JSON_BYTES) throw new Error(`${where}: ${MANIFEST} is ${mst.size} bytes, over the ${MAX_JSON_BYTES}-byte limit (not a manifest)`);
  const m = readJson<Manifest>(manifestPath, 'checkpoint manifest');
  if (m?.format !== FORMAT || typeof m.files !== 'object' || m.files === null) throw new Error(`${where}: ${MANIFEST} is not an ${FORMAT} manifest`);
  if (m.version !== VERSION) throw new Error(`${where}: checkpoint format version ${m.version}, this code reads version ${VERSION}`);
  for (const need of ['config.json', 'model.safetensors', 'vocab.json']) {
    if (!Object.hasOwn(m.files, need)) throw new Error(`${where}: the manifest lists no ${need}`);
  }
  // a manifest is input like any other: it names only the files a save writes, each a regular file
  // inside dir (no path, no symlink: "../../x" or a link to /dev/zero must not be read)
  for (const [name, f] of Object.entries(m.files)) {
    if (!CHECKPOINT_FILES.includes(name)) throw new Error(`${where}: ${MANIFEST} lists ${JSON.stringify(name)}, which is not a checkpoint file (${CHECKPOINT_FILES.join(', ')})`);
    const ok = typeof f === 'object' && f !== null && Number.isSafeInteger(f.bytes) && f.bytes >= 0 && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256);
    if (!ok) throw new Error(`${where}: ${MANIFEST} entry ${name} must be {"bytes": <integer>, "sha256": <64 hex digits>}, got ${JSON.stringify(f)}`);
    if (name.endsWith('.json') && f.bytes > MAX_JSON_BYTES) throw new Error(`${where}: ${name} is ${f.bytes} bytes by the manifest, over the ${MAX_JSON_BYTES}-byte limit for a checkpoint's JSON file`);
    const st = fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false });
    if (!st) throw new Error(`${where}: ${name} is missing`);
    if (st.isSymbolicLink()) throw new Error(`${where}: ${name} is a symbolic link; a checkpoint holds regular files only`);
    if (!st.isFile()) throw new Error(`${where}: ${name} is not a regular file`);
  }
  for (const [name, f] of Object.entries(m.files)) {
    const file = path.join(dir, name);
    const bytes = fs.statSync(file).size;
    if (bytes !== f.bytes) throw new Error(`${where}: ${name} is ${bytes} bytes but the manifest says ${f.bytes} (truncated or changed since the save)`);
    if (opts.verify !== false && sha256File(file) !== f.sha256) throw new Error(`${where}: ${name} does not match its sha256 in the manifest (corrupted or changed since the save)`);
  }
  const has = (name: string) => Object.hasOwn(m.files, name);
  return {
    config: readJson<C>(path.join(dir, 'config.json'), 'checkpoint config'),
    tensors: readSafetensors(path.join(dir, 'model.safetensors')).tensors,
    vocab: readJson<V>(path.join(dir, 'vocab.json'), 'checkpoint vocab'),
    extra: has('extra.json') ? readJson<Record<string, unknown>>(path.join(dir, 'extra.json'), 'checkpoint extra') : null,
    optimizer: has('optimizer.safetensors') ? readSafetensors(path.join(dir, 'optimizer.safetensors')).tensors : null,
  };
}
