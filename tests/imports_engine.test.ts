// No import cycles among the engine's files (issue 14 item 3): src/ops, src/nn, src/optim,
// src/backend, src/runtime, kernels and the core files; every import goes down the layers (the engine's, and
// above it io < train < inoculation < cli); and no method put on Tensor by importing a module.
// Type-only imports count (the helper reads them): the engine is acyclic even so, and a type cycle
// would still tie two files' designs together.
import { describe, expect, it } from 'vitest';
import { cycles, importGraph } from './helpers/imports.ts';

const ENGINE_DIRS = ['src/ops/', 'src/nn/', 'src/optim/', 'src/backend/', 'src/runtime/', 'kernels/'];
const ENGINE_FILES = ['src/tensor.ts', 'src/autograd.ts', 'src/grad_mode.ts', 'src/index.ts'];
const isEngine = (f: string): boolean => ENGINE_FILES.includes(f) || ENGINE_DIRS.some((d) => f.startsWith(d));

// the whole of src and kernels, so that a cycle through a file outside the engine is seen too
const graph = importGraph('.', ['src', 'kernels']);
const engineCycles = (g: ReadonlyMap<string, readonly string[]>) => cycles(g).filter((c) => c.some(isEngine));

describe('engine import graph', () => {
  it('reads the engine files, type-only and dynamic imports included', () => {
    for (const f of ENGINE_FILES) expect(graph.has(f), f).toBe(true);
    expect([...graph.keys()].filter((f) => f.startsWith('kernels/')).length).toBeGreaterThanOrEqual(10);
    expect(graph.get('kernels/elementwise.ts')).toContain('src/runtime/gpu.ts');      // import type { Gpu, GpuBuf }
    expect(graph.get('src/autograd.ts')).toContain('src/tensor.ts');                  // import type { Node, Tensor }
    expect(graph.get('src/index.ts')).toContain('src/backend/webgpu.ts');             // import('./backend/webgpu.ts')
    expect(graph.get('src/ops/reduce.ts')).toEqual(expect.arrayContaining(['src/ops/elementwise.ts', 'src/ops/sum_to.ts']));
  });

  it('would report the cycle ops had (elementwise <-> reduce)', () => {
    const g = new Map(graph);
    g.set('src/ops/elementwise.ts', [...g.get('src/ops/elementwise.ts')!, 'src/ops/reduce.ts']);
    expect(engineCycles(g)).toEqual([['src/ops/elementwise.ts', 'src/ops/reduce.ts']]);
  });

  it('has no import cycle', () => {
    expect(engineCycles(graph)).toEqual([]);
  });
});

// The engine's layers, lowest first; a file may import its own layer or lower ones only. src/runtime
// holds the contract and the WebGPU runtime, which kernels build on; src/backend the two backends,
// which call the kernels.
const LAYERS: [string, (f: string) => boolean][] = [
  ['shape, random', (f) => f === 'src/shape.ts' || f === 'src/random.ts'],
  ['runtime', (f) => f.startsWith('src/runtime/')],
  ['kernels', (f) => f.startsWith('kernels/')],
  ['backends', (f) => f.startsWith('src/backend/')],
  ['tensor, autograd', (f) => ['src/grad_mode.ts', 'src/tensor.ts', 'src/autograd.ts'].includes(f)],
  ['ops, optim', (f) => f.startsWith('src/ops/') || f.startsWith('src/optim/')],
  ['nn', (f) => f.startsWith('src/nn/')],
  ['api', (f) => f === 'src/index.ts'],
];
const layerOf = (f: string): number => LAYERS.findIndex(([, has]) => has(f));

/** The imports of engine files that go up a layer, as 'file (layer) -> file (layer)'. */
function upward(g: ReadonlyMap<string, readonly string[]>): string[] {
  const up: string[] = [];
  for (const [f, deps] of g) {
    if (!isEngine(f)) continue;
    for (const d of deps) if (layerOf(d) > layerOf(f)) up.push(`${f} (${LAYERS[layerOf(f)][0]}) -> ${d} (${LAYERS[layerOf(d)][0]})`);
  }
  return up;
}

