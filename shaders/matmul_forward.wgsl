// matmul_forward: out (batch, M, N) = opA(a) (M, K) @ opB(b) (K, N); with ACCUMULATE the K loop
// goes on from the partial sums already in out (the K loop split over dispatches, see
// kernels/matmul.ts): each accumulator starts from its stored f32 value and takes the next slice's
// fmas in k order, so a split sum has the bits of one pass. The bias and the epilogues come after
// the last slice's sum. Each invocation owns a register
// tile of TM rows x 4*TN4 columns and walks k once: per k it loads 4*TN4 values of B and TM of A,
// then does TM*TN4 vec4 FMAs, so each loaded value is used TM (or 4*TN4) times.
// out (batch, M, N) f32 | a, b f32 (b4, a4: b and a again, as vec4s) | bias (N) f32 with BIAS, added to every
//   row (a Linear layer's y = x W + b in one dispatch) | a, b read through element strides (the
//   transposed forms and the batch stride live here, so one pipeline serves all four forms):
//   opA(a)[m][k] = a[p*strideA + m*am + (kStart + k)*ak], opB(b)[k][n] = b[p*strideB + (kStart + k)*bk + n*bn]
// params {M, N, K, batch, strideA, strideB, am, ak, bk, bn, rowBlocks, kStart}: K is this dispatch's
//   slice of the reduction, starting at kStart; rowBlocks = ceil(M / (TM*WGY)).
// dispatch: x = ceil(N / (4*TN4*WGX)); (y, z) hold the rowBlocks*batch row blocks, folded so that
//   y <= 65535 (block = wid.y + wid.z * num_workgroups.y); workgroups of (WGX, WGY).
//
// Why straight lines and structs rather than `array<vec4<f32>, TM*TN4>` and loops: on llvmpipe
// (Mesa 22.3) the loops are not fully unrolled, the array stays in memory and every FMA becomes a
// load and a store: 5x slower at 512^3 than this form (bench/NOTES.md, v2 vs v3).
// Struct members are always indexed by constants, so they become registers; the `if (TM > i)`
// lines are decided when the pipeline is built (TM, TN4 are override constants) and compile away.
// Rows past M and columns past N load clamped (valid) indices and are never stored.
// B_VEC4 reads B's four neighbouring columns with one vec4 load (b4 is the same buffer as b, viewed
// as vec4s): one 16-byte load per lane instead of four gathered scalars, ~16% faster at 512^3 on
// llvmpipe. Only when columns are contiguous and 4-aligned: B not transposed, N and strideB multiples
// of 4 (then a group of 4 columns is all in or all past N, and the clamp keeps it aligned).
// OUT_VEC4 writes each group of 4 output columns with one vec4 store, and BIAS then reads the bias
// as vec4s (bias4 is bias again; out is always vec4s, since WebGPU forbids binding a writable buffer
// twice, and the scalar path writes single components): llvmpipe turns every storage access into a loop over the
// lanes, so one 16-byte store does a quarter of the work of four scalar ones, which matters where K
// is short (the model's K = 96: every output is stored after only 96 FMAs). Only when N is a
// multiple of 4: then every row starts 4-aligned and a group of 4 columns is all in or all past N.
// AM_VEC4 (a transposed, as in a weight gradient dW = x^T @ g: rows contiguous along m) reads four
// rows of one k with one vec4 load (a4 is a again, as vec4s; M % 4 == 0, TM a multiple of 4):
// 1.05-1.4x on the base model's weight gradients on llvmpipe (bench/NOTES.md v5). Each accumulator
// takes the same fma per k in k order, so the results are the scalar loads' bits.
// Epilogues, in the last K slice only (kernels/matmul.ts sets them there), after the bias, each the
// same f32 operations in the same order as the separate kernel it replaces:
// - GELU_OUT: act = gelu(out) as well as out (the MLP's first Linear: the backward needs the
//   pre-activation out, the next layer reads act); gelu is lib/gelu.wgsl's, unary.wgsl's too.
// - RESIDUAL: out = res + (product + bias) (a Linear whose output joins the residual stream), the
//   binary add's res + y on the rounded y.
// - GELU_GRAD: out = (product + bias) * gelu_grad(aux), aux the pre-activation (the MLP's backward:
//   dpre = (g @ W2^T) * gelu'(pre), unary_backward's dout * derivative on the rounded dout).
// - B_SUM: bsum[n] = the sum over k of opB(b)[k][n], walked in k order from 0 (a Linear's bias
//   gradient from the weight gradient's product, dW = x^T @ g: the reduce kernel's sum of g over
//   rows, the same adds in the same order). Batch 1 and one K slice only (kernels/matmul.ts);
//   invocations of the first row block store it.
// act (batch, M, N) f32 with GELU_OUT, aux (batch, M, N) f32 (res with RESIDUAL, pre with
// GELU_GRAD), bsum (N) f32 with B_SUM; else placeholders.
// UA / UB read a / b through a 64 KiB uniform-buffer window (ua, ub: the same buffers bound at an
// offset; element e of a is ua at e - aBase) instead of the storage bindings: on llvmpipe every
// storage load is a loop over the lanes with a bounds check per lane, a uniform load one load and
// a broadcast or a real gather, several times cheaper, by how much depending on the CPU
// (docs/scripts/llvmpipe_loads.ts, bench/NOTES.md). kernels/matmul.ts cuts the work into
// dispatches whose operands fit the windows: row chunks (mStart) and K slices. The same fma per k
// in k order as the storage reads, so the same bits.
// TA / TB / TAUX read a / b / aux from texture copies (ta, tb, taux: src/runtime/gpu.ts
// copyToTexture, read through lib/texel.wgsl), where a texel fetch costs a fraction of a storage
// load (kernels/lib/source.ts decides). Two load shapes pay only there: AK_VEC4 walks K four at a
// time with each A row's four k in one vec4 (a not transposed), and BK_VEC4 takes each transposed B
// column's four k from one texel, transposed into four B rows in registers. Each accumulator still
// takes its fmas one k at a time in k order, so every path has the storage reads' bits.
#include "lib/gelu.wgsl"
#include "lib/texel.wgsl"

