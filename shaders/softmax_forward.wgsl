// softmax_forward: out = softmax(inp) over each row of C, or with LOG = true log_softmax(inp) =
// inp - logsumexp(inp) (logSoftmaxForward), numerically stable: each invocation keeps a running max m
// and a sum s of exp(x - m) rescaled whenever m grows (one read of the row for both), then the (m, s)
// pairs of a row's TPR invocations are merged by a tree in workgroup memory; lse = m + log(s).
// out (N, C), inp (N, C) f32 | params {N, C}
// dispatch: ceil(N / (WG / TPR)) workgroups of WG (kernels/lib/rows.ts), folded into x/y past
//   65535; TPR consecutive invocations share a row; TPR = 1 uses no workgroup memory or barriers.
override WG: u32 = 64u;
override TPR: u32 = 8u;
// true: log-softmax (the same row statistics, a different final write)
override LOG: bool = false;

struct Params { N: u32, C: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

#include "lib/rows.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = rowOf(wid, nwg, lid);
  let lane = lid % TPR;
  let C = params.C;
  let live = row < params.N; // dead invocations still take part in the barriers
  let o = row * C;
  var ms = vec2<f32>(LOWEST, 0.0);
  if (live) {
    for (var c = lane; c < C; c += TPR) {
      let x = inp[o + c];
      ms = softmaxStep(ms, x);
    }
  }
  ms = rowMaxSum(lid, lane, ms);
  let m = ms.x;
  let s = ms.y;
  if (!live) { return; }
  if (LOG) {
    let lse = m + log(s);
    for (var c = lane; c < C; c += TPR) { out[o + c] = inp[o + c] - lse; }
  } else {
    let inv = 1.0 / s;
    for (var c = lane; c < C; c += TPR) { out[o + c] = exp(inp[o + c] - m) * inv; }
  }
}
