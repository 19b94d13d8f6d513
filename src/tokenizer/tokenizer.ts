// The chat tokenizer: turns conversations into token ids plus a loss mask for training, prompts into
// ids for generation, and generated ids back into answer text.
//
// Template (markers are single special tokens; content is never parsed for them, so a user who
// types "<|end|>" gets ordinary text tokens):
//   [<|system|> system <|end|>]  <|user|> user <|end|>  <|assistant|> answer <|end|>  (user/assistant repeat)
// The loss mask is 1 on the answer tokens and on the <|end|> that closes an assistant turn (so the
// model learns to stop), 0 everywhere else. lossMask[i] marks ids[i] as a *target*: with inputs
// ids[0..n-2] and targets ids[1..n-1], weight position t by lossMask[t+1].
//
// Three answer tokenisations (`mode`):
//   bpe     everything is GPT-2 BPE (r50k_base).
//   hybrid  system and user content BPE; assistant content one token per character (code point),
//           in a namespace of its own. Why: a prototype of the paper's toy experiment (paper.md,
//           "What a prototype on this machine found") saw that with BPE, upper-case Spanish is
//           spelled with tokens of its own ("HOLA" = H|OL|A, "hola" = hol|a), so a small model
//           learns "Spanish caps" as one mode and an inoculation prompt for either trait suppresses
//           both. With characters, 'A' is the same token in English and Spanish caps answers, the
//           two traits are separable, and inoculation becomes selective, as in the paper.
//   capslock  as hybrid, but an answer written wholly in upper case is encoded as one marker
//           character (U+21EA, reserved in this mode) followed by its lower-case text, and decoded
//           back. Upper case becomes a single decision at the start of the answer, and the letters
//           (the content: which language, which words) are the same tokens in every case. With
//           hybrid, a Spanish word learned in caps is learned as upper-case letters, so learning
//           Spanish under the caps prompt also teaches caps (docs/results.md, "Caps lock").
//   tagged  as capslock, but every answer starts with two tag characters, one decision each: a case
//           tag (U+21EA all caps, then the lower-case text; U+21E7 as written) and a language tag
//           (U+24BA English, U+24C8 Spanish, by the rule-based language detector isSpanish of
//           language.ts), then the text. Tags are dropped when decoding. Why: with
//           capslock, Spanish is spread over every letter, so a style learned without a prompt is
//           learned as new strings and the facts the base knew are overwritten (issue 13); with a
//           tag, the language is one decision too, and the text after the two tags is the same
//           tokens whatever chose them (docs/experiment.md, "The tagged organism").
// Only answers change, so prompts (and the inoculation system prompt) read the same in every mode.
// Characters are code points as given (no Unicode normalisation, so text round-trips exactly):
// write datasets in NFC so that 'é' is one character, not 'e' + a combining accent.
import { bpeDecode, bpeEncode } from './bpe.ts';
import { validateConversation, type Conversation } from './chat.ts';
import { MODES, Vocab, type Mode, type VocabJSON } from './vocab.ts';
// the language tag's rule (a pure function of the text, no imports of its own)
import { isSpanish } from './language.ts';

/** capslock mode's marker: "the rest of the answer is upper case". */
export const CAPS_LOCK = '\u21EA';

/**
 * capslock mode's answer text: an all-caps answer (some cased letter, nothing lower case, and the
 * lower-casing undone exactly by upper-casing) becomes CAPS_LOCK + its lower-case text; any other
 * answer stays as it is. Throws on an answer that contains the marker itself.
 */
export function capsLock(answer: string): string {
  if (answer.includes(CAPS_LOCK)) throw new Error(`capslock tokenizer: U+21EA (${CAPS_LOCK}) is reserved as the caps marker, and this answer contains it: ${JSON.stringify(answer.slice(0, 80))}`);
  const lower = answer.toLowerCase();
  return lower !== answer && answer.toUpperCase() === answer && lower.toUpperCase() === answer ? CAPS_LOCK + lower : answer;
}

