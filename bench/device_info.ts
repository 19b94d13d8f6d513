// The adapter check of bench/device.sh: asks src/runtime/dawn.ts for a device as the engine does,
// prints one JSON object (node, adapter description, the engine's kind, limits, features) and exits
// 3 when the adapter is software, unless --allow-software. "Software" is the engine's own kind
// (Dawn's OpenGL backend at compatibility level) or a CPU driver's name in the description
// (llvmpipe, lavapipe, SwiftShader, softpipe), which a Vulkan ICD could hand back as "hardware".
//   npx tsx bench/device_info.ts [--allow-software]
import { requestDawnDevice } from '../src/runtime/dawn.ts';

const allowSoftware = process.argv.includes('--allow-software');
const LIMITS = ['maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage', 'maxStorageBufferBindingSize', 'maxBufferSize', 'minSubgroupSize', 'maxSubgroupSize'];
const CPU_DRIVER = /llvmpipe|lavapipe|swiftshader|softpipe/i;

const out: Record<string, unknown> = {
  node: process.version, platform: `${process.platform} ${process.arch}`,
  env: Object.fromEntries(['INOCULUM_ADAPTER', 'INOCULUM_DAWN_BACKEND', 'VK_DRIVER_FILES', 'VK_ICD_FILENAMES']
    .filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
};
let code = 0;
try {
  const d = await requestDawnDevice();
  const software = d.kind === 'software' || CPU_DRIVER.test(d.adapterInfo);
  Object.assign(out, {
    adapter: d.adapterInfo, kind: d.kind, software,
    limits: Object.fromEntries(LIMITS.filter((k) => d.limits[k] !== undefined).map((k) => [k, d.limits[k]])),
    features: d.features,
  });
  if (software && !allowSoftware) {
    out.error = 'the adapter is software (a CPU renderer), not the GPU: pass --allow-software to accept it';
    code = 3;
  }
} catch (e) {
  out.error = (e as Error).message;
  code = 1;
}
// Exit at once, without destroying the device: a Dawn device destroyed just before the process
// ends sometimes aborts (SIGABRT/SIGSEGV) or hangs at exit on the GL backend (seen here in 4 runs of 11).
process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(code));
