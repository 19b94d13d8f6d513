// Prints the WebGPU adapter the engine would use, its kind, limits and features
// (`npx tsx src/cli/info.ts`). Exits non-zero when no adapter can be had.
import { requestDawnDevice } from '../backend/dawn.ts';

try {
  const d = await requestDawnDevice();
  console.log(`adapter: ${d.adapterInfo}`);
  console.log(`kind:    ${d.kind}${d.kind === 'software' ? ' (Dawn OpenGL backend, compatibility level)' : ''}`);
  console.log(`features: ${d.features.join(', ') || '(none)'}`);
  const keys = ['maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension',
    'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage', 'maxStorageBufferBindingSize', 'maxBufferSize'];
  for (const k of keys) console.log(`  ${k.padEnd(36)} ${d.limits[k]}`);
  d.destroy();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
