// attention_backward_dkv: second pass of the causal attention backward, over the fused qkv layout.
// The k and v thirds of dqkv (B,T,3,NH,HS) from dout (B,T,NH,HS), qkv, lse (B,NH,T) and drow
// (B,NH,T), the dout_t . out_t terms written by the first pass (attention_backward_dq). Key j is
// seen by the queries t >= j of its segment (s_t <= j; with SEG, starts holds contiguous segments,
// so they run from j to the segment's end; without, to T-1):
//   p_tj  = exp(scale * q_t . k_j - lse_t)     recomputed, never stored
//   dv_j  = sum_t p_tj dout_t
//   dk_j  = scale * sum_t p_tj (dout_t . v_j - drow_t) q_t
// One invocation owns two adjacent key rows (ja, jb = ja+1) of one (b, h) slice, so each q and
// dout element it loads serves both (loads dominate on llvmpipe: ~1.6x faster than one row).
// Each dk/dv row is owned by one invocation and summed in a fixed order: no atomics, deterministic.
// Head loops: see "register rows" in kernels/attention.ts (CH, HSP, llvmpipe's loop cap).
// params {rows = B*NH*T, T, scale, NH}
// dispatch: B*NH*ceil(T/2) invocations, ceil(that / WG) workgroups of WG folded into x/y past
// 65535 (kernels/lib/grid.ts). When T is odd the last pair of a slice is one row (jb = ja).

override WG: u32 = 32u;

struct Params { rows: u32, T: u32, scale: f32, NH: u32 }
@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> drow: array<f32>;
@group(0) @binding(5) var<storage, read> starts: array<i32>;
@group(0) @binding(6) var<uniform> params: Params;
@group(0) @binding(7) var qkvt: texture_2d<f32>;  // qkv's copy with TEX, else a placeholder
@group(0) @binding(8) var doutt: texture_2d<f32>; // dout's copy with TEX, else a placeholder

#include "lib/texel.wgsl"
#include "lib/attention.wgsl"

// dout's row, clamped as rowIn reads qkv's
fn gIn(o: u32, h: u32) -> f32 { return dout[o + min(h, HS - 1u)]; }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let T = params.T;
  let pr = rowPair(gid.x + gid.y * nwg.x * WG, params.rows, T, params.NH); // a pair of key rows
  if (!pr.live) { return; }
  let bh = pr.bh; let b = pr.b; let C = pr.C; let head = pr.head; let ja = pr.ta; let jb = pr.tb;
  let rb = bh * T; // first lse/drow row of this (b, h) slice
  let ka = (b * T + ja) * 3u * C + C + head; // k rows in qkv (and dk rows in dqkv); v rows C further
  let kb = (b * T + jb) * 3u * C + C + head;

  var kra: array<f32, MAX_HS>; // k rows * scale
  var krb: array<f32, MAX_HS>;
  var va: array<f32, MAX_HS>;
  var vb: array<f32, MAX_HS>;
  var dka: array<f32, MAX_HS>; // dk rows / scale
  var dkb: array<f32, MAX_HS>;
  var dva: array<f32, MAX_HS>;
  var dvb: array<f32, MAX_HS>;
  for (var h = 0u; h < HSP; h++) { kra[h] = rowPad(ka, h) * params.scale; krb[h] = rowPad(kb, h) * params.scale; }
  for (var h = 0u; h < HSP; h++) { va[h] = rowPad(ka + C, h); vb[h] = rowPad(kb + C, h); }
  for (var h = 0u; h < HSP; h++) { dka[h] = 0.0; dkb[h] = 0.0; dva[h] = 0.0; dvb[h] = 0.0; }

  for (var t = ja; t < T; t++) {
    var st = 0u;
    if (SEG) {
      st = u32(starts[b * T + t]);
      if (st > jb) { break; } // t is past the segment of jb (segments are contiguous)
    }
    let qo = (b * T + t) * 3u * C + head;
    let go = (b * T + t) * C + head;
    var s = vec2(0.0);
    var dp = vec2(0.0);
    if (TEX) {
      for (var h = 0u; h < HS; h += 4u) {
        let qv = at4(qkvt, qo + h);
        let gv = at4(doutt, go + h);
        s += vec2(kra[h], krb[h]) * qv.x; dp += vec2(va[h], vb[h]) * gv.x;
        s += vec2(kra[h + 1u], krb[h + 1u]) * qv.y; dp += vec2(va[h + 1u], vb[h + 1u]) * gv.y;
        s += vec2(kra[h + 2u], krb[h + 2u]) * qv.z; dp += vec2(va[h + 2u], vb[h + 2u]) * gv.z;
        s += vec2(kra[h + 3u], krb[h + 3u]) * qv.w; dp += vec2(va[h + 3u], vb[h + 3u]) * gv.w;
      }
    } else {
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) {
        let h = h0 + c;
        s += vec2(kra[h], krb[h]) * rowIn(qo, h);
        dp += vec2(va[h], vb[h]) * gIn(go, h);
      }
    }
    }
    // query t = ja does not see key jb = ja + 1; a query of a later segment does not see ja
    let p = select(vec2(0.0), exp(s - lse[rb + t]), vec2(st <= ja, t >= jb));
    let ds = p * (dp - drow[rb + t]);
    if (TEX) {
      for (var h = 0u; h < HS; h += 4u) {
        let qv = at4(qkvt, qo + h);
        let gv = at4(doutt, go + h);
        dva[h] += p.x * gv.x; dvb[h] += p.y * gv.x; dka[h] += ds.x * qv.x; dkb[h] += ds.y * qv.x;
        dva[h + 1u] += p.x * gv.y; dvb[h + 1u] += p.y * gv.y; dka[h + 1u] += ds.x * qv.y; dkb[h + 1u] += ds.y * qv.y;
        dva[h + 2u] += p.x * gv.z; dvb[h + 2u] += p.y * gv.z; dka[h + 2u] += ds.x * qv.z; dkb[h + 2u] += ds.y * qv.z;
        dva[h + 3u] += p.x * gv.w; dvb[h + 3u] += p.y * gv.w; dka[h + 3u] += ds.x * qv.w; dkb[h + 3u] += ds.y * qv.w;
      }
    } else {
    for (var h0 = 0u; h0 < HSP; h0 += CH) {
      for (var c = 0u; c < CH; c++) {
        let h = h0 + c;
        let qh = rowIn(qo, h);
        let gh = gIn(go, h);
        dva[h] += p.x * gh; dvb[h] += p.y * gh;
        dka[h] += ds.x * qh; dkb[h] += ds.y * qh;
      }
    }
    }
  }

  for (var h = 0u; h < HS; h++) { dqkv[ka + h] = dka[h] * params.scale; dqkv[ka + C + h] = dva[h]; }
  if (jb > ja) {
    for (var h = 0u; h < HS; h++) { dqkv[kb + h] = dkb[h] * params.scale; dqkv[kb + C + h] = dvb[h]; }
  }
}
