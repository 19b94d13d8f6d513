// lib/float.wgsl: IEEE special values and a NaN test. Inf and NaN come from private vars because
// WGSL rejects them in constant expressions; is_nan reads the bits, since compilers may assume
// x != x is false.
var<private> inf_bits: u32 = 0x7f800000u;
var<private> neg_inf_bits: u32 = 0xff800000u;
var<private> nan_bits: u32 = 0x7fc00000u;
fn inf() -> f32 { return bitcast<f32>(inf_bits); }
fn neg_inf() -> f32 { return bitcast<f32>(neg_inf_bits); }
fn nan() -> f32 { return bitcast<f32>(nan_bits); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
