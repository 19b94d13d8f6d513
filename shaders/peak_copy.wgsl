// peak_copy: the adapter's memory ceiling, the denominator of "% of peak" for the bandwidth-bound
// kernels in docs/bench.md: out = inp, one vec4 per invocation (the widest load and store WGSL has).
// out (n4 vec4s), inp (n4 vec4s) f32 | params {n4} | bytes moved: 32 * n4 (each read once, written once)
// dispatch: ceil(n4 / WG) workgroups of WG, folded into x/y past 65535
override WG: u32 = 256u;

struct Params { n4: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> inp: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i < params.n4) { out[i] = inp[i]; }
}
