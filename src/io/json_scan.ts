// A strict JSON syntax checker that says WHERE text goes wrong. V8's JSON.parse does the parsing;
// this scanner exists because (1) V8's messages often carry no position ("Unexpected token '}', ...
// is not valid JSON") and a user editing config.json wants a line and column, and (2) JSON.parse
// silently keeps the last of two equal keys, which hides typos in configs and is forbidden in
// safetensors headers.

export interface JsonProblem {
  kind: 'syntax' | 'duplicate';
  /** UTF-16 offset into the text. */
  pos: number;
  message: string;
}

class ScanError extends Error {
  constructor(readonly pos: number, message: string, readonly kind: JsonProblem['kind'] = 'syntax') { super(message); }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * The first syntax error or (unless duplicates is false) duplicate key in `text`, in document
 * order, or null if it is clean JSON. Scanning stops at the first problem, so to locate a syntax
 * error in text that JSON.parse refused, pass duplicates: false.
 */
export function scanJson(text: string, opts: { duplicates?: boolean; maxDepth?: number } = {}): JsonProblem | null {
  const checkDuplicates = opts.duplicates ?? true, maxDepth = opts.maxDepth ?? 512;
  let i = 0;
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++; else return;
    }
  };
  const describe = (at: number): string =>
    at >= text.length ? 'end of input' : `character ${JSON.stringify(text[at])}`;
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) throw new ScanError(i, 'unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) throw new ScanError(i, 'bad \\u escape (needs 4 hex digits)');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new ScanError(i, `bad escape \\${e ?? ''} in string`);
      } else if (c < 0x20) throw new ScanError(i, 'unescaped control character in string (newlines must be written \\n)');
      else i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > maxDepth) throw new ScanError(i, `nesting deeper than ${maxDepth} levels`);
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      const keys = checkDuplicates ? new Set<string>() : null;
      for (;;) {
        ws();
        if (text[i] !== '"') throw new ScanError(i, `expected a double-quoted property name, found ${describe(i)}`);
        const start = i;
        string();
        if (keys) {
          const raw = text.slice(start, i);
          const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
          if (keys.has(key)) throw new ScanError(start, `duplicate key ${JSON.stringify(key)}`, 'duplicate');
          keys.add(key);
        }
        ws();
        if (text[i] !== ':') throw new ScanError(i, `expected ':' after property name, found ${describe(i)}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        throw new ScanError(i, `expected ',' or '}' after a property value, found ${describe(i)}`);
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        throw new ScanError(i, `expected ',' or ']' after an array element, found ${describe(i)}`);
      }
    }
    if (c === '"') { string(); return; }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw new ScanError(i, 'malformed number');
      i += m[0].length;
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) { i += lit.length; return; }
    }
    throw new ScanError(i, `expected a value, found ${describe(i)}`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) throw new ScanError(i, `unexpected ${describe(i)} after the JSON value`);
    return null;
  } catch (e) {
    if (e instanceof ScanError) return { kind: e.kind, pos: e.pos, message: e.message };
    throw e;
  }
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1, lineStart = 0;
  for (let j = text.indexOf('\n'); j !== -1 && j < pos; j = text.indexOf('\n', j + 1)) { line++; lineStart = j + 1; }
  return { line, column: pos - lineStart + 1 };
}
