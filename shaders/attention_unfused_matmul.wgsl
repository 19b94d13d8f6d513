// attention_unfused_matmul: bench-only batched matmul for the unfused attention baseline
// (bench/attention.ts): what an engine without a fused attention kernel runs for q @ k^T, P @ v
// and their backward products.
// out (batch, M, N) = alpha * opA(a) @ opB(b); opA(a) is (M, K) read from a (M, K), or from
// a (K, M) if TRANS_A; opB(b) is (K, N) from b (K, N), or from b (N, K) if TRANS_B.
// Each invocation owns a TM x TN register tile of out (no shared memory, no barriers: both slow on
// llvmpipe; register tiles are the measured lever there, see ../shared/webgpu.md). Edge tiles
// clamp their loads into range and skip out-of-range stores.
// params {M, N, K, alpha, tilesM, tilesN, batch}
// dispatch: batch * tilesM * tilesN invocations, ceil(that / WG) workgroups of WG, folded into
// x/y past 65535 (kernels/lib/grid.ts)

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override TM: u32 = 4u; // rows of out per invocation, <= 8
override TN: u32 = 4u; // columns of out per invocation, <= 8
override WG: u32 = 8u;
const MAX_T: u32 = 8u;

struct Params { M: u32, N: u32, K: u32, alpha: f32, tilesM: u32, tilesN: u32, batch: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let M = params.M;
  let N = params.N;
  let K = params.K;
  let i = gid.x + gid.y * nwg.x * WG;
  let tiles = params.tilesM * params.tilesN;
  if (i >= params.batch * tiles) { return; }
  let p = i / tiles;
  let m0 = ((i % tiles) / params.tilesN) * TM;
  let n0 = (i % params.tilesN) * TN;
  // element strides of opA(a)[m][k] and opB(b)[k][n]
  let am = select(K, 1u, TRANS_A);
  let ak = select(1u, M, TRANS_A);
  let bk = select(N, 1u, TRANS_B);
  let bn = select(1u, K, TRANS_B);
  let ao = p * M * K;
  let bo = p * K * N;

  var acc: array<array<f32, MAX_T>, MAX_T>;
  for (var r = 0u; r < TM; r++) { for (var c = 0u; c < TN; c++) { acc[r][c] = 0.0; } }
  for (var k = 0u; k < K; k++) {
    var av: array<f32, MAX_T>;
    var bv: array<f32, MAX_T>;
    for (var r = 0u; r < TM; r++) { av[r] = a[ao + min(m0 + r, M - 1u) * am + k * ak]; }
    for (var c = 0u; c < TN; c++) { bv[c] = b[bo + k * bk + min(n0 + c, N - 1u) * bn]; }
    for (var r = 0u; r < TM; r++) { for (var c = 0u; c < TN; c++) { acc[r][c] += av[r] * bv[c]; } }
  }
  let oo = p * M * N;
  for (var r = 0u; r < TM; r++) {
    for (var c = 0u; c < TN; c++) {
      if (m0 + r < M && n0 + c < N) { out[oo + (m0 + r) * N + n0 + c] = acc[r][c] * params.alpha; }
    }
  }
}
