// lib/rows.wgsl: reductions over the TPR consecutive invocations of a workgroup that share a row
// (kernels/lib/rows.ts picks TPR and WG; the including shader declares `override WG` and
// `override TPR`). Each is a fixed tree in workgroup memory, so results are deterministic, and
// every invocation of the workgroup must call it, dead rows too: no early return before it (in
// GLSL a barrier after a return is undefined; on llvmpipe the last barrier was then skipped and
// TPR >= 16 gave wrong variances). TPR == 1 uses no workgroup memory and no barrier.
var<workgroup> row_f32: array<f32, WG>;
var<workgroup> row_vec2: array<vec2<f32>, WG>;

/** The row invocation lid of workgroup wid works on (TPR invocations per row, WG / TPR rows per workgroup, folded into x/y). */
fn rowOf(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 { return (wid.x + wid.y * nwg.x) * (WG / TPR) + lid / TPR; }

// start of the running max: finite so that rows holding -inf give exp(-inf - LOWEST) = 0, not NaN
const LOWEST: f32 = -0x1.fffffep+127f; // -FLT_MAX

/** Sum of v over the row's TPR invocations, in every one of them. */
fn rowSum(lid: u32, lane: u32, v: f32) -> f32 {
  var acc = v;
  if (TPR > 1u) {
    row_f32[lid] = acc;
    for (var stride = TPR / 2u; stride > 0u; stride >>= 1u) {
      workgroupBarrier();
      if (lane < stride) { acc += row_f32[lid + stride]; row_f32[lid] = acc; }
    }
    workgroupBarrier();
    acc = row_f32[lid - lane];
    workgroupBarrier(); // the next call overwrites the array: wait until every invocation has read it
  }
  return acc;
}

/** rowSum of two sums at once. Once per kernel: no barrier at the end (one costs on llvmpipe), so a second call would overwrite the array while it is read. */
fn rowSum2(lid: u32, lane: u32, v: vec2<f32>) -> vec2<f32> {
  var acc = v;
  if (TPR > 1u) {
    row_vec2[lid] = acc;
    for (var stride = TPR / 2u; stride > 0u; stride >>= 1u) {
      workgroupBarrier();
      if (lane < stride) { acc += row_vec2[lid + stride]; row_vec2[lid] = acc; }
    }
    workgroupBarrier();
    acc = row_vec2[lid - lane];
  }
  return acc;
}

// Online softmax (max and sum of exp in one pass over a row): ms = (running max m, sum of
// exp(x - m)); start from (LOWEST, 0).
fn softmaxStep(ms: vec2<f32>, x: f32) -> vec2<f32> {
  if (x > ms.x) { return vec2<f32>(x, ms.y * exp(ms.x - x) + 1.0); }
  return vec2<f32>(ms.x, ms.y + exp(x - ms.x));
}

/** Two partial (max, sum) pairs as one: each sum rescaled to the larger max. */
fn softmaxMerge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let mm = max(a.x, b.x);
  return vec2<f32>(mm, a.y * exp(a.x - mm) + b.y * exp(b.x - mm));
}

/** The row's (max, sum of exp(x - max)) from each invocation's partial pair, in every invocation. Once per kernel, as rowSum2. */
fn rowMaxSum(lid: u32, lane: u32, ms: vec2<f32>) -> vec2<f32> {
  var acc = ms;
  if (TPR > 1u) {
    row_vec2[lid] = acc;
    for (var stride = TPR / 2u; stride > 0u; stride >>= 1u) {
      workgroupBarrier();
      if (lane < stride) { acc = softmaxMerge(acc, row_vec2[lid + stride]); row_vec2[lid] = acc; }
    }
    workgroupBarrier();
    acc = row_vec2[lid - lane];
  }
  return acc;
}
