// fill: out[i] = value for i < n.
// out (n) f32 | params {n: u32, value: f32}
// dispatch: ceil(n / 256) workgroups of 256, folded into x/y when over 65535
struct Params { n: u32, value: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < params.n) { out[i] = params.value; }
}
