// The WGSL include step (src/runtime/wgsl.ts): expansion, its errors (file and line), the line map
// behind compile errors, and every shader of shaders/ compiled after expansion on the adapter.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandShader, locate } from '../src/runtime/wgsl.ts';
import { webgpu } from './helpers/backends.ts';

function shaderDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'inoculum-wgsl-'));
  mkdirSync(join(dir, 'lib'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Functions (other than main) whose signature and body, comments dropped and spaces collapsed, appear more than once. */
function functionCopies(files: Record<string, string>): string[][] {
  const where = new Map<string, string[]>();
  for (const [f, raw] of Object.entries(files)) {
    const text = raw.replace(/\/\/.*$/gm, '');
    for (const m of text.matchAll(/fn\s+(\w+)[^{]*\{/g)) {
      if (m[1] === 'main') continue;
      let depth = 1, i = m.index + m[0].length;
      while (depth > 0 && i < text.length) { depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0; i++; }
      const body = text.slice(m.index + m[0].indexOf('('), i).replace(/\s+/g, ' ');
      where.set(body, [...(where.get(body) ?? []), `${f}:${m[1]}`]);
    }
  }
  return [...where.values()].filter((fs) => fs.length > 1);
}

describe('#include', () => {
  it('expands nested includes in place, each file once, and maps every line to its source', () => {
    const dir = shaderDir({
      'k.wgsl': 'a1\n#include "lib/x.wgsl"\na3\n#include "lib/y.wgsl"\n',
      'lib/x.wgsl': 'x1\n#include "lib/y.wgsl"  // y is needed here\nx3\n',
      'lib/y.wgsl': 'y1\n',
    });
    const s = expandShader(dir, 'k');
    expect(s.code).toBe('a1\nx1\ny1\nx3\na3\n');
    expect(s.origin).toEqual([
      { file: 'k.wgsl', line: 1 }, { file: 'lib/x.wgsl', line: 1 }, { file: 'lib/y.wgsl', line: 1 },
      { file: 'lib/x.wgsl', line: 3 }, { file: 'k.wgsl', line: 3 },
    ]);
    expect(locate(s, 3, 7)).toBe('shaders/lib/y.wgsl:1:7');
    expect(locate(s, 99)).toBe('line 99 of the expanded shader');
  });
  it.each([
    [{ 'k.wgsl': 'a\n#include "lib/nope.wgsl"\n' }, /shaders\/k\.wgsl:2: no such shader file shaders\/lib\/nope\.wgsl/],
    [{ 'k.wgsl': '#include "lib/a.wgsl"\n', 'lib/a.wgsl': '\n#include "lib/b.wgsl"\n', 'lib/b.wgsl': '#include "lib/a.wgsl"\n' }, /shaders\/lib\/b\.wgsl:1: #include cycle k\.wgsl -> lib\/a\.wgsl -> lib\/b\.wgsl -> lib\/a\.wgsl/],
    [{ 'k.wgsl': 'a\nb\n#define X 1\n' }, /shaders\/k\.wgsl:3: unknown directive "#define X 1"/],
    [{ 'k.wgsl': '#include lib/a.wgsl\n' }, /shaders\/k\.wgsl:1: unknown directive/],
    [{ 'k.wgsl': '#include "../secret.wgsl"\n' }, /shaders\/k\.wgsl:1: #include "\.\.\/secret\.wgsl" leaves the shader directory/],
    [{ 'k.wgsl': '#include "/etc/passwd"\n' }, /leaves the shader directory/],
  ])('rejects a bad include, naming the file and line (%#)', (files, err) => {
    expect(() => expandShader(shaderDir(files), 'k')).toThrow(err);
  });
  it('a missing shader is named', () => {
    expect(() => expandShader(shaderDir({}), 'k')).toThrow(/shaders\/k\.wgsl: no such shader file/);
  });
});

const SHADERS = join(import.meta.dirname, '..', 'shaders');
const kernels = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl') && f !== 'test_invalid.wgsl').map((f) => f.slice(0, -5));

describe('shaders/', () => {
  it('no function is written out in two shader files (shared code lives in shaders/lib once)', () => {
    const files = [...readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl')), ...readdirSync(join(SHADERS, 'lib')).map((f) => `lib/${f}`)];
    expect(functionCopies(Object.fromEntries(files.map((f) => [f, readFileSync(join(SHADERS, f), 'utf8')])))).toEqual([]);
  });
  it('the copy finder sees a renamed copy, whatever its comments and spacing, and not a different body', () => {
    expect(functionCopies({
      'a.wgsl': 'fn a(x: f32) -> f32 { if (x > 0.0) { return x; } return 0.0; }\nfn c(x: f32) -> f32 { return 2.0 * x; }\n',
      'lib/b.wgsl': 'fn b(x: f32) -> f32 {\n  if (x > 0.0) { return x; } // same\n  return 0.0;\n}\nfn d(x: f32) -> f32 { return 3.0 * x; }\n',
    })).toEqual([['a.wgsl:a', 'lib/b.wgsl:b']]);
  });
  it.each(kernels)('%s compiles after expansion', async (k) => {
    const gpu = await webgpu();
    gpu.gpu.pipeline(k);
    await expect(gpu.gpu.sync()).resolves.toBeUndefined();
  });
  it('a compile error in an included file is reported at that file and line', async () => {
    const gpu = await webgpu();
    const dir = shaderDir({ 'k.wgsl': '#include "lib/bad.wgsl"\n@compute @workgroup_size(1) fn main() { }\n', 'lib/bad.wgsl': '// ok\nfn f() -> f32 { return undefined_name; }\n' });
    const src = expandShader(dir, 'k');
    const module = gpu.gpu.device.createShaderModule({ code: src.code });
    const info = await module.getCompilationInfo();
    const err = info.messages.find((m) => m.type === 'error')!;
    expect(locate(src, err.lineNum)).toBe('shaders/lib/bad.wgsl:2');
  });
});