override TM: u32 = 16u;     // rows per invocation, 1..32
override TN4: u32 = 8u;     // vec4 columns per invocation, 1..8 (4*TN4 columns)
override WGX: u32 = 8u;     // invocations along N per workgroup
override WGY: u32 = 1u;     // invocations along M per workgroup
override ACCUMULATE: bool = false;
override B_VEC4: bool = false;
override BIAS: bool = false; // out = product + bias[n] (last K slice only; else bias is a placeholder)
override OUT_VEC4: bool = false;
override GELU_OUT: bool = false;
override RESIDUAL: bool = false;
override B_SUM: bool = false;
override GELU_GRAD: bool = false;
override AM_VEC4: bool = false;  // opA(a) read as vec4s along m, 4 rows per load (a transposed)
override UA: bool = false;       // a read through the uniform window ua (a not transposed)
override UB: bool = false;       // b read through the uniform window ub
override TA: bool = false;       // a read from the texture ta (a flat copy of a)
override TB: bool = false;       // b read from the texture tb (a flat copy of b)
override TAUX: bool = false;     // aux read from the texture taux (a flat copy of aux; OUT_VEC4 only)
override AK_VEC4: bool = false;
override BK_VEC4: bool = false;  // with AK_VEC4, TB and b transposed: each column's 4 k from one texel (K, kStart, strideB % 4 == 0)  // opA(a) read as vec4s along k, 4 k per load (a not transposed; K, kStart, strideA % 4 == 0)

struct Params {
  M: u32, N: u32, K: u32, batch: u32,
  strideA: u32, strideB: u32, am: u32, ak: u32,
  bk: u32, bn: u32, rowBlocks: u32, kStart: u32,
  mStart: u32, aBase: u32, bBase: u32, pad: u32, // the first row of this dispatch; the windows' first elements
}
@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>; // element i is out[i / 4][i % 4]
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> act: array<vec4<f32>>; // as out: element i is act[i / 4][i % 4]
@group(0) @binding(7) var<storage, read> aux: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> bsum: array<vec4<f32>>; // as out
@group(0) @binding(9) var<storage, read> a4: array<vec4<f32>>; // a again, as vec4s
@group(0) @binding(10) var<uniform> ua: array<vec4<f32>, 4096>; // a's window with UA, else a placeholder
@group(0) @binding(11) var<uniform> ub: array<vec4<f32>, 4096>; // b's window with UB, else a placeholder
@group(0) @binding(12) var<uniform> params: Params;
@group(0) @binding(13) var ta: texture_2d<f32>; // a's copy with TA (gpu.ts copyToTexture), else a placeholder
@group(0) @binding(14) var tb: texture_2d<f32>; // b's copy with TB, else a placeholder
@group(0) @binding(15) var taux: texture_2d<f32>; // aux's copy with TAUX, else a placeholder

// element e of a (of b): from its window with UA (UB), else from storage
fn aAt(e: u32) -> f32 {
  if (TA) { return texelAt(ta, e); }
  if (UA) { let i = e - params.aBase; return ua[i / 4u][i % 4u]; }
  return a[e];
}
fn bAt(e: u32) -> f32 {
  if (TB) { return texelAt(tb, e); }
  if (UB) { let i = e - params.bBase; return ub[i / 4u][i % 4u]; }
  return b[e];
}

// 32 columns of one output row (or of one B row), as vec4s
struct Row { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32>, c4: vec4<f32>, c5: vec4<f32>, c6: vec4<f32>, c7: vec4<f32> }
// element offsets into b of those 32 columns (clamped to N - 1)
struct Cols { c0: vec4<u32>, c1: vec4<u32>, c2: vec4<u32>, c3: vec4<u32>, c4: vec4<u32>, c5: vec4<u32>, c6: vec4<u32>, c7: vec4<u32> }

fn colOffsets(n: u32) -> vec4<u32> {
  return min(vec4<u32>(n) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.N - 1u)) * params.bn;
}

fn load4(o: u32, c: vec4<u32>) -> vec4<f32> {
  if (B_VEC4) {
    if (TB) { return texel(tb, (o + c.x) >> 2u); }
    if (UB) { return ub[(o + c.x - params.bBase) / 4u]; } // bBase % 4 == 0 with B_VEC4
    return b4[(o + c.x) / 4u];
  }
  return vec4<f32>(bAt(o + c.x), bAt(o + c.y), bAt(o + c.z), bAt(o + c.w));
}

// row k of opB(b): o is the element offset of (k, column 0)
fn loadRow(o: u32, c: Cols) -> Row {
  var r: Row;
  r.c0 = load4(o, c.c0);
  if (TN4 > 1u) { r.c1 = load4(o, c.c1); }
  if (TN4 > 2u) { r.c2 = load4(o, c.c2); }
  if (TN4 > 3u) { r.c3 = load4(o, c.c3); }
  if (TN4 > 4u) { r.c4 = load4(o, c.c4); }
  if (TN4 > 5u) { r.c5 = load4(o, c.c5); }
  if (TN4 > 6u) { r.c6 = load4(o, c.c6); }
  if (TN4 > 7u) { r.c7 = load4(o, c.c7); }
  return r;
}

