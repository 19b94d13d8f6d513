// matmul_array_tile (bench/matmul.ts v2 only, not used by the engine): out (batch, M, N) =
// opA(a) @ opB(b) with a TM x 4*TN4 register tile per invocation written the obvious way: the tile
// is an array and loops with override bounds walk it. On llvmpipe (Mesa 22.3) these loops are not
// fully unrolled, the array stays in memory and each FMA loads and stores its accumulator, which is
// why matmul_forward.wgsl spells the tile out as struct members instead (bench/NOTES.md).
// out (batch, M, N) f32 | a, b and params as matmul_forward.wgsl (kStart, ACCUMULATE unused: no K split)
// dispatch: as matmul_forward.wgsl: x = ceil(N / (4*TN4*WGX)), rowBlocks*batch over (y, z).
override TM: u32 = 16u;  // rows per invocation, 1..32
override TN4: u32 = 8u;  // vec4 columns per invocation, TM * TN4 <= 128
override WGX: u32 = 8u;
override WGY: u32 = 1u;

struct Params {
  M: u32, N: u32, K: u32, batch: u32,
  strideA: u32, strideB: u32, am: u32, ak: u32,
  bk: u32, bn: u32, rowBlocks: u32, kStart: u32,
}
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let block = wid.y + wid.z * nwg.y;
  if (block >= params.rowBlocks * params.batch) { return; }
  let p = block / params.rowBlocks;
  let m0 = ((block % params.rowBlocks) * WGY + lid.y) * TM;
  let n0 = (wid.x * WGX + lid.x) * TN4 * 4u;
  let M = params.M;
  let N = params.N;
  var rowOff: array<u32, 32>;  // a offset of each tile row (clamped to M - 1)
  for (var i = 0u; i < TM; i++) { rowOff[i] = p * params.strideA + min(m0 + i, M - 1u) * params.am; }
  var colOff: array<u32, 32>;  // b offset of each tile column (clamped to N - 1)
  for (var j = 0u; j < 4u * TN4; j++) { colOff[j] = p * params.strideB + min(n0 + j, N - 1u) * params.bn; }
  var acc: array<vec4<f32>, 128>;
  for (var k = 0u; k < params.K; k++) {
    var brow: array<vec4<f32>, 8>;
    for (var j = 0u; j < TN4; j++) {
      let o = k * params.bk;
      brow[j] = vec4<f32>(b[o + colOff[4u * j]], b[o + colOff[4u * j + 1u]], b[o + colOff[4u * j + 2u]], b[o + colOff[4u * j + 3u]]);
    }
    for (var i = 0u; i < TM; i++) {
      let x = vec4<f32>(a[rowOff[i] + k * params.ak]);
      for (var j = 0u; j < TN4; j++) { acc[i * TN4 + j] = fma(x, brow[j], acc[i * TN4 + j]); }
    }
  }
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < 4u * TN4; j++) {
      if (m0 + i < M && n0 + j < N) { out[p * M * N + (m0 + i) * N + n0 + j] = acc[i * TN4 + j / 4u][j % 4u]; }
    }
  }
}
