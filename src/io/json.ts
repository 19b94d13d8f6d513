// JSON and JSONL files: configs, vocabularies, run records and metrics logs. Writes are atomic and
// refuse values JSON would silently change (NaN becomes null, a Map becomes {}, a Float32Array
// becomes an object of indices); reads name the file and the line and column of a syntax error.
import * as fs from 'node:fs';
import { writeAll, writeBytesAtomic } from './atomic.ts';
import { lineColumn, scanJson } from './json_scan.ts';
import { readUserText } from './files.ts';

// ---- values in, text out -----------------------------------------------------------------------

/** Throws, naming the path inside the value (`$.a[2].b`), where JSON.stringify would lose or garble data. */
function checkJsonable(v: unknown, at: string, open: Set<object>): void {
  switch (typeof v) {
    case 'string': case 'boolean': return;
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`${at} is ${v}, which JSON cannot hold (store null or a string instead)`);
      return;
    case 'undefined': throw new Error(`${at} is undefined, which JSON cannot hold`);
    case 'bigint': case 'function': case 'symbol': throw new Error(`${at} is a ${typeof v}, which JSON cannot hold`);
  }
  if (v === null) return;
  const o = v as object;
  if (typeof (o as { toJSON?: unknown }).toJSON === 'function') {
    checkJsonable((o as { toJSON(k: string): unknown }).toJSON(''), at, open);
    return;
  }
  if (ArrayBuffer.isView(o)) throw new Error(`${at} is a ${o.constructor.name}; convert it with Array.from() first`);
  if (o instanceof Map || o instanceof Set) throw new Error(`${at} is a ${o.constructor.name}, which JSON would write as {}; convert it to an object or array first`);
  if (open.has(o)) throw new Error(`${at} refers back to an enclosing value (a cycle)`);
  open.add(o);
  if (Array.isArray(o)) o.forEach((x, k) => checkJsonable(x, `${at}[${k}]`, open));
  else {
    for (const [k, x] of Object.entries(o)) {
      if (x !== undefined) checkJsonable(x, /^[A-Za-z_$][\w$]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`, open);
    }
  }
  open.delete(o);
}

/**
 * JSON text for `value`, or an error prefixed by `where` if the value holds something JSON would
 * drop or change. indent 0 gives one line (JSONL); undefined object properties are omitted as usual.
 */
export function toJsonText(value: unknown, where: string, indent = 2): string {
  try {
    checkJsonable(value, '$', new Set());
  } catch (e) {
    throw new Error(`${where}: value ${(e as Error).message}`);
  }
  return JSON.stringify(value, null, indent || undefined);
}

function writeText(path: string, text: string, where: string): void {
  try {
    writeBytesAtomic(path, text);
  } catch (e) {
    throw new Error(`${where}: cannot write it: ${(e as Error).message}`);
  }
}

/** Writes `value` as JSON (2-space indent, trailing newline) atomically: the old file survives any failure. */
export function writeJsonAtomic(path: string, value: unknown, indent = 2): void {
  const where = `writeJsonAtomic: ${path}`;
  writeText(path, toJsonText(value, where, indent) + '\n', where);
}

// ---- text in, values out -----------------------------------------------------------------------

/**
 * Parses JSON text; errors start with `where` and give the line and column of the first problem.
 * Duplicate keys are errors too (JSON.parse would keep the last one silently) unless allowDuplicates.
 */
export function parseJsonText(text: string, where: string, allowDuplicates = false): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM some editors add
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const p = scanJson(text, { duplicates: false });
    if (!p) throw new Error(`${where}: invalid JSON: ${(e as Error).message}`);
    const { line, column } = lineColumn(text, p.pos);
    throw new Error(`${where}: invalid JSON at line ${line}, column ${column}: ${p.message}`);
  }
  if (!allowDuplicates) {
    const p = scanJson(text);
    if (p) {
      const { line, column } = lineColumn(text, p.pos);
      throw new Error(`${where}: ${p.message} at line ${line}, column ${column}`);
    }
  }
  return value;
}

function readText(path: string, where: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${where}: cannot read it: ${(e as Error).message}`);
  }
}

