// The project's import graph, read from the source text: every static `import ... from`, `export ...
// from` and dynamic `import('...')` of a relative .ts path, type-only imports included (a type cycle
// still ties two files' designs together). Used by imports.test.ts to find cycles.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SPEC = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/** file (relative to root) -> the relative files it imports. */
export function importGraph(root: string, dirs: readonly string[]): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const d of dirs) {
    for (const f of tsFiles(join(root, d))) {
      const src = readFileSync(f, 'utf8');
      const deps = new Set<string>();
      for (const m of src.matchAll(SPEC)) deps.add(relative(root, resolve(dirname(f), m[1] ?? m[2])));
      g.set(relative(root, f), [...deps].sort());
    }
  }
  return g;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(g: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>(), stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue; // outside the folders checked
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}
