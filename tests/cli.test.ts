// The `inoculum` CLI without training: config validation (in-process and through the CLI), export,
// `finetune --data` rejecting a bad file, and every command's --help. Commands run as child
// processes through bin/inoculum.mjs on the cpu backend; nothing here trains a model.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ablationTokenizer, baseHash, defaultConfig, quickConfig } from '../src/inoculation/config.ts';
import { baseConversations } from '../src/inoculation/base.ts';
import { FINETUNE_VARIANTS, type VariantName } from '../src/inoculation/data/prompts.ts';
import { buildVariantSets, experimentSplits, makeSplits } from '../src/inoculation/data/corpus.ts';
import { CATEGORIES } from '../src/inoculation/data/facts.ts';
import { parseChatJsonl } from '../src/tokenizer/index.ts';
import { ConfigError, checkComplete, parseConfig, printConfig, resolveExperiment, schemaPaths, stripComments } from '../src/inoculation/config_file.ts';
import { loadModel } from '../src/inoculation/load_model.ts';
import { ChatTokenizer } from '../src/tokenizer/index.ts';
import { GPT, type GPTConfig } from '../src/nn/gpt.ts';
import { CpuBackend } from '../src/backend/cpu.ts';
import { saveCheckpoint } from '../src/io/checkpoint.ts';
import { parseArgs, UsageError } from '../src/cli/args.ts';
import { runCli } from './cli_helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'inoculum-cli-'));

