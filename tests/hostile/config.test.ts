// Hostile config files (--config): wrong kinds of file, wrong JSON, wrong values at any depth. Each
// error names the file and the field with the value it got; tests/cli.test.ts has the common
// mistakes (types of top-level fields, unknown fields, built-in names), these are the rest.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfigFile } from '../../src/inoculation/config_file.ts';
import { runBounded, runCase, sandbox, snapshot, thrown, thrownBounded } from './harness.ts';
import { ROOT } from '../cli_helpers.ts';

const dir = sandbox('config');
let n = 0;
/** A config file holding `text` (or made by `make`), and the error loading it gives. */
function load(text: string | ((file: string) => void)): { file: string; msg: string } {
  const file = join(dir, `c${n++}.json`);
  if (typeof text === 'string') writeFileSync(file, text); else text(file);
  const msg = thrown(() => loadConfigFile(file));
  expect(thrown(() => { try { loadConfigFile(file); } catch (e) { expect(e).toBeInstanceOf(ConfigError); throw e; } })).toBe(msg);
  return { file, msg };
}

// [name, file content, the message after "<file>: "]
const VALUES: [string, string, string | RegExp][] = [
  ['an empty file', '', /invalid JSON/],
  ['only a comment', '// nothing here\n', /invalid JSON/],
  ['an unterminated block comment', '{"seeds": 2 /* oops', /invalid JSON/],
  ['a trailing comma in an array', '{"probes": {"rateSteps": [0, 10,]}}', /invalid JSON at line 1/],
  ['a single-quoted string', "{'seeds': 2}", /invalid JSON at line 1, column 2/],
  ['null at the top', 'null', 'the config must be an object, got null'],
  ['a number at the top', '42', 'the config must be an object, got 42'],
  ['a string at the top', '"seeds=2"', 'the config must be an object, got "seeds=2"'],
  ['a section that is null', '{"base": null}', 'base must be an object, got null'],
  ['a section that is a string', '{"finetune": "fast"}', 'finetune must be an object, got "fast"'],
  ['a nested size of -1', '{"base": {"model": {"nEmbd": -1}}}', 'base.model.nEmbd must be >= 1, got -1'],
  ['a nested size of 1e400', '{"base": {"model": {"nLayer": 1e400}}}', 'base.model.nLayer must be an integer, got Infinity (a number too large for a double)'],
  ['a block size under the minimum', '{"base": {"model": {"blockSize": 4}}}', 'base.model.blockSize must be >= 8, got 4'],
  ['a fractional seed count', '{"seeds": 2.5}', 'seeds must be an integer, got 2.5'],
  ['a billion seeds', '{"seeds": 1000000000}', 'seeds must be <= 1000, got 1000000000'],
  ['a thousand bases', '{"bases": 1000}', 'bases must be <= 100, got 1000'],
  ['dropout over the maximum', '{"finetune": {"dropout": 0.99}}', 'finetune.dropout must be <= 0.95, got 0.99'],
  ['a negative learning rate', '{"base": {"lr": -0.001}}', 'base.lr must be > 0, got -0.001'],
  ['a learning rate as a string', '{"base": {"lr": "1e-3"}}', 'base.lr must be a number, got "1e-3"'],
  ['a zero fine-tune share', '{"split": {"finetune": 0}}', 'split.finetune must be > 0, got 0'],
  ['categories as a string', '{"categories": "colour"}', /categories must be a non-empty array of "colour", .*, got "colour"/],
  ['a category that is a number', '{"categories": [1]}', /categories\[0\] must be one of "colour", .*, got 1/],
  ['a negative rate step', '{"probes": {"rateSteps": [-1]}}', 'probes.rateSteps[0] must be >= 0, got -1'],
  ['rate steps as a string', '{"probes": {"rateSteps": "0,10"}}', 'probes.rateSteps must be an array of integers, got "0,10"'],
  ['a copy count that is true', '{"base": {"copies": {"both": true}}}', 'base.copies.both must be an integer, got true'],
  ['a prototype key in a section', '{"finetune": {"__proto__": {"lr": 5}}}', 'unknown field finetune.__proto__'],
  ['a duplicate key in a section', '{"base": {"steps": 1, "steps": 2}}', /duplicate key "steps" at line 1/],
  ['a misspelt nested field', '{"finetune": {"lora_rank": 4}}', 'unknown field finetune.lora_rank (did you mean finetune.loraRank?)'],
];

