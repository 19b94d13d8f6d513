// attention_backward_dq: first pass of the causal attention backward, over the fused qkv layout.
// The q third of dqkv (B,T,3,NH,HS) and drow (B,NH,T) from dout, out (B,T,NH,HS), qkv and lse
// (B,NH,T) (layouts: attention_forward.wgsl). Query t sees keys s_t..t (s_t = starts[b,t] with
// SEG, else 0):
//   drow_t = dout_t . out_t                      (the softmax backward's row term, saved for pass 2)
//   p_tj   = exp(scale * q_t . k_j - lse_t)      recomputed, never stored
//   dq_t   = scale * sum_{s_t<=j<=t} p_tj (dout_t . v_j - drow_t) k_j
// One invocation owns two adjacent query rows (ta, tb = ta+1) of one (b, h) slice, so each k and
// v element it loads serves both (loads dominate on llvmpipe: 1.7-2x faster than one row).
// Each dq row is owned by one invocation and summed in a fixed order: no atomics, deterministic.
// The second pass (attention_backward_dkv) owns the dk, dv rows the same way.
// Head loops: see "register rows" in kernels/attention.ts (CH, HSP, llvmpipe's loop cap).
// params {rows = B*NH*T, T, scale, NH}
// dispatch: B*NH*ceil(T/2) invocations, ceil(that / WG) workgroups of WG folded into x/y past
// 65535 (kernels/lib/grid.ts). When T is odd the last pair of a slice is one row (tb = ta).

override WG: u32 = 32u;

struct Params { rows: u32, T: u32, scale: f32, NH: u32 }
@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(1) var<storage, read_write> drow: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> qkv: array<f32>;
@group(0) @binding(4) var<storage, read> out: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> starts: array<i32>;
@group(0) @binding(7) var<uniform> params: Params;
@group(0) @binding(8) var qkvt: texture_2d<f32>; // qkv's copy with TEX, else a placeholder

#include "lib/texel.wgsl"
#include "lib/attention.wgsl"

// dout's row zero-padded, as rowPad reads qkv's
fn gPad(o: u32, h: u32) -> f32 { return select(0.0, dout[o + min(h, HS - 1u)], h < HS); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let T = params.T;
  let pr = rowPair(gid.x + gid.y * nwg.x * WG, params.rows, T, params.NH);
  if (!pr.live) { return; }
  let bh = pr.bh; let b = pr.b; let C = pr.C; let head = pr.head; let ta = pr.ta; let tb = pr.tb;
  let rb = bh * T; // first lse/drow row of this (b, h) slice
  let qa = (b * T + ta) * 3u * C + head; // q rows in qkv (and dq rows in dqkv)
  let qb = (b * T + tb) * 3u * C + head;
  let oa = (b * T + ta) * C + head;      // out/dout rows
  let ob = (b * T + tb) * C + head;
  var sa = 0u;
  var sb = 0u;
  if (SEG) { sa = u32(starts[b * T + ta]); sb = u32(starts[b * T + tb]); }
  var qra: array<f32, MAX_HS>; // q rows * scale
  var qrb: array<f32, MAX_HS>;
  var ga: array<f32, MAX_HS>; // dout rows
  var gb: array<f32, MAX_HS>;
  var acca: array<f32, MAX_HS>; // dq rows / scale
  var accb: array<f32, MAX_HS>;
  for (var h = 0u; h < HSP; h++) { qra[h] = rowPad(qa, h) * params.scale; qrb[h] = rowPad(qb, h) * params.scale; }
  for (var h = 0u; h < HSP; h++) { ga[h] = gPad(oa, h); gb[h] = gPad(ob, h); }
  for (var h = 0u; h < HSP; h++) { acca[h] = 0.0; accb[h] = 0.0; }
  var D = vec2(0.0);
  for (var h = 0u; h < HS; h++) { D += vec2(ga[h] * out[oa + h], gb[h] * out[ob + h]); }
  let L = vec2(lse[rb + ta], lse[rb + tb]);
  for (var j = min(sa, sb); j <= tb; j++) {
    let ko = (b * T + j) * 3u * C + C + head;
    let vo = ko + C;
    var s = vec2(0.0);
    var dp = vec2(0.0);
    if (TEX) {
      for (var h = 0u; h < HS; h += 4u) {
        let kv = at4(qkvt, ko + h);
        let vv = at4(qkvt, vo + h);
        s += vec2(qra[h], qrb[h]) * kv.x; dp += vec2(ga[h], gb[h]) * vv.x;
        s += vec2(qra[h + 1u], qrb[h + 1u]) * kv.y; dp += vec2(ga[h + 1u], gb[h + 1u]) * vv.y;
        s += vec2(qra[h + 2u], qrb[h + 2u]) * kv.z; dp += vec2(ga[h + 2u], gb[h + 2u]) * vv.z;
        s += vec2(qra[h + 3u], qrb[h + 3u]) * kv.w; dp += vec2(ga[h + 3u], gb[h + 3u]) * vv.w;
      }
    } else {
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) {
        let h = h0 + c;
        s += vec2(qra[h], qrb[h]) * rowIn(ko, h);
        dp += vec2(ga[h], gb[h]) * rowIn(vo, h);
      }
    }
    }
    // key tb is in the future of row ta; keys before a row's segment start are another sequence's
    let ds = select(vec2(0.0), exp(s - L) * (dp - D), vec2(j <= ta && j >= sa, j >= sb));
    if (TEX) {
      for (var h = 0u; h < HS; h += 4u) {
        let kv = at4(qkvt, ko + h);
        acca[h] += ds.x * kv.x; accb[h] += ds.y * kv.x;
        acca[h + 1u] += ds.x * kv.y; accb[h + 1u] += ds.y * kv.y;
        acca[h + 2u] += ds.x * kv.z; accb[h + 2u] += ds.y * kv.z;
        acca[h + 3u] += ds.x * kv.w; accb[h + 3u] += ds.y * kv.w;
      }
    } else {
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) { let h = h0 + c; let kh = rowIn(ko, h); acca[h] += ds.x * kh; accb[h] += ds.y * kh; }
    }
    }
  }
  drow[rb + ta] = D.x;
  for (var h = 0u; h < HS; h++) { dqkv[qa + h] = acca[h] * params.scale; }
  if (tb > ta) {
    drow[rb + tb] = D.y;
    for (var h = 0u; h < HS; h++) { dqkv[qb + h] = accb[h] * params.scale; }
  }
}
