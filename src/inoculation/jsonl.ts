// Chat datasets as OpenAI fine-tuning JSONL: one `{"messages":[{"role","content"},...]}` per line, so
// data made here can go to larger fine-tuning tools and users can bring their own. A thin layer over
// the project's shared pieces: validation is the tokenizer's (src/tokenizer/chat.ts: roles, turn
// order, errors naming the line), writing is io/json.ts's atomic JSONL writer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseChatJsonl } from '../tokenizer/chat.ts';
import { writeJsonlAtomic } from '../io/json.ts';
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
