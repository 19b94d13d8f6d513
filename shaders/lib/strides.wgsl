// lib/strides.wgsl: element offsets of a row-major position through stride vectors, for the kernels
// that walk a (possibly broadcast or permuted) view: binary, where, strided. Shapes and strides are
// padded to 8 dims (array<vec4, 2>) and the host merged contiguous dims; the including shader
// declares `override RANK` (<= 8), which makes the loop's trip count a constant (it unrolls:
// half the time per element on llvmpipe against a loop bounded by a uniform).

/**
 * i peeled into coordinates over `shape` (last dim fastest; the outermost needs no division), as
 * its offsets through three stride vectors (a zero stride where broadcast; pass one twice when a
 * kernel has two operands).
 */
fn offsets3(i: u32, shape: array<vec4<u32>, 2>, s0: array<vec4<i32>, 2>, s1: array<vec4<i32>, 2>, s2: array<vec4<i32>, 2>) -> vec3<i32> {
  var rem = i;
  var o = vec3<i32>(0);
  for (var d = i32(RANK) - 1; d > 0; d--) {
    let size = shape[d / 4][d % 4];
    let q = rem / size;
    let idx = i32(rem - q * size);
    rem = q;
    o += idx * vec3<i32>(s0[d / 4][d % 4], s1[d / 4][d % 4], s2[d / 4][d % 4]);
  }
  if (RANK > 0u) { o += i32(rem) * vec3<i32>(s0[0].x, s1[0].x, s2[0].x); }
  return o;
}