// acc + brow, column by column
fn addRow(acc: Row, brow: Row) -> Row {
  var r = acc;
  r.c0 = acc.c0 + brow.c0;
  if (TN4 > 1u) { r.c1 = acc.c1 + brow.c1; }
  if (TN4 > 2u) { r.c2 = acc.c2 + brow.c2; }
  if (TN4 > 3u) { r.c3 = acc.c3 + brow.c3; }
  if (TN4 > 4u) { r.c4 = acc.c4 + brow.c4; }
  if (TN4 > 5u) { r.c5 = acc.c5 + brow.c5; }
  if (TN4 > 6u) { r.c6 = acc.c6 + brow.c6; }
  if (TN4 > 7u) { r.c7 = acc.c7 + brow.c7; }
  return r;
}

// bsum[n .. n+3] = v, columns past N dropped
fn storeSum4(v: vec4<f32>, n: u32) {
  let N = params.N;
  if (OUT_VEC4) {
    if (n < N) { bsum[n / 4u] = v; }
    return;
  }
  if (n < N) { bsum[n / 4u][n % 4u] = v.x; }
  if (n + 1u < N) { bsum[(n + 1u) / 4u][(n + 1u) % 4u] = v.y; }
  if (n + 2u < N) { bsum[(n + 2u) / 4u][(n + 2u) % 4u] = v.z; }
  if (n + 3u < N) { bsum[(n + 3u) / 4u][(n + 3u) % 4u] = v.w; }
}

fn storeSum(r: Row, n0: u32) {
  storeSum4(r.c0, n0);
  if (TN4 > 1u) { storeSum4(r.c1, n0 + 4u); }
  if (TN4 > 2u) { storeSum4(r.c2, n0 + 8u); }
  if (TN4 > 3u) { storeSum4(r.c3, n0 + 12u); }
  if (TN4 > 4u) { storeSum4(r.c4, n0 + 16u); }
  if (TN4 > 5u) { storeSum4(r.c5, n0 + 20u); }
  if (TN4 > 6u) { storeSum4(r.c6, n0 + 24u); }
  if (TN4 > 7u) { storeSum4(r.c7, n0 + 28u); }
}

// acc + x * brow
fn fmaRow(acc: Row, x: f32, brow: Row) -> Row {
  let v = vec4<f32>(x);
  var r = acc;
  r.c0 = fma(v, brow.c0, acc.c0);
  if (TN4 > 1u) { r.c1 = fma(v, brow.c1, acc.c1); }
  if (TN4 > 2u) { r.c2 = fma(v, brow.c2, acc.c2); }
  if (TN4 > 3u) { r.c3 = fma(v, brow.c3, acc.c3); }
  if (TN4 > 4u) { r.c4 = fma(v, brow.c4, acc.c4); }
  if (TN4 > 5u) { r.c5 = fma(v, brow.c5, acc.c5); }
  if (TN4 > 6u) { r.c6 = fma(v, brow.c6, acc.c6); }
  if (TN4 > 7u) { r.c7 = fma(v, brow.c7, acc.c7); }
  return r;
}

// BK_VEC4: rows k .. k+3 of opB(b) (b transposed: a column's four k are one texel of its copy)
struct Rows4 { b0: Row, b1: Row, b2: Row, b3: Row }
// four columns (element offsets c of their k = 0, o the step's offset) as rows k .. k+3
fn load4T(o: u32, c: vec4<u32>) -> mat4x4<f32> {
  return transpose(mat4x4<f32>(texel(tb, (o + c.x) >> 2u), texel(tb, (o + c.y) >> 2u), texel(tb, (o + c.z) >> 2u), texel(tb, (o + c.w) >> 2u)));
}
fn loadRows4T(o: u32, c: Cols) -> Rows4 {
  var r: Rows4;
  let m0 = load4T(o, c.c0); r.b0.c0 = m0[0]; r.b1.c0 = m0[1]; r.b2.c0 = m0[2]; r.b3.c0 = m0[3];
  if (TN4 > 1u) { let m = load4T(o, c.c1); r.b0.c1 = m[0]; r.b1.c1 = m[1]; r.b2.c1 = m[2]; r.b3.c1 = m[3]; }
  if (TN4 > 2u) { let m = load4T(o, c.c2); r.b0.c2 = m[0]; r.b1.c2 = m[1]; r.b2.c2 = m[2]; r.b3.c2 = m[3]; }
  if (TN4 > 3u) { let m = load4T(o, c.c3); r.b0.c3 = m[0]; r.b1.c3 = m[1]; r.b2.c3 = m[2]; r.b3.c3 = m[3]; }
  if (TN4 > 4u) { let m = load4T(o, c.c4); r.b0.c4 = m[0]; r.b1.c4 = m[1]; r.b2.c4 = m[2]; r.b3.c4 = m[3]; }
  if (TN4 > 5u) { let m = load4T(o, c.c5); r.b0.c5 = m[0]; r.b1.c5 = m[1]; r.b2.c5 = m[2]; r.b3.c5 = m[3]; }
  if (TN4 > 6u) { let m = load4T(o, c.c6); r.b0.c6 = m[0]; r.b1.c6 = m[1]; r.b2.c6 = m[2]; r.b3.c6 = m[3]; }
  if (TN4 > 7u) { let m = load4T(o, c.c7); r.b0.c7 = m[0]; r.b1.c7 = m[1]; r.b2.c7 = m[2]; r.b3.c7 = m[3]; }
  return r;
}

