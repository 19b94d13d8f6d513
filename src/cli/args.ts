// Command-line parsing for `inoculum <command>`: each command declares its options once, and the
// same declaration drives parsing, type checks and the --help text, so help can never drift from
// what is accepted. `--name value` and `--name=value` both work; unknown options are errors.
import { suggest } from '../suggest.ts';
import { backendFromEnv } from '../runtime/backend.ts';

export type OptType = 'string' | 'int' | 'number' | 'flag';

export interface OptSpec {
  name: string;
  type: OptType;
  /** Placeholder in help, e.g. DIR (default: the type's). */
  metavar?: string;
  help: string;
  /** Allowed values (strings). */
  choices?: readonly string[];
  /** Smallest allowed value (int/number). */
  min?: number;
  /** Largest allowed value (int/number): a bound where a larger value would only exhaust memory. */
  max?: number;
}

export interface PositionalSpec { name: string; help: string; required: boolean }

export interface CommandSpec {
  name: string;
  /** One line, shown in `inoculum --help`. */
  summary: string;
  /** The usage line after `inoculum <name> `, e.g. "--config FILE --out DIR". */
  usage: string;
  /** Paragraphs shown under the usage line. */
  description?: string;
  options: OptSpec[];
  positionals?: PositionalSpec[];
  examples?: string[];
}

/** A mistake in how the command was called: main prints it with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

export type OptValue = string | number | boolean;

export class Args {
  constructor(readonly spec: CommandSpec, readonly values: Map<string, OptValue>, readonly positionals: string[]) {}
  has(name: string): boolean { this.known(name); return this.values.has(name); }
  str(name: string): string | undefined { this.known(name); return this.values.get(name) as string | undefined; }
  num(name: string): number | undefined { this.known(name); return this.values.get(name) as number | undefined; }
  flag(name: string): boolean { this.known(name); return this.values.get(name) === true; }
  /** A required option: a UsageError naming it when absent. */
  need(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  }
  private known(name: string): void {
    if (!this.spec.options.some((o) => o.name === name)) throw new Error(`internal: ${this.spec.name} reads undeclared option --${name}`);
  }
}

const HELP_OPT: OptSpec = { name: 'help', type: 'flag', help: 'show this help and exit' };

function convert(o: OptSpec, raw: string): OptValue {
  const bad = (what: string) => new UsageError(`--${o.name} must be ${what}, got ${JSON.stringify(raw)}`);
  if (o.type === 'string') {
    if (o.choices && !o.choices.includes(raw)) throw bad(`one of ${o.choices.join(', ')}`);
    // an empty path (`--out ""`, `--out=`) is a mistake, not the current directory
    if (raw === '' && /^(DIR|FILE)/.test(o.metavar ?? '')) throw bad(`a path (${o.metavar})`);
    return raw;
  }
  // decimal digits only: Number() would also take "0x10", "1e3" as an integer, " 5" and "Infinity"
  const syntax = o.type === 'int' ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  const n = Number(raw);
  if (!syntax.test(raw) || !Number.isFinite(n)) throw bad(o.type === 'int' ? 'an integer' : 'a number');
  if (o.type === 'int' && !Number.isSafeInteger(n)) throw bad('an integer below 2^53');
  if (o.min !== undefined && n < o.min) throw bad(`${o.type === 'int' ? 'an integer' : 'a number'} >= ${o.min}`);
  if (o.max !== undefined && n > o.max) throw bad(`${o.type === 'int' ? 'an integer' : 'a number'} <= ${o.max}`);
  return n;
}

/** Parses argv (without the command name). `--help`/`-h` anywhere returns { help: true }. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): Args | { help: true } {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const values = new Map<string, OptValue>();
  const positionals: string[] = [];
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a} (options are spelled --name)`);
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const o = byName.get(name);
    if (!o) throw new UsageError(`unknown option --${name}${suggest(name, [...byName.keys()])}`);
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    if (o.type === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values.set(name, true);
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length || (argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) throw new UsageError(`--${name} needs a value (${metavar(o)})`);
      raw = argv[++i];
    }
    values.set(name, convert(o, raw));
  }
  const pos = spec.positionals ?? [];
  if (positionals.length > pos.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[pos.length])}`);
  for (let k = positionals.length; k < pos.length; k++) if (pos[k].required) throw new UsageError(`missing ${pos[k].name}`);
  return new Args(spec, values, positionals);
}

function metavar(o: OptSpec): string {
  if (o.metavar) return o.metavar;
  if (o.choices) return o.choices.join('|');
  return o.type === 'int' ? 'N' : o.type === 'number' ? 'X' : 'VALUE';
}


/** Wraps text to `width` columns, indenting continuation lines by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + w.length > width - indent) { out.push(line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out.join('\n' + ' '.repeat(indent));
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`usage: inoculum ${spec.name} ${spec.usage}`.trimEnd(), '', spec.summary];
  if (spec.description) lines.push('', spec.description.split('\n\n').map((p) => wrap(p, 100, 0)).join('\n\n'));
  const pos = spec.positionals ?? [];
  if (pos.length) {
    lines.push('', 'arguments:');
    for (const p of pos) lines.push(`  ${p.name.padEnd(24)} ${wrap(p.help, 100, 27)}`); // names are short
  }
  lines.push('', 'options:');
  for (const o of [...spec.options, HELP_OPT]) {
    const left = o.type === 'flag' ? `--${o.name}` : `--${o.name} ${metavar(o)}`;
    lines.push(left.length > 23 ? `  ${left}\n${' '.repeat(27)}${wrap(o.help, 100, 27)}` : `  ${left.padEnd(24)} ${wrap(o.help, 100, 27)}`);
  }
  if (spec.examples?.length) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** backendFromEnv, a bad value being a usage error (exit 2) like a bad flag. */
export function envBackend(): 'cpu' | 'webgpu' | undefined {
  try { return backendFromEnv(); } catch (e) { throw new UsageError((e as Error).message); }
}
