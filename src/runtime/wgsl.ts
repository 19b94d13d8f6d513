// WGSL has no includes; shaders share code through this one step, run where shaders are loaded
// (gpu.ts pipeline). A line of the form
//     #include "lib/rows.wgsl"
// is replaced by that file's text (paths relative to shaders/, expanded recursively). A file is
// included once per shader, however many files ask for it (so two libraries may both include a
// third); an include cycle, a missing file, a path leaving shaders/ or any other line starting with
// `#` is an error naming the file and line. The expanded text keeps a map from each of its lines to
// the file and line it came from, so a compile error is reported at shaders/lib/x.wgsl:12, not at
// line 212 of a text nobody wrote.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, relative } from 'node:path';

export interface ShaderSource {
  /** The shader's text with every include expanded. */
  code: string;
  /** origin[i]: the file (relative to the shader directory) and 1-based line of the code's line i + 1. */
  origin: { file: string; line: number }[];
}

const INCLUDE = /^\s*#include\s+"([^"]+)"\s*(\/\/.*)?$/;

/** Reads `name`.wgsl from `dir` and expands its includes. */
export function expandShader(dir: string, name: string): ShaderSource {
  const out: string[] = [], origin: ShaderSource['origin'] = [];
  const done = new Set<string>();
  const visit = (file: string, stack: string[], from: string | null): void => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`${from ?? `shaders/${file}`}: no such shader file shaders/${file}`);
    done.add(file);
    const lines = readFileSync(path, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    lines.forEach((text, i) => {
      const where = `shaders/${file}:${i + 1}`;
      if (!text.trimStart().startsWith('#')) { out.push(text); origin.push({ file, line: i + 1 }); return; }
      const m = INCLUDE.exec(text);
      if (!m) throw new Error(`${where}: unknown directive ${JSON.stringify(text.trim())} (the only one is #include "lib/name.wgsl")`);
      const inc = normalize(m[1]);
      if (isAbsolute(inc) || inc.startsWith('..') || relative(dir, join(dir, inc)).startsWith('..')) throw new Error(`${where}: #include "${m[1]}" leaves the shader directory`);
      if (stack.includes(inc)) throw new Error(`${where}: #include cycle ${[...stack, inc].join(' -> ')}`);
      if (done.has(inc)) return; // once per shader
      visit(inc, [...stack, inc], where);
    });
  };
  const file = `${name}.wgsl`;
  visit(file, [file], null);
  return { code: out.join('\n') + '\n', origin };
}

/** Where line `line` (1-based, column `col`) of the expanded text came from: "shaders/lib/x.wgsl:12:5". */
export function locate(src: ShaderSource, line: number, col = 0): string {
  const o = src.origin[line - 1];
  return o ? `shaders/${o.file}:${o.line}${col ? `:${col}` : ''}` : `line ${line} of the expanded shader`;
}
