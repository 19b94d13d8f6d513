// layernorm_backward (parameter part, many chunks): dweight[c] = sum over k of pdweight[k, c], and
// likewise dbias, adding the per-chunk partials of layernorm_backward_dweight.wgsl in chunk order.
// dweight (C), dbias (C), pdweight (K, C), pdbias (K, C) f32 | params {K, C}
// dispatch: ceil(C / WG) workgroups of WG, one invocation per column
override WG: u32 = 64u;

struct Params { K: u32, C: u32 }
@group(0) @binding(0) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(1) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(2) var<storage, read> pdweight: array<f32>;
@group(0) @binding(3) var<storage, read> pdbias: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let C = params.C;
  if (c >= C) { return; }
  var dw = 0.0;
  var db = 0.0;
  for (var k = 0u; k < params.K; k++) {
    dw += pdweight[k * C + c];
    db += pdbias[k * C + c];
  }
  dweight[c] = dw;
  dbias[c] = db;
}
