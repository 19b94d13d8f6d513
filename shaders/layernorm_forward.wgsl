// layernorm_forward: out = (inp - mean) * rstd * weight + bias over each row of C, saving mean and
// rstd = 1 / sqrt(var + eps) for the backward. Two passes over the row (mean, then the sum of squared
// deviations) as in the CPU reference: E[x^2] - E[x]^2 in one pass cancels badly when |mean| >> std.
// out (N, C), mean (N), rstd (N), inp (N, C), weight (C), bias (C) f32 | params {N, C, eps}
// dispatch: ceil(N / (WG / TPR)) workgroups of WG (kernels/lib/rows.ts), folded into x/y past
//   65535; TPR consecutive invocations share a row; TPR = 1 uses no workgroup memory or barriers.
override WG: u32 = 64u;
override TPR: u32 = 8u;

struct Params { N: u32, C: u32, eps: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
@group(0) @binding(7) var inpT: texture_2d<f32>; // inp's copy with TEX, else a placeholder
override TEX: bool = false; // inp read from its texture copy (lib/texel.wgsl): the same values, cheaper loads on llvmpipe

#include "lib/rows.wgsl"
#include "lib/texel.wgsl"

#include "lib/layernorm_inp.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = rowOf(wid, nwg, lid);
  let lane = lid % TPR;
  let C = params.C;
  let live = row < params.N; // dead invocations still take part in the barriers
  let o = row * C;
  var s = 0.0;
  if (live) {
    for (var c = lane; c < C; c += TPR) { s += inpAt(o + c); }
  }
  let m = rowSum(lid, lane, s) / f32(C);
  var v = 0.0;
  if (live) {
    for (var c = lane; c < C; c += TPR) { let d = inpAt(o + c) - m; v += d * d; }
  }
  let r = 1.0 / sqrt(rowSum(lid, lane, v) / f32(C) + params.eps);
  if (!live) { return; }
  for (var c = lane; c < C; c += TPR) { out[o + c] = (inpAt(o + c) - m) * r * weight[c] + bias[c]; }
  if (lane == 0u) { mean[row] = m; rstd[row] = r; }
}
