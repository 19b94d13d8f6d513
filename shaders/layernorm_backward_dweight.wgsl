// layernorm_backward (parameter part): dweight = sum over rows of dout * norm, dbias = sum over rows
// of dout, norm = (inp - mean) * rstd. One invocation per column walks the N rows in order: the
// sums are deterministic (no float atomics) and neighbouring invocations read neighbouring columns.
// dweight (C), dbias (C), dout (N, C), inp (N, C), mean (N), rstd (N) f32 | params {N, C}
// dispatch: ceil(C / WG) workgroups of WG (C is a channel count, far below 65535 * WG)
override WG: u32 = 64u;

struct Params { N: u32, C: u32 }
@group(0) @binding(0) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(1) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let C = params.C;
  if (c >= C) { return; }
  var dw = 0.0;
  var db = 0.0;
  for (var n = 0u; n < params.N; n++) {
    let d = dout[n * C + c];
    dw += d * (inp[n * C + c] - mean[n]) * rstd[n];
    db += d;
  }
  dweight[c] = dw;
  dbias[c] = db;
}
