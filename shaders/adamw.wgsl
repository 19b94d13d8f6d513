// adamw: one AdamW step in place (decoupled weight decay, bias-corrected moments) on a run of
// parameters laid end to end in the optimiser's flat buffers, as kernels/adamw.ts:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   param -= lr * ((m / c1) / (sqrt(v / c2) + eps) + wd * param),  c1 = 1 - b1^step, c2 = 1 - b2^step
// with g = grad * s first: global-norm clipping on the device (torch's clip_grad_norm_), s =
// maxNorm / (sqrt(normSq[0]) + 1e-6) when maxNorm > 0 and sqrt(normSq[0]) > maxNorm, else 1. The
// norm comes from a buffer the previous dispatches filled, so a training step needs no read-back
// between backward and update, and no separate pass that scales every gradient.
// Why flat buffers: on llvmpipe every storage access is a loop over the lanes that runs even for
// lanes an `if` has masked off, so a kernel with a branch per parameter binding pays every branch's
// loads (7 bindings per dispatch ran 2x slower than 3; bench/NOTES.md). The binding copies each
// parameter and gradient into param and grad (buffer copies, no dispatch), this kernel updates all
// of them in one pass, and the parameters are copied back. wd is the same for every element before
// decayEnd and 0 after (the optimiser puts the decayed matrices first).
// param, grad (>= start + n) f32, moments (2 per element: m, v) f32, normSq (>= 1) f32 |
// params {start, n, decayEnd, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, wd, c1, c2, maxNorm (0 =
//   no clipping)}: elements start .. start + n - 1 are updated; the host computes 1 - beta and c1, c2
//   in f64 (1 - f32(0.999) is off by 1.3e-5 relative)
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
struct Params {
  start: u32, n: u32, decayEnd: u32, lr: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32,
  eps: f32, wd: f32, c1: f32, c2: f32, maxNorm: f32,
}
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> moments: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> normSq: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

override WG: u32 = 256;

// (new param, new m, new v) of one element from its param p, clipped gradient g, moments m, v
fn update(p: f32, g: f32, m: f32, v: f32, wd: f32) -> vec3<f32> {
  let mi = params.beta1 * m + params.oneMinusBeta1 * g;
  let vi = params.beta2 * v + params.oneMinusBeta2 * g * g;
  return vec3<f32>(p - params.lr * ((mi / params.c1) / (sqrt(vi / params.c2) + params.eps) + wd * p), mi, vi);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * WG;
  if (k >= params.n) { return; }
  let i = params.start + k;
  let norm = sqrt(normSq[0]);
  var s = 1.0;
  if (params.maxNorm > 0.0 && norm > params.maxNorm) { s = params.maxNorm / (norm + 1e-6); }
  let mv = moments[i];
  let r = update(param[i], grad[i] * s, mv.x, mv.y, select(0.0, params.wd, i < params.decayEnd));
  moments[i] = r.yz;
  param[i] = r.x;
}
