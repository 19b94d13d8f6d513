// unary_backward: dinp[i] = dout[i] * op'(inp[i]), given the forward's input and output out[i].
// dinp, dout, inp, out (n) f32 | params {n, alpha}, override OP as in unary.wgsl (index in UNARY_OPS)
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
// Derivatives mirror unaryDerivative in kernels/cpu/elementwise.ts. GELU's uses sech^2 = c (2 - c)
// with c = 1 - |tanh| computed without cancellation; past |x| = 10 (tanh(u) == 1 even in f64, and
// x^2 * sech^2 would be Inf * 0) it is exactly 1 or 0, as the f64 reference gives.
struct Params { n: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Inf and NaN come from private vars: WGSL rejects them in constant expressions
var<private> inf_bits: u32 = 0x7f800000u;
fn inf() -> f32 { return bitcast<f32>(inf_bits); }
var<private> nan_bits: u32 = 0x7fc00000u;
fn nan() -> f32 { return bitcast<f32>(nan_bits); }

override WG: u32 = 256;
// the op (index in UNARY_OPS) specialises the pipeline: one branch-free kernel per op ran 1.6-2.3x
// faster on llvmpipe than a switch on a uniform op code
override OP: u32 = 0u;

const NEG = 0u; const EXP = 1u; const LOG = 2u; const SQRT = 3u; const TANH = 4u;
const RELU = 5u; const GELU = 6u; const POW = 7u; const MUL_SCALAR = 8u; const ADD_SCALAR = 9u;
const GELU_K = 0.7978845608028654;

// same as unary.wgsl
fn tanh_parts(u: f32) -> vec2<f32> {
  let a = abs(u);
  var t: f32;
  var c: f32;
  if (a < 0.25) {
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

// same as unary.wgsl
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

fn gelu_grad(x: f32) -> f32 {
  if (abs(x) > 10.0) { return select(0.0, 1.0, x > 0.0); }
  let u = GELU_K * (x + 0.044715 * x * x * x);
  let tc = tanh_parts(u);
  let one_plus_t = select(2.0 - tc.y, tc.y, u < 0.0);
  let sech2 = tc.y * (2.0 - tc.y);
  return 0.5 * one_plus_t + 0.5 * x * sech2 * GELU_K * (1.0 + 3.0 * 0.044715 * x * x);
}

// d op(x) / dx given x and y = op(x)
fn derivative(x: f32, y: f32, op: u32, alpha: f32) -> f32 {
  switch op {
    case NEG: { return -1.0; }
    case EXP: { return y; }
    case LOG: { return 1.0 / x; }
    case SQRT: { return 0.5 / y; }
    case TANH: { return 1.0 - y * y; }
    case RELU: { return select(0.0, 1.0, x > 0.0); }
    case GELU: { return gelu_grad(x); }
    case POW: { return alpha * pow_js(x, alpha - 1.0); }
    case MUL_SCALAR: { return alpha; }
    case ADD_SCALAR: { return 1.0; }
    default: { return nan(); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  dinp[i] = dout[i] * derivative(inp[i], out[i], OP, params.alpha);
}
