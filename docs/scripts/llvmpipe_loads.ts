// What one memory access costs on the software adapter (llvmpipe), by kind: the numbers behind the
// matmul notes in bench/NOTES.md ("Where a matmul's time goes on llvmpipe"). Each variant is one
// workgroup of 8 invocations (one 256-bit SIMD bundle) doing 16 independent loads per iteration into
// 16 accumulators, so the time is the loads' throughput, not one chain's latency.
//   npx tsx docs/scripts/llvmpipe_loads.ts          (ns per load per 8-lane bundle; 'none' = no load)
import { WebGpuBackend } from '../../src/backend/webgpu.ts';

const K = 4000, R = 16, WG = 16;
const body = (load: (r: number) => string, decl: string) => `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
${decl}
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${Array.from({ length: R }, (_, r) => `var s${r} = vec4<f32>(0.0);`).join(' ')}
  for (var k = 0u; k < ${K}u; k++) {
    ${Array.from({ length: R }, (_, r) => `s${r} += ${load(r)};`).join('\n    ')}
  }
  if (s0.x == 12345.0) { out[1] = a[0] + a4[0].x; } // keeps every binding in the layout
  out[wid.x * 8u + lid.x] = ${Array.from({ length: R }, (_, r) => `s${r}.x + s${r}.y`).join(' + ')};
}`;
const UBO = '@group(0) @binding(3) var<uniform> u: array<vec4<f32>, 4096>;';
const TEX = '@group(0) @binding(3) var tex: texture_2d<f32>;';
// lane-invariant ("uniform") addresses vs one address per lane; scalar vs vec4; storage, uniform, texture
const variants: [string, (r: number) => string, string][] = [
  ['none (arithmetic only)', (r) => `vec4<f32>(f32(k + ${r}u))`, ''],
  ['storage, same address in every lane, f32', (r) => `vec4<f32>(a[k * 16u + ${r}u])`, ''],
  ['storage, one address per lane, f32', (r) => `vec4<f32>(a[(k * 16u + ${r}u) * 8u + lid.x])`, ''],
  ['storage, same address in every lane, vec4', (r) => `a4[k * 16u + ${r}u]`, ''],
  ['storage, one address per lane, vec4', (r) => `a4[(k * 16u + ${r}u) * 8u + lid.x]`, ''],
  ['uniform buffer, same address, f32', (r) => `vec4<f32>(u[(k * 16u + ${r}u) & 4095u].x)`, UBO],
  ['uniform buffer, same address, vec4', (r) => `u[(k * 16u + ${r}u) & 4095u]`, UBO],
  ['uniform buffer, one address per lane, vec4', (r) => `u[((k * 16u + ${r}u) * 8u + lid.x) & 4095u]`, UBO],
  ['texture, one texel per lane, vec4', (r) => `textureLoad(tex, vec2<u32>(((k * 16u + ${r}u) * 8u + lid.x) & 255u, (k >> 4u) & 255u), 0)`, TEX],
];

const be = await WebGpuBackend.create();
const gpu = be.gpu, dev = gpu.device;
const out = gpu.alloc(1 << 16, 'f32'), a = gpu.alloc(K * R * 8 * 4 + 64, 'f32');
const ubo = dev.createBuffer({ size: 65536, usage: GPUBufferUsage.UNIFORM });
const tex = dev.createTexture({ size: [256, 256], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING });
console.log(`${be.description}\n| access | ns per load per 8-lane bundle |\n| --- | --- |`);
for (const [name, load, decl] of variants) {
  const pipeline = dev.createComputePipeline({ layout: 'auto', compute: { module: dev.createShaderModule({ code: body(load, decl) }), entryPoint: 'main' } });
  const entries: GPUBindGroupEntry[] = [out, a, a].map((b, i) => ({ binding: i, resource: { buffer: b.buffer } }));
  if (decl) entries.push({ binding: 3, resource: decl === TEX ? tex.createView() : { buffer: ubo } });
  const bindGroup = dev.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const once = async () => {
    const enc = dev.createCommandEncoder(), pass = enc.beginComputePass();
    pass.setPipeline(pipeline); pass.setBindGroup(0, bindGroup); pass.dispatchWorkgroups(WG); pass.end();
    dev.queue.submit([enc.finish()]);
    await dev.queue.onSubmittedWorkDone();
  };
  await once(); // compile
  let best = Infinity;
  for (let s = 0; s < 5; s++) { const t0 = performance.now(); await once(); best = Math.min(best, performance.now() - t0); }
  // WG bundles x K iterations x R loads, shared by the adapter's threads (2 cores here)
  console.log(`| ${name} | ${((best * 1e6) / ((WG * K * R) / 2)).toFixed(1)} |`);
}
be.destroy();
