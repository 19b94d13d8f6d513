// sum_squares (first stage): partial[offset + g] = sum over k of inp[g + k P]^2 for the
// P = workgroups * WG invocations, each in a fixed order; reduce_rows.wgsl then sums each row of P
// partials into one output. One dispatch per input buffer, each writing its own row of a shared
// partial (count, P), so the norms of all of a model's gradients need one reduce_rows in all.
// Two fixed-order stages: deterministic, no float atomics, and no serial chain longer than
// ceil(n / P) + ceil(P / WG_rows) + log2(WG_rows) additions.
// partial (>= offset + P), inp (n) f32 | params {n, offset}
// dispatch: G workgroups of WG (G <= 1024, chosen by kernels/webgpu/reduce.ts)
struct Params { n: u32, offset: u32 }
@group(0) @binding(0) var<storage, read_write> partial: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x;
  let P = nwg.x * WG;
  var acc = 0.0;
  for (var i = g; i < params.n; i += P) {
    let x = inp[i];
    acc += x * x;
  }
  partial[params.offset + g] = acc;
}