// acc + x.x * b0 + x.y * b1 + x.z * b2 + x.w * b3, one fma at a time in k order (AK_VEC4)
fn fmaRow4(acc: Row, x: vec4<f32>, b0: Row, b1: Row, b2: Row, b3: Row) -> Row {
  return fmaRow(fmaRow(fmaRow(fmaRow(acc, x.x, b0), x.y, b1), x.z, b2), x.w, b3);
}
// vec4 i of aux: from its texture copy with TAUX, else from storage
fn aux4(i: u32) -> vec4<f32> {
  if (TAUX) { return texel(taux, i); }
  return aux[i];
}

// BIAS with OUT_VEC4: the bias of this invocation's columns n0 .. n0 + 4*TN4, loaded once for all
// its rows (every row adds the same vec4s; a load per row and group cost as much as the K loop at K = 96)
fn biasRow(n0: u32) -> Row {
  var r: Row;
  let last = params.N / 4u - 1u; // groups past N load the last one and are never stored
  r.c0 = bias4[min(n0 / 4u, last)];
  if (TN4 > 1u) { r.c1 = bias4[min(n0 / 4u + 1u, last)]; }
  if (TN4 > 2u) { r.c2 = bias4[min(n0 / 4u + 2u, last)]; }
  if (TN4 > 3u) { r.c3 = bias4[min(n0 / 4u + 3u, last)]; }
  if (TN4 > 4u) { r.c4 = bias4[min(n0 / 4u + 4u, last)]; }
  if (TN4 > 5u) { r.c5 = bias4[min(n0 / 4u + 5u, last)]; }
  if (TN4 > 6u) { r.c6 = bias4[min(n0 / 4u + 6u, last)]; }
  if (TN4 > 7u) { r.c7 = bias4[min(n0 / 4u + 7u, last)]; }
  return r;
}

// out[o + n .. n+3] (= or +=) v, columns past N dropped; no loop (llvmpipe counts loop iterations);
// bv: the bias of these columns (biasRow) with BIAS and OUT_VEC4
fn store4(v: vec4<f32>, o: u32, n: u32, bv: vec4<f32>) {
  let N = params.N;
  if (OUT_VEC4) {
    if (n >= N) { return; }
    let i = (o + n) / 4u;
    var w = v;
    if (BIAS) { w = v + bv; }
    if (RESIDUAL) { w = aux4(i) + w; }
    if (GELU_GRAD) { let p = aux4(i); w = w * vec4<f32>(gelu_grad(p.x), gelu_grad(p.y), gelu_grad(p.z), gelu_grad(p.w)); }
    out[i] = w;
    if (GELU_OUT) { act[i] = vec4<f32>(gelu(w.x), gelu(w.y), gelu(w.z), gelu(w.w)); }
    return;
  }
  var w = v;
  if (BIAS) {
    w = v + vec4<f32>(bias[min(n, N - 1u)], bias[min(n + 1u, N - 1u)], bias[min(n + 2u, N - 1u)], bias[min(n + 3u, N - 1u)]);
  }
  store1(o + n, w.x, n < N);
  store1(o + n + 1u, w.y, n + 1u < N);
  store1(o + n + 2u, w.z, n + 2u < N);
  store1(o + n + 3u, w.w, n + 3u < N);
}

// out element i (= or +=) x where ok, then the epilogues
fn store1(i: u32, x: f32, ok: bool) {
  if (!ok) { return; }
  var w = x;
  if (RESIDUAL) { w = aux[i / 4u][i % 4u] + w; }
  if (GELU_GRAD) { w = w * gelu_grad(aux[i / 4u][i % 4u]); }
  out[i / 4u][i % 4u] = w;
  if (GELU_OUT) { act[i / 4u][i % 4u] = gelu(w); }
}

// ACCUMULATE: the partial sums of output row m (o: the batch entry's first element), columns n0 ..
// n0 + 4*TN4, as an earlier slice stored them; rows past M and columns past N read an element in range
fn out4(o: u32, n: u32) -> vec4<f32> {
  let N = params.N;
  if (OUT_VEC4) { return out[(o + min(n, N - 4u)) / 4u]; }
  let i = o + vec4<u32>(min(n, N - 1u), min(n + 1u, N - 1u), min(n + 2u, N - 1u), min(n + 3u, N - 1u));
  return vec4<f32>(out[i.x / 4u][i.x % 4u], out[i.y / 4u][i.y % 4u], out[i.z / 4u][i.z % 4u], out[i.w / 4u][i.w % 4u]);
}

fn partialRow(oBatch: u32, m: u32, n0: u32) -> Row {
  var r: Row;
  let o = oBatch + min(m, params.M - 1u) * params.N;
  r.c0 = out4(o, n0);
  if (TN4 > 1u) { r.c1 = out4(o, n0 + 4u); }
  if (TN4 > 2u) { r.c2 = out4(o, n0 + 8u); }
  if (TN4 > 3u) { r.c3 = out4(o, n0 + 12u); }
  if (TN4 > 4u) { r.c4 = out4(o, n0 + 16u); }
  if (TN4 > 5u) { r.c5 = out4(o, n0 + 20u); }
  if (TN4 > 6u) { r.c6 = out4(o, n0 + 24u); }
  if (TN4 > 7u) { r.c7 = out4(o, n0 + 28u); }
  return r;
}

