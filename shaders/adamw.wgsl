// adamw: one AdamW step in place (decoupled weight decay, bias-corrected moments), as
// kernels/adamw.ts:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   param -= lr * ((m / c1) / (sqrt(v / c2) + eps) + wd * param),  c1 = 1 - b1^step, c2 = 1 - b2^step
// with g = grad * s first: global-norm clipping on the device (torch's clip_grad_norm_), s =
// maxNorm / (sqrt(normSq[0]) + 1e-6) when maxNorm > 0 and sqrt(normSq[0]) > maxNorm, else 1. The
// norm comes from a buffer the previous dispatches filled, so a training step needs no read-back
// between backward and update, and no separate pass that scales every gradient.
// Up to 3 parameters per dispatch (SLOTS; 4 buffers each + normSq stay under a stage's 16 storage
// buffers): invocation i < n0 updates element i of parameter 0, n0 <= i < n0 + n1 element i - n0 of
// parameter 1, and so on. Each element's arithmetic is the same whatever it shares a dispatch with.
// param<j>, grad<j>, m<j>, v<j> (n<j>), normSq (>= 1) f32; unused slots bound to slot 0's buffers |
// params {n0, n1, n2, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, wd0, wd1, wd2, c1, c2, maxNorm
// (0 = no clipping)}: the host computes 1 - beta and c1, c2 in f64 (1 - f32(0.999) is off by 1.3e-5 relative)
// dispatch: ceil((n0 + n1 + n2) / WG) workgroups of WG, folded into x/y past 65535
struct Params {
  n0: u32, n1: u32, n2: u32, lr: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32,
  eps: f32, wd0: f32, wd1: f32, wd2: f32, c1: f32, c2: f32, maxNorm: f32,
}
@group(0) @binding(0) var<storage, read_write> param0: array<f32>;
@group(0) @binding(1) var<storage, read> grad0: array<f32>;
@group(0) @binding(2) var<storage, read_write> m0: array<f32>;
@group(0) @binding(3) var<storage, read_write> v0: array<f32>;
@group(0) @binding(4) var<storage, read_write> param1: array<f32>;
@group(0) @binding(5) var<storage, read> grad1: array<f32>;
@group(0) @binding(6) var<storage, read_write> m1: array<f32>;
@group(0) @binding(7) var<storage, read_write> v1: array<f32>;
@group(0) @binding(8) var<storage, read_write> param2: array<f32>;
@group(0) @binding(9) var<storage, read> grad2: array<f32>;
@group(0) @binding(10) var<storage, read_write> m2: array<f32>;
@group(0) @binding(11) var<storage, read_write> v2: array<f32>;
@group(0) @binding(12) var<storage, read> normSq: array<f32>;
@group(0) @binding(13) var<uniform> params: Params;

override WG: u32 = 256;
override SLOTS: u32 = 1; // parameters in this dispatch, 1..3

// (new param, new m, new v) of one element from its param p, clipped gradient g, moments m, v
fn update(p: f32, g: f32, m: f32, v: f32, wd: f32) -> vec3<f32> {
  let mi = params.beta1 * m + params.oneMinusBeta1 * g;
  let vi = params.beta2 * v + params.oneMinusBeta2 * g * g;
  return vec3<f32>(p - params.lr * ((mi / params.c1) / (sqrt(vi / params.c2) + params.eps) + wd * p), mi, vi);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let norm = sqrt(normSq[0]);
  var s = 1.0;
  if (params.maxNorm > 0.0 && norm > params.maxNorm) { s = params.maxNorm / (norm + 1e-6); }
  let e1 = params.n0;
  let e2 = params.n0 + params.n1;
  if (i < e1) {
    let r = update(param0[i], grad0[i] * s, m0[i], v0[i], params.wd0);
    m0[i] = r.y; v0[i] = r.z; param0[i] = r.x;
  } else if (SLOTS > 1u && i < e2) {
    let k = i - e1;
    let r = update(param1[k], grad1[k] * s, m1[k], v1[k], params.wd1);
    m1[k] = r.y; v1[k] = r.z; param1[k] = r.x;
  } else if (SLOTS > 2u && i < e2 + params.n2) {
    let k = i - e2;
    let r = update(param2[k], grad2[k] * s, m2[k], v2[k], params.wd2);
    m2[k] = r.y; v2[k] = r.z; param2[k] = r.x;
  }
}
