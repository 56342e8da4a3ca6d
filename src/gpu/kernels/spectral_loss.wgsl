// spectral_loss.wgsl: the row-wise and reduction steps of the fused spectral loss. The products
// themselves run in gram.wgsl (its loss epilogue computes the pairwise terms while S = Z W^T is in
// registers, its axpy epilogue forms the gradients); this program holds what is left:
//   clip_rows      z_i <- z_i * min(1, sqrt(mu) / |z_i|), remembering the factor
//   row_dots       s_i = z_i . w_i, with partial sums of s_i and s_i^2
//   clip_backward  g_i <- f_i (g_i - u_i (u_i . g_i)), u_i = z_i / |z_i|, for clipped rows
// (The Frobenius product <Z^T Z, W^T W>_F is reduce.wgsl's frobenius_dot; bindings and the Params
// struct are declared in src/gpu/programs.ts.)
// One invocation per row (rows are short: k floats), WG_SIZE rows per workgroup; partial sums
// are compensated per invocation, reduced per workgroup by workgroup_sum (reduce.wgsl), and added
// in float64 by the host: 4 floats per workgroup (hi, lo of each of two sums).

fn row_norm(base: u32) -> f32 {
  var acc = 0.0;
  for (var q = 0u; q < params.stride4; q++) { acc += dot(x[base + q], x[base + q]); }
  return sqrt(acc);
}

@compute @workgroup_size(WG_SIZE)
fn clip_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG_SIZE;
  if (i >= params.rows) { return; }
  let base = i * params.stride4;
  let norm = row_norm(base);
  let bound = sqrt(params.mu);
  // The reference implementation keeps rows with |z| < sqrt(mu) and rescales the others.
  var f = 1.0;
  if (norm >= bound) { f = bound / norm; }
  factor[i] = f;
  for (var q = 0u; q < params.stride4; q++) { out[base + q] = f * x[base + q]; }
}

@compute @workgroup_size(WG_SIZE)
fn row_dots(lanes: Lanes, @builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG_SIZE;
  var v = 0.0;
  if (i < params.rows) {
    let base = i * params.stride4;
    var acc = vec2<f32>(0.0);
    for (var q = 0u; q < params.stride4; q++) {
      let p = x[base + q] * y[base + q];
      acc = neumaier(neumaier(neumaier(neumaier(acc, p.x), p.y), p.z), p.w);
    }
    v = acc.x + acc.y;
    s[i] = v;
  }
  let sum = workgroup_partial(vec2<f32>(v, 0.0), lanes);
  let sq = workgroup_partial(vec2<f32>(v * v, fma(v, v, -(v * v))), lanes);
  if (lanes.lid == 0u) {
    let at = 4u * (wid.x + wid.y * nwg.x);
    partials[at] = sum.x;
    partials[at + 1u] = sum.y;
    partials[at + 2u] = sq.x;
    partials[at + 3u] = sq.y;
  }
}

@compute @workgroup_size(WG_SIZE)
fn clip_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG_SIZE;
  if (i >= params.rows) { return; }
  let f = factor[i];
  if (f >= 1.0) { return; }
  let base = i * params.stride4;
  let inv = 1.0 / row_norm(base);
  var ug = 0.0;
  for (var q = 0u; q < params.stride4; q++) { ug += dot(x[base + q] * inv, out[base + q]); }
  for (var q = 0u; q < params.stride4; q++) { out[base + q] = f * (out[base + q] - (ug * inv) * x[base + q]); }
}
