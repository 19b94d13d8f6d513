// matmul_naive (bench/matmul.ts v1 only, not used by the engine): out (batch, M, N) = opA(a) @ opB(b)
// with one output per invocation, each walking the whole K row of A and column of B.
// out (batch, M, N) f32 | a, b f32 through element strides as in matmul_forward.wgsl:
//   opA(a)[m][k] = a[p*strideA + m*am + k*ak], opB(b)[k][n] = b[p*strideB + k*bk + n*bn]
// params {M, N, K, batch, strideA, strideB, am, ak, bk, bn}
// dispatch: x = ceil(N / WGX); the batch*M output rows in groups of WGY over (y, z), y <= 65535
//   (row group = wid.y + wid.z * num_workgroups.y); workgroups of (WGX, WGY).
// No K split: K past llvmpipe's 65535-iteration loop limit would be cut short (bench shapes are not).
override WGX: u32 = 8u;
override WGY: u32 = 8u;

struct Params { M: u32, N: u32, K: u32, batch: u32, strideA: u32, strideB: u32, am: u32, ak: u32, bk: u32, bn: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = wid.x * WGX + lid.x;
  let row = (wid.y + wid.z * nwg.y) * WGY + lid.y; // p * M + m
  if (n >= params.N || row >= params.batch * params.M) { return; }
  let p = row / params.M;
  let m = row % params.M;
  let ao = p * params.strideA + m * params.am;
  let bo = p * params.strideB + n * params.bn;
  var acc = 0.0;
  for (var k = 0u; k < params.K; k++) {
    acc = fma(a[ao + k * params.ak], b[bo + k * params.bk], acc);
  }
  out[row * params.N + n] = acc;
}