/** Reads and parses a JSON file; `what` (e.g. 'config') starts every error, followed by the path. */
export function readJson<T = unknown>(path: string, what = 'JSON file'): T {
  const where = `${what} ${path}`;
  return parseJsonText(readText(path, where), where) as T;
}

// ---- JSONL: one object per line ----------------------------------------------------------------

/**
 * Reads a JSONL file: one JSON object per line, a trailing newline allowed. A malformed or blank
 * line is an error naming the file and the line number. With `tolerateTornTail`, a last line that
 * has no newline and does not parse (a write cut off by a crash) is dropped instead.
 */
export function readJsonl<T = Record<string, unknown>>(path: string, opts: { what?: string; tolerateTornTail?: boolean; maxBytes?: number; maxLineChars?: number } = {}): T[] {
  const what = opts.what ?? 'JSONL file';
  // a file the user names: a regular file under maxBytes (never /dev/zero or a pipe)
  const text = opts.maxBytes !== undefined ? readUserText(path, what, opts.maxBytes) : readText(path, `${what} ${path}`);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the trailing newline
  const torn = !text.endsWith('\n') && text.length > 0;
  const rows: T[] = [];
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].endsWith('\r') ? lines[k].slice(0, -1) : lines[k];
    const where = `${what} ${path}: line ${k + 1}`;
    if (opts.maxLineChars !== undefined && line.length > opts.maxLineChars) throw new Error(`${where}: ${line.length} characters, over the limit of ${opts.maxLineChars} for one line`);
    if (line.trim() === '') throw new Error(`${where}: blank line (JSONL holds one JSON object per line)`);
    let row: unknown;
    try {
      row = parseJsonText(line, where);
    } catch (e) {
      if (opts.tolerateTornTail && torn && k === lines.length - 1) break;
      throw e;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error(`${where}: expected a JSON object, got ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}`);
    rows.push(row as T);
  }
  return rows;
}

/** Writes rows as JSONL atomically (each row one line, a newline after every row). */
export function writeJsonlAtomic(path: string, rows: readonly object[]): void {
  const where = `writeJsonlAtomic: ${path}`;
  writeText(path, rows.map((r, k) => toJsonText(r, `${where}: row ${k}`, 0) + '\n').join(''), where);
}

/**
 * Appends one JSON object per line to a metrics log, written through at once (no buffering in JS;
 * each line goes down in one write, so a crash loses at most the line being written).
 * If the existing file ends in a torn line (a crash mid-write), opening fails unless `repair`,
 * which cuts the torn line off.
 */
export class JsonlWriter {
  private fd: number | null;

  constructor(readonly path: string, opts: { truncate?: boolean; repair?: boolean } = {}) {
    if (!opts.truncate && fs.existsSync(path)) {
      const text = fs.readFileSync(path);
      if (text.length > 0 && text[text.length - 1] !== 0x0a) {
        if (!opts.repair) throw new Error(`JsonlWriter: ${path} ends in an incomplete line (a write cut off by a crash?); open with { repair: true } to drop it`);
        fs.truncateSync(path, text.lastIndexOf(0x0a) + 1);
      }
    }
    this.fd = fs.openSync(path, opts.truncate ? 'w' : 'a');
  }

  append(row: object): void {
    if (this.fd === null) throw new Error(`JsonlWriter: ${this.path} is closed`);
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error(`JsonlWriter: ${this.path}: rows must be objects`);
    writeAll(this.fd, Buffer.from(toJsonText(row, `JsonlWriter: ${this.path}`, 0) + '\n', 'utf8'));
  }

  /** Forces the lines written so far to disk. */
  sync(): void {
    if (this.fd !== null) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
