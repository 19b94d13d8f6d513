// Chat datasets as OpenAI fine-tuning JSONL: one `{"messages":[{"role","content"},...]}` per line, so
// data made here can go to larger fine-tuning tools and users can bring their own.
//
// A minimal local reader/writer: when this was written the project had no shared JSONL module
// committed (src/io/ had only atomic file writes in progress). Validation here is structural (roles
// and string contents); the chat template does the stricter turn-order checks when it encodes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatConversation } from './corpus.ts';

const ROLES = new Set(['system', 'user', 'assistant']);

/** One JSON object per line, each line newline-terminated. */
export function toJsonl(convs: readonly ChatConversation[]): string {
  return convs.map((c) => JSON.stringify({ messages: c.messages }) + '\n').join('');
}

/** Parses JSONL text (blank lines skipped); errors name the file and line: `data.jsonl line 3: ...`. */
export function parseJsonl(text: string, file = '<text>'): ChatConversation[] {
  const out: ChatConversation[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${file} line ${i + 1}`;
    let obj: unknown;
    try { obj = JSON.parse(line); } catch (e) { throw new Error(`${where}: invalid JSON (${(e as Error).message})`); }
    const msgs = (obj as { messages?: unknown } | null)?.messages;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || !Array.isArray(msgs) || msgs.length === 0) {
      throw new Error(`${where}: expected {"messages": [...]} with at least one message`);
    }
    msgs.forEach((m: unknown, j: number) => {
      const r = (m as { role?: unknown } | null)?.role, c = (m as { content?: unknown } | null)?.content;
      if (typeof r !== 'string' || !ROLES.has(r)) throw new Error(`${where}: messages[${j}].role must be "system", "user" or "assistant", got ${JSON.stringify(r)}`);
      if (typeof c !== 'string') throw new Error(`${where}: messages[${j}].content must be a string`);
    });
    out.push(obj as ChatConversation);
  }
  return out;
}

/** Writes `convs` to `file` atomically (temp file in the same directory, fsync, rename). */
export function writeJsonl(file: string, convs: readonly ChatConversation[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o644);
    try { fs.writeFileSync(fd, toJsonl(convs), 'utf8'); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function readJsonl(file: string): ChatConversation[] {
  return parseJsonl(fs.readFileSync(file, 'utf8'), file);
}
