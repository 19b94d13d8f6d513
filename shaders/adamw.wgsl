// adamw: one AdamW step in place (decoupled weight decay, bias-corrected moments), as
// kernels/cpu/adamw.ts:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   param -= lr * ((m / c1) / (sqrt(v / c2) + eps) + wd * param),  c1 = 1 - b1^step, c2 = 1 - b2^step
// param, grad, m, v (n) f32 | params {n, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay,
// c1, c2}: the host computes 1 - beta and c1, c2 in f64 (1 - f32(0.999) is off by 1.3e-5 relative)
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
struct Params {
  n: u32, lr: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32,
  eps: f32, weightDecay: f32, c1: f32, c2: f32,
}
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let g = grad[i];
  let mi = params.beta1 * m[i] + params.oneMinusBeta1 * g;
  let vi = params.beta2 * v[i] + params.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  let p = param[i];
  param[i] = p - params.lr * ((mi / params.c1) / (sqrt(vi / params.c2) + params.eps) + params.weightDecay * p);
}
