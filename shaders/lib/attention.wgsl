// lib/attention.wgsl: what the three fused attention kernels share: their pipeline constants and
// the reads of a head's row from the fused qkv projection. The including shader declares
// `qkv: array<f32>`, the (B*T, 3C) projection, rows of a slice 3C apart.
override HS: u32 = 64u;  // head size: a pipeline per head size, so loop trip counts are constants
override CH: u32 = 8u;   // head elements per inner (unrolled) loop
override HSP: u32 = (HS + CH - 1u) / CH * CH; // head padded to whole chunks
override SEG: bool = false; // starts holds segment starts (else a 1-element placeholder)
// TEX: the rows read once per key (or query) come from texture copies instead of storage: qkvt, a
// copy of qkv, and in attention_backward_dkv doutt, a copy of dout (gpu.ts copyToTexture), four
// head elements a texel. On llvmpipe a texel fetch costs a fraction of a storage load
// (kernels/matmul.ts measureLoadCosts). Only with HS % 4 == 0 and HS <= 32 (one chunk: CH = HSP =
// HS), so a head row is whole texels and the texel loops unroll; the same operations in the same
// order as the storage loops, so the same bits.
override TEX: bool = false;
const MAX_HS: u32 = 128u; // register arrays need a const size in WGSL; >= HSP

// Element h of the row at o, clamped into the row: padding lanes (h >= HS) read a real element,
// which adds nothing where it meets a zero-padded register row and is never stored otherwise.
fn rowIn(o: u32, h: u32) -> f32 { return qkv[o + min(h, HS - 1u)]; }
// the row zero-padded, for the registers
fn rowPad(o: u32, h: u32) -> f32 { return select(0.0, qkv[o + min(h, HS - 1u)], h < HS); }

// elements e .. e+3 of a texture copy (lib/texel.wgsl); e % 4 == 0
fn at4(t: texture_2d<f32>, e: u32) -> vec4<f32> { return texel(t, e >> 2u); }

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
