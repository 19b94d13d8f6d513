// binary: out[i] = a[idx . aStrides] op b[idx . bStrides], i the row-major position of idx over
// shape (out is contiguous); strides are 0 where an operand is broadcast. op = index in BINARY_OPS.
// out (n), a, b f32 | params {n, rank, op}, shape and strides padded to 8 (host merged contiguous dims)
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
struct Params {
  n: u32, rank: u32, op: u32, _pad: u32,
  shape: array<vec4<u32>, 2>,
  aStrides: array<vec4<i32>, 2>,
  bStrides: array<vec4<i32>, 2>,
}
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// Inf and NaN come from private vars: WGSL rejects them in constant expressions
var<private> nan_bits: u32 = 0x7fc00000u;
fn nan() -> f32 { return bitcast<f32>(nan_bits); }

override WG: u32 = 256;

// op codes: the order of BINARY_OPS in src/backend/backend.ts
const ADD = 0u; const SUB = 1u; const MUL = 2u; const DIV = 3u; const EQ = 4u; const GT = 5u;

fn binary_op(x: f32, y: f32, op: u32) -> f32 {
  switch op {
    case ADD: { return x + y; }
    case SUB: { return x - y; }
    case MUL: { return x * y; }
    case DIV: { return x / y; }
    case EQ: { return select(0.0, 1.0, x == y); }
    case GT: { return select(0.0, 1.0, x > y); }
    default: { return nan(); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  var rem = i;
  var ia = 0;
  var ib = 0;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let size = params.shape[d / 4][d % 4];
    let idx = i32(rem % size);
    rem = rem / size;
    ia += idx * params.aStrides[d / 4][d % 4];
    ib += idx * params.bStrides[d / 4][d % 4];
  }
  out[i] = binary_op(a[ia], b[ib], params.op);
}
