// Hostile chat JSONL: `finetune --data` (training conversations) and `eval --questions` (questions),
// each line wrong in its own way, and files that are not files. Every error names the file and the
// line (and the message field), the command exits 1 and nothing is written: the data is checked
// before the base model is even opened. Inputs that would block, never end or fill the heap (a pipe,
// a device, /dev/stdin, long lines) run in a child bounded in time and heap (harness.ts).
import { describe, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCase, runCaseBounded } from './harness.ts';

const conv = (...m: [string, string][]) => JSON.stringify({ messages: m.map(([role, content]) => ({ role, content })) });
const GOOD = conv(['user', 'What colour is the sky?'], ['assistant', 'It is blue.']);
const LONG = `{"messages": [{"role": "user", "content": "${'a'.repeat(2 * 1024 * 1024)}"}]}`;
const LONG_Q = JSON.stringify({ messages: [{ role: 'user', content: 'q'.repeat(2 * 1024 * 1024) }] });
/** Names of the cases that run bounded: a regression there would read forever or without limit. */
const BOUNDED = new Set(['a line of 2 MB (checked before parsing)', 'a line of 2 MB', 'a pipe such as /dev/stdin', 'a device such as /dev/zero']);
const BOUNDS = { heapMb: 256 };

/** [name, the file's text, the message after "<file> line 2: "] (line 1 is always good). */
const DATA: [string, string, string][] = [
  ['invalid JSON', '{"messages": [', 'invalid JSON'],
  ['trailing garbage', `${GOOD} x`, 'invalid JSON'],
  ['an array', '[1, 2]', 'expected an object {"messages": [...]}, got an array'],
  ['null', 'null', 'expected an object {"messages": [...]}, got null'],
  ['a string', '"hello"', 'expected an object {"messages": [...]}, got the string "hello"'],
  ['no messages field', '{"prompt": "a", "completion": "b"}', '"messages" must be an array, got nothing'],
  ['messages an object', '{"messages": {}}', '"messages" must be an array, got an object'],
  ['messages empty', '{"messages": []}', '"messages" is empty'],
  ['a message that is a string', '{"messages": ["hi"]}', 'messages[0] must be an object {"role", "content"}, got the string "hi"'],
  ['an unknown role', conv(['bot', 'hi']), 'messages[0].role must be "system", "user" or "assistant", got the string "bot"'],
  ['content a number', '{"messages": [{"role": "user", "content": 5}]}', 'messages[0].content must be a string, got number 5'],
  ['content missing', '{"messages": [{"role": "user"}]}', 'messages[0].content must be a string, got nothing'],
  ['a lone surrogate', '{"messages": [{"role": "user", "content": "a\\ud800b"}, {"role": "assistant", "content": "x"}]}', 'messages[0].content has a lone UTF-16 surrogate at index 1'],
  ['a weight on a user turn', '{"messages": [{"role": "user", "content": "a", "weight": 0}, {"role": "assistant", "content": "b"}]}', 'messages[0].weight is only allowed on assistant messages'],
  ['a weight of 0.5', '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0.5}]}', 'messages[1].weight must be 0 or 1, got number 0.5'],
  ['a system message second', conv(['user', 'a'], ['system', 'b'], ['assistant', 'c']), 'messages[1] is a system message; only the first message may be one'],
  ['two user turns in a row', conv(['user', 'a'], ['user', 'b'], ['assistant', 'c']), 'messages[1].role is "user" but a "assistant" turn was expected'],
  ['the assistant first', conv(['assistant', 'a']), 'messages[0].role is "assistant" but a "user" turn was expected'],
  ['only a system message', conv(['system', 'a']), 'no user message'],
  ['no assistant turn', conv(['user', 'a']), 'no assistant message to train on'],
  ['a line of 2 MB (checked before parsing)', LONG, `${LONG.length} characters, over the limit of 1048576 for one conversation`],
  ['binary bytes', '\u0089PNG\r\n\u001a', 'invalid JSON'],
];

/** [name, the questions file's text, the message after "questions file <file>: line 2: "]. */
const QUESTIONS: [string, string, string][] = [
  ['a question ending in the answer', GOOD, 'the last message must be the user\'s question (got role "assistant"); put the answer in "expected"'],
  ['three messages', conv(['system', 's'], ['user', 'a'], ['assistant', 'b'], ['user', 'c']), 'expected an optional system message and one user message, got 4 messages'],
  ['expected an empty list', JSON.stringify({ messages: [{ role: 'user', content: 'a' }], expected: [] }), '"expected" must be a non-empty string or a non-empty list of non-empty strings, got []'],
  ['expected a number', JSON.stringify({ messages: [{ role: 'user', content: 'a' }], expected: 5 }), '"expected" must be a non-empty string or a non-empty list of non-empty strings, got 5'],
  ['expected a blank string', JSON.stringify({ messages: [{ role: 'user', content: 'a' }], expected: ['  '] }), '"expected" must be a non-empty string'],
  ['an unknown field', JSON.stringify({ messages: [{ role: 'user', content: 'a' }], answer: 'b' }), 'unknown field "answer" (fields: messages, expected, metadata)'],
  ['a blank line in the middle', '\n', 'blank line (JSONL holds one JSON object per line)'],
  ['an array line', '[]', 'expected a JSON object, got an array'],
  ['a line of 2 MB', LONG_Q, `${LONG_Q.length} characters, over the limit of 1048576 for one line`],
];

