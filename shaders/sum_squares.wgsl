// sum_squares (first stage): for each of COUNT inputs j (up to 8 per dispatch),
// partial[(row + j) * P + g] = sum over k of inp_j[g + k P]^2, for the P = workgroups * WG
// invocations, each in a fixed order; reduce_rows.wgsl then sums each row of P partials into one
// output. The norms of all of a model's gradients need ceil(count / 8) of these and one reduce_rows.
// Two fixed-order stages: deterministic, no float atomics, and no serial chain longer than
// ceil(n / P) + ceil(P / WG_rows) + log2(WG_rows) additions. Each input's partials are the same
// whether it shares a dispatch or has one of its own (same P, same order): batching only saves
// dispatches (a test checks it bit for bit).
// partial (>= (row + COUNT) * P), inp0..inp7 (n0..n7) f32, unused slots bound to any buffer |
// params {n0..n7, row} | dispatch: P / WG workgroups of WG (P chosen by kernels/reduce.ts)
struct Params { n0: u32, n1: u32, n2: u32, n3: u32, n4: u32, n5: u32, n6: u32, n7: u32, row: u32 }
@group(0) @binding(0) var<storage, read_write> partial: array<f32>;
@group(0) @binding(1) var<storage, read> inp0: array<f32>;
@group(0) @binding(2) var<storage, read> inp1: array<f32>;
@group(0) @binding(3) var<storage, read> inp2: array<f32>;
@group(0) @binding(4) var<storage, read> inp3: array<f32>;
@group(0) @binding(5) var<storage, read> inp4: array<f32>;
@group(0) @binding(6) var<storage, read> inp5: array<f32>;
@group(0) @binding(7) var<storage, read> inp6: array<f32>;
@group(0) @binding(8) var<storage, read> inp7: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

override WG: u32 = 64;
override COUNT: u32 = 1; // inputs in this dispatch, 1..8

// element i of input j (j < COUNT, i < its n)
fn load(j: u32, i: u32) -> f32 {
  switch j {
    case 0u: { return inp0[i]; }
    case 1u: { return inp1[i]; }
    case 2u: { return inp2[i]; }
    case 3u: { return inp3[i]; }
    case 4u: { return inp4[i]; }
    case 5u: { return inp5[i]; }
    case 6u: { return inp6[i]; }
    default: { return inp7[i]; }
  }
}

fn count(j: u32) -> u32 {
  let n = array<u32, 8>(params.n0, params.n1, params.n2, params.n3, params.n4, params.n5, params.n6, params.n7);
  return n[j];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x;
  let P = nwg.x * WG;
  for (var j = 0u; j < COUNT; j++) {
    let n = count(j);
    var acc = 0.0;
    for (var i = g; i < n; i += P) {
      let x = load(j, i);
      acc += x * x;
    }
    partial[(params.row + j) * P + g] = acc;
  }
}
