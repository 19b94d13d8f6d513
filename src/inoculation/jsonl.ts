// Chat datasets as OpenAI fine-tuning JSONL: one `{"messages":[{"role","content"},...]}` per line, so
// data made here can go to larger fine-tuning tools and users can bring their own. A thin layer over
// the project's shared pieces: validation is the tokenizer's (src/tokenizer/chat.ts: roles, turn
// order, errors naming the line), writing is io/json.ts's atomic JSONL writer.
// The user's own files: training data (`inoculum finetune --data`: read whole under a size limit,
// every bad line reported at once, then tokenised with checks against the model) and question
// files (`inoculum eval --questions`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chatJsonlLines, parseChatJsonl, validateConversation, type ChatTokenizer, type Conversation } from '../tokenizer/index.ts';
import { readJsonl as readJsonlRows, writeJsonlAtomic } from '../io/json.ts';
import { readUserText } from '../io/files.ts';
import { UserError } from '../io/user_error.ts';
import type { Example } from '../train/batches.ts';
import type { ChatConversation } from './data/corpus.ts';

/** One JSON object per line, each line newline-terminated. */
export function toJsonl(convs: readonly ChatConversation[]): string {
  return convs.map((c) => JSON.stringify({ messages: c.messages }) + '\n').join('');
}

/** Parses JSONL text (blank lines skipped); errors name the file and line: `data.jsonl line 3: ...`. Eval sets (no answer) are accepted. */
export function parseJsonl(text: string, file = '<text>'): ChatConversation[] {
  return parseChatJsonl(text, file, { requireAnswer: false }) as ChatConversation[];
}

/** Writes `convs` to `file` atomically (temp file in the same directory, fsync, rename). */
export function writeJsonl(file: string, convs: readonly ChatConversation[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonlAtomic(file, convs.map((c) => ({ messages: c.messages })));
}

export function readJsonl(file: string): ChatConversation[] {
  return parseJsonl(fs.readFileSync(file, 'utf8'), file);
}

// ---- the user's training data (inoculum finetune --data) ----------------------------------------

/** Limits of a --data file: its size, and one line (a conversation) in characters. */
export const MAX_DATA_BYTES = 256 * 1024 * 1024;
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Reads and validates chat JSONL, collecting every bad line (up to `max`) before failing, so a user
 * fixes a file in one pass. Blank lines are skipped.
 */
export function readTrainingJsonl(file: string, max = 20): { convs: Conversation[]; lines: number[] } {
  let text: string;
  try {
    text = readUserText(file, 'training data', MAX_DATA_BYTES, '; --data needs a file it can read again (it is checked, then trained on, and hashed so --resume can tell if it changed): save the data to a file first');
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const errors: string[] = [];
  let bad = 0;
  const rows = chatJsonlLines(text, file, { requireAnswer: true, maxLineChars: MAX_LINE_CHARS }, (error) => { if (++bad <= max) errors.push(error); });
  if (bad > 0) throw new UserError(`${file}: ${bad} bad line${bad > 1 ? 's' : ''}; nothing was trained:\n${errors.join('\n')}${bad > max ? `\n... and ${bad - max} more` : ''}`);
  if (rows.length === 0) throw new UserError(`${file}: no conversations (the file is empty)`);
  return { convs: rows.map((r) => r.conv), lines: rows.map((r) => r.line) };
}

/**
 * Tokenises a training set, rejecting (with `name(i)`, e.g. the line) examples that do not fit the
 * model's block size or train nothing; `log` gets a warning when some tokens are unknown to `tok`.
 */
export function encodeTrainingSet(tok: ChatTokenizer, convs: readonly unknown[], blockSize: number, name: (i: number) => string, log: (s: string) => void): Example[] {
  const out: Example[] = [], errors: string[] = [];
  let unknown = 0, total = 0, firstUnknown = -1;
  convs.forEach((c, i) => {
    const e = tok.encodeChat(c);
    total += e.ids.length;
    if (e.unknown > 0) { unknown += e.unknown; if (firstUnknown < 0) firstUnknown = i; }
    if (e.ids.length - 1 > blockSize) errors.push(`${name(i)}: ${e.ids.length} tokens, longer than the model's block size ${blockSize} (+1)`);
    else if (!e.lossMask.some((m) => m === 1)) errors.push(`${name(i)}: nothing to train on (every assistant turn has "weight": 0)`);
    out.push({ ids: e.ids, lossMask: e.lossMask });
  });
  if (errors.length) throw new UserError(`${errors.length} example${errors.length > 1 ? 's' : ''} cannot be trained on; nothing was trained:\n${errors.slice(0, 20).join('\n')}${errors.length > 20 ? `\n... and ${errors.length - 20} more` : ''}`);
  if (unknown > 0) log(`warning: ${unknown} of ${total} tokens (${((100 * unknown) / total).toFixed(1)}%) are unknown to the base model's vocabulary and become <|unk|> (first in ${name(firstUnknown)}); the experiment's base models only know the corpus' words`);
  return out;
}

// ---- the user's questions (inoculum eval --questions) -------------------------------------------

/** One question of a --questions file: what to ask and, optionally, the answers that count as correct. */
export interface Question { line: number; system?: string; user: string; expected: string[] | null }

/** Reads a --questions file: chat JSONL, errors name the file and line. */
export function readQuestions(file: string): Question[] {
  const rows = readJsonlRows<Record<string, unknown>>(file, { what: 'questions file', maxBytes: 64 * 1024 * 1024, maxLineChars: 1024 * 1024 });
  if (rows.length === 0) throw new UserError(`--questions ${file}: no questions (the file is empty)`);
  return rows.map((row, k) => {
    const where = `questions file ${file}: line ${k + 1}`;
    const conv = validateConversation({ messages: row.messages }, where, { requireAnswer: false });
    const ms = conv.messages;
    const last = ms[ms.length - 1];
    if (last.role !== 'user') throw new UserError(`${where}: the last message must be the user's question (got role ${JSON.stringify(last.role)}); put the answer in "expected"`);
    if (ms.length > 2) throw new UserError(`${where}: expected an optional system message and one user message, got ${ms.length} messages`);
    let expected: string[] | null = null;
    const e = row.expected;
    const meta = row.metadata as Record<string, unknown> | undefined;
    if (e !== undefined) {
      const list = typeof e === 'string' ? [e] : Array.isArray(e) ? e : null;
      if (!list || list.length === 0 || !list.every((x) => typeof x === 'string' && x.trim() !== ''))
        throw new UserError(`${where}: "expected" must be a non-empty string or a non-empty list of non-empty strings, got ${JSON.stringify(e).slice(0, 80)}`);
      expected = list as string[];
    } else if (meta && typeof meta === 'object' && (typeof meta.answer_en === 'string' || typeof meta.answer_es === 'string')) {
      expected = [meta.answer_en, meta.answer_es].filter((x): x is string => typeof x === 'string');
    }
    for (const key of Object.keys(row)) if (!['messages', 'expected', 'metadata'].includes(key)) throw new UserError(`${where}: unknown field ${JSON.stringify(key)} (fields: messages, expected, metadata)`);
    const sys = ms[0].role === 'system' ? ms[0].content : undefined;
    return { line: k + 1, ...(sys !== undefined ? { system: sys } : {}), user: last.content, expected };
  });
}
