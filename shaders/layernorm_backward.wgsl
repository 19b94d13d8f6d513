// layernorm_backward (dinp part): dinp = (dnorm - mean(dnorm) - norm * mean(dnorm * norm)) * rstd
// over each row of C, with norm = (inp - mean) * rstd and dnorm = weight * dout (llm.c's formula).
// The two row means come from one vec2 reduction. dweight and dbias are column sums over the N rows:
// layernorm_backward_dweight.wgsl computes them, deterministically, in its own dispatch.
// dinp (N, C), dout (N, C), inp (N, C), weight (C), mean (N), rstd (N) f32 | params {N, C}
// dispatch: ceil(N / (WG / TPR)) workgroups of WG (kernels/lib/rows.ts), folded into x/y past
//   65535; TPR consecutive invocations share a row; TPR = 1 uses no workgroup memory or barriers.
override WG: u32 = 64u;
override TPR: u32 = 8u;

struct Params { N: u32, C: u32 }
@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
@group(0) @binding(7) var inpT: texture_2d<f32>;  // inp's copy with TEX, else a placeholder
@group(0) @binding(8) var doutT: texture_2d<f32>; // dout's copy with TEX, else a placeholder
override TEX: bool = false; // inp, dout read from their texture copies (lib/texel.wgsl)

#include "lib/rows.wgsl"
#include "lib/texel.wgsl"

#include "lib/layernorm_inp.wgsl"
#include "lib/layernorm_dout.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = rowOf(wid, nwg, lid);
  let lane = lid % TPR;
  let C = params.C;
  let live = row < params.N; // dead invocations still take part in the barriers
  let o = row * C;
  var m = 0.0;
  var r = 0.0;
  // x: sum of dnorm, y: sum of dnorm * norm
  var acc = vec2<f32>(0.0);
  if (live) {
    m = mean[row]; r = rstd[row];
    for (var c = lane; c < C; c += TPR) {
      let dnorm = weight[c] * doutAt(o + c);
      acc += vec2<f32>(dnorm, dnorm * (inpAt(o + c) - m) * r);
    }
  }
  acc = rowSum2(lid, lane, acc);
  if (!live) { return; }
  let means = acc / f32(C);
  for (var c = lane; c < C; c += TPR) {
    let norm = (inpAt(o + c) - m) * r;
    let dnorm = weight[c] * doutAt(o + c);
    dinp[o + c] = (dnorm - means.x - norm * means.y) * r;
  }
}
