// Where kernels read their operands on this device (matmul; attention and layernorm follow a
// 'textures' choice): storage bindings, 64 KiB uniform windows (matmul only, kernels/matmul.ts
// uniformPlan) or texture copies (src/runtime/gpu.ts copyToTexture), decided once per device from
// measured load costs (shaders/matmul_load_probe.wgsl). The bits are the same every way.
import type { Gpu, GpuBuf } from '../../src/runtime/gpu.ts';

/** What a per-lane vec4 load costs from each kind of binding, in ms for the probe's fixed work (lower is cheaper). */
export interface LoadCosts { storage: number; uniform: number; texture: number }

/**
 * Times per-lane vec4 loads from a storage binding, a uniform one and a texture
 * (shaders/matmul_load_probe.wgsl, best of 3 each, ~0.2 s). On llvmpipe every storage load is a
 * loop over the lanes with a bounds check each (shader header); how much that costs depends on the
 * CPU (bench/NOTES.md has the costs measured on two machine kinds).
 */
export async function measureLoadCosts(gpu: Gpu): Promise<LoadCosts> {
  const out = gpu.alloc(64, 'f32'), src = gpu.alloc(16384, 'f32'); // 64 KiB: the probe's uniform window
  const tex = gpu.copyToTexture(src)!;
  const time = async (loads: number): Promise<number> => {
    const run = () => gpu.dispatch({ shader: 'matmul_load_probe', constants: { LOADS: loads }, buffers: [out, src, src], uniforms: [2000, 0, 0, 0], textures: [tex], workgroups: [8] });
    run(); await gpu.sync(); // compiles
    let best = Infinity;
    for (let r = 0; r < 3; r++) { const t = performance.now(); run(); await gpu.sync(); best = Math.min(best, performance.now() - t); }
    return best;
  };
  try {
    return { storage: await time(0), uniform: await time(1), texture: await time(2) };
  } finally { gpu.free(out); gpu.free(src); gpu.freeTexture(tex); }
}

/**
 * Storage loads this many times a texel fetch's cost make matmul read its operands from texture
 * copies. The copies cost one pass over each operand per call, a few percent of a product at the
 * model's shapes, so a modest ratio pays; 1.5 is a margin chosen without a measurement on a machine
 * near it (bench/NOTES.md v7: ~9x on a Zen 3, where textures win 2.7-6x per shape; ~2x estimated
 * from the Zen 4 load costs, where the choice is not measured).
 */
export const TEXTURE_GAIN_THRESHOLD = 1.5;
/** Storage loads this many times a uniform load's cost make matmul read through windows (where textures are not chosen). */
export const WINDOW_GAIN_THRESHOLD = 8;

/** Where matmul reads its operands: storage bindings, 64 KiB uniform windows (uniformPlan) or texture copies. */
export type OperandSource = 'storage' | 'windows' | 'textures';
/** Per device: the source and the load costs behind it (null: not measured). */
export interface SourceChoice { source: OperandSource; costs: LoadCosts | null }
const sourceChoices = new WeakMap<Gpu, SourceChoice>();
const SOURCES: OperandSource[] = ['storage', 'windows', 'textures'];
const envSource = (): OperandSource | null => {
  const env = process.env.INOCULUM_MATMUL_SOURCE;
  if (env === undefined || env === '') return null;
  if (!SOURCES.includes(env as OperandSource)) throw new Error(`INOCULUM_MATMUL_SOURCE must be one of ${SOURCES.join(', ')}, got '${env}'`);
  return env as OperandSource;
};

/** The rule chooseSource applies to measured costs. */
export function sourceFor(c: LoadCosts): OperandSource {
  if (c.storage >= TEXTURE_GAIN_THRESHOLD * c.texture) return 'textures';
  if (c.storage >= WINDOW_GAIN_THRESHOLD * c.uniform) return 'windows';
  return 'storage';
}

/**
 * Decides, once per device (WebGpuBackend.create, inoculum info), where matmul reads its operands:
 * INOCULUM_MATMUL_SOURCE=storage|windows|textures if set; else, on the software adapter, by the
 * measured load costs (sourceFor); a hardware adapter reads from storage. The bits are the same
 * every way (tests/matmul.test.ts).
 */
export async function chooseSource(gpu: Gpu): Promise<SourceChoice> {
  const env = envSource();
  let c: SourceChoice = { source: 'storage', costs: null };
  if (env !== null) c = { source: env, costs: null };
  else if (gpu.dawn.kind === 'software') { const costs = await measureLoadCosts(gpu); c = { source: sourceFor(costs), costs }; }
  sourceChoices.set(gpu, c);
  return c;
}
/** The device's choice (chooseSource; storage if none was made); setSource replaces it (tests). */
export const sourceOf = (gpu: Gpu): SourceChoice => sourceChoices.get(gpu) ?? { source: 'storage', costs: null };
export const setSource = (gpu: Gpu, c: SourceChoice): void => { sourceChoices.set(gpu, c); };
/** The source a matmul uses when its options do not say: INOCULUM_MATMUL_SOURCE as it is now, else the device's choice. */
export const sourceByDefault = (gpu: Gpu): OperandSource => envSource() ?? sourceOf(gpu).source;


/**
 * Texture copies of a kernel's operands (src/runtime/gpu.ts copyToTexture) where the device chose
 * textures (`texture` overrides): one per buffer, or all null (storage reads) when not chosen or when
 * any would not fit a texture. Hand them back with gpu.freeTexture once the dispatches are recorded.
 */
export function textureCopies(gpu: Gpu, texture: boolean | undefined, ...bufs: GpuBuf[]): (GPUTexture | null)[] {
  if (!(texture ?? sourceByDefault(gpu) === 'textures')) return bufs.map(() => null);
  const t = bufs.map((b) => gpu.copyToTexture(b));
  if (t.every((x) => x)) return t;
  for (const x of t) if (x) gpu.freeTexture(x);
  return bufs.map(() => null);
}
