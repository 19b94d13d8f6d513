// The compact vocabulary: the (namespace, base id) pairs a corpus actually uses, mapped to dense ids
// 0..V-1 so that a tiny model's embedding and output layer have V rows, not GPT-2's 50257.
//
// Namespaces keep different kinds of token apart even when their base ids coincide:
//   special  base = index into SPECIALS (the chat template's markers, pad and unk)
//   bpe      base = GPT-2 r50k_base token id (0..50256)
//   char     base = Unicode code point (hybrid, capslock and tagged modes' character-level answers)
// Dense layout, fixed by sorting so the same corpus always gives the same map whatever its order:
//   [0, S)                 SPECIALS in their listed order (pad = 0, unk = 1, ...)
//   [S, S+nb)              bpe base ids, ascending
//   [S+nb, S+nb+nc)        chars, ascending code point
//   [S+nb+nc, V)           reserved: padding up to a multiple of `roundTo`; never produced by
//                          encoding, decoded as unknown. Rounding V up (e.g. to 8) only gives the
//                          vocab-sized matmuls friendlier shapes; the extra logits never appear as
//                          targets, so training simply pushes them down.

export const SPECIALS = ['<|pad|>', '<|unk|>', '<|system|>', '<|user|>', '<|assistant|>', '<|end|>'] as const;
export type Special = (typeof SPECIALS)[number];

export const BPE_ENCODING = 'r50k_base';
export const BPE_SIZE = 50257; // r50k_base ids are 0..50256 (50256 = <|endoftext|>, never produced here)
const MAX_CODE_POINT = 0x10ffff;
const FORMAT = 'inoculum.chat-tokenizer';
const VERSION = 1;

export const MODES = ['bpe', 'hybrid', 'capslock', 'tagged'] as const;
export type Mode = (typeof MODES)[number];
export type Token =
  | { ns: 'special'; base: number; text: Special }
  | { ns: 'bpe'; base: number }
  | { ns: 'char'; base: number }
  | { ns: 'reserved'; base: number };

/** The JSON saved with a model as vocab.json. */
export interface VocabJSON {
  format: typeof FORMAT;
  version: typeof VERSION;
  mode: Mode;
  encoding: typeof BPE_ENCODING;
  specials: string[];
  /** bpe base ids in dense order (ascending). */
  bpe: number[];
  /** characters in dense order (ascending code point), one code point per string. */
  chars: string[];
  vocabSize: number;
}

export class Vocab {
  readonly size: number;
  private readonly bpeId = new Map<number, number>();
  private readonly charId = new Map<number, number>();

  private constructor(readonly mode: Mode, readonly bpe: readonly number[], readonly chars: readonly number[], size: number) {
    this.size = size;
    bpe.forEach((b, i) => this.bpeId.set(b, SPECIALS.length + i));
    chars.forEach((c, i) => this.charId.set(c, SPECIALS.length + bpe.length + i));
  }

  /** Builds the dense map from the used base ids (any order, duplicates fine). */
  static fromUsed(mode: Mode, bpe: Iterable<number>, chars: Iterable<number>, roundTo = 1): Vocab {
    if (!Number.isInteger(roundTo) || roundTo < 1) throw new Error(`Vocab: roundTo must be a positive integer, got ${roundTo}`);
    const b = [...new Set(bpe)].sort((x, y) => x - y);
    const c = [...new Set(chars)].sort((x, y) => x - y);
    if (mode === 'bpe' && c.length > 0) throw new Error('Vocab: bpe mode has no character tokens');
    const used = SPECIALS.length + b.length + c.length;
    return new Vocab(mode, b, c, Math.ceil(used / roundTo) * roundTo);
  }

  special(s: Special): number { return SPECIALS.indexOf(s); }
  /** Dense id of a bpe base id, or undefined if the corpus never used it. */
  ofBpe(base: number): number | undefined { return this.bpeId.get(base); }
  /** Dense id of a code point, or undefined if the corpus never used it. */
  ofChar(codePoint: number): number | undefined { return this.charId.get(codePoint); }

