// lib/float.wgsl: IEEE special values and a NaN test. Inf and NaN are bitcasts of `let`s: WGSL
// rejects them in constant expressions, and a `let` is not one (private vars would work too, but
// are initialised in every invocation). is_nan reads the bits, since compilers may assume x != x
// is false.
fn inf() -> f32 { let b = 0x7f800000u; return bitcast<f32>(b); }
fn neg_inf() -> f32 { let b = 0xff800000u; return bitcast<f32>(b); }
fn nan() -> f32 { let b = 0x7fc00000u; return bitcast<f32>(b); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
