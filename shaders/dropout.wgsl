// dropout: out[i] = keep ? inp[i] * scale : 0, keep = pcg(i ^ pcg(seed)) >= threshold, with
// threshold = ceil(p * 2^32) from the host: the integer form of hashUniform(seed, i) >= p in
// kernels/dropout.ts, so the mask is bit-identical to the CPU's. dropAll covers p * 2^32 past
// u32 (p >= 1 - 2^-32). scale = 1 / (1 - p).
// out, inp (n) f32 | params {n, seedHash = pcg(seed), threshold, dropAll, scale}
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
struct Params { n: u32, seedHash: u32, threshold: u32, dropAll: u32, scale: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 256;

// PCG hash (Jarzynski & Olano 2020), the same integer steps as pcgHash in kernels/dropout.ts
fn pcg(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let keep = params.dropAll == 0u && pcg(i ^ params.seedHash) >= params.threshold;
  out[i] = select(0.0, inp[i] * params.scale, keep);
}
