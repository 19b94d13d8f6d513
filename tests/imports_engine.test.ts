// No import cycles among the engine's files (issue 14 item 3): src/ops, src/nn, src/optim,
// src/backend, src/runtime, kernels and the core files, nor anywhere else in src; every import
// goes down the folder layers (every folder of src, and kernels); and no method put on Tensor by
// importing a module.
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

  it('has no import cycle outside the engine either (src and kernels, every file)', () => {
    expect(cycles(graph)).toEqual([]);
  });
});

// Every file of src and kernels belongs to one unit (a folder, or a few files at the root of src),
// and the units stand in layers, lowest first (issue 14's order: cli -> inoculation -> train -> nn
// -> ops/optim -> tensor/autograd -> backend -> kernels -> runtime; io, tokenizer, shape, random at
// the bottom). A file imports files of its own unit or of a lower layer's: never a higher layer's,
// nor a peer's in its own layer, so between folders the arrows go one way.
//   runtime   the backend contract (backend.ts: dtypes, Buf, the Backend interface) and the WebGPU
//             runtime (gpu.ts, dawn.ts, wgsl.ts), which kernels bind to
//   backend   the two backends (cpu.ts, webgpu.ts), which call the kernels
//   api       src/index.ts (tensors and ops for users) and gradcheck.ts built on it
const dir = (d: string) => (f: string) => f.startsWith(d);
const files = (...names: string[]) => (f: string) => names.includes(f);
type Unit = { unit: string; has: (f: string) => boolean };
const LAYERS: Unit[][] = [
  [{ unit: 'shape', has: files('src/shape.ts') }, { unit: 'random', has: files('src/random.ts') }, { unit: 'suggest', has: files('src/suggest.ts') }],
  [{ unit: 'io', has: dir('src/io/') }, { unit: 'tokenizer', has: dir('src/tokenizer/') }],
  [{ unit: 'runtime', has: dir('src/runtime/') }],
  [{ unit: 'kernels', has: dir('kernels/') }],
  [{ unit: 'backend', has: dir('src/backend/') }],
  [{ unit: 'tensor, autograd', has: files('src/grad_mode.ts', 'src/tensor.ts', 'src/autograd.ts') }],
  [{ unit: 'ops', has: dir('src/ops/') }, { unit: 'optim', has: dir('src/optim/') }],
  [{ unit: 'nn', has: dir('src/nn/') }],
  [{ unit: 'api', has: files('src/index.ts', 'src/gradcheck.ts') }],
  [{ unit: 'train', has: dir('src/train/') }],
  [{ unit: 'inoculation', has: dir('src/inoculation/') }],
  [{ unit: 'cli', has: dir('src/cli/') }],
];
/** The layer and unit of a file, or null for a file in none. */
function place(f: string): { layer: number; unit: string } | null {
  for (const [layer, units] of LAYERS.entries()) for (const u of units) if (u.has(f)) return { layer, unit: u.unit };
  return null;
}

/** The imports that break the order, as 'file (unit) -> file (unit): why'. */
function upward(g: ReadonlyMap<string, readonly string[]>): string[] {
  const bad: string[] = [];
  for (const [f, deps] of g) {
    const pf = place(f);
    if (!pf) continue; // reported by 'place every file'
    for (const d of deps) {
      const pd = place(d);
      if (!pd) bad.push(`${f} (${pf.unit}) -> ${d}: outside src and kernels`);
      else if (pd.layer > pf.layer) bad.push(`${f} (${pf.unit}) -> ${d} (${pd.unit}): goes up`);
      else if (pd.layer === pf.layer && pd.unit !== pf.unit) bad.push(`${f} (${pf.unit}) -> ${d} (${pd.unit}): a peer in the same layer`);
    }
  }
  return bad;
}

/** upward() of the graph with some imports added, sorted. */
function upwardWith(...added: [string, string][]): string[] {
  const g = new Map(graph);
  for (const [f, d] of added) g.set(f, [...g.get(f)!, d]);
  return upward(g).sort();
}

/** The files no unit holds. */
const unplaced = (g: ReadonlyMap<string, readonly string[]>): string[] => [...g.keys()].filter((f) => place(f) === null);

