// No import cycles among the files of the folders listed (issue 13 item 7 for the experiment
// package and the CLI; the engine's folders join the list as issue 14 removes their cycles).
import { describe, expect, it } from 'vitest';
import { cycles, importGraph } from './helpers/imports.ts';

const ACYCLIC = ['src/inoculation', 'src/cli', 'src/io', 'src/tokenizer', 'src/train'];

describe('import graph', () => {
  it('finds a cycle when there is one (the checker works)', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']], ['e.ts', ['e.ts']]]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });
  it('reads every kind of relative import', () => {
    const g = importGraph('.', ['src/cli']);
    expect(g.get('src/cli/cli.ts')).toContain('src/cli/sweep.ts'); // dynamic import('./sweep.ts')
  });
  it.each(ACYCLIC)('%s has no import cycle', (dir) => {
    const g = importGraph('.', ACYCLIC);
    const inDir = cycles(g).filter((c) => c.some((f) => f.startsWith(`${dir}/`)));
    expect(inDir).toEqual([]);
  });
});
