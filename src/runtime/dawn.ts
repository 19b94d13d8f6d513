// Getting a WebGPU device under Node: the only file that imports the `webgpu` package (Dawn).
// Order tried: a hardware adapter at core feature level (Vulkan/Metal/D3D12), then Dawn's OpenGL
// backend on Mesa's software renderer (llvmpipe) at compatibility level, then a clear error.
// Overrides: INOCULUM_ADAPTER=hardware|software picks one path only;
// INOCULUM_DAWN_BACKEND=vulkan|opengl|opengles|... sets Dawn's backend for the hardware path.
import { create, globals } from 'webgpu';

export interface DawnDevice {
  device: GPUDevice;
  adapterInfo: string;
  /** 'hardware' (core feature level) or 'software' (GL compatibility on a software renderer). */
  kind: 'hardware' | 'software';
  limits: Record<string, number>;
  features: string[];
  /** Destroys the device and drops Dawn's instance, so the process can exit. */
  destroy(): void;
}

let globalsInstalled = false;

// Request every limit the adapter offers: compatibility mode's defaults (128 invocations,
// 4 storage buffers per stage) are too small for our kernels.
function limitsOf(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const l = adapter.limits as unknown as Record<string, number>;
  for (const key in l) {
    const v = l[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

function describe(adapter: GPUAdapter): string {
  const i = adapter.info;
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s && s.length > 0).join(' / ') || 'unknown adapter';
}

async function tryAdapter(flags: string[], options: GPURequestAdapterOptions): Promise<{ gpu: GPU; adapter: GPUAdapter } | null> {
  try {
    const gpu = create(flags) as GPU;
    const adapter = await gpu.requestAdapter(options);
    return adapter ? { gpu, adapter } : null;
  } catch {
    return null;
  }
}

export async function requestDawnDevice(): Promise<DawnDevice> {
  if (!globalsInstalled) { Object.assign(globalThis, globals); globalsInstalled = true; }
  // Mesa's EGL needs this to initialise without a display; harmless for hardware adapters.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const want = process.env.INOCULUM_ADAPTER ?? 'auto';
  const tried: string[] = [];
  let found: { gpu: GPU; adapter: GPUAdapter } | null = null;
  let kind: 'hardware' | 'software' = 'hardware';

  if (want === 'auto' || want === 'hardware') {
    const hint = process.env.INOCULUM_DAWN_BACKEND;
    const flags = hint ? [`backend=${hint}`] : [];
    found = await tryAdapter(flags, { powerPreference: 'high-performance' });
    tried.push(`hardware adapter at core level (${hint ? `backend=${hint}` : 'default backend'})`);
    // Dawn may hand back a CPU Vulkan driver (lavapipe/SwiftShader) as "hardware": count it as software
    if (found && found.adapter.info.architecture === 'swiftshader') found = null;
  }
  if (!found && (want === 'auto' || want === 'software')) {
    for (const backend of ['opengl', 'opengles']) {
      found = await tryAdapter([`backend=${backend}`], { featureLevel: 'compatibility' });
      tried.push(`software renderer via Dawn backend=${backend}, compatibility level`);
      if (found) { kind = 'software'; break; }
    }
  }
  if (!found) {
    throw new Error(
      `webgpu: no adapter found. Tried: ${tried.join('; ')}.\n` +
      `On a machine without a GPU, Mesa's EGL/GL libraries give a software adapter: ` +
      `apt-get install -y libegl1 libegl-mesa0 libgl1-mesa-dri (EGL_PLATFORM=surfaceless is set for you). ` +
      `Or run on the CPU backend: INOCULUM_BACKEND=cpu.`);
  }
  const { adapter } = found;
  let gpu: GPU | null = found.gpu;
  const limits = limitsOf(adapter);
  const device = await adapter.requestDevice({ requiredLimits: limits });
  return {
    device,
    adapterInfo: describe(adapter),
    kind,
    limits,
    features: [...adapter.features],
    destroy() { device.destroy(); gpu = null; void gpu; },
  };
}
