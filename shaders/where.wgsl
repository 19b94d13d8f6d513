// where: out[i] = cond[idx . condStrides] != 0 ? a[idx . aStrides] : b[idx . bStrides], i the
// row-major position of idx over shape (out contiguous), strides 0 where broadcast.
// Values move as u32 bits (a, b, out may be any 4-byte dtype); cond is f32 or i32 (condIsF32), and
// an f32 cond is tested as a float so -0 counts as zero.
// out (n), cond, a, b | params {n, condIsF32}, shape and strides padded to 8; override RANK (<= 8)
// specialises the pipeline as in binary.wgsl
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
struct Params {
  n: u32, condIsF32: u32, _pad0: u32, _pad1: u32,
  shape: array<vec4<u32>, 2>,
  condStrides: array<vec4<i32>, 2>,
  aStrides: array<vec4<i32>, 2>,
  bStrides: array<vec4<i32>, 2>,
}
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read> cond: array<u32>;
@group(0) @binding(2) var<storage, read> a: array<u32>;
@group(0) @binding(3) var<storage, read> b: array<u32>;
@group(0) @binding(4) var<uniform> params: Params;

override WG: u32 = 256;
override RANK: u32 = 1u;

#include "lib/strides.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let o = offsets3(i, params.shape, params.condStrides, params.aStrides, params.bStrides);
  let ic = o.x;
  let ia = o.y;
  let ib = o.z;
  let c = cond[ic];
  // f32: zero iff all bits but the sign are 0 (integer test, immune to float fast-math)
  let nonzero = select(c != 0u, (c & 0x7fffffffu) != 0u, params.condIsF32 != 0u);
  out[i] = select(b[ib], a[ia], nonzero);
}
