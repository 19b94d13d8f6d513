// attention_forward: flash-style causal self-attention forward. Query t sees keys 0..t.
// out (B,NH,T,HS), lse (B,NH,T) from q, k, v (B,NH,T,HS); lse = log-sum-exp of the row's scaled
// scores, saved so the backward can recompute probabilities without the (T,T) matrix.
// One invocation owns two adjacent query rows (ta, tb = ta+1) of one (b, h) slice: each key and
// value element it loads serves both rows (loads dominate on llvmpipe, where two rows per
// invocation measured ~1.6x faster than one; four rows compiled for seconds and ran slower).
// Each row's q, running max, running sum and output accumulator live in registers; keys are
// folded in one at a time (online softmax). No shared memory and no barriers, both slow on llvmpipe.
// Head loops: see "register rows" in kernels/webgpu/attention.ts (CH, HSP, llvmpipe's loop cap).
// params {rows = B*NH*T, T, scale}
// dispatch: B*NH*ceil(T/2) invocations, ceil(that / WG) workgroups of WG folded into x/y past
// 65535 (kernels/webgpu/grid.ts). When T is odd the last pair of a slice is one row (tb = ta).

override HS: u32 = 64u;  // head size: a pipeline per head size, so loop trip counts are constants
override CH: u32 = 8u;   // head elements per inner (unrolled) loop
override HSP: u32 = (HS + CH - 1u) / CH * CH; // head padded to whole chunks
override WG: u32 = 32u;
const MAX_HS: u32 = 128u; // register arrays need a const size in WGSL; >= HSP
const NEG_BIG: f32 = -1e30; // a finite -inf (WGSL implementations may assume no infinities)

struct Params { rows: u32, T: u32, scale: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> k: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

// Element h of the row at o, clamped into the row: padding lanes (h >= HS) read a real element,
// which adds nothing where it meets a zero-padded register row and is never stored otherwise.
fn kIn(o: u32, h: u32) -> f32 { return k[o + min(h, HS - 1u)]; }
fn vIn(o: u32, h: u32) -> f32 { return v[o + min(h, HS - 1u)]; }
// q rows zero-padded for the registers
fn qPad(o: u32, h: u32) -> f32 { return select(0.0, q[o + min(h, HS - 1u)], h < HS); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let T = params.T;
  let pairs = (T + 1u) / 2u; // row pairs per slice
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows / T * pairs) { return; }
  let bh = i / pairs;
  let ta = (i % pairs) * 2u;
  let tb = min(ta + 1u, T - 1u);
  let base = bh * T * HS; // first element of this (b, h) slice
  let oa = base + ta * HS;
  let ob = base + tb * HS;

  // q pre-scaled once so a score is a plain dot product
  var qa: array<f32, MAX_HS>;
  var qb: array<f32, MAX_HS>;
  var acca: array<f32, MAX_HS>;
  var accb: array<f32, MAX_HS>;
  for (var h = 0u; h < HSP; h++) { qa[h] = qPad(oa, h) * params.scale; qb[h] = qPad(ob, h) * params.scale; }
  for (var h = 0u; h < HSP; h++) { acca[h] = 0.0; accb[h] = 0.0; }

  var m = vec2(NEG_BIG); // running max of each row's scores
  var l = vec2(0.0);     // running sum of exp(score - m)
  for (var j = 0u; j <= tb; j++) {
    let ko = base + j * HS;
    var s = vec2(0.0);
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) { let h = h0 + c; s += vec2(qa[h], qb[h]) * kIn(ko, h); }
    }
    // key tb is in the future of row ta; masked before the max so it cannot swamp the sum
    s.x = select(NEG_BIG, s.x, j <= ta);
    let mn = max(m, s);
    let r = exp(m - mn); // rescales what was summed under the old max (0 on the first key)
    let p = exp(s - mn); // exactly 0 for the masked key: exp(-1e30 - mn) underflows
    l = l * r + p;
    m = mn;
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) {
        let h = h0 + c;
        let vh = vIn(ko, h);
        acca[h] = acca[h] * r.x + p.x * vh;
        accb[h] = accb[h] * r.y + p.y * vh;
      }
    }
  }

  // l >= 1: each row's max key contributes exp(0)
  let inv = 1.0 / l;
  for (var h = 0u; h < HS; h++) { out[oa + h] = acca[h] * inv.x; }
  lse[bh * T + ta] = m.x + log(l.x);
  if (tb > ta) {
    for (var h = 0u; h < HS; h++) { out[ob + h] = accb[h] * inv.y; }
    lse[bh * T + tb] = m.y + log(l.y);
  }
}
