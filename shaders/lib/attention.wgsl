// lib/attention.wgsl: what the three fused attention kernels share: their pipeline constants and
// the reads of a head's row from the fused qkv projection. The including shader declares
// `qkv: array<f32>`, the (B*T, 3C) projection, rows of a slice 3C apart.
override HS: u32 = 64u;  // head size: a pipeline per head size, so loop trip counts are constants
override CH: u32 = 8u;   // head elements per inner (unrolled) loop
override HSP: u32 = (HS + CH - 1u) / CH * CH; // head padded to whole chunks
override SEG: bool = false; // starts holds segment starts (else a 1-element placeholder)
const MAX_HS: u32 = 128u; // register arrays need a const size in WGSL; >= HSP

// Element h of the row at o, clamped into the row: padding lanes (h >= HS) read a real element,
// which adds nothing where it meets a zero-padded register row and is never stored otherwise.
fn rowIn(o: u32, h: u32) -> f32 { return qkv[o + min(h, HS - 1u)]; }
// the row zero-padded, for the registers
fn rowPad(o: u32, h: u32) -> f32 { return select(0.0, qkv[o + min(h, HS - 1u)], h < HS); }

// Invocation i of a kernel handles two rows of one (batch, head) slice: rows ta and tb = ta + 1
// (queries in the forward and dq, keys in dkv; when T is odd the last pair is one row, tb = ta).
struct RowPair {
  live: bool, // i is inside the grid (the rest of the dispatch's last workgroup returns)
  bh: u32,    // the slice: batch * NH + head
  b: u32,     // its batch
  C: u32,     // NH * HS: one of q, k, v's widths in a qkv row
  head: u32,  // the head's first column within q, k or v
  ta: u32,
  tb: u32,
}

fn rowPair(i: u32, rows: u32, T: u32, NH: u32) -> RowPair {
  let pairs = (T + 1u) / 2u; // row pairs per slice
  let bh = i / pairs;
  let ta = (i % pairs) * 2u;
  return RowPair(i < rows / T * pairs, bh, bh / NH, NH * HS, (bh % NH) * HS, ta, min(ta + 1u, T - 1u));
}