describe('hostile config files: the file and the field, with the value', () => {
  for (const [name, text, msg] of VALUES) {
    it(name, () => {
      const r = load(text);
      expect(r.msg.startsWith(`${r.file}: `), r.msg).toBe(true);
      if (typeof msg === 'string') expect(r.msg).toContain(`${r.file}: ${msg}`); else expect(r.msg).toMatch(msg);
    });
  }

  // files that are not config files at all: refused by kind or size before a byte is read; true:
  // a regression would block, never end or fill the heap, so the load runs in a bounded child
  const KINDS: [string, (file: string) => void, string, boolean?][] = [
    ['a missing file', () => {}, 'cannot read it:'],
    ['a directory', (f) => mkdirSync(f), 'is a directory, not a regular file'],
    ['/dev/zero (would never end)', (f) => symlinkSync('/dev/zero', f), 'is a character device, not a regular file', true],
    ['a FIFO (would block)', (f) => execFileSync('mkfifo', [f]), 'is a pipe (FIFO), not a regular file', true],
    ['a 2 GiB sparse file', (f) => { writeFileSync(f, ''); truncateSync(f, 2 ** 31); }, 'is 2048 MiB, over the 1 MiB limit for a config file', true],
    ['a dangling symlink', (f) => symlinkSync(join(dir, 'nowhere.json'), f), 'no such file or directory (ENOENT)'],
  ];
  for (const [name, make, msg, bounded] of KINDS) {
    it(name, async () => {
      let r: { file: string; msg: string };
      if (bounded) {
        const file = join(dir, `c${n++}.json`);
        make(file);
        // twice, as load() does: the same ConfigError each time
        const [e, again] = [await thrownBounded('src/inoculation/config_file.ts', 'loadConfigFile', [file], { heapMb: 128 }), await thrownBounded('src/inoculation/config_file.ts', 'loadConfigFile', [file], { heapMb: 128 })];
        expect(e.name).toBe('ConfigError');
        expect(again).toEqual(e);
        r = { file, msg: e.message };
      } else {
        r = load(make);
      }
      expect(r.msg).toBe(`config file ${r.file}: ${r.msg.slice(`config file ${r.file}: `.length)}`);
      expect(r.msg).toContain(msg);
    });
  }
  it('a billion seeds through inoculum run: refused before anything is allocated, bounded', async () => {
    // once ran out of heap; in a child with a 256 MB heap, so a regression fails here, named
    const d = sandbox('seeds');
    writeFileSync(join(d, 'my.json'), '{"seeds": 1000000000}');
    const before = snapshot(d);
    const r = await runBounded(['run', '--config', join(d, 'my.json'), '--out', join(d, 'out')], { cwd: d, heapMb: 256 });
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(`inoculum run: ${join(d, 'my.json')}: seeds must be <= 1000, got 1000000000`);
    expect(snapshot(d)).toEqual(before);
  });

  it('a UTF-8 byte-order mark is not an error', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, '\ufeff{"seeds": 2}');
    expect(loadConfigFile(file).seeds).toBe(2);
  });

  it('through the CLI: exit 1, the message alone, nothing written', async () => {
    await runCase({
      name: 'run --config bad',
      setup: (d) => writeFileSync(join(d, 'my.json'), '{"finetune": {"steps": 0}}'),
      argv: (d) => ['run', '--config', join(d, 'my.json'), '--out', join(d, 'out')],
      code: 1,
      msg: (d) => `inoculum run: ${join(d, 'my.json')}: finetune.steps must be >= 1, got 0`,
    });
  });
  it('cross-field problems after the flags: exit 1, naming both fields', async () => {
    await runCase({
      name: 'minLr over lr',
      setup: (d) => writeFileSync(join(d, 'my.json'), '{"base": {"lr": 1e-4, "minLr": 1e-3}}'),
      argv: (d) => ['pretrain', '--config', join(d, 'my.json'), '--out', join(d, 'out')],
      code: 1,
      msg: 'base.minLr (0.001) must not exceed base.lr (0.0001)',
    });
  });
});

/** `npx tsx examples/spanish-caps.ts ...args` in `cwd`, on the cpu backend. */
const example = (args: string[], cwd: string) => spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'examples/spanish-caps.ts'), ...args],
  { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, INOCULUM_BACKEND: 'cpu', INOCULUM_DEBUG: '' } });

describe('the example script', () => {
  // examples/spanish-caps.ts is what the README's first line runs: a bad config there must read as
  // it does through `inoculum run`, not as a stack trace
  it('a bad --config: exit 1, one line naming the file and field, no stack, nothing written', () => {
    const d = sandbox('example');
    writeFileSync(join(d, 'my.json'), '{"finetune": {"steps": 0}}');
    const before = snapshot(d);
    const r = example(['--config', join(d, 'my.json'), '--out', join(d, 'out')], d);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`inoculum run: ${join(d, 'my.json')}: finetune.steps must be >= 1, got 0`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(d)).toEqual(before);
  });
  it('a bad flag: exit 2 and the usage hint', () => {
    const r = example(['--seeds', 'many'], sandbox('example'));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/inoculum run: .*--seeds/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
