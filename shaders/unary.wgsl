// unary: out[i] = op(inp[i]), op = override OP (the index in UNARY_OPS).
// out, inp (n) f32 | params {n, alpha}: alpha is pow's exponent, mulScalar's and addScalar's scalar
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
// Numerics (the CPU reference in kernels/elementwise.ts is the truth):
// - tanh and gelu (GPT-2's tanh form) are lib/gelu.wgsl's, shared with the matmul's GELU epilogue.
// - pow follows Math.pow: x^0 = 1, 0^a = 0 or Inf, a negative base gives a signed result for an
//   integer exponent and NaN otherwise. Integer exponents up to 64 multiply (repeated squaring,
//   then 1/r for negative ones): exact signs, and no exp2(a log2 x) whose error grows with
//   |a log2 x| (x^3 near 0 lost ~40 ULP that way); other exponents use the builtin pow on |x|.
// NaN inputs are not guaranteed to propagate: WGSL lets compilers assume there are none.
struct Params { n: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 256;
// the op (index in UNARY_OPS) specialises the pipeline: one branch-free kernel per op ran 1.6-2.3x
// faster on llvmpipe than a switch on a uniform op code
override OP: u32 = 0u;

#include "lib/unary_math.wgsl"

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
