// attention_unfused_softmax_backward: bench-only softmax backward (through the causal mask and
// the score scale) for the unfused attention baseline (bench/attention.ts).
// dscores (BH, T, T) = scale * probs * (dprobs - sum_j probs[t, j] dprobs[t, j]); masked entries
// have probs = 0, so they get 0.
// One invocation per row. params {rows = BH*T, T, scale}
// dispatch: ceil(rows / WG) workgroups of WG, folded into x/y past 65535 (kernels/lib/grid.ts)

override WG: u32 = 32u;

struct Params { rows: u32, T: u32, scale: f32 }
@group(0) @binding(0) var<storage, read_write> dscores: array<f32>;
@group(0) @binding(1) var<storage, read> dprobs: array<f32>;
@group(0) @binding(2) var<storage, read> probs: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= params.rows) { return; }
  let T = params.T;
  let t = r % T;
  let o = r * T;
  var D = 0.0;
  for (var j = 0u; j <= t; j++) { D += probs[o + j] * dprobs[o + j]; }
  for (var j = 0u; j < T; j++) { dscores[o + j] = params.scale * probs[o + j] * (dprobs[o + j] - D); }
}
