// attention_forward: flash-style causal self-attention forward over the fused qkv projection.
// out (B,T,NH,HS) and lse (B,NH,T) from qkv (B,T,3,NH,HS): the c_attn output as it comes (q at
// channel 0, k at C, v at 2C of each token, C = NH*HS) and the output as c_proj takes it, so no
// head split or merge copies run around the kernel. lse = log-sum-exp of the row's scaled
// scores, saved so the backward can recompute probabilities without the (T,T) matrix.
// Query t sees keys s_t..t, where s_t = starts[b,t] with SEG (rows packed with several sequences:
// s_t is the first position of t's sequence) and 0 without.
// One invocation owns two adjacent query rows (ta, tb = ta+1) of one (b, h) slice: each key and
// value element it loads serves both rows (loads dominate on llvmpipe, where two rows per
// invocation measured ~1.6x faster than one; four rows compiled for seconds and ran slower).
// Each row's q, running max, running sum and output accumulator live in registers; keys are
// folded in one at a time (online softmax). No shared memory and no barriers, both slow on llvmpipe.
// Head loops: see "register rows" in kernels/attention.ts (CH, HSP, llvmpipe's loop cap).
// params {rows = B*NH*T, T, scale, NH}
// dispatch: B*NH*ceil(T/2) invocations, ceil(that / WG) workgroups of WG folded into x/y past
// 65535 (kernels/lib/grid.ts). When T is odd the last pair of a slice is one row (tb = ta).

override WG: u32 = 32u;
const NEG_BIG: f32 = -1e30; // a finite -inf (WGSL implementations may assume no infinities)

struct Params { rows: u32, T: u32, scale: f32, NH: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> starts: array<i32>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var qkvt: texture_2d<f32>; // qkv's copy with TEX, else a placeholder

#include "lib/texel.wgsl"
#include "lib/attention.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let T = params.T;
  let pr = rowPair(gid.x + gid.y * nwg.x * WG, params.rows, T, params.NH);
  if (!pr.live) { return; }
  let bh = pr.bh; let b = pr.b; let C = pr.C; let head = pr.head; let ta = pr.ta; let tb = pr.tb;
  let qa = (b * T + ta) * 3u * C + head; // q row of ta in qkv; rows of a slice are 3C apart
  let qb = (b * T + tb) * 3u * C + head;
  var sa = 0u;
  var sb = 0u;
  if (SEG) { sa = u32(starts[b * T + ta]); sb = u32(starts[b * T + tb]); }

  // q pre-scaled once so a score is a plain dot product
  var qra: array<f32, MAX_HS>;
  var qrb: array<f32, MAX_HS>;
  var acca: array<f32, MAX_HS>;
  var accb: array<f32, MAX_HS>;
  for (var h = 0u; h < HSP; h++) { qra[h] = rowPad(qa, h) * params.scale; qrb[h] = rowPad(qb, h) * params.scale; }
  for (var h = 0u; h < HSP; h++) { acca[h] = 0.0; accb[h] = 0.0; }

  var m = vec2(NEG_BIG); // running max of each row's scores
  var l = vec2(0.0);     // running sum of exp(score - m)
  for (var j = min(sa, sb); j <= tb; j++) {
    let ko = (b * T + j) * 3u * C + C + head;
    let vo = ko + C;
    var s = vec2(0.0);
    if (TEX) {
      for (var h = 0u; h < HS; h += 4u) {
        let kv = at4(qkvt, ko + h);
        s += vec2(qra[h], qrb[h]) * kv.x;
        s += vec2(qra[h + 1u], qrb[h + 1u]) * kv.y;
        s += vec2(qra[h + 2u], qrb[h + 2u]) * kv.z;
        s += vec2(qra[h + 3u], qrb[h + 3u]) * kv.w;
      }
    } else {
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) { let h = h0 + c; s += vec2(qra[h], qrb[h]) * rowIn(ko, h); }
    }
    }
    // key tb is in the future of row ta; keys before a row's segment start are another sequence's.
    // A key a row does not see leaves its max, sum and accumulator exactly as they were.
    let sees = vec2(j <= ta && j >= sa, j >= sb);
    let mn = select(m, max(m, s), sees);
    let r = exp(m - mn); // rescales what was summed under the old max (0 on the first key seen)
    let p = select(vec2(0.0), exp(s - mn), sees);
    l = l * r + p;
    m = mn;
    if (TEX) {
      for (var h = 0u; h < HS; h += 4u) {
        let vv = at4(qkvt, vo + h);
        acca[h] = acca[h] * r.x + p.x * vv.x; accb[h] = accb[h] * r.y + p.y * vv.x;
        acca[h + 1u] = acca[h + 1u] * r.x + p.x * vv.y; accb[h + 1u] = accb[h + 1u] * r.y + p.y * vv.y;
        acca[h + 2u] = acca[h + 2u] * r.x + p.x * vv.z; accb[h + 2u] = accb[h + 2u] * r.y + p.y * vv.z;
        acca[h + 3u] = acca[h + 3u] * r.x + p.x * vv.w; accb[h + 3u] = accb[h + 3u] * r.y + p.y * vv.w;
      }
    } else {
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) {
        let h = h0 + c;
        let vh = rowIn(vo, h);
        acca[h] = acca[h] * r.x + p.x * vh;
        accb[h] = accb[h] * r.y + p.y * vh;
      }
    }
    }
  }

  // l >= 1: each row sees at least its own key, and its max key contributes exp(0)
  let inv = 1.0 / l;
  let oa = (b * T + ta) * C + head;
  let ob = (b * T + tb) * C + head;
  for (var h = 0u; h < HS; h++) { out[oa + h] = acca[h] * inv.x; }
  lse[bh * T + ta] = m.x + log(l.x);
  if (tb > ta) {
    for (var h = 0u; h < HS; h++) { out[ob + h] = accb[h] * inv.y; }
    lse[bh * T + tb] = m.y + log(l.y);
  }
}
