// embedding_backward, pass 1 of 2: link the positions that share a token id, so pass 2
// (embedding_backward.wgsl) can sum each vocabulary row's gradients in position order without
// float atomics or a sort. next[n] = the smallest n' > n with ids[n'] == ids[n], or -1;
// head[v] = N - (the smallest n with ids[n] == v), 0 when v does not occur (head must be zeroed
// first). The integer atomicMax is order-independent, so the links are deterministic.
// Each invocation scans forward from its own position until the next match: O(N^2 / 2) id reads in
// the worst case (all ids distinct), cheap next to the matmuls of a step of N tokens.
// next (N) i32, head (V) atomic i32, ids (N) i32 | params {N, V}
// dispatch: ceil(N / WG) workgroups of WG, folded into x/y past 65535 (kernels/lib/grid.ts)
override WG: u32 = 64u;

struct Params { N: u32, V: u32 }
@group(0) @binding(0) var<storage, read_write> next: array<i32>;
@group(0) @binding(1) var<storage, read_write> head: array<atomic<i32>>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  let N = params.N;
  if (n >= N) { return; }
  let id = ids[n];
  var link = -1;
  for (var m = n + 1u; m < N; m++) {
    if (ids[m] == id) { link = i32(m); break; }
  }
  next[n] = link;
  // ids outside [0, V) are never linked from a head, so their gradients are dropped
  if (id >= 0 && u32(id) < params.V) { atomicMax(&head[u32(id)], i32(N - n)); }
}