describe('folder layers', () => {
  it('place every file of src and kernels, each in one unit', () => {
    expect(unplaced(graph)).toEqual([]);
    const twice = [...graph.keys()].filter((f) => LAYERS.flat().filter((u) => u.has(f)).length > 1);
    expect(twice).toEqual([]);
    expect(graph.size).toBeGreaterThanOrEqual(100);
  });
  it('hold the modules the CLI calls below it, and the runtime below the kernels below the backends', () => {
    for (const f of ['src/io/out_dir.ts', 'src/io/user_error.ts', 'src/inoculation/run_dir.ts', 'src/inoculation/load_model.ts', 'src/inoculation/jsonl.ts']) {
      expect(graph.has(f), f).toBe(true);
      expect(place(f)!.layer, f).toBeLessThan(place('src/cli/common.ts')!.layer);
    }
    expect(graph.get('src/cli/finetune.ts')).toEqual(expect.arrayContaining(['src/inoculation/load_model.ts', 'src/inoculation/run_dir.ts', 'src/io/out_dir.ts']));
    expect(graph.get('src/backend/webgpu.ts')).toEqual(expect.arrayContaining(['src/runtime/gpu.ts', 'kernels/layernorm.ts']));
    expect(graph.get('kernels/layernorm.ts')).toContain('src/runtime/gpu.ts');
    expect(graph.get('src/tokenizer/tokenizer.ts')).toContain('src/tokenizer/language.ts');
  });
  it('are imported downwards only, and by no peer', () => {
    expect(upward(graph)).toEqual([]);
  });
  it('would report an upward import (tensor.ts -> an op, as a Tensor.add method would need)', () => {
    expect(upwardWith(['src/tensor.ts', 'src/ops/elementwise.ts'])).toEqual(['src/tensor.ts (tensor, autograd) -> src/ops/elementwise.ts (ops): goes up']);
  });
  it('would report an upward import (run_dir.ts -> cli/common.ts) and the CLI imported from the engine', () => {
    expect(upwardWith(['src/inoculation/run_dir.ts', 'src/cli/common.ts'], ['src/index.ts', 'src/cli/common.ts'])).toEqual([
      'src/index.ts (api) -> src/cli/common.ts (cli): goes up',
      'src/inoculation/run_dir.ts (inoculation) -> src/cli/common.ts (cli): goes up',
    ]);
  });
  it('would report the imports that pointed up before the runtime moved (kernels -> backends, tokenizer -> inoculation, io -> engine)', () => {
    expect(upwardWith(
      ['kernels/layernorm.ts', 'src/backend/webgpu.ts'],
      ['src/runtime/gpu.ts', 'kernels/lib/rows.ts'],
      ['src/tokenizer/tokenizer.ts', 'src/inoculation/data/detectors.ts'],
      ['src/io/checkpoint.ts', 'src/tensor.ts'],
      ['src/io/safetensors.ts', 'src/runtime/backend.ts'],
    )).toEqual([
      'kernels/layernorm.ts (kernels) -> src/backend/webgpu.ts (backend): goes up',
      'src/io/checkpoint.ts (io) -> src/tensor.ts (tensor, autograd): goes up',
      'src/io/safetensors.ts (io) -> src/runtime/backend.ts (runtime): goes up',
      'src/runtime/gpu.ts (runtime) -> kernels/lib/rows.ts (kernels): goes up',
      'src/tokenizer/tokenizer.ts (tokenizer) -> src/inoculation/data/detectors.ts (inoculation): goes up',
    ]);
  });
  it('would report a peer import (io -> tokenizer) and an import from outside src and kernels', () => {
    expect(upwardWith(['src/io/json.ts', 'src/tokenizer/vocab.ts'], ['src/ops/nn.ts', 'tests/helpers/imports.ts'])).toEqual([
      'src/io/json.ts (io) -> src/tokenizer/vocab.ts (tokenizer): a peer in the same layer',
      'src/ops/nn.ts (ops) -> tests/helpers/imports.ts: outside src and kernels',
    ]);
  });
  it('would report a file in no unit', () => {
    expect(unplaced(new Map([...graph, ['src/new_root_file.ts', ['src/shape.ts']]]))).toEqual(['src/new_root_file.ts']);
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
