// lib/gelu.wgsl: GPT-2's tanh GELU, its derivative and the tanh they are built on, the one
// definition that unary.wgsl (the gelu op), unary_backward.wgsl (its derivative) and
// matmul_forward.wgsl (the MLP's GELU epilogues, forward and backward) share, so the fused and the
// separate kernels compute the same bits.
// tanh is ours, not the builtin: some drivers build tanh from exp(2x) and give NaN past |x|~44;
// ours uses exp(-2|x|) (never overflows) and a series near 0 (no cancellation). In gelu, 1 + tanh(u)
// is computed as 2e/(1+e) for u < 0 so the tail keeps its relative precision instead of cancelling.
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

// d gelu / dx. It uses sech^2 = c (2 - c) with c = 1 - |tanh| computed without cancellation; past
// |x| = 10 (tanh(u) == 1 even in f64, and x^2 * sech^2 would be Inf * 0) it is exactly 1 or 0, as
// the f64 reference gives.
fn gelu_grad(x: f32) -> f32 {
  if (abs(x) > 10.0) { return select(0.0, 1.0, x > 0.0); }
  let u = GELU_K * (x + 0.044715 * x * x * x);
  let tc = tanh_parts(u);
  let one_plus_t = select(2.0 - tc.y, tc.y, u < 0.0);
  let sech2 = tc.y * (2.0 - tc.y);
  return 0.5 * one_plus_t + 0.5 * x * sech2 * GELU_K * (1.0 + 3.0 * 0.044715 * x * x);
}
