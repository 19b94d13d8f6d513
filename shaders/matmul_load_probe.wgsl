// matmul_load_probe: what a per-lane vec4 load costs on this adapter from a storage binding, a
// uniform one and a texture (kernels/matmul.ts measureLoadCosts picks where matmul reads its
// operands by it). Each invocation runs ITERS iterations of 8 independent per-lane vec4 loads into 8
// accumulators, from `src` (storage), `win` (uniform) or `tex` (a texel, as gpu.ts copyToTexture
// lays a buffer out) by LOADS, so the time is the loads' throughput.
// out (invocations) f32: keeps the loads live. params {iters}
override LOADS: u32 = 0u; // 0 storage, 1 uniform, 2 texture
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> win: array<vec4<f32>, 4096>;
@group(0) @binding(3) var<uniform> params: vec4<u32>;
@group(0) @binding(4) var tex: texture_2d<f32>;

fn at(i: u32) -> vec4<f32> {
  if (LOADS == 1u) { return win[i & 4095u]; }
  if (LOADS == 2u) { return textureLoad(tex, vec2<u32>(i & 4095u, 0u), 0); }
  return src[i & 4095u];
}

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
  var s4 = vec4<f32>(0.0); var s5 = vec4<f32>(0.0); var s6 = vec4<f32>(0.0); var s7 = vec4<f32>(0.0);
  for (var k = 0u; k < params.x; k++) {
    let i = (k * 8u) * 8u + gid.x; // one address per lane
    s0 += at(i); s1 += at(i + 8u); s2 += at(i + 16u); s3 += at(i + 24u);
    s4 += at(i + 32u); s5 += at(i + 40u); s6 += at(i + 48u); s7 += at(i + 56u);
  }
  out[gid.x] = dot(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7, vec4<f32>(1.0));
}
