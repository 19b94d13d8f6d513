// GPT-2 byte-level BPE (r50k_base) through the gpt-tokenizer package, with two fixes for our use:
// - encode never parses special-token text: "<|endoftext|>" typed by a user is ordinary text
//   (the package's default is to throw on it).
// - decode is our own, from the package's rank table: its decode shares one streaming TextDecoder
//   across calls, so a run that ends inside a multi-byte character (what a sampled model can
//   produce: ' ¿' is two byte tokens) silently drops those bytes and leaks them into the *next*
//   decode call as a stray U+FFFD. Here every call stands alone and invalid bytes become U+FFFD
//   in place.
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import ranks from 'gpt-tokenizer/bpeRanks/r50k_base';

const PLAIN = { disallowedSpecial: new Set<string>() };
const utf8 = new TextEncoder();
const bytesOf = new Map<number, Uint8Array>(); // filled lazily: only the tokens a vocabulary uses

/** r50k_base ids of `text`, special-token text treated as plain text. */
export function bpeEncode(text: string): number[] {
  return encode(text, PLAIN);
}

/** The bytes a token stands for (its rank entry is a string when valid UTF-8, else raw bytes). */
export function bpeBytes(id: number): Uint8Array {
  let b = bytesOf.get(id);
  if (b === undefined) {
    const r = ranks[id];
    if (r === undefined) throw new Error(`bpe: token ${id} is not in r50k_base`);
    b = typeof r === 'string' ? utf8.encode(r) : Uint8Array.from(r);
    bytesOf.set(id, b);
  }
  return b;
}

/** Text of r50k_base ids; bytes that are not valid UTF-8 (a cut character) become U+FFFD. */
export function bpeDecode(ids: readonly number[]): string {
  const parts = ids.map(bpeBytes);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(all);
}
