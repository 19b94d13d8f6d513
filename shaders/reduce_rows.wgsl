// reduce_rows: inp viewed as (outer, R, inner); out (outer, inner) = sum or max over R, one
// workgroup per output: lane l folds r = l, l + WG, l + 2 WG, ... then the lanes meet in a tree
// in workgroup memory. The order is fixed by WG alone, so results are deterministic. For long
// rows with few outputs (R up to ~50k and more; sumSquares' second stage), where one invocation
// per output would leave the device idle while each walks its row.
// out (outer * inner), inp (outer * R * inner) f32 | params {outer, R, inner, op: 0 sum, 1 max}
// dispatch: outer * inner workgroups of WG (a power of two), folded into x/y past 65535
struct Params { outer: u32, R: u32, inner: u32, op: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

#include "lib/float.wgsl"

override WG: u32 = 64;
var<workgroup> part: array<f32, WG>;

fn combine(acc: f32, x: f32, op: u32) -> f32 {
  if (op == 0u) { return acc + x; }
  // max, keeping a NaN once seen (as the CPU reference does)
  return select(select(max(acc, x), x, is_nan(x)), acc, is_nan(acc));
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = wg.x + wg.y * nwg.x;
  let inner = params.inner;
  let op = params.op;
  // uniform per workgroup, so every lane returns together (barriers below stay in uniform flow)
  if (w >= params.outer * inner) { return; }
  let o = w / inner;
  let base = o * params.R * inner + (w - o * inner);
  var acc = select(neg_inf(), 0.0, op == 0u);
  for (var r = l; r < params.R; r += WG) { acc = combine(acc, inp[base + r * inner], op); }
  part[l] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (l < s) { part[l] = combine(part[l], part[l + s], op); }
    workgroupBarrier();
  }
  if (l == 0u) { out[w] = part[0]; }
}
