// strided: the one strided copy behind permute, slice, expand, concat and their backwards.
// For every index vector idx over shape (rank RANK <= 8 after the host merged contiguous dims):
//   out[outOffset + idx . outStrides] = inp[inOffset + idx . inStrides]
// Elements move as u32 bits, so one pipeline copies f32 and i32 alike (NaN payloads, -0 kept).
// out, inp: flat 4-byte buffers | params: n = prod(shape), offsets, shape/strides padded to 8
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535 (kernels/lib/grid.ts)
struct Params {
  n: u32, outOffset: i32, inOffset: i32, _pad: u32,
  shape: array<vec4<u32>, 2>,
  outStrides: array<vec4<i32>, 2>,
  inStrides: array<vec4<i32>, 2>,
}
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read> inp: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 256;
override RANK: u32 = 1u; // specialises the pipeline (lib/strides.wgsl)

#include "lib/strides.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let o = offsets3(i, params.shape, params.outStrides, params.inStrides, params.inStrides);
  out[params.outOffset + o.x] = inp[params.inOffset + o.y];
}
