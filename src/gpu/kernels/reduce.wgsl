// reduce.wgsl: reductions of whole buffers, for the host to finish in float64.
//   frobenius_dot  partial sums of <X, Y>_F = sum_ab X_ab Y_ab over params.count4 vec4s: a
//                  grid-stride loop over params.groups workgroups, each writing its compensated
//                  partial (hi, lo, 0, 0) to partials[4 * group ..]. Used by the spectral loss
//                  (<Z^T Z, W^T W>_F), the population loss (tr(E^T A E), ||E^T D E||_F^2) and
//                  the Lanczos norm (eigsh.wgsl's finish_norm adds its partials on the device).

@compute @workgroup_size(WG_SIZE)
fn frobenius_dot(lanes: Lanes, @builtin(workgroup_id) wid: vec3<u32>) {
  var acc = vec2<f32>(0.0);
  for (var q = wid.x * WG_SIZE + lanes.lid; q < params.count4; q += params.groups * WG_SIZE) {
    let p = x[q] * y[q];
    acc = neumaier(neumaier(neumaier(neumaier(acc, p.x), p.y), p.z), p.w);
  }
  let sum = workgroup_partial(acc, lanes);
  if (lanes.lid == 0u) {
    partials[4u * wid.x] = sum.x;
    partials[4u * wid.x + 1u] = sum.y;
    partials[4u * wid.x + 2u] = 0.0;
    partials[4u * wid.x + 3u] = 0.0;
  }
}
