// lib/texel.wgsl: reads of a texture copy of a buffer (src/runtime/gpu.ts copyToTexture:
// rgba32float, 4096 texels a row, element e is component e % 4 of texel e / 4). On llvmpipe a texel
// fetch costs a fraction of a storage load (kernels/lib/source.ts), so kernels read their hot
// operands this way where the device chose textures.

// texel j: elements 4j .. 4j+3
fn texel(t: texture_2d<f32>, j: u32) -> vec4<f32> {
  return textureLoad(t, vec2<u32>(j & 4095u, j >> 12u), 0);
}

// element e
fn texelAt(t: texture_2d<f32>, e: u32) -> f32 {
  return texel(t, e >> 2u)[e & 3u];
}
