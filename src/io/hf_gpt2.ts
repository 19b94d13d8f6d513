// Imports a Hugging Face GPT-2 checkpoint directory (config.json + model.safetensors, or shards
// listed in model.safetensors.index.json) into our parameter names. HF's Conv1D keeps weights as
// (in, out), which is our Linear's layout too, so weights copy as they are; names lose the
// `transformer.` prefix (present in GPT2LMHeadModel saves, absent in GPT2Model ones); the causal
// mask buffers attn.bias / attn.masked_bias are skipped; lm_head.weight must equal wte.weight
// because our model ties them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fmt } from '../shape.ts';
import { parseJsonText } from './json.ts';
import { readUserText } from './files.ts';
import { readSafetensors, type LoadedTensor } from './safetensors.ts';

/** The model dimensions a GPT-2 config fixes, in our config's names. */
export interface Gpt2Dims {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  layerNormEps: number;
}

/** Our parameter names and shapes for a GPT-2 of these dimensions, in model order. */
export function gpt2ParamShapes(d: Gpt2Dims): Map<string, number[]> {
  const C = d.nEmbd, m = new Map<string, number[]>();
  m.set('wte.weight', [d.vocabSize, C]);
  m.set('wpe.weight', [d.blockSize, C]);
  for (let i = 0; i < d.nLayer; i++) {
    const p = `h.${i}.`;
    m.set(`${p}ln_1.weight`, [C]); m.set(`${p}ln_1.bias`, [C]);
    m.set(`${p}attn.c_attn.weight`, [C, 3 * C]); m.set(`${p}attn.c_attn.bias`, [3 * C]);
    m.set(`${p}attn.c_proj.weight`, [C, C]); m.set(`${p}attn.c_proj.bias`, [C]);
    m.set(`${p}ln_2.weight`, [C]); m.set(`${p}ln_2.bias`, [C]);
    m.set(`${p}mlp.c_fc.weight`, [C, 4 * C]); m.set(`${p}mlp.c_fc.bias`, [4 * C]);
    m.set(`${p}mlp.c_proj.weight`, [4 * C, C]); m.set(`${p}mlp.c_proj.bias`, [C]);
  }
  m.set('ln_f.weight', [C]); m.set('ln_f.bias', [C]);
  return m;
}

/** Our dimensions from an HF GPT2Config, refusing the variants our model does not implement. */
export function gpt2DimsFromHfConfig(raw: unknown, where: string): Gpt2Dims {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: config is not a JSON object`);
  const c = raw as Record<string, unknown>;
  const int = (key: string, fallback?: string): number => {
    const v = c[key] ?? (fallback ? c[fallback] : undefined);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      throw new Error(`${where}: ${key}${fallback ? ` (or ${fallback})` : ''} must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  if (c.model_type !== undefined && c.model_type !== 'gpt2') throw new Error(`${where}: model_type is ${JSON.stringify(c.model_type)}, not "gpt2"`);
  const eps = c.layer_norm_epsilon ?? 1e-5; // GPT2Config's default
  if (typeof eps !== 'number' || !(eps > 0)) throw new Error(`${where}: layer_norm_epsilon must be a positive number, got ${JSON.stringify(eps)}`);
  const d: Gpt2Dims = {
    vocabSize: int('vocab_size'), blockSize: int('n_positions', 'n_ctx'), nLayer: int('n_layer'),
    nHead: int('n_head'), nEmbd: int('n_embd'), layerNormEps: eps,
  };
  // the tensors are checked against these, and a parameter list is built from them: bound them first
  const limits: [keyof Gpt2Dims, string, number][] = [['vocabSize', 'vocab_size', 1 << 20], ['blockSize', 'n_positions', 1 << 20], ['nLayer', 'n_layer', 1024], ['nEmbd', 'n_embd', 1 << 16]];
  for (const [k, key, max] of limits) if (d[k] > max) throw new Error(`${where}: ${key} ${d[k]} is over ${max}, larger than any GPT-2 (not a GPT-2 config?)`);
  if (d.nEmbd % d.nHead !== 0) throw new Error(`${where}: n_embd ${d.nEmbd} does not divide by n_head ${d.nHead}`);
  if (c.n_inner != null && c.n_inner !== 4 * d.nEmbd) throw new Error(`${where}: n_inner ${c.n_inner} is not 4 * n_embd; our MLP is 4C wide`);
  // our gelu is the tanh approximation, which is what GPT-2 was trained with
  const act = c.activation_function;
  if (act !== undefined && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new Error(`${where}: activation_function ${JSON.stringify(act)} is not supported (our GELU is the tanh approximation: gelu_new)`);
  }
  if (c.scale_attn_by_inverse_layer_idx === true) throw new Error(`${where}: scale_attn_by_inverse_layer_idx is not supported`);
  if (c.scale_attn_weights === false) throw new Error(`${where}: scale_attn_weights=false is not supported (we always scale by 1/sqrt(HS))`);
  return d;
}

