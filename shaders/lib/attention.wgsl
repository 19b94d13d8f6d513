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