describe('engine layers', () => {
  it('place every engine file', () => {
    expect([...graph.keys()].filter((f) => isEngine(f) && layerOf(f) < 0)).toEqual([]);
  });
  it('are imported downwards only', () => {
    expect(upward(graph)).toEqual([]);
  });
  it('would report an upward import (tensor.ts -> an op, as a Tensor.add method would need)', () => {
    const g = new Map(graph);
    g.set('src/tensor.ts', [...g.get('src/tensor.ts')!, 'src/ops/elementwise.ts']);
    expect(upward(g)).toEqual(['src/tensor.ts (tensor, autograd) -> src/ops/elementwise.ts (ops, optim)']);
  });
});

// Above the engine the folders go one way too (issue 14 item 4): cli -> inoculation -> train, io
// below them, so the library (run directories, model loading, the user's JSONL, output-directory
// claims) never reaches into the command line; and no file outside src/cli imports one in it.
// Engine files and the rest of src (tokenizer, shape, ...) are placed by the layers above.
const ABOVE: [string, (f: string) => boolean][] = [
  ['io', (f) => f.startsWith('src/io/')],
  ['train', (f) => f.startsWith('src/train/')],
  ['inoculation', (f) => f.startsWith('src/inoculation/')],
  ['cli', (f) => f.startsWith('src/cli/')],
];
const aboveOf = (f: string): number => ABOVE.findIndex(([, has]) => has(f));

/** Imports among io, train, inoculation and cli that go up, and imports of src/cli from outside it. */
function upwardAbove(g: ReadonlyMap<string, readonly string[]>): string[] {
  const up: string[] = [];
  for (const [f, deps] of g) {
    for (const d of deps) {
      const [lf, ld] = [aboveOf(f), aboveOf(d)];
      if (lf >= 0 && ld > lf) up.push(`${f} (${ABOVE[lf][0]}) -> ${d} (${ABOVE[ld][0]})`);
      else if (lf < 0 && d.startsWith('src/cli/')) up.push(`${f} -> ${d} (cli)`);
    }
  }
  return up;
}

describe('library layers', () => {
  it('hold the modules the CLI calls', () => {
    for (const f of ['src/io/out_dir.ts', 'src/io/user_error.ts', 'src/inoculation/run_dir.ts', 'src/inoculation/load_model.ts', 'src/inoculation/jsonl.ts']) {
      expect(graph.has(f), f).toBe(true);
      expect(aboveOf(f), f).toBeLessThan(aboveOf('src/cli/common.ts'));
    }
    expect(graph.get('src/cli/finetune.ts')).toEqual(expect.arrayContaining(['src/inoculation/load_model.ts', 'src/inoculation/run_dir.ts', 'src/io/out_dir.ts']));
  });
  it('are imported downwards only, and src/cli by nothing outside it', () => {
    expect(upwardAbove(graph)).toEqual([]);
  });
  it('would report an upward import (run_dir.ts -> cli/common.ts) and the CLI imported from the engine', () => {
    const g = new Map(graph);
    g.set('src/inoculation/run_dir.ts', [...g.get('src/inoculation/run_dir.ts')!, 'src/cli/common.ts']);
    g.set('src/index.ts', [...g.get('src/index.ts')!, 'src/cli/common.ts']);
    expect(upwardAbove(g).sort()).toEqual(['src/index.ts -> src/cli/common.ts (cli)', 'src/inoculation/run_dir.ts (inoculation) -> src/cli/common.ts (cli)']);
  });
});

describe('Tensor methods', () => {
  it('are the class\'s own: importing the ops, nn and optim adds none', async () => {
    const { Tensor } = await import('../src/tensor.ts');
    const methods = () => Object.getOwnPropertyNames(Tensor.prototype).sort();
    const own = methods();
    expect(own).toEqual(expect.arrayContaining(['backward', 'detach', 'dispose', 'registerHook']));
    await import('../src/index.ts');
    await import('../src/nn/gpt.ts');
    await import('../src/nn/generate.ts');
    await import('../src/optim/adamw.ts');
    expect(methods()).toEqual(own);
  });
});
