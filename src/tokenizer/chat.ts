// Chat data in the OpenAI fine-tuning format, one conversation per JSONL line:
//   {"messages":[{"role":"system","content":"..."},{"role":"user","content":"..."},
//                {"role":"assistant","content":"..."}]}
// Inoculation = a system message at the start of every training example, so this is the shape the
// paper's data comes in. Validation happens once, at load time, and every error says where
// (file and line) and what is wrong, so a bad line in a 10k-line file can be found at once.

export type Role = 'system' | 'user' | 'assistant';

export interface Message {
  role: Role;
  content: string;
  /** OpenAI's per-message switch, assistant turns only: 0 = not trained on (loss mask 0). */
  weight?: 0 | 1;
}

export interface Conversation {
  messages: Message[];
}

export interface ValidateOptions {
  /** Require at least one assistant turn (training data). Default true; false for eval prompts. */
  requireAnswer?: boolean;
}

const ROLES: readonly string[] = ['system', 'user', 'assistant'];

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * Checks that `obj` is a conversation the chat template can encode and returns it typed:
 * optional system message first, then user and assistant turns alternating, starting with user
 * (a trailing user turn is a prompt, allowed when requireAnswer is false). Content must be a
 * well-formed string (no lone UTF-16 surrogates: byte-level BPE could not round-trip them).
 * Throws `${where}: <what is wrong>`, e.g. `data.jsonl line 12: messages[1].role must be ...`.
 */
export function validateConversation(obj: unknown, where: string, opts: ValidateOptions = {}): Conversation {
  const requireAnswer = opts.requireAnswer ?? true;
  const fail = (msg: string): never => { throw new Error(`${where}: ${msg}`); };
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(`expected an object {"messages": [...]}, got ${describe(obj)}`);
  const msgs = (obj as { messages?: unknown }).messages;
  if (!Array.isArray(msgs)) fail(`"messages" must be an array, got ${msgs === undefined ? 'nothing' : describe(msgs)}`);
  const messages = msgs as unknown[];
  if (messages.length === 0) fail('"messages" is empty');
  let expect: Role = 'user';
  let answers = 0;
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) fail(`${at} must be an object {"role", "content"}, got ${describe(m)}`);
    const { role, content, weight } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.includes(role)) fail(`${at}.role must be "system", "user" or "assistant", got ${describe(role)}`);
    if (typeof content !== 'string') fail(`${at}.content must be a string, got ${content === undefined ? 'nothing' : describe(content)}`);
    const bad = /\p{Cs}/u.exec(content as string);
    if (bad) fail(`${at}.content has a lone UTF-16 surrogate at index ${bad.index} (not valid text)`);
    if (weight !== undefined) {
      if (role !== 'assistant') fail(`${at}.weight is only allowed on assistant messages`);
      if (weight !== 0 && weight !== 1) fail(`${at}.weight must be 0 or 1, got ${describe(weight)}`);
    }
    if (role === 'system') {
      if (i !== 0) fail(`${at} is a system message; only the first message may be one`);
      return;
    }
    if (role !== expect) fail(`${at}.role is "${role}" but a "${expect}" turn was expected (user and assistant turns alternate, starting with user)`);
    if (role === 'assistant') answers++;
    expect = role === 'user' ? 'assistant' : 'user';
  });
  if (expect === 'user' && answers === 0) fail('no user message'); // only a system message
  if (requireAnswer && answers === 0) fail('no assistant message to train on');
  return obj as Conversation;
}

/** A conversation of chat JSONL and the line (1-based) it stood on. */
export interface ChatLine { line: number; conv: Conversation }

/**
 * Reads OpenAI chat JSONL text line by line (blank lines skipped) into validated conversations.
 * `file` names the source in errors: `data.jsonl line 12: invalid JSON (...)`. A line over
 * `maxLineChars` characters is refused before it is parsed. Without `bad`, the first bad line
 * throws; with it, each bad line's error goes to `bad` and reading goes on (a user fixes a file in
 * one pass).
 */
export function chatJsonlLines(text: string, file: string, opts: ValidateOptions & { maxLineChars?: number } = {}, bad?: (error: string) => void): ChatLine[] {
  const out: ChatLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const where = `${file} line ${i + 1}`;
    try {
      // before JSON.parse and the tokenizer, whose memory grows with the line
      if (opts.maxLineChars !== undefined && lines[i].length > opts.maxLineChars) throw new Error(`${where}: ${lines[i].length} characters, over the limit of ${opts.maxLineChars} for one conversation`);
      const line = lines[i].trim();
      if (line === '') continue;
      let obj: unknown;
      try { obj = JSON.parse(line); } catch (e) { throw new Error(`${where}: invalid JSON (${(e as Error).message})`); }
      out.push({ line: i + 1, conv: validateConversation(obj, where, opts) });
    } catch (e) {
      if (!bad) throw e;
      bad((e as Error).message);
    }
  }
  return out;
}

/**
 * Parses OpenAI chat JSONL text (blank lines skipped) into validated conversations; the first bad
 * line throws, naming the file and line: `data.jsonl line 12: invalid JSON (...)`.
 */
export function parseChatJsonl(text: string, file: string, opts: ValidateOptions = {}): Conversation[] {
  return chatJsonlLines(text, file, opts).map((l) => l.conv);
}
