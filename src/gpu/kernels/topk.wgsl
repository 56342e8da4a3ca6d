// topk.wgsl: the k largest scores of each row of S = Q K^T (computed by gram.wgsl), exact.
// One workgroup per query row. Round r finds the best entry strictly after the round r-1 winner
// in the order (score descending, key index ascending), by a strided scan per invocation and an
// argmax tree in workgroup memory: k rounds of n / WG_SIZE reads per invocation, no per-invocation
// candidate list, any k, and ties broken by the lower key index. NaN scores are never selected
// (finite inputs give one only when products overflow to +Inf and -Inf in one sum).
//   nonfinite_rows  the first row of a matrix (queries or keys) holding a NaN or an Infinity, by
//                   atomicMin into a flag word that the host reads back with the indices, so that
//                   the GPU raises the CPU topK's RangeError without reading the inputs back.
// NONE (no index), the uniform structs (params, scan) and the bindings are declared in
// src/gpu/programs.ts.

var<workgroup> best_score: array<f32, WG_SIZE>;
var<workgroup> best_index: array<u32, WG_SIZE>;

// a ranks before b
fn before(sa: f32, ia: u32, sb: f32, ib: u32) -> bool {
  if (ia == NONE) { return false; }
  if (ib == NONE) { return true; }
  return sa > sb || (sa == sb && ia < ib);
}

@compute @workgroup_size(WG_SIZE)
fn topk_rows(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
             @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.rows) { return; }
  let base = row * params.stride;
  var last_s = 0.0;
  var last_i = NONE;
  for (var r = 0u; r < params.k; r++) {
    var bs = 0.0;
    var bi = NONE;
    for (var j = lid; j < params.n; j += WG_SIZE) {
      let s = scores[base + j];
      // NaN by its bits: WGSL lets compilers assume finite floats, which may fold s != s away.
      if ((bitcast<u32>(s) & 0x7fffffffu) > 0x7f800000u) { continue; }
      // Only entries ranked after the previous winner are still candidates.
      if (last_i != NONE && !before(last_s, last_i, s, j)) { continue; }
      if (before(s, j, bs, bi)) { bs = s; bi = j; }
    }
    best_score[lid] = bs;
    best_index[lid] = bi;
    workgroupBarrier();
    for (var h = WG_SIZE / 2u; h > 0u; h >>= 1u) {
      if (lid < h && before(best_score[lid + h], best_index[lid + h], best_score[lid], best_index[lid])) {
        best_score[lid] = best_score[lid + h];
        best_index[lid] = best_index[lid + h];
      }
      workgroupBarrier();
    }
    last_s = best_score[0];
    // workgroupUniformLoad: the winner is the same for all invocations, and the analysis must know
    // it for the break below to keep the barriers in uniform control flow.
    last_i = workgroupUniformLoad(&best_index[0]);
    let at = (params.first + row) * params.k;
    if (last_i == NONE) {
      // Only NaN scores are left: the remaining slots say so with index -1.
      if (lid == 0u) { for (var q = r; q < params.k; q++) { out_index[at + q] = -1; out_score[at + q] = 0.0; } }
      break;
    }
    if (lid == 0u) { out_index[at + r] = i32(last_i); out_score[at + r] = last_s; }
  }
}

// One invocation per vec4, so neighbouring invocations read neighbouring memory.
@compute @workgroup_size(WG_SIZE)
fn nonfinite_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * WG_SIZE;
  if (t >= scan.total) { return; }
  let bits = bitcast<vec4<u32>>(matrix[t]) & vec4<u32>(0x7f800000u);
  if (any(bits == vec4<u32>(0x7f800000u))) { atomicMin(&first_bad_row[scan.slot], t / scan.quads); }
}