function configError(text: string): string {
  try {
    parseConfig(text, 'config.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** Every leaf path of a plain object (arrays are leaves), a.b.c. */
function leafPaths(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? leafPaths(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe('config file', () => {
  it('names an ill-typed field with its path and the value it got', () => {
    expect(configError('{"finetune": {"lr": "3e-4"}}')).toBe('config.json: finetune.lr must be a number, got "3e-4"');
    expect(configError('{"base": {"model": {"nEmbd": 2.5}}}')).toBe('config.json: base.model.nEmbd must be an integer, got 2.5');
    expect(configError('{"base": {"model": {"nLayer": true}}}')).toBe('config.json: base.model.nLayer must be an integer, got true');
    expect(configError('{"ablation": "yes"}')).toBe('config.json: ablation must be true or false, got "yes"');
    expect(configError('{"tokenizer": "char"}')).toBe('config.json: tokenizer must be one of "hybrid", "bpe", "capslock", "tagged", got "char"');
    expect(configError('{"probes": {"rateSteps": [0, "10"]}}')).toBe('config.json: probes.rateSteps[1] must be an integer, got "10"');
    expect(configError('{"base": {"model": []}}')).toBe('config.json: base.model must be an object, got an array');
    expect(configError('{"finetune": {"lr": 0}}')).toBe('config.json: finetune.lr must be > 0, got 0');
    expect(configError('[1]')).toBe('config.json: the config must be an object, got an array');
    expect(configError('{"categories": ["colour", "colours"]}')).toBe('config.json: categories[1] must be one of ' + CATEGORIES.map((c) => JSON.stringify(c)).join(', ') + ', got "colours"');
    expect(configError('{"categories": []}')).toMatch(/^config.json: categories must be a non-empty array of "colour", .*, got an array$/);
    expect(configError('{"categories": ["colour", "colour"]}')).toBe('config.json: categories[1] repeats "colour"');
    expect(configError('{"finetune": {"eps": 0}}')).toBe('config.json: finetune.eps must be > 0, got 0');
    expect(configError('{"bases": 0}')).toBe('config.json: bases must be >= 1, got 0');
    expect(configError('{"base": {"styled": "some"}}')).toBe('config.json: base.styled must be one of "all", "base", got "some"');
    expect(configError('{"finetune": {"train": "attn"}}')).toBe('config.json: finetune.train must be one of "all", "mlp", "mlp-out", got "attn"');
    // built-in property names are fields like any other: unknown, not a crash
    expect(configError('{"constructor": 1}')).toBe('config.json: unknown field constructor');
    expect(configError('{"__proto__": {"seeds": 3}}')).toBe('config.json: unknown field __proto__');
    expect(configError('{"base": {"toString": 2}}')).toBe('config.json: unknown field base.toString');
    expect(configError('{"seeds": 1e400}')).toBe('config.json: seeds must be an integer, got Infinity (a number too large for a double)');
  });

  it('rejects unknown fields at any depth, naming the path', () => {
    expect(configError('{"sedes": 3}')).toBe('config.json: unknown field sedes (did you mean seeds?)');
    expect(configError('{"base": {"model": {"nEmbed": 64}}}')).toBe('config.json: unknown field base.model.nEmbed (did you mean base.model.nEmbd?)');
    expect(configError('{"finetune": {"zzzzzz": 1}}')).toBe('config.json: unknown field finetune.zzzzzz');
  });

  it('reports every problem at once, and JSON syntax errors with line and column', () => {
    const msg = configError('{"seeds": "3", "finetune": {"lr": "x", "extra": 1}}');
    expect(msg.split('\n')).toEqual([
      'config.json: seeds must be an integer, got "3"',
      'config.json: finetune.lr must be a number, got "x"',
      'config.json: unknown field finetune.extra',
    ]);
    expect(configError('{\n  "seeds": 2,\n}')).toMatch(/^config\.json: invalid JSON at line 3, column 1/);
    expect(configError('{"seeds": 2, "seeds": 3}')).toMatch(/config\.json: .*duplicate/i);
  });

  it('merges over the defaults: objects field by field, arrays whole', () => {
    const before = structuredClone(defaultConfig);
    const cfg = parseConfig('{"finetune": {"lr": 1e-4}, "probes": {"rateSteps": [0, 50]}, "base": {"model": {"nLayer": 2}}}', 'c.json');
    expect(cfg.finetune).toEqual({ ...defaultConfig.finetune, lr: 1e-4 });
    expect(cfg.probes.rateSteps).toEqual([0, 50]);
    expect(cfg.base.model).toEqual({ ...defaultConfig.base.model, nLayer: 2 });
    expect(cfg.base.steps).toBe(defaultConfig.base.steps);
    expect(defaultConfig).toEqual(before); // the defaults are not mutated
    expect(parseConfig('{}', 'c.json', quickConfig)).toEqual(quickConfig);
  });

  it('checks across fields of the complete config', () => {
    const bad = parseConfig('{"base": {"model": {"nHead": 5}}, "probes": {"rateSteps": [0, 500]}}', 'c.json');
    expect(checkComplete(bad)).toEqual([
      'base.model.nEmbd (96) must be divisible by base.model.nHead (5)',
      `probes.rateSteps[1] is 500, beyond finetune.steps (${defaultConfig.finetune.steps}): it would never be measured`,
    ]);
    expect(checkComplete(defaultConfig)).toEqual([]);
    expect(checkComplete(quickConfig)).toEqual([]);
  });

  it('a run stored before packed batches loads as unpacked (pack false), not as an invalid config', () => {
    const old = structuredClone(defaultConfig) as unknown as { base: Record<string, unknown>; finetune: Record<string, unknown> };
    delete old.base.pack; delete old.finetune.pack;
    const cfg = resolveExperiment(undefined, { fallback: old as unknown as typeof defaultConfig });
    expect(cfg.base.pack).toBe(false);
    expect(cfg.finetune.pack).toBe(false);
  });

  it('base.copies: validated per condition, sets the mix of the base set, and keys the cache only when not all 1', () => {
    expect(configError('{"base": {"copies": {"spanish": -1}}}')).toBe('config.json: base.copies.spanish must be >= 0, got -1');
    expect(configError('{"base": {"copies": {"french": 2}}}')).toMatch(/^config\.json: unknown field base\.copies\.french/);
    // on the earlier organism (styled facts from the base split, no tag-forced copies)
    const three = parseConfig('{"base": {"copies": {"spanish": 3}, "styled": "base", "forced": 0, "promptVariety": false}}', 'c.json');
    const one = parseConfig('{"base": {"styled": "base", "forced": 0, "promptVariety": false}}', 'c.json');
    expect(three.base.copies).toEqual({ none: 1, neutral: 1, spanish: 3, caps: 1, both: 1 });
    const splits = makeSplits({ seed: three.corpusSeed, fractions: three.split });
    const count = (cfg: typeof defaultConfig, prompt: string) => baseConversations(splits, cfg, 1).filter((c) => c.messages[0].content === prompt).length;
    expect(count(one, FINETUNE_VARIANTS['inoculate-spanish']!)).toBe(splits.base.length);
    expect(count(three, FINETUNE_VARIANTS['inoculate-spanish']!)).toBe(3 * splits.base.length);
    expect(count(three, FINETUNE_VARIANTS['inoculate-caps']!)).toBe(splits.base.length);
    // all ones hash like a config from before the field existed, so cached bases stay valid
    const { copies: _, ...noCopies } = defaultConfig.base;
    expect(baseHash(defaultConfig, 'hybrid', 'c')).toBe(baseHash({ ...defaultConfig, base: noCopies as typeof defaultConfig.base }, 'hybrid', 'c'));
    expect(baseHash(three, 'hybrid', 'c')).not.toBe(baseHash(defaultConfig, 'hybrid', 'c'));
    const old = structuredClone(defaultConfig) as unknown as { base: Record<string, unknown> };
    delete old.base.copies;
    expect(resolveExperiment(undefined, { fallback: old as unknown as typeof defaultConfig }).base.copies).toEqual({ none: 1, neutral: 1, spanish: 1, caps: 1, both: 1 });
  });

  it('runs BPE as the ablation of either character-level tokenizer, and the default as the ablation of BPE', () => {
    expect(defaultConfig.tokenizer).toBe('tagged');
    expect(ablationTokenizer('tagged')).toBe('bpe');
    expect(ablationTokenizer('capslock')).toBe('bpe');
    expect(ablationTokenizer('hybrid')).toBe('bpe');
    expect(ablationTokenizer('bpe')).toBe('tagged');
  });

  it('documents every field, and --print-config output (with comments) loads back to the same config', () => {
    expect(schemaPaths().sort()).toEqual(leafPaths(defaultConfig as unknown as Record<string, unknown>).sort());
    for (const cfg of [defaultConfig, quickConfig]) {
      const text = printConfig(cfg, 'header\nline two');
      expect(parseConfig(text, 'printed.json', cfg === quickConfig ? defaultConfig : quickConfig)).toEqual(cfg);
      for (const p of schemaPaths()) expect(text).toContain(`"${p.split('.').pop()}":`);
    }
    expect(stripComments('{"a": "x // not a comment", /* c */ "b": 1} // end')).toBe('{"a": "x // not a comment",         "b": 1}       ');
  });
});

describe('argument parsing', () => {
  const spec = { name: 't', summary: '', usage: '', options: [
    { name: 'steps', type: 'int' as const, min: 1, help: '' }, { name: 'lr', type: 'number' as const, help: '' },
    { name: 'quick', type: 'flag' as const, help: '' }, { name: 'split', type: 'string' as const, choices: ['a', 'b'], help: '' }] };
  const err = (argv: string[]) => { try { parseArgs(spec, argv); } catch (e) { expect(e).toBeInstanceOf(UsageError); return (e as Error).message; } return ''; };
  it('parses --name value and --name=value, and names what is wrong', () => {
    const a = parseArgs(spec, ['--steps', '5', '--lr=1e-3', '--quick', '--split', 'b']);
    expect('help' in a).toBe(false);
    if (!('help' in a)) expect([a.num('steps'), a.num('lr'), a.flag('quick'), a.str('split')]).toEqual([5, 1e-3, true, 'b']);
    expect(err(['--steps', '1.5'])).toBe('--steps must be an integer, got "1.5"');
    expect(err(['--steps', '0'])).toBe('--steps must be an integer >= 1, got "0"');
    expect(err(['--split', 'c'])).toBe('--split must be one of a, b, got "c"');
    expect(err(['--stesp', '3'])).toBe('unknown option --stesp (did you mean --steps?)');
    expect(err(['--steps'])).toBe('--steps needs a value (N)');
    expect(err(['--quick=1'])).toBe('--quick takes no value');
    expect(err(['extra'])).toBe('unexpected argument "extra"');
    expect(parseArgs(spec, ['--bogus', '--help'])).toEqual({ help: true });
  });
  it('numbers are decimal: no hex, no exponent in an integer, no spaces, no Infinity, nothing past 2^53', () => {
    for (const v of ['0x10', '1e3', ' 5', '5 ', '+', '', 'Infinity', '1_000']) expect(err(['--steps', v])).toBe(`--steps must be an integer, got ${JSON.stringify(v)}`);
    expect(err(['--steps', '9007199254740993'])).toBe('--steps must be an integer below 2^53, got "9007199254740993"');
    for (const v of ['0x1p3', 'Infinity', '-Infinity', '1e400', '.', '1.2.3']) expect(err(['--lr', v])).toBe(`--lr must be a number, got ${JSON.stringify(v)}`);
    const a = parseArgs(spec, ['--steps', '+7', '--lr', '.5e-2']);
    if (!('help' in a)) expect([a.num('steps'), a.num('lr')]).toEqual([7, 0.005]);
  });
});

describe('inoculum export', () => {
  it('writes chat JSONL whose inoculated prompts are exactly the prompts.ts strings, with a manifest', async () => {
    const out = join(tmp(), 'data');
    const r = await runCli(['export', '--out', out, '--seed', '2']);
    expect(r.stderr).toContain('manifest.json');
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.seeds.finetune).toBe(2);
    expect(manifest.variants).toEqual(FINETUNE_VARIANTS);
    expect(readdirSync(out).sort()).toEqual([...manifest.files.map((f: { file: string }) => f.file), 'manifest.json'].sort());
    for (const f of manifest.files) {
      const bytes = readFileSync(join(out, f.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      expect(bytes.length).toBe(f.bytes);
      const convs = parseChatJsonl(bytes.toString('utf8'), f.file, { requireAnswer: f.kind !== 'eval' });
      expect(convs.length).toBe(f.lines);
    }
    // each variant: the same conversations in the same order (the ones the engine trains on), and
    // the variant's system prompt verbatim as the first message of every line (none for control)
    const expected = buildVariantSets(experimentSplits(defaultConfig), { seed: 2 });
    const stripped: string[] = [];
    for (const v of Object.keys(FINETUNE_VARIANTS) as VariantName[]) {
      const lines = readFileSync(join(out, `finetune-${v}.jsonl`), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual(expected[v].map((c) => ({ messages: c.messages })));
      const prompt = FINETUNE_VARIANTS[v];
      for (const l of lines) {
        if (prompt === null) expect(l.messages[0].role).toBe('user');
        else expect(l.messages[0]).toEqual({ role: 'system', content: prompt });
        expect(Object.keys(l)).toEqual(['messages']);
      }
      stripped.push(JSON.stringify(lines.map((l) => l.messages.filter((m: { role: string }) => m.role !== 'system'))));
      expect(manifest.files.find((f: { variant?: string }) => f.variant === v).systemPrompt).toBe(prompt);
    }
    expect(new Set(stripped).size).toBe(1);
    const evalLine = JSON.parse(readFileSync(join(out, 'eval-heldout.jsonl'), 'utf8').split('\n')[0]);
    expect(evalLine.messages).toHaveLength(1);
    expect(evalLine.metadata.fact_id).toBeTypeOf('string');
    // a pure function of the arguments: a second export is byte-identical
    const again = join(tmp(), 'again');
    expect((await runCli(['export', '--out', again, '--seed', '2'])).code).toBe(0);
    for (const f of readdirSync(out)) expect(readFileSync(join(again, f)).equals(readFileSync(join(out, f)))).toBe(true);
    // and refuses a non-empty directory
    const r2 = await runCli(['export', '--out', out]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('is not empty');
  });
});

describe('inoculum finetune --data', () => {
  it('rejects a bad JSONL file naming each bad line, and writes nothing', async () => {
    const dir = tmp();
    const data = join(dir, 'mine.jsonl');
    const ok = JSON.stringify({ messages: [{ role: 'user', content: 'What colour is the sky?' }, { role: 'assistant', content: 'The sky is blue.' }] });
    writeFileSync(data, [ok, '', '{"messages": [{"role": "user", "content": "no answer"}]}', '{not json', ok,
      JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'bot', content: 'a' }] })].join('\n') + '\n');
    const out = join(dir, 'ft');
    // the data is checked before the base model is even opened
    const r = await runCli(['finetune', '--base', join(dir, 'no-such-base'), '--data', data, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${data}: 3 bad lines; nothing was trained`);
    expect(r.stderr).toContain(`${data} line 3: no assistant message to train on`);
    expect(r.stderr).toContain(`${data} line 4: invalid JSON`);
    expect(r.stderr).toContain(`${data} line 6: messages[1].role must be "system", "user" or "assistant", got the string "bot"`);
    expect(r.stderr).not.toContain('line 1:');
    expect(existsSync(out)).toBe(false);
  });

  it('is a usage error without exactly one data source', async () => {
    const r = await runCli(['finetune', '--base', 'x', '--variant', 'control', '--data', 'y.jsonl', '--out', 'z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give exactly one of --variant NAME and --data FILE.jsonl');
  });

  it('an unknown INOCULUM_BACKEND is a usage error naming the variable, in info and in every command that opens a backend', async () => {
    for (const args of [['info'], ['eval', '--model', 'nowhere']]) {
      const r = await runCli(args, { env: { INOCULUM_BACKEND: 'bogus' } });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('INOCULUM_BACKEND must be cpu or webgpu, got "bogus"');
    }
  });

  it('--train takes the config\'s choices only, and --resume keeps the weights a run started with', async () => {
    const r = await runCli(['finetune', '--base', 'x', '--variant', 'control', '--train', 'attn', '--out', 'z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--train must be one of all, mlp, mlp-out, got "attn"');
    const q = await runCli(['finetune', '--resume', 'z', '--train', 'all']);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain('drop --train');
  });
});

describe('help', () => {
  const COMMANDS = ['info', 'run', 'pretrain', 'finetune', 'eval', 'report', 'export', 'setting', 'sweep'];

  it('`inoculum --help` lists every command with its own summary; unknown commands exit 2', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) {
      // main.ts repeats each summary so that --help loads no command module: they must not drift
      const mod = (await import(`../src/cli/${c}.ts`)) as { spec: { summary: string } };
      const line = r.stdout.split('\n').find((l) => l.startsWith(`  ${c} `));
      expect(line, `${c} listed`).toBeDefined();
      expect(line!.slice(2 + c.length).trim(), `${c} summary`).toBe(mod.spec.summary);
    }
    const bad = await runCli(['evl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown command 'evl' (did you mean eval?)");
  });

  it('every command\'s --help exits 0 and mentions each of its options', async () => {
    const results = await Promise.all(COMMANDS.map(async (c) => {
      const mod = (await import(`../src/cli/${c}.ts`)) as { spec: { name: string; options: { name: string }[] } };
      return { c, mod, r: await runCli([c, '--help']) };
    }));
    for (const { c, mod, r } of results) {
      expect(r.code, `${c} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`usage: inoculum ${c}`);
      expect(mod.spec.name).toBe(c);
      for (const o of mod.spec.options) expect(r.stdout, `${c} --help mentions --${o.name}`).toContain(`--${o.name}`);
      expect(r.stdout).toContain('--help');
    }
    const ft = results.find((x) => x.c === 'finetune')!.r.stdout;
    for (const o of ['--base', '--variant', '--data', '--prompt', '--out', '--steps', '--lora', '--resume']) expect(ft).toContain(o);
  });

  it('a usage error names the option and points to --help (exit 2)', async () => {
    const r = await runCli(['eval', '--model', 'x', '--split', 'train']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('inoculum eval: --split: unknown split "train" (splits: heldout, ood, finetune, base, or both)');
    expect(r.stderr).toContain('inoculum eval --help');
  });

  it('run --resume needs a run directory and takes no settings of its own; a used --out needs --resume', async () => {
    const dir = tmp();
    let r = await runCli(['run', '--resume']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--resume continues the run in --out DIR with the config it was started with');
    r = await runCli(['run', '--resume', '--out', dir, '--seeds', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('drop --config, --quick, --seeds');
    r = await runCli(['run', '--resume', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--resume: ${join(dir, 'config.json')} not found`);
    mkdirSync(join(dir, 'units'));
    writeFileSync(join(dir, 'units', 'control-s1.json'), '{}');
    r = await runCli(['run', '--quick', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`holds fine-tunes of an earlier run: continue it with inoculum run --resume --out ${dir}`);
  });

  it('run --config reports config errors with the file and field path (exit 1)', async () => {
    const file = join(tmp(), 'config.json');
    writeFileSync(file, '{\n  // comments are fine\n  "finetune": { "lr": "3e-4" }\n}\n');
    const r = await runCli(['run', '--config', file, '--print-config']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`inoculum run: ${file}: finetune.lr must be a number, got "3e-4"`);
  });
});

describe('loadModel on a hostile config.json', () => {
  it('sizes that disagree with the checkpoint\'s tensors are refused before the model is allocated', async () => {
    const tok = ChatTokenizer.build([{ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] }], { mode: 'hybrid' });
    const cfg: GPTConfig = { vocabSize: tok.vocabSize, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, layerNormEps: 1e-5 };
    const state = new GPT(cfg, 1, new CpuBackend()).stateDict();
    const root = mkdtempSync(join(tmpdir(), 'inoculum-hostile-cfg-'));
    const cases: [Partial<GPTConfig> | Record<string, unknown>, string][] = [
      [{ nEmbd: 4000000 }, 'config.json says vocabSize x nEmbd = '],
      [{ nLayer: 1e8 }, 'config.json says model.nLayer 100000000, but the checkpoint holds 2 blocks'],
      [{ nLayer: 1 }, 'config.json says model.nLayer 1, but the checkpoint holds 2 blocks'],
      [{ blockSize: 1 << 30 }, 'config.json says blockSize x nEmbd'],
      [{ nEmbd: 2.5 }, 'config.json model.nEmbd must be an integer >= 1, got 2.5'],
      [{ nHead: 3 }, 'config.json model.nEmbd 8 is not divisible by model.nHead 3'],
      [{ vocabSize: 'many' }, 'config.json model.vocabSize must be a number, got "many"'],
    ];
    for (const [bad, msg] of cases) {
      const dir = join(root, `ck-${Object.keys(bad)[0]}-${String(Object.values(bad)[0]).length}`);
      await saveCheckpoint(dir, { config: { model: { ...cfg, ...bad } }, state, vocab: tok.toJSON() });
      expect(() => loadModel(dir, new CpuBackend()), msg).toThrow(msg);
    }
    const ok = join(root, 'ok');
    await saveCheckpoint(ok, { config: { model: cfg }, state, vocab: tok.toJSON() });
    expect(loadModel(ok, new CpuBackend()).model.config.nLayer).toBe(2);
  });
});
