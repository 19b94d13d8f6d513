// adamw: one AdamW step in place (decoupled weight decay, bias-corrected moments), as
// kernels/cpu/adamw.ts:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   param -= lr * ((m / c1) / (sqrt(v / c2) + eps) + wd * param),  c1 = 1 - b1^step, c2 = 1 - b2^step
// with g = grad * s first: global-norm clipping on the device (torch's clip_grad_norm_), s =
// maxNorm / (sqrt(normSq[0]) + 1e-6) when maxNorm > 0 and sqrt(normSq[0]) > maxNorm, else 1. The
// norm comes from a buffer the previous dispatches filled, so a training step needs no read-back
// between backward and update, and no separate pass that scales every gradient.
// param, grad, m, v (n), normSq (>= 1) f32 | params {n, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps,
// weightDecay, c1, c2, maxNorm (0 = no clipping)}: the host computes 1 - beta and c1, c2 in f64 (1 - f32(0.999) is off by 1.3e-5 relative)
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
struct Params {
  n: u32, lr: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32,
  eps: f32, weightDecay: f32, c1: f32, c2: f32, maxNorm: f32,
}
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> normSq: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let norm = sqrt(normSq[0]);
  var s = 1.0;
  if (params.maxNorm > 0.0 && norm > params.maxNorm) { s = params.maxNorm / (norm + 1e-6); }
  let g = grad[i] * s;
  let mi = params.beta1 * m[i] + params.oneMinusBeta1 * g;
  let vi = params.beta2 * v[i] + params.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  let p = param[i];
  param[i] = p - params.lr * ((mi / params.c1) / (sqrt(vi / params.c2) + params.eps) + params.weightDecay * p);
}
