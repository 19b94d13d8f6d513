// lib/unary_math.wgsl: what unary.wgsl and unary_backward.wgsl share: Inf and NaN, the op codes,
// tanh without overflow or cancellation, and Math.pow's semantics (see unary.wgsl's numerics notes).
#include "lib/float.wgsl"

// op codes: the order of UNARY_OPS in src/runtime/backend.ts
const NEG = 0u; const EXP = 1u; const LOG = 2u; const SQRT = 3u; const TANH = 4u;
const RELU = 5u; const GELU = 6u; const POW = 7u; const MUL_SCALAR = 8u; const ADD_SCALAR = 9u;
const GELU_K = 0.7978845608028654; // sqrt(2 / pi)

// tanh(u) as (tanh(u), 1 - |tanh(u)|), the second without cancellation
fn tanh_parts(u: f32) -> vec2<f32> {
  let a = abs(u);
  var t: f32;
  var c: f32;
  if (a < 0.25) {
    // odd Taylor series to x^9: truncation error < 2e-8 relative on [0, 0.25)
    let a2 = a * a;
    t = a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0 + a2 * (62.0 / 2835.0)))));
    c = 1.0 - t;
  } else {
    let e = exp(-2.0 * a);
    t = (1.0 - e) / (1.0 + e);
    c = 2.0 * e / (1.0 + e);
  }
  return vec2<f32>(select(t, -t, u < 0.0), c);
}

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
