// peak_fma: the adapter's arithmetic ceiling, the denominator of "% of peak" in docs/bench.md.
// Each invocation runs ITERS rounds of 8 independent vec4 multiply-adds, x = x * a + b, on
// registers only (no memory traffic inside the loop; 8 chains so that no chain waits on its own
// latency), then stores the sum of its 32 lanes, which keeps the compiler from dropping the loop.
// a < 1 keeps the values bounded (each lane tends to b / (1 - a)).
// out (n) f32 | params {n, a, b} | flops: n * ITERS * 8 chains * 4 lanes * 2
// dispatch: ceil(n / WG) workgroups of WG, folded into x/y past 65535
override WG: u32 = 64u;
override ITERS: u32 = 256u;

struct Params { n: u32, a: f32, b: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let a = vec4<f32>(params.a);
  let b = vec4<f32>(params.b);
  // start values: (i mod 16) / 100 + chain / 20 + lane / 10, as peakFmaCpu
  let s = vec4<f32>(f32(i % 16u) * 0.01) + vec4<f32>(0.0, 0.1, 0.2, 0.3);
  var x0 = s; var x1 = s + 0.05; var x2 = s + 0.1; var x3 = s + 0.15;
  var x4 = s + 0.2; var x5 = s + 0.25; var x6 = s + 0.3; var x7 = s + 0.35;
  for (var it = 0u; it < ITERS; it++) {
    x0 = fma(x0, a, b); x1 = fma(x1, a, b); x2 = fma(x2, a, b); x3 = fma(x3, a, b);
    x4 = fma(x4, a, b); x5 = fma(x5, a, b); x6 = fma(x6, a, b); x7 = fma(x7, a, b);
  }
  let t = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
  out[i] = (t.x + t.y) + (t.z + t.w);
}
