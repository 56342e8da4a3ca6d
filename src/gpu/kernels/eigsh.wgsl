// eigsh.wgsl: the steps of GPU Lanczos besides the graph product (spmv.wgsl) and the norm's
// partial sums (reduce.wgsl's frobenius_dot), so that a whole restart cycle runs without reading
// anything back (CHUNK4, the Params struct and the bindings are declared in src/gpu/programs.ts):
//   basis_dots    partial dot products of the first `rows` basis vectors with w: workgroup
//                 (i, c) covers chunk c (CHUNK4 vec4s) of row i; split over chunks so that a long
//                 basis row still spreads over many workgroups
//   finish_dots   h[base + i] = sum over chunks (+ hin[i] when params.add = 1)
//   basis_combine wout = w0 - sum_i hin[i] V_i, one invocation per vec4 of the row
//   finish_norm   one workgroup adds the compensated partials, beta = sqrt(sum), and stores beta
//                 both in the projected matrix H (at h_index) and in scalars[0]
//   scale_row     v_{j+1} = w / beta (zero when beta = 0: an invariant subspace was found)

@compute @workgroup_size(WG_SIZE)
fn basis_dots(lanes: Lanes, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = wid.x + wid.y * nwg.x;
  let i = g / params.chunks;
  let c = g % params.chunks;
  var acc = 0.0;
  if (i < params.rows) {
    let end = min((c + 1u) * CHUNK4, params.n4);
    for (var q = c * CHUNK4 + lanes.lid; q < end; q += WG_SIZE) { acc += dot(basis[i * params.n4 + q], wv[q]); }
  }
  let total = workgroup_sum(acc, lanes);
  if (lanes.lid == 0u && i < params.rows) { dots[g] = total; }
}

@compute @workgroup_size(WG_SIZE)
fn finish_dots(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.rows) { return; }
  var acc = 0.0;
  for (var c = 0u; c < params.chunks; c++) { acc += dots[i * params.chunks + c]; }
  if (params.add == 1u) { acc += hin[i]; }
  h[params.h_index + i] = acc;
}

@compute @workgroup_size(WG_SIZE)
fn basis_combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG_SIZE;
  if (q >= params.n4) { return; }
  var acc = wv[q];
  for (var i = 0u; i < params.rows; i++) { acc -= hin[i] * basis[i * params.n4 + q]; }
  wout[q] = acc;
}

@compute @workgroup_size(WG_SIZE)
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

@compute @workgroup_size(WG_SIZE)
fn scale_row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG_SIZE;
  if (i >= params.count) { return; }
  let beta = scalars[0];
  var r = 0.0;
  if (beta > 0.0) { r = w[i] / beta; }
  v[i] = r;
}