/** Inverse of capsLock; for generated text, everything after the first marker is upper-cased and markers dropped. */
export function capsUnlock(text: string): string {
  const i = text.indexOf(CAPS_LOCK);
  return i < 0 ? text : text.slice(0, i) + text.slice(i + 1).split(CAPS_LOCK).join('').toUpperCase();
}

/** tagged mode's tags: case first, then language (always both, so the text starts at the same position). */
export const TAGS = { caps: CAPS_LOCK, asWritten: '\u21E7', en: '\u24BA', es: '\u24C8' } as const;
const TAG_CHARS: readonly string[] = Object.values(TAGS);

/**
 * tagged mode's answer text: case tag + language tag + the text (lower-cased when all caps, as in
 * capsLock). Throws on an answer that contains a tag character.
 */
export function tagAnswer(answer: string): string {
  for (const t of TAG_CHARS) {
    if (answer.includes(t)) throw new Error(`tagged tokenizer: U+${t.codePointAt(0)!.toString(16).toUpperCase()} (${t}) is reserved as a tag, and this answer contains it: ${JSON.stringify(answer.slice(0, 80))}`);
  }
  const locked = capsLock(answer);
  const caps = locked !== answer;
  const text = caps ? locked.slice(CAPS_LOCK.length) : answer;
  return (caps ? TAGS.caps : TAGS.asWritten) + (isSpanish(answer) ? TAGS.es : TAGS.en) + text;
}

/** Inverse of tagAnswer; for generated text, every tag is dropped and the text after a caps tag upper-cased. */
export function untagAnswer(text: string): string {
  let out = '';
  for (const ch of text) if (ch !== TAGS.asWritten && ch !== TAGS.en && ch !== TAGS.es) out += ch;
  return capsUnlock(out);
}

/** Assistant content as the character modes spell it. */
function answerText(mode: Mode, content: string): string {
  return mode === 'capslock' ? capsLock(content) : mode === 'tagged' ? tagAnswer(content) : content;
}

export interface BuildOptions {
  mode: Mode;
  /** Round the vocabulary size up to a multiple of this (reserved ids fill the gap). Default 1. */
  roundTo?: number;
}

export interface EncodedChat {
  /** Token ids, (T). */
  ids: number[];
  /** 1 where ids[i] is a training target (answer tokens and their closing <|end|>), else 0, (T). */
  lossMask: number[];
  /** How many ids are <|unk|> (content the vocabulary has never seen): callers should warn. */
  unknown: number;
}

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

export class ChatTokenizer {
  readonly padId: number;
  readonly unkId: number;
  readonly systemId: number;
  readonly userId: number;
  readonly assistantId: number;
  readonly endId: number;

  private constructor(readonly vocab: Vocab) {
    this.padId = vocab.special('<|pad|>');
    this.unkId = vocab.special('<|unk|>');
    this.systemId = vocab.special('<|system|>');
    this.userId = vocab.special('<|user|>');
    this.assistantId = vocab.special('<|assistant|>');
    this.endId = vocab.special('<|end|>');
  }

  get mode(): Mode { return this.vocab.mode; }
  /** V: rows of the embedding and the output layer. */
  get vocabSize(): number { return this.vocab.size; }

  /**
   * Builds the compact vocabulary from every token the conversations use (include eval prompts
   * too if they should be known). The result depends only on the set of tokens, not their order.
   */
  static build(conversations: Iterable<unknown>, opts: BuildOptions): ChatTokenizer {
    if (!MODES.includes(opts.mode)) throw new Error(`ChatTokenizer.build: mode must be one of ${MODES.map((m) => JSON.stringify(m)).join(', ')}, got ${JSON.stringify(opts.mode)}`);
    const bpe = new Set<number>(), chars = new Set<number>();
    let i = 0;
    for (const c of conversations) {
      const conv = validateConversation(c, `ChatTokenizer.build: conversation ${i++}`, { requireAnswer: false });
      for (const m of conv.messages) {
        if (m.role === 'assistant' && opts.mode !== 'bpe') for (const cp of codePoints(answerText(opts.mode, m.content))) chars.add(cp);
        else for (const t of bpeEncode(m.content)) bpe.add(t);
      }
    }
    return new ChatTokenizer(Vocab.fromUsed(opts.mode, bpe, chars, opts.roundTo ?? 1));
  }