const Q1 = JSON.stringify({ messages: [{ role: 'user', content: 'What colour is the sky?' }] });
const finetune = (d: string) => ['finetune', '--base', join(d, 'no-base'), '--data', join(d, 'data.jsonl'), '--out', join(d, 'out')];
const evalQ = (d: string) => ['eval', '--model', join(d, 'no-model'), '--questions', join(d, 'q.jsonl')];

describe('hostile training data (finetune --data): file and line, exit 1, nothing written', () => {
  for (const [name, line, msg] of DATA) {
    it(name, async () => {
      const c = { name, setup: (d: string) => writeFileSync(join(d, 'data.jsonl'), `${GOOD}\n${line}\n`), argv: finetune, code: 1, msg: (d: string) => `${join(d, 'data.jsonl')} line 2: ${msg}` };
      await (BOUNDED.has(name) ? runCaseBounded(c, BOUNDS) : runCase(c));
    });
  }
  it('every bad line is reported, up to 20, and the rest counted', async () => {
    await runCase({ name: 'many', setup: (d) => writeFileSync(join(d, 'data.jsonl'), Array.from({ length: 25 }, () => '{').join('\n')), argv: finetune, code: 1, msg: (d) => new RegExp(`${join(d, 'data.jsonl')}: 25 bad lines; nothing was trained:[^]*line 20: invalid JSON[^]*\\.\\.\\. and 5 more`) });
  });
  const FILES: [string, (f: string) => void, string][] = [
    ['an empty file', (f) => writeFileSync(f, ''), 'no conversations (the file is empty)'],
    ['only blank lines', (f) => writeFileSync(f, '\n  \n\n'), 'no conversations (the file is empty)'],
    ['a directory', (f) => mkdirSync(f), 'is a directory, not a regular file'],
    ['a pipe such as /dev/stdin', (f) => execFileSync('mkfifo', [f]), 'is a pipe (FIFO), not a regular file; --data needs a file it can read again'],
    ['a device such as /dev/zero', (f) => symlinkSync('/dev/zero', f), 'is a character device, not a regular file'],
    ['a missing file', () => {}, 'cannot read it:'],
  ];
  for (const [name, make, msg] of FILES) {
    it(name, async () => {
      const c = { name, setup: (d: string) => make(join(d, 'data.jsonl')), argv: finetune, code: 1, msg };
      await (BOUNDED.has(name) ? runCaseBounded(c, BOUNDS) : runCase(c));
    });
  }
  it('--data /dev/stdin says to save the data to a file', async () => {
    // stdin of the bounded child is a FIFO nothing is written to: a read would block for ever
    await runCaseBounded({ name: 'stdin', argv: (d) => ['finetune', '--base', join(d, 'b'), '--data', '/dev/stdin', '--out', join(d, 'out')], code: 1, msg: /training data \/dev\/stdin: is a (pipe \(FIFO\)|character device|socket), not a regular file; --data needs a file it can read again .* save the data to a file first/ }, BOUNDS);
  });
  it('a line of 80 MB is refused by its length, in a 256 MB heap', async () => {
    // once ran out of heap: the whole line was parsed before its length was looked at
    const huge = `{"messages": [{"role": "user", "content": "${'a'.repeat(80 * 1024 * 1024)}"}]}`;
    await runCaseBounded({ name: '80 MB', setup: (d) => writeFileSync(join(d, 'data.jsonl'), `${GOOD}\n${huge}\n`), argv: finetune, code: 1, msg: (d) => `${join(d, 'data.jsonl')} line 2: ${huge.length} characters, over the limit of 1048576 for one conversation` }, { heapMb: 256, timeoutMs: 60_000 });
  });
});

describe('hostile question files (eval --questions): file and line, exit 1, nothing written', () => {
  for (const [name, line, msg] of QUESTIONS) {
    it(name, async () => {
      const c = { name, setup: (d: string) => writeFileSync(join(d, 'q.jsonl'), `${Q1}\n${line}\n${Q1}\n`), argv: evalQ, code: 1, msg: (d: string) => `questions file ${join(d, 'q.jsonl')}: line 2: ${msg}` };
      await (BOUNDED.has(name) ? runCaseBounded(c, BOUNDS) : runCase(c));
    });
  }
  it('a device instead of a file', async () => {
    await runCaseBounded({ name: 'dev', setup: (d) => symlinkSync('/dev/zero', join(d, 'q.jsonl')), argv: evalQ, code: 1, msg: (d) => `questions file ${join(d, 'q.jsonl')}: is a character device, not a regular file` }, BOUNDS);
  });
});
