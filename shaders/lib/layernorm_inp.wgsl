// lib/layernorm_inp.wgsl: element i of the layernorm kernels' input rows, from the texture copy
// inpT with TEX, else from the storage binding inp (both declared by the including shader, with
// override TEX; lib/texel.wgsl included first).
fn inpAt(i: u32) -> f32 {
  if (TEX) { return texelAt(inpT, i); }
  return inp[i];
}
