// layernorm_backward (parameter part): dweight = sum over rows of dout * norm, dbias = sum over rows
// of dout, norm = (inp - mean) * rstd. One invocation per (column c, chunk k of R rows) walks its
// rows in order and writes the chunk's partial sums: deterministic (no float atomics), neighbouring
// invocations read neighbouring columns, and no invocation loops past R rows (llvmpipe stops an
// invocation's loops after 65535 iterations). With one chunk the partials are dweight/dbias
// themselves; otherwise layernorm_backward_dweight_sum.wgsl adds the chunks, in order.
// pdweight (K, C), pdbias (K, C), dout (N, C), inp (N, C), mean (N), rstd (N) f32 | params {N, C, R}
// dispatch: (ceil(C / WG), K = ceil(N / R)) workgroups of WG
override WG: u32 = 64u;

struct Params { N: u32, C: u32, R: u32 }
@group(0) @binding(0) var<storage, read_write> pdweight: array<f32>;
@group(0) @binding(1) var<storage, read_write> pdbias: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
@group(0) @binding(7) var inpT: texture_2d<f32>;  // inp's copy with TEX, else a placeholder
@group(0) @binding(8) var doutT: texture_2d<f32>; // dout's copy with TEX, else a placeholder
override TEX: bool = false; // inp, dout read from their texture copies (lib/texel.wgsl)

#include "lib/texel.wgsl"

#include "lib/layernorm_inp.wgsl"
#include "lib/layernorm_dout.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let k = gid.y;
  let C = params.C;
  if (c >= C) { return; }
  var dw = 0.0;
  var db = 0.0;
  let end = min(params.N, (k + 1u) * params.R);
  for (var n = k * params.R; n < end; n++) {
    let d = doutAt(n * C + c);
    dw += d * (inpAt(n * C + c) - mean[n]) * rstd[n];
    db += d;
  }
  pdweight[k * C + c] = dw;
  pdbias[k * C + c] = db;
}
