// eigsh.wgsl: the two small steps of GPU Lanczos that are neither a product (gram.wgsl, spmv.wgsl)
// nor a partial sum (spectral_loss.wgsl's frobenius_dot computes ||w||^2's partials):
//   finish_norm  one workgroup adds the compensated partials, beta = sqrt(sum), and stores beta both
//                in the projected matrix H (at h_index) and in scalars[0]
//   scale_row    v_{j+1} = w / beta (zero when beta = 0: an invariant subspace was found)
// so that a whole restart cycle of Lanczos runs without reading anything back.

struct Params {
  count: u32,    // floats in w and v
  groups: u32,   // partial (hi, lo) pairs to add, 4 floats apart
  h_index: u32,  // where beta goes in H
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> scalars: array<f32>;
@group(0) @binding(3) var<storage, read_write> h: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn finish_norm(lanes: Lanes) {
  var hi = 0.0;
  var lo = 0.0;
  for (var g = lanes.lid; g < params.groups; g += WG_SIZE) {
    hi += partials[4u * g];
    lo += partials[4u * g + 1u];
  }
  let total = workgroup_sum(hi, lanes) + workgroup_sum(lo, lanes);
  if (lanes.lid == 0u) {
    let beta = sqrt(max(total, 0.0));
    scalars[0] = beta;
    h[params.h_index] = beta;
  }
}

@compute @workgroup_size(256)
fn scale_row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG_SIZE;
  if (i >= params.count) { return; }
  let beta = scalars[0];
  var r = 0.0;
  if (beta > 0.0) { r = w[i] / beta; }
  v[i] = r;
}
