// attention_unfused_softmax_forward: bench-only causal mask + softmax for the unfused attention
// baseline (bench/attention.ts). The scores are already scaled (the matmul's alpha).
// probs (BH, T, T) from scores (BH, T, T): row t is softmax(scores[t, 0..t]), zeros after t.
// One invocation per row (no barriers; the measured winner for rows on llvmpipe, docs/webgpu-notes.md).
// params {rows = BH*T, T}
// dispatch: ceil(rows / WG) workgroups of WG, folded into x/y past 65535 (kernels/lib/grid.ts)

override WG: u32 = 32u;

struct Params { rows: u32, T: u32 }
@group(0) @binding(0) var<storage, read_write> probs: array<f32>;
@group(0) @binding(1) var<storage, read> scores: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= params.rows) { return; }
  let T = params.T;
  let t = r % T;
  let o = r * T;
  var mx = scores[o];
  for (var j = 1u; j <= t; j++) { mx = max(mx, scores[o + j]); }
  var sum = 0.0;
  for (var j = 0u; j <= t; j++) { sum += exp(scores[o + j] - mx); }
  let inv = 1.0 / sum;
  for (var j = 0u; j < T; j++) { probs[o + j] = select(0.0, exp(scores[o + j] - mx) * inv, j <= t); }
}
