// reduce: inp viewed as (outer, R, inner); out (outer, inner) = sum or max over R, one invocation
// per output, walking R in order (deterministic). Neighbouring invocations read neighbouring inner
// positions. kernels/reduce.ts sends few, long rows to reduce_rows.wgsl instead (on a GPU
// also contiguous rows, inner == 1); on llvmpipe this serial loop is the faster one almost always.
// out (outer * inner), inp (outer * R * inner) f32 | params {outer, R, inner, op: 0 sum, 1 max}
// dispatch: ceil(outer * inner / WG) workgroups of WG, folded into x/y past 65535
// max propagates NaN like the CPU reference, tested on the bits (compilers may assume no NaN).
struct Params { outer: u32, R: u32, inner: u32, op: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

#include "lib/float.wgsl"

override WG: u32 = 64;


@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = gid.x + gid.y * nwg.x * WG;
  let inner = params.inner;
  if (w >= params.outer * inner) { return; }
  let o = w / inner;
  let base = o * params.R * inner + (w - o * inner);
  if (params.op == 0u) {
    var acc = 0.0;
    for (var r = 0u; r < params.R; r++) { acc += inp[base + r * inner]; }
    out[w] = acc;
  } else {
    var acc = neg_inf();
    for (var r = 0u; r < params.R; r++) {
      let x = inp[base + r * inner];
      acc = select(max(acc, x), x, is_nan(x));
      if (is_nan(acc)) { break; }
    }
    out[w] = acc;
  }
}
