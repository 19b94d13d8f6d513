// `inoculum info` (also `npx tsx src/cli/info.ts`, which CI runs): the WebGPU adapter the engine
// would use, its kind, limits and features, and which backend a command would pick. Exits non-zero
// when no adapter can be had, unless the cpu backend was chosen.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { requestDawnDevice } from '../runtime/dawn.ts';
import { Gpu } from '../runtime/gpu.ts';
import { chooseSource, TEXTURE_GAIN_THRESHOLD, WINDOW_GAIN_THRESHOLD } from '../../kernels/lib/source.ts';
import { parseArgs, formatHelp, envBackend, type CommandSpec } from './args.ts';

export const spec: CommandSpec = {
  name: 'info',
  summary: 'Show the backend, the WebGPU adapter and its limits.',
  usage: '[--backend cpu|webgpu]',
  description:
    'Without a GPU, WebGPU runs on Dawn\'s OpenGL backend over Mesa\'s software renderer (llvmpipe, "software" below). Environment: INOCULUM_BACKEND=cpu|webgpu picks the backend of every command; INOCULUM_ADAPTER=hardware|software restricts the adapter search; INOCULUM_DAWN_BACKEND sets Dawn\'s backend for hardware adapters.\n\n' +
    'Exit status 1 when no WebGPU adapter can be had (commands would then fall back to the cpu backend), unless the cpu backend was chosen.',
  options: [
    { name: 'backend', type: 'string', choices: ['cpu', 'webgpu'], help: 'the backend to report on (default: INOCULUM_BACKEND, else webgpu)' },
  ],
};

const LIMITS = ['maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage', 'maxStorageBufferBindingSize', 'maxBufferSize'];

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(spec, argv);
  if ('help' in a) { console.log(formatHelp(spec)); return 0; }
  const want = a.str('backend') ?? envBackend() ?? 'webgpu';
  console.log(`node:    ${process.version} (${process.platform} ${process.arch})`);
  console.log(`backend: ${want}${a.has('backend') ? '' : process.env.INOCULUM_BACKEND ? ' (INOCULUM_BACKEND)' : ' (default; falls back to cpu without an adapter)'}`);
  try {
    const d = await requestDawnDevice();
    console.log(`adapter: ${d.adapterInfo}`);
    console.log(`kind:    ${d.kind}${d.kind === 'software' ? ' (Dawn OpenGL backend, compatibility level)' : ''}`);
    console.log(`features: ${d.features.join(', ') || '(none)'}`);
    for (const k of LIMITS) console.log(`  ${k.padEnd(36)} ${d.limits[k]}`);
    // what WebGpuBackend.create decides for matmul's operand reads (kernels/matmul.ts)
    const w = await chooseSource(new Gpu(d));
    const c = w.costs;
    const why = c === null ? (d.kind === 'software' ? 'INOCULUM_MATMUL_SOURCE' : 'a hardware adapter')
      : `a storage load costs ${(c.storage / c.texture).toFixed(1)}x a texel fetch here (threshold ${TEXTURE_GAIN_THRESHOLD}x) and ${(c.storage / c.uniform).toFixed(1)}x a uniform load (threshold ${WINDOW_GAIN_THRESHOLD}x)`;
    const where = { storage: 'from storage', windows: 'through uniform windows', textures: 'from texture copies' }[w.source];
    console.log(`matmul:  operands read ${where} (${why})`);
    d.destroy();
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return want === 'cpu' ? 0 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
