// unary: out[i] = op(inp[i]), op = override OP (the index in UNARY_OPS).
// out, inp (n) f32 | params {n, alpha}: alpha is pow's exponent, mulScalar's and addScalar's scalar
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
// Numerics (the CPU reference in kernels/cpu/elementwise.ts is the truth):
// - tanh is ours, not the builtin: some drivers build tanh from exp(2x) and give NaN past |x|~44;
//   ours uses exp(-2|x|) (never overflows) and a series near 0 (no cancellation).
// - gelu is GPT-2's tanh form; 1 + tanh(u) is computed as 2e/(1+e) for u < 0 so the tail keeps
//   its relative precision instead of cancelling.
// - pow follows Math.pow: x^0 = 1, 0^a = 0 or Inf, a negative base gives a signed result for an
//   integer exponent and NaN otherwise. Integer exponents up to 64 multiply (repeated squaring,
//   then 1/r for negative ones): exact signs, and no exp2(a log2 x) whose error grows with
//   |a log2 x| (x^3 near 0 lost ~40 ULP that way); other exponents use the builtin pow on |x|.
// NaN inputs are not guaranteed to propagate: WGSL lets compilers assume there are none.
struct Params { n: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// Inf and NaN come from private vars: WGSL rejects them in constant expressions
var<private> inf_bits: u32 = 0x7f800000u;
fn inf() -> f32 { return bitcast<f32>(inf_bits); }
var<private> nan_bits: u32 = 0x7fc00000u;
fn nan() -> f32 { return bitcast<f32>(nan_bits); }

override WG: u32 = 256;
// the op (index in UNARY_OPS) specialises the pipeline: one branch-free kernel per op ran 1.6-2.3x
// faster on llvmpipe than a switch on a uniform op code
override OP: u32 = 0u;

// op codes: the order of UNARY_OPS in src/backend/backend.ts
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

fn gelu(x: f32) -> f32 {
  let u = GELU_K * (x + 0.044715 * x * x * x);
  let tc = tanh_parts(u);
  let one_plus_t = select(2.0 - tc.y, tc.y, u < 0.0);
  return 0.5 * x * one_plus_t;
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

fn unary_op(x: f32, op: u32, alpha: f32) -> f32 {
  switch op {
    case NEG: { return -x; }
    case EXP: { return exp(x); }
    case LOG: { return log(x); }
    case SQRT: { return sqrt(x); }
    case TANH: { return tanh_parts(x).x; }
    case RELU: { return select(0.0, x, x > 0.0); }
    case GELU: { return gelu(x); }
    case POW: { return pow_js(x, alpha); }
    case MUL_SCALAR: { return x * alpha; }
    case ADD_SCALAR: { return x + alpha; }
    default: { return nan(); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  out[i] = unary_op(inp[i], OP, params.alpha);
}
