// lib/layernorm_dout.wgsl: element i of the layernorm backward kernels' output gradient rows, from
// the texture copy doutT with TEX, else from the storage binding dout (both declared by the
// including shader, with override TEX; lib/texel.wgsl included first).
fn doutAt(i: u32) -> f32 {
  if (TEX) { return texelAt(doutT, i); }
  return dout[i];
}