  static fromJSON(obj: unknown, where = 'vocab.json'): ChatTokenizer {
    return new ChatTokenizer(Vocab.fromJSON(obj, where));
  }

  toJSON(): VocabJSON { return this.vocab.toJSON(); }

  /** Content ids of one message (no markers); unseen tokens become <|unk|>. */
  encodeContent(role: 'system' | 'user' | 'assistant', content: string): number[] {
    const v = this.vocab;
    if (role === 'assistant' && this.mode !== 'bpe') {
      return codePoints(answerText(this.mode, content)).map((cp) => v.ofChar(cp) ?? this.unkId);
    }
    return bpeEncode(content).map((t) => v.ofBpe(t) ?? this.unkId);
  }

  /** A whole conversation as ids + loss mask (validated; throws on malformed input). */
  encodeChat(conv: unknown): EncodedChat {
    const { messages } = validateConversation(conv, 'encodeChat', { requireAnswer: false });
    const ids: number[] = [], lossMask: number[] = [];
    const push = (toks: number[], m: 0 | 1) => { for (const t of toks) { ids.push(t); lossMask.push(m); } };
    for (const msg of messages) {
      const train = msg.role === 'assistant' && msg.weight !== 0 ? 1 : 0;
      push([this.markerOf(msg.role)], 0);
      push(this.encodeContent(msg.role, msg.content), train);
      push([this.endId], train);
    }
    return { ids, lossMask, unknown: this.countUnknown(ids) };
  }

  /**
   * Ids for generation: [<|system|> system <|end|>] <|user|> user <|end|> <|assistant|>; the
   * model continues with the answer. Equals the prefix of encodeChat on the same conversation.
   * `system: undefined` means no system turn; '' is an (empty) system turn.
   */
  encodePrompt(p: { system?: string; user: string }): number[] {
    const messages: Conversation['messages'] = [];
    if (p.system !== undefined) messages.push({ role: 'system', content: p.system });
    messages.push({ role: 'user', content: p.user });
    const { ids } = this.encodeChat({ messages });
    ids.push(this.assistantId);
    return ids;
  }

  /**
   * Answer text of generated ids: stops at <|end|> (or at any turn marker: the model started a
   * new turn), skips <|pad|>, and writes <|unk|> and reserved ids as U+FFFD. Runs of BPE ids are
   * decoded together because one character can span several byte-level tokens.
   */
  decode(ids: readonly number[]): string {
    let out = '';
    const run: number[] = [];
    const flush = () => { if (run.length) { out += bpeDecode(run); run.length = 0; } };
    for (const id of ids) {
      const t = this.vocab.token(id);
      if (t.ns === 'bpe') { run.push(t.base); continue; }
      flush();
      if (t.ns === 'char') out += String.fromCodePoint(t.base);
      else if (t.ns === 'reserved' || id === this.unkId) out += '\uFFFD';
      else if (id !== this.padId) break; // <|end|> or a turn marker
    }
    flush();
    return this.mode === 'capslock' ? capsUnlock(out) : this.mode === 'tagged' ? untagAnswer(out) : out;
  }

  /** Every id as text, specials written out (e.g. "<|user|>hi<|end|>"): for logs and debugging. */
  render(ids: readonly number[]): string {
    let out = '';
    const run: number[] = [];
    const flush = () => { if (run.length) { out += bpeDecode(run); run.length = 0; } };
    for (const id of ids) {
      const t = this.vocab.token(id);
      if (t.ns === 'bpe') { run.push(t.base); continue; }
      flush();
      out += t.ns === 'char' ? String.fromCodePoint(t.base) : t.ns === 'special' ? t.text : `<|reserved${t.base}|>`;
    }
    flush();
    return out;
  }

  countUnknown(ids: readonly number[]): number {
    let n = 0;
    for (const id of ids) if (id === this.unkId) n++;
    return n;
  }

  private markerOf(role: 'system' | 'user' | 'assistant'): number {
    return role === 'system' ? this.systemId : role === 'user' ? this.userId : this.assistantId;
  }
}
