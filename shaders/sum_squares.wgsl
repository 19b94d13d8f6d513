// sum_squares (first stage): for each of COUNT segments j (up to 64 per dispatch) of one flat
// buffer, segment j being n_j elements from off_j,
// partial[(row + j) * P + g] = sum over k of inp[off_j + g + k P]^2, for the P = workgroups * WG
// invocations, each in a fixed order; reduce_rows.wgsl then sums each row of P partials into one
// output. kernels/reduce.ts copies the buffers whose norms it wants end to end into inp (buffer
// copies, no dispatch), so a model's gradient norms are one of these and one reduce_rows.
// Why one flat buffer rather than a binding per input: on llvmpipe every storage load is a loop over
// the lanes that runs even for lanes a branch has masked off, so choosing among 15 bindings per
// load made each load cost 15 (1.3x slower over the base model's 40 gradients than 8 bindings;
// bench/NOTES.md). Two fixed-order stages: deterministic, no float atomics, and no serial chain
// longer than ceil(n / P) + ceil(P / WG_rows) + log2(WG_rows) additions. Each segment's partials
// are the same whatever it shares a dispatch with (same P, same order; a test checks it bit for bit).
// partial (>= (row + COUNT) * P), inp (>= off_j + n_j) f32 | params {n (64), off (64), row} |
// dispatch: P / WG workgroups of WG (P chosen by kernels/reduce.ts)
struct Params { n: array<vec4<u32>, 16>, off: array<vec4<u32>, 16>, row: u32 }
@group(0) @binding(0) var<storage, read_write> partial: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 64;
override COUNT: u32 = 1; // segments in this dispatch, 1..64

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x;
  let P = nwg.x * WG;
  for (var j = 0u; j < COUNT; j++) {
    let n = params.n[j / 4u][j % 4u];
    let o = params.off[j / 4u][j % 4u];
    var acc = 0.0;
    for (var i = g; i < n; i += P) {
      let x = inp[o + i];
      acc += x * x;
    }
    partial[(params.row + j) * P + g] = acc;
  }
}
