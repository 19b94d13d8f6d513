// test_invalid: test-only shader whose workgroup (2048 invocations) exceeds every adapter's limit
// (WebGPU's maximum is 1024 at most), so creating its pipeline must fail validation; the runtime
// must then throw an Error naming it at the next sync (tests/webgpu_runtime.test.ts).
// out (n) f32 | no params | dispatch: 1 workgroup
@group(0) @binding(0) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(2048)
fn main(@builtin(local_invocation_index) l: u32) {
  if (l < arrayLength(&out)) { out[l] = 1.0; }
}
