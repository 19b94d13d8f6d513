// crossentropy_forward, fused: per row of logits, losses = logsumexp(logits) - logits[target] and,
// when DLOGITS, dlogits = softmax(logits) - onehot(target), in one kernel (the logits are read
// twice, the probabilities are never stored). Rows whose target == ignoreIndex get loss 0 and a
// row of zeros; a target outside [0, V) gives a NaN loss (the CPU reference reads past the row).
// The row reduction is the online max/sum of softmax_forward.wgsl.
// losses (N), dlogits (N, V) (a 1-element dummy when !DLOGITS), logits (N, V) f32, targets (N) i32
//   | params {N, V, ignoreIndex: i32}
// dispatch: ceil(N / (WG / TPR)) workgroups of WG (kernels/lib/rows.ts), folded into x/y past
//   65535; TPR consecutive invocations share a row; TPR = 1 uses no workgroup memory or barriers.
override WG: u32 = 64u;
override TPR: u32 = 8u;
// false: the caller wants only the losses (evaluation), and dlogits is a dummy that is never written
override DLOGITS: bool = true;

struct Params { N: u32, V: u32, ignoreIndex: i32 }
@group(0) @binding(0) var<storage, read_write> losses: array<f32>;
@group(0) @binding(1) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<i32>;
@group(0) @binding(4) var<uniform> params: Params;

#include "lib/float.wgsl"

#include "lib/rows.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = rowOf(wid, nwg, lid);
  let lane = lid % TPR;
  let V = params.V;
  let live = row < params.N; // dead invocations still take part in the barriers
  let o = row * V;
  var t = params.ignoreIndex;
  if (live) { t = targets[row]; }
  let ignored = t == params.ignoreIndex;
  var ms = vec2<f32>(LOWEST, 0.0);
  if (live && !ignored) {
    for (var v = lane; v < V; v += TPR) {
      let x = logits[o + v];
      ms = softmaxStep(ms, x);
    }
  }
  ms = rowMaxSum(lid, lane, ms);
  let m = ms.x;
  let s = ms.y;
  if (!live) { return; }
  if (ignored) {
    if (lane == 0u) { losses[row] = 0.0; }
    if (DLOGITS) { for (var v = lane; v < V; v += TPR) { dlogits[o + v] = 0.0; } }
    return;
  }
  let lse = m + log(s);
  if (lane == 0u) {
    if (t >= 0 && u32(t) < V) {
      losses[row] = lse - logits[o + u32(t)];
    } else {
      losses[row] = nan();
    }
  }
  if (DLOGITS) {
    for (var v = lane; v < V; v += TPR) {
      dlogits[o + v] = exp(logits[o + v] - lse) - select(0.0, 1.0, i32(v) == t);
    }
  }
}