// output row m of this batch entry (o = its first element), columns n0 .. n0 + 4*TN4; bv: biasRow's
fn storeRow(r: Row, oBatch: u32, m: u32, n0: u32, bv: Row) {
  if (m >= params.M) { return; }
  let o = oBatch + m * params.N;
  store4(r.c0, o, n0, bv.c0);
  if (TN4 > 1u) { store4(r.c1, o, n0 + 4u, bv.c1); }
  if (TN4 > 2u) { store4(r.c2, o, n0 + 8u, bv.c2); }
  if (TN4 > 3u) { store4(r.c3, o, n0 + 12u, bv.c3); }
  if (TN4 > 4u) { store4(r.c4, o, n0 + 16u, bv.c4); }
  if (TN4 > 5u) { store4(r.c5, o, n0 + 20u, bv.c5); }
  if (TN4 > 6u) { store4(r.c6, o, n0 + 24u, bv.c6); }
  if (TN4 > 7u) { store4(r.c7, o, n0 + 28u, bv.c7); }
}

// AM_VEC4: opA(a) at step k for rows m0 .. m0+31, four rows per vec4 (neighbours in memory: a
// transposed, M % 4 == 0; only the first TM rows are read): o holds the element offsets of each
// row's k = 0, ka the step's offset
struct A32 { g0: vec4<f32>, g1: vec4<f32>, g2: vec4<f32>, g3: vec4<f32>, g4: vec4<f32>, g5: vec4<f32>, g6: vec4<f32>, g7: vec4<f32> }
struct Offs { g0: vec4<u32>, g1: vec4<u32>, g2: vec4<u32>, g3: vec4<u32>, g4: vec4<u32>, g5: vec4<u32>, g6: vec4<u32>, g7: vec4<u32> }

// vec4 i of a: from the texture with TA, else from storage
fn a4At(i: u32) -> vec4<f32> {
  if (TA) { return texel(ta, i); }
  if (UA) { return ua[i - params.aBase / 4u]; } // aBase % 4 == 0: windows start 256-byte aligned
  return a4[i];
}

fn loadA(o: Offs, ka: u32) -> A32 {
  var x: A32;
  x.g0 = a4At((o.g0.x + ka) / 4u);
  if (TM > 4u) { x.g1 = a4At((o.g1.x + ka) / 4u); }
  if (TM > 8u) { x.g2 = a4At((o.g2.x + ka) / 4u); }
  if (TM > 12u) { x.g3 = a4At((o.g3.x + ka) / 4u); }
  if (TM > 16u) { x.g4 = a4At((o.g4.x + ka) / 4u); }
  if (TM > 20u) { x.g5 = a4At((o.g5.x + ka) / 4u); }
  if (TM > 24u) { x.g6 = a4At((o.g6.x + ka) / 4u); }
  if (TM > 28u) { x.g7 = a4At((o.g7.x + ka) / 4u); }
  return x;
}

