// softmax_backward: dinp = out * (dout - sum(dout * out)) over each row of C, from the forward's out;
// with LOG = true the log-softmax backward, dinp = dout - exp(out) * sum(dout), out being the
// log-probabilities (logSoftmaxBackward). The row sum is folded per invocation, then merged by a
// tree in workgroup memory over TPR lanes.
// dinp (N, C), dout (N, C), out (N, C) f32 | params {N, C}
// dispatch: ceil(N / (WG / TPR)) workgroups of WG (kernels/lib/rows.ts), folded into x/y past
//   65535; TPR consecutive invocations share a row; TPR = 1 uses no workgroup memory or barriers.
override WG: u32 = 64u;
override TPR: u32 = 8u;
// true: log-softmax backward (sum of dout instead of dot(dout, out))
override LOG: bool = false;

struct Params { N: u32, C: u32 }
@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

#include "lib/rows.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = rowOf(wid, nwg, lid);
  let lane = lid % TPR;
  let C = params.C;
  let live = row < params.N; // dead invocations still take part in the barriers
  let o = row * C;
  var dot = 0.0;
  if (live) {
    for (var c = lane; c < C; c += TPR) { dot += select(dout[o + c] * out[o + c], dout[o + c], LOG); }
  }
  dot = rowSum(lid, lane, dot);
  if (!live) { return; }
  if (LOG) {
    for (var c = lane; c < C; c += TPR) { dinp[o + c] = dout[o + c] - exp(out[o + c]) * dot; }
  } else {
    for (var c = lane; c < C; c += TPR) { dinp[o + c] = out[o + c] * (dout[o + c] - dot); }
  }
}
