// embedding_backward, pass 2 of 2: dweight[v, c] = sum of dout[n, c] over the positions n with
// ids[n] == v, walked in increasing n through the links of embedding_backward_links.wgsl: the same
// order as the CPU reference, deterministic, and every row of dweight written (0 where v is unused).
// Work is V * C invocations plus N * C loads along the lists.
// dweight (V, C), dout (N, C) f32, next (N) i32, head (V) i32 | params {N, C, V}
// dispatch: ceil(V * C / WG) workgroups of WG, one invocation per (v, c) with c fastest (neighbours
//   walk the same list), folded into x/y past 65535 (kernels/lib/grid.ts)
override WG: u32 = 64u;

struct Params { N: u32, C: u32, V: u32 }
@group(0) @binding(0) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> next: array<i32>;
@group(0) @binding(3) var<storage, read> head: array<i32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let C = params.C;
  if (i >= params.V * C) { return; }
  let v = i / C;
  let c = i - v * C;
  let h = head[v];
  var sum = 0.0;
  if (h > 0) {
    var n = i32(params.N) - h;
    while (n >= 0) {
      sum += dout[u32(n) * C + c];
      n = next[u32(n)];
    }
  }
  dweight[i] = sum;
}