// element offsets into a of rows m .. m+3 of opA(a) (clamped to M - 1), batch offset included
fn rowOffsets(aBatch: u32, m: u32) -> vec4<u32> {
  return aBatch + min(vec4<u32>(m) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.M - 1u)) * params.am;
}

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let block = wid.y + wid.z * nwg.y;
  if (block >= params.rowBlocks * params.batch) { return; } // padding of the (y, z) fold
  let p = block / params.rowBlocks;                          // batch entry
  let m0 = params.mStart + ((block % params.rowBlocks) * WGY + lid.y) * TM;
  let n0 = (wid.x * WGX + lid.x) * TN4 * 4u;
  let oBatch = p * params.M * params.N;
  let aBatch = p * params.strideA + params.kStart * params.ak;
  let bBatch = p * params.strideB + params.kStart * params.bk;

  var cols: Cols;
  cols.c0 = colOffsets(n0);       cols.c1 = colOffsets(n0 + 4u);  cols.c2 = colOffsets(n0 + 8u);
  cols.c3 = colOffsets(n0 + 12u); cols.c4 = colOffsets(n0 + 16u); cols.c5 = colOffsets(n0 + 20u);
  cols.c6 = colOffsets(n0 + 24u); cols.c7 = colOffsets(n0 + 28u);
  // a offsets of rows m0 + 0..31, four per vector: ra.g1.z is row m0 + 6
  let ra = Offs(rowOffsets(aBatch, m0), rowOffsets(aBatch, m0 + 4u), rowOffsets(aBatch, m0 + 8u), rowOffsets(aBatch, m0 + 12u),
                rowOffsets(aBatch, m0 + 16u), rowOffsets(aBatch, m0 + 20u), rowOffsets(aBatch, m0 + 24u), rowOffsets(aBatch, m0 + 28u));

  // the accumulator tile: r<i> is output row m0 + i
  var r0: Row;  var r1: Row;  var r2: Row;  var r3: Row;  var r4: Row;  var r5: Row;  var r6: Row;  var r7: Row;
  var r8: Row;  var r9: Row;  var r10: Row; var r11: Row; var r12: Row; var r13: Row; var r14: Row; var r15: Row;
  var r16: Row; var r17: Row; var r18: Row; var r19: Row; var r20: Row; var r21: Row; var r22: Row; var r23: Row;
  var r24: Row; var r25: Row; var r26: Row; var r27: Row; var r28: Row; var r29: Row; var r30: Row; var r31: Row;
  var sb: Row; // with B_SUM: the sum of the B rows walked so far
  if (ACCUMULATE) {
    r0 = partialRow(oBatch, m0, n0);
    if (TM > 1u) { r1 = partialRow(oBatch, m0 + 1u, n0); }
    if (TM > 2u) { r2 = partialRow(oBatch, m0 + 2u, n0); }
    if (TM > 3u) { r3 = partialRow(oBatch, m0 + 3u, n0); }
    if (TM > 4u) { r4 = partialRow(oBatch, m0 + 4u, n0); }
    if (TM > 5u) { r5 = partialRow(oBatch, m0 + 5u, n0); }
    if (TM > 6u) { r6 = partialRow(oBatch, m0 + 6u, n0); }
    if (TM > 7u) { r7 = partialRow(oBatch, m0 + 7u, n0); }
    if (TM > 8u) { r8 = partialRow(oBatch, m0 + 8u, n0); }
    if (TM > 9u) { r9 = partialRow(oBatch, m0 + 9u, n0); }
    if (TM > 10u) { r10 = partialRow(oBatch, m0 + 10u, n0); }
    if (TM > 11u) { r11 = partialRow(oBatch, m0 + 11u, n0); }
    if (TM > 12u) { r12 = partialRow(oBatch, m0 + 12u, n0); }
    if (TM > 13u) { r13 = partialRow(oBatch, m0 + 13u, n0); }
    if (TM > 14u) { r14 = partialRow(oBatch, m0 + 14u, n0); }
    if (TM > 15u) { r15 = partialRow(oBatch, m0 + 15u, n0); }
    if (TM > 16u) { r16 = partialRow(oBatch, m0 + 16u, n0); }
    if (TM > 17u) { r17 = partialRow(oBatch, m0 + 17u, n0); }
    if (TM > 18u) { r18 = partialRow(oBatch, m0 + 18u, n0); }
    if (TM > 19u) { r19 = partialRow(oBatch, m0 + 19u, n0); }
    if (TM > 20u) { r20 = partialRow(oBatch, m0 + 20u, n0); }
    if (TM > 21u) { r21 = partialRow(oBatch, m0 + 21u, n0); }
    if (TM > 22u) { r22 = partialRow(oBatch, m0 + 22u, n0); }
    if (TM > 23u) { r23 = partialRow(oBatch, m0 + 23u, n0); }
    if (TM > 24u) { r24 = partialRow(oBatch, m0 + 24u, n0); }
    if (TM > 25u) { r25 = partialRow(oBatch, m0 + 25u, n0); }
    if (TM > 26u) { r26 = partialRow(oBatch, m0 + 26u, n0); }
    if (TM > 27u) { r27 = partialRow(oBatch, m0 + 27u, n0); }
    if (TM > 28u) { r28 = partialRow(oBatch, m0 + 28u, n0); }
    if (TM > 29u) { r29 = partialRow(oBatch, m0 + 29u, n0); }
    if (TM > 30u) { r30 = partialRow(oBatch, m0 + 30u, n0); }
    if (TM > 31u) { r31 = partialRow(oBatch, m0 + 31u, n0); }
  }

  if (AK_VEC4) {
    // four k a step: one vec4 of each A row, four B rows; each accumulator still takes its fmas
    // in k order, so the bits are the scalar loop's
    for (var k = 0u; k < params.K; k += 4u) {
      let o = bBatch + k * params.bk;
      var b0: Row; var b1: Row; var b2: Row; var b3: Row;
      if (BK_VEC4) {
        let q = loadRows4T(o, cols);
        b0 = q.b0; b1 = q.b1; b2 = q.b2; b3 = q.b3;
      } else {
        b0 = loadRow(o, cols);
        b1 = loadRow(o + params.bk, cols);
        b2 = loadRow(o + 2u * params.bk, cols);
        b3 = loadRow(o + 3u * params.bk, cols);
      }
      if (B_SUM) { sb = addRow(addRow(addRow(addRow(sb, b0), b1), b2), b3); }
      r0 = fmaRow4(r0, a4At((ra.g0.x + k) / 4u), b0, b1, b2, b3);
      if (TM > 1u) { r1 = fmaRow4(r1, a4At((ra.g0.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 2u) { r2 = fmaRow4(r2, a4At((ra.g0.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 3u) { r3 = fmaRow4(r3, a4At((ra.g0.w + k) / 4u), b0, b1, b2, b3); }
      if (TM > 4u) { r4 = fmaRow4(r4, a4At((ra.g1.x + k) / 4u), b0, b1, b2, b3); }
      if (TM > 5u) { r5 = fmaRow4(r5, a4At((ra.g1.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 6u) { r6 = fmaRow4(r6, a4At((ra.g1.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 7u) { r7 = fmaRow4(r7, a4At((ra.g1.w + k) / 4u), b0, b1, b2, b3); }
      if (TM > 8u) { r8 = fmaRow4(r8, a4At((ra.g2.x + k) / 4u), b0, b1, b2, b3); }
      if (TM > 9u) { r9 = fmaRow4(r9, a4At((ra.g2.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 10u) { r10 = fmaRow4(r10, a4At((ra.g2.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 11u) { r11 = fmaRow4(r11, a4At((ra.g2.w + k) / 4u), b0, b1, b2, b3); }
      if (TM > 12u) { r12 = fmaRow4(r12, a4At((ra.g3.x + k) / 4u), b0, b1, b2, b3); }
      if (TM > 13u) { r13 = fmaRow4(r13, a4At((ra.g3.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 14u) { r14 = fmaRow4(r14, a4At((ra.g3.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 15u) { r15 = fmaRow4(r15, a4At((ra.g3.w + k) / 4u), b0, b1, b2, b3); }
      if (TM > 16u) { r16 = fmaRow4(r16, a4At((ra.g4.x + k) / 4u), b0, b1, b2, b3); }
      if (TM > 17u) { r17 = fmaRow4(r17, a4At((ra.g4.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 18u) { r18 = fmaRow4(r18, a4At((ra.g4.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 19u) { r19 = fmaRow4(r19, a4At((ra.g4.w + k) / 4u), b0, b1, b2, b3); }
      if (TM > 20u) { r20 = fmaRow4(r20, a4At((ra.g5.x + k) / 4u), b0, b1, b2, b3); }
      if (TM > 21u) { r21 = fmaRow4(r21, a4At((ra.g5.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 22u) { r22 = fmaRow4(r22, a4At((ra.g5.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 23u) { r23 = fmaRow4(r23, a4At((ra.g5.w + k) / 4u), b0, b1, b2, b3); }
      if (TM > 24u) { r24 = fmaRow4(r24, a4At((ra.g6.x + k) / 4u), b0, b1, b2, b3); }
      if (TM > 25u) { r25 = fmaRow4(r25, a4At((ra.g6.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 26u) { r26 = fmaRow4(r26, a4At((ra.g6.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 27u) { r27 = fmaRow4(r27, a4At((ra.g6.w + k) / 4u), b0, b1, b2, b3); }
      if (TM > 28u) { r28 = fmaRow4(r28, a4At((ra.g7.x + k) / 4u), b0, b1, b2, b3); }
      if (TM > 29u) { r29 = fmaRow4(r29, a4At((ra.g7.y + k) / 4u), b0, b1, b2, b3); }
      if (TM > 30u) { r30 = fmaRow4(r30, a4At((ra.g7.z + k) / 4u), b0, b1, b2, b3); }
      if (TM > 31u) { r31 = fmaRow4(r31, a4At((ra.g7.w + k) / 4u), b0, b1, b2, b3); }
    }
  } else {
  for (var k = 0u; k < params.K; k++) {
    let bk = loadRow(bBatch + k * params.bk, cols);
    if (B_SUM) { sb = addRow(sb, bk); }
    let ka = k * params.ak;
    if (AM_VEC4) {
      let x = loadA(ra, ka);
      r0 = fmaRow(r0, x.g0.x, bk);
      if (TM > 1u) { r1 = fmaRow(r1, x.g0.y, bk); }
      if (TM > 2u) { r2 = fmaRow(r2, x.g0.z, bk); }
      if (TM > 3u) { r3 = fmaRow(r3, x.g0.w, bk); }
      if (TM > 4u) { r4 = fmaRow(r4, x.g1.x, bk); }
      if (TM > 5u) { r5 = fmaRow(r5, x.g1.y, bk); }
      if (TM > 6u) { r6 = fmaRow(r6, x.g1.z, bk); }
      if (TM > 7u) { r7 = fmaRow(r7, x.g1.w, bk); }
      if (TM > 8u) { r8 = fmaRow(r8, x.g2.x, bk); }
      if (TM > 9u) { r9 = fmaRow(r9, x.g2.y, bk); }
      if (TM > 10u) { r10 = fmaRow(r10, x.g2.z, bk); }
      if (TM > 11u) { r11 = fmaRow(r11, x.g2.w, bk); }
      if (TM > 12u) { r12 = fmaRow(r12, x.g3.x, bk); }
      if (TM > 13u) { r13 = fmaRow(r13, x.g3.y, bk); }
      if (TM > 14u) { r14 = fmaRow(r14, x.g3.z, bk); }
      if (TM > 15u) { r15 = fmaRow(r15, x.g3.w, bk); }
      if (TM > 16u) { r16 = fmaRow(r16, x.g4.x, bk); }
      if (TM > 17u) { r17 = fmaRow(r17, x.g4.y, bk); }
      if (TM > 18u) { r18 = fmaRow(r18, x.g4.z, bk); }
      if (TM > 19u) { r19 = fmaRow(r19, x.g4.w, bk); }
      if (TM > 20u) { r20 = fmaRow(r20, x.g5.x, bk); }
      if (TM > 21u) { r21 = fmaRow(r21, x.g5.y, bk); }
      if (TM > 22u) { r22 = fmaRow(r22, x.g5.z, bk); }
      if (TM > 23u) { r23 = fmaRow(r23, x.g5.w, bk); }
      if (TM > 24u) { r24 = fmaRow(r24, x.g6.x, bk); }
      if (TM > 25u) { r25 = fmaRow(r25, x.g6.y, bk); }
      if (TM > 26u) { r26 = fmaRow(r26, x.g6.z, bk); }
      if (TM > 27u) { r27 = fmaRow(r27, x.g6.w, bk); }
      if (TM > 28u) { r28 = fmaRow(r28, x.g7.x, bk); }
      if (TM > 29u) { r29 = fmaRow(r29, x.g7.y, bk); }
      if (TM > 30u) { r30 = fmaRow(r30, x.g7.z, bk); }
      if (TM > 31u) { r31 = fmaRow(r31, x.g7.w, bk); }
    } else {
      // one scalar load per row (kept as it was: reading them through loadA measured ~10% slower)
      r0 = fmaRow(r0, aAt(ra.g0.x + ka), bk);
      if (TM > 1u) { r1 = fmaRow(r1, aAt(ra.g0.y + ka), bk); }
      if (TM > 2u) { r2 = fmaRow(r2, aAt(ra.g0.z + ka), bk); }
      if (TM > 3u) { r3 = fmaRow(r3, aAt(ra.g0.w + ka), bk); }
      if (TM > 4u) { r4 = fmaRow(r4, aAt(ra.g1.x + ka), bk); }
      if (TM > 5u) { r5 = fmaRow(r5, aAt(ra.g1.y + ka), bk); }
      if (TM > 6u) { r6 = fmaRow(r6, aAt(ra.g1.z + ka), bk); }
      if (TM > 7u) { r7 = fmaRow(r7, aAt(ra.g1.w + ka), bk); }
      if (TM > 8u) { r8 = fmaRow(r8, aAt(ra.g2.x + ka), bk); }
      if (TM > 9u) { r9 = fmaRow(r9, aAt(ra.g2.y + ka), bk); }
      if (TM > 10u) { r10 = fmaRow(r10, aAt(ra.g2.z + ka), bk); }
      if (TM > 11u) { r11 = fmaRow(r11, aAt(ra.g2.w + ka), bk); }
      if (TM > 12u) { r12 = fmaRow(r12, aAt(ra.g3.x + ka), bk); }
      if (TM > 13u) { r13 = fmaRow(r13, aAt(ra.g3.y + ka), bk); }
      if (TM > 14u) { r14 = fmaRow(r14, aAt(ra.g3.z + ka), bk); }
      if (TM > 15u) { r15 = fmaRow(r15, aAt(ra.g3.w + ka), bk); }
      if (TM > 16u) { r16 = fmaRow(r16, aAt(ra.g4.x + ka), bk); }
      if (TM > 17u) { r17 = fmaRow(r17, aAt(ra.g4.y + ka), bk); }
      if (TM > 18u) { r18 = fmaRow(r18, aAt(ra.g4.z + ka), bk); }
      if (TM > 19u) { r19 = fmaRow(r19, aAt(ra.g4.w + ka), bk); }
      if (TM > 20u) { r20 = fmaRow(r20, aAt(ra.g5.x + ka), bk); }
      if (TM > 21u) { r21 = fmaRow(r21, aAt(ra.g5.y + ka), bk); }
      if (TM > 22u) { r22 = fmaRow(r22, aAt(ra.g5.z + ka), bk); }
      if (TM > 23u) { r23 = fmaRow(r23, aAt(ra.g5.w + ka), bk); }
      if (TM > 24u) { r24 = fmaRow(r24, aAt(ra.g6.x + ka), bk); }
      if (TM > 25u) { r25 = fmaRow(r25, aAt(ra.g6.y + ka), bk); }
      if (TM > 26u) { r26 = fmaRow(r26, aAt(ra.g6.z + ka), bk); }
      if (TM > 27u) { r27 = fmaRow(r27, aAt(ra.g6.w + ka), bk); }
      if (TM > 28u) { r28 = fmaRow(r28, aAt(ra.g7.x + ka), bk); }
      if (TM > 29u) { r29 = fmaRow(r29, aAt(ra.g7.y + ka), bk); }
      if (TM > 30u) { r30 = fmaRow(r30, aAt(ra.g7.z + ka), bk); }
      if (TM > 31u) { r31 = fmaRow(r31, aAt(ra.g7.w + ka), bk); }
    }
  }
  }

  if (B_SUM && m0 == 0u) { storeSum(sb, n0); }
  var bv: Row;
  if (BIAS && OUT_VEC4) { bv = biasRow(n0); }
  storeRow(r0, oBatch, m0, n0, bv);
  if (TM > 1u) { storeRow(r1, oBatch, m0 + 1u, n0, bv); }
  if (TM > 2u) { storeRow(r2, oBatch, m0 + 2u, n0, bv); }
  if (TM > 3u) { storeRow(r3, oBatch, m0 + 3u, n0, bv); }
  if (TM > 4u) { storeRow(r4, oBatch, m0 + 4u, n0, bv); }
  if (TM > 5u) { storeRow(r5, oBatch, m0 + 5u, n0, bv); }
  if (TM > 6u) { storeRow(r6, oBatch, m0 + 6u, n0, bv); }
  if (TM > 7u) { storeRow(r7, oBatch, m0 + 7u, n0, bv); }
  if (TM > 8u) { storeRow(r8, oBatch, m0 + 8u, n0, bv); }
  if (TM > 9u) { storeRow(r9, oBatch, m0 + 9u, n0, bv); }
  if (TM > 10u) { storeRow(r10, oBatch, m0 + 10u, n0, bv); }
  if (TM > 11u) { storeRow(r11, oBatch, m0 + 11u, n0, bv); }
  if (TM > 12u) { storeRow(r12, oBatch, m0 + 12u, n0, bv); }
  if (TM > 13u) { storeRow(r13, oBatch, m0 + 13u, n0, bv); }
  if (TM > 14u) { storeRow(r14, oBatch, m0 + 14u, n0, bv); }
  if (TM > 15u) { storeRow(r15, oBatch, m0 + 15u, n0, bv); }
  if (TM > 16u) { storeRow(r16, oBatch, m0 + 16u, n0, bv); }
  if (TM > 17u) { storeRow(r17, oBatch, m0 + 17u, n0, bv); }
  if (TM > 18u) { storeRow(r18, oBatch, m0 + 18u, n0, bv); }
  if (TM > 19u) { storeRow(r19, oBatch, m0 + 19u, n0, bv); }
  if (TM > 20u) { storeRow(r20, oBatch, m0 + 20u, n0, bv); }
  if (TM > 21u) { storeRow(r21, oBatch, m0 + 21u, n0, bv); }
  if (TM > 22u) { storeRow(r22, oBatch, m0 + 22u, n0, bv); }
  if (TM > 23u) { storeRow(r23, oBatch, m0 + 23u, n0, bv); }
  if (TM > 24u) { storeRow(r24, oBatch, m0 + 24u, n0, bv); }
  if (TM > 25u) { storeRow(r25, oBatch, m0 + 25u, n0, bv); }
  if (TM > 26u) { storeRow(r26, oBatch, m0 + 26u, n0, bv); }
  if (TM > 27u) { storeRow(r27, oBatch, m0 + 27u, n0, bv); }
  if (TM > 28u) { storeRow(r28, oBatch, m0 + 28u, n0, bv); }
  if (TM > 29u) { storeRow(r29, oBatch, m0 + 29u, n0, bv); }
  if (TM > 30u) { storeRow(r30, oBatch, m0 + 30u, n0, bv); }
  if (TM > 31u) { storeRow(r31, oBatch, m0 + 31u, n0, bv); }
}