  token(id: number): Token {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) throw new Error(`Vocab: id ${id} is out of range [0, ${this.size})`);
    const S = SPECIALS.length, nb = this.bpe.length, nc = this.chars.length;
    if (id < S) return { ns: 'special', base: id, text: SPECIALS[id] };
    if (id < S + nb) return { ns: 'bpe', base: this.bpe[id - S] };
    if (id < S + nb + nc) return { ns: 'char', base: this.chars[id - S - nb] };
    return { ns: 'reserved', base: id - S - nb - nc };
  }

  toJSON(): VocabJSON {
    return {
      format: FORMAT, version: VERSION, mode: this.mode, encoding: BPE_ENCODING,
      specials: [...SPECIALS], bpe: [...this.bpe], chars: this.chars.map((c) => String.fromCodePoint(c)),
      vocabSize: this.size,
    };
  }

  /** Rebuilds a vocabulary from toJSON()'s output, checking every field; errors start with `where`. */
  static fromJSON(obj: unknown, where = 'vocab.json'): Vocab {
    const fail = (msg: string): never => { throw new Error(`${where}: ${msg}`); };
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return fail('expected a JSON object');
    const o = obj as Record<string, unknown>;
    const keys = ['format', 'version', 'mode', 'encoding', 'specials', 'bpe', 'chars', 'vocabSize'];
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`unknown field "${k}"`);
    for (const k of keys) if (!(k in o)) fail(`missing field "${k}"`);
    if (o.format !== FORMAT) fail(`"format" must be "${FORMAT}", got ${JSON.stringify(o.format)} (not a chat tokenizer vocabulary?)`);
    if (o.version !== VERSION) fail(`"version" ${JSON.stringify(o.version)} is not supported (this code reads version ${VERSION})`);
    if (!MODES.includes(o.mode as Mode)) fail(`"mode" must be one of ${MODES.map((m) => JSON.stringify(m)).join(', ')}, got ${JSON.stringify(o.mode)}`);
    if (o.encoding !== BPE_ENCODING) fail(`"encoding" must be "${BPE_ENCODING}", got ${JSON.stringify(o.encoding)}`);
    if (!Array.isArray(o.specials) || o.specials.length !== SPECIALS.length || o.specials.some((s, i) => s !== SPECIALS[i]))
      fail(`"specials" must be ${JSON.stringify(SPECIALS)}, got ${JSON.stringify(o.specials)}`);
    const bpe = ascending(o.bpe, 'bpe', BPE_SIZE - 1, (v) => v, fail);
    const chars = ascending(o.chars, 'chars', MAX_CODE_POINT, (v, i) => {
      if (typeof v !== 'string' || [...v].length !== 1) fail(`"chars"[${i}] must be a string of one character, got ${JSON.stringify(v)}`);
      return (v as string).codePointAt(0)!;
    }, fail);
    if (o.mode === 'bpe' && chars.length > 0) fail('"chars" must be empty in bpe mode');
    const used = SPECIALS.length + bpe.length + chars.length;
    if (!Number.isInteger(o.vocabSize) || (o.vocabSize as number) < used)
      fail(`"vocabSize" must be an integer >= ${used} (the number of tokens listed), got ${JSON.stringify(o.vocabSize)}`);
    return new Vocab(o.mode as Mode, bpe, chars, o.vocabSize as number);
  }
}

// Reads a strictly ascending list of integers in [0, max], each mapped from its JSON form by `get`.
function ascending(v: unknown, name: string, max: number, get: (v: unknown, i: number) => unknown,
  fail: (msg: string) => never): number[] {
  if (!Array.isArray(v)) fail(`"${name}" must be an array`);
  const out: number[] = [];
  (v as unknown[]).forEach((x, i) => {
    const n = get(x, i);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) fail(`"${name}"[${i}] must be an integer in [0, ${max}], got ${JSON.stringify(x)}`);
    if (i > 0 && (n as number) <= out[i - 1]) fail(`"${name}" must be strictly ascending, but [${i}] = ${JSON.stringify(x)} follows ${JSON.stringify((v as unknown[])[i - 1])}`);
    out.push(n as number);
  });
  return out;
}
