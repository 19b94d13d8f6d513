// binary: out[i] = a[idx . aStrides] op b[idx . bStrides], i the row-major position of idx over
// shape (out is contiguous); strides are 0 where an operand is broadcast.
// out (n), a, b f32 | params {n}, shape and strides padded to 8 (the host merged contiguous dims)
// overrides: OP (index in BINARY_OPS), RANK (<= 8): both specialise the pipeline, which ran about
// 2x faster on llvmpipe than a switch on a uniform op and a loop bounded by a uniform rank
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
struct Params {
  n: u32, _pad0: u32, _pad1: u32, _pad2: u32,
  shape: array<vec4<u32>, 2>,
  aStrides: array<vec4<i32>, 2>,
  bStrides: array<vec4<i32>, 2>,
}
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256;
override OP: u32 = 0u;
override RANK: u32 = 1u;

#include "lib/strides.wgsl"

// op codes: the order of BINARY_OPS in src/runtime/backend.ts
const ADD = 0u; const SUB = 1u; const MUL = 2u; const DIV = 3u; const EQ = 4u; const GT = 5u;

fn binary_op(x: f32, y: f32) -> f32 {
  switch OP {
    case ADD: { return x + y; }
    case SUB: { return x - y; }
    case MUL: { return x * y; }
    case DIV: { return x / y; }
    case EQ: { return select(0.0, 1.0, x == y); }
    default: { return select(0.0, 1.0, x > y); } // GT
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let o = offsets3(i, params.shape, params.aStrides, params.bStrides, params.bStrides);
  out[i] = binary_op(a[o.x], b[o.y]);
}
