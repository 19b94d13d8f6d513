// Random test inputs on the CPU backend in float64 (gradient checks) from fast-check seeds.
import fc from 'fast-check';
import { fromArray, indices, Generator, type Tensor } from '../../src/index.ts';
import { CpuBackend } from '../../src/backend/cpu.ts';

export const cpu64 = new CpuBackend();

/** A float64 CPU tensor with values drawn by `draw` (default uniform in [-1, 1)). */
export function t64(shape: number[], gen: Generator, draw: (g: Generator) => number = (g) => g.uniform() * 2 - 1, requiresGrad = true): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromArray(Array.from({ length: n }, () => draw(gen)), shape, { dtype: 'f64', backend: cpu64, requiresGrad });
}

/** Values with |x| in [lo, hi] and a random sign: away from the kinks and poles of relu, div, log. */
export const away = (lo: number, hi: number) => (g: Generator) => (g.uniform() < 0.5 ? -1 : 1) * (lo + (hi - lo) * g.uniform());
export const positive = (lo: number, hi: number) => (g: Generator) => lo + (hi - lo) * g.uniform();

export const ids = (shape: number[], limit: number, gen: Generator): Tensor =>
  indices(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => gen.int(limit)), shape, { backend: cpu64 });

/** A shape of rank 1..4 with dims 1..7 (the range). */
export const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 });
export const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** A shape that broadcasts against `shape`: some dims set to 1, some leading dims dropped. */
export function broadcastPartner(shape: number[], gen: Generator): number[] {
  const drop = gen.int(shape.length);
  return shape.slice(drop).map((d) => (gen.uniform() < 0.35 ? 1 : d));
}

/**
 * Segment starts (B, T) of rows cut at random into contiguous sequences (packed rows): each entry is
 * the first position of its token's sequence. About one token in `every` opens a new sequence.
 */
export function randomStarts(B: number, T: number, gen: Generator, every = 3): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let t = 0; t < T; t++) { if (t > 0 && gen.int(every) === 0) s = t; out.push(s); }
  }
  return out;
}