/** All tensors of the checkpoint: one model.safetensors, or the shards its index names. */
function readHfTensors(dir: string, where: string): { file: string; tensors: Map<string, LoadedTensor> }[] {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return [{ file: single, tensors: readSafetensors(single).tensors }];
  const indexPath = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(indexPath)) {
    const index = parseJsonText(readUserText(indexPath, 'safetensors index', 64 * 1024 * 1024), `safetensors index ${indexPath}`) as { weight_map?: Record<string, string> } | null;
    const map = index?.weight_map;
    if (!map || typeof map !== 'object') throw new Error(`${where}: ${indexPath} has no weight_map`);
    const shards = [...new Set(Object.values(map))];
    // each shard a regular file in dir, named plainly: no "../x", no link to /dev/zero
    for (const s of shards) {
      if (typeof s !== 'string' || s === '' || s.includes('/') || s.includes('\\') || s === '.' || s === '..') throw new Error(`${where}: ${indexPath} names the shard ${JSON.stringify(s)}, which is not a file name in the directory`);
      const st = fs.lstatSync(path.join(dir, s), { throwIfNoEntry: false });
      if (!st) throw new Error(`${where}: the shard ${s} named in ${indexPath} is missing`);
      if (!st.isFile()) throw new Error(`${where}: the shard ${s} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; shards must be regular files`);
    }
    return shards.map((s) => {
      const file = path.join(dir, s);
      return { file, tensors: readSafetensors(file, (n) => map[n] === s).tensors };
    });
  }
  if (fs.existsSync(path.join(dir, 'pytorch_model.bin'))) {
    throw new Error(`${where}: holds only pytorch_model.bin (a pickle); this importer reads model.safetensors (convert with the safetensors library)`);
  }
  throw new Error(`${where}: no model.safetensors or model.safetensors.index.json`);
}

const sameValues = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
};

/**
 * Reads a Hugging Face GPT-2 directory into our names, every weight as a Float32Array (F16, BF16
 * and F64 are converted). Every tensor is checked against the config's shapes; errors name it.
 */
export function importHfGpt2(dir: string): { config: Gpt2Dims; tensors: Map<string, { shape: number[]; data: Float32Array }> } {
  const where = `importHfGpt2: ${dir}`;
  const cfgFile = path.join(dir, 'config.json');
  const config = gpt2DimsFromHfConfig(parseJsonText(readUserText(cfgFile, 'GPT-2 config', 16 * 1024 * 1024), `GPT-2 config ${cfgFile}`), `${where}: config.json`);
  const want = gpt2ParamShapes(config);
  const got = new Map<string, { shape: number[]; data: Float32Array }>();
  let lmHead: { shape: number[]; data: Float32Array } | null = null;
  const unexpected: string[] = [];

  for (const { file, tensors } of readHfTensors(dir, where)) {
    for (const [hfName, t] of tensors) {
      const name = hfName.startsWith('transformer.') ? hfName.slice('transformer.'.length) : hfName;
      if (/^h\.\d+\.attn\.(bias|masked_bias)$/.test(name)) continue; // causal-mask buffers, not weights
      if (t.dtype === 'i32') throw new Error(`${where}: tensor '${hfName}' in ${file} is ${t.stored}, not a float type`);
      const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
      if (name === 'lm_head.weight') { lmHead = { shape: t.shape, data }; continue; }
      const shape = want.get(name);
      if (!shape) { unexpected.push(hfName); continue; }
      if (got.has(name)) throw new Error(`${where}: tensor '${name}' appears twice (with and without the transformer. prefix?)`);
      if (fmt(t.shape) !== fmt(shape)) {
        const transposed = t.shape.length === 2 && t.shape[0] === shape[1] && t.shape[1] === shape[0];
        throw new Error(`${where}: tensor '${hfName}' has shape ${fmt(t.shape)} but the config needs ${fmt(shape)}` +
          (transposed ? ' (transposed: stored as (out, in) like nn.Linear; GPT-2 Conv1D weights are (in, out))' : ''));
      }
      got.set(name, { shape: t.shape, data });
    }
  }
  if (unexpected.length) throw new Error(`${where}: unexpected tensors ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : ''} (not GPT-2, or a config that does not match?)`);
  const missing = [...want.keys()].filter((n) => !got.has(n));
  if (missing.length) throw new Error(`${where}: missing tensors ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  if (lmHead) {
    const wte = got.get('wte.weight')!;
    if (fmt(lmHead.shape) !== fmt(wte.shape) || !sameValues(lmHead.data, wte.data)) {
      throw new Error(`${where}: lm_head.weight differs from wte.weight; our model ties the output head to the token embedding, so an untied head cannot be imported`);
    }
  }
  // hand the tensors back in model order
  const ordered = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const n of want.keys()) ordered.set(n, got.get(n)!);
  return { config, tensors: ordered };
}
