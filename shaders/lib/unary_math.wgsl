// lib/unary_math.wgsl: what unary.wgsl and unary_backward.wgsl share: Inf and NaN, the op codes,
// tanh and GELU (lib/gelu.wgsl), and Math.pow's semantics (see unary.wgsl's numerics notes).
#include "lib/float.wgsl"
#include "lib/gelu.wgsl"

// op codes: the order of UNARY_OPS in src/runtime/backend.ts
const NEG = 0u; const EXP = 1u; const LOG = 2u; const SQRT = 3u; const TANH = 4u;
const RELU = 5u; const GELU = 6u; const POW = 7u; const MUL_SCALAR = 8u; const ADD_SCALAR = 9u;

// x^k by repeated squaring: at most 2 log2(k) roundings, exact signs, no log of a negative
fn pow_int(x: f32, k: u32) -> f32 {
  var r = 1.0;
  var b = x;
  var e = k;
  loop {
    if ((e & 1u) != 0u) { r *= b; }
    e >>= 1u;
    if (e == 0u) { break; }
    b *= b;
  }
  return r;
}

fn pow_js(x: f32, a: f32) -> f32 {
  if (a == 0.0) { return 1.0; }
  let integer = a == trunc(a);
  if (integer && abs(a) <= 64.0) {
    let r = pow_int(x, u32(abs(a)));
    return select(r, 1.0 / r, a < 0.0);
  }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) {
    r = select(inf(), 0.0, a > 0.0);
  } else {
    r = pow(ax, a);
  }
  // sign bit, so -0 behaves as in Math.pow (-0^0.5 = 0, -0^-0.5 = Inf)
  if ((bitcast<u32>(x) & 0x80000000u) != 0u) {
    if (!integer) {
      if (ax != 0.0) { return nan(); }
    } else if (abs(a) % 2.0 == 1.0) {
      r = -r;
    }
  }
  return r;
}
