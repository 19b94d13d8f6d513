// embedding_forward: out[n, c] = weight[ids[n], c]; an id outside [0, V) gives a row of NaN (the CPU
// reference reads past the table the same way), so a bad token id cannot pass unnoticed.
// out (N, C) f32, ids (N) i32, weight (V, C) f32 | params {N, C, V}
// dispatch: ceil(N * C / WG) workgroups of WG, one invocation per output element, folded into x/y
//   past 65535 (kernels/lib/grid.ts)
override WG: u32 = 256u;

struct Params { N: u32, C: u32, V: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

#include "lib/float.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.N * params.C) { return; }
  let n = i / params.C;
  let c = i - n * params.C;
  let id = ids[n];
  if (id < 0 || u32(id) >= params.V) {
    out[i] = nan();
    return;
  }
  out[i] = weight[u32(id) * params.C + c];
}
