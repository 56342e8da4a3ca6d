// topk.wgsl: the k largest scores of each row of S = Q K^T (computed by gram.wgsl), exact.
// One workgroup per query row. Round r finds the best entry strictly after the round r-1 winner
// in the order (score descending, key index ascending), by a strided scan per invocation and an
// argmax tree in workgroup memory: k rounds of n / WG_SIZE reads per invocation, no per-invocation
// candidate list, any k, and ties broken by the lower key index. NaN scores are never selected
// (finite inputs give one only when products overflow to +Inf and -Inf in one sum).
//   ivf_rows        the same selection over an inverted file's probed lists: one workgroup per
//                   query scores the keys of its nprobe lists (resident, list by list) into its
//                   slots of a scratch array, then runs topk_rows' k rounds over them, ranking by
//                   the keys' ids (ties: the lower id), as the CPU ivf search does.
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

fn is_nan(s: f32) -> bool {
  // NaN by its bits: WGSL lets compilers assume finite floats, which may fold s != s away.
  return (bitcast<u32>(s) & 0x7fffffffu) > 0x7f800000u;
}

// Whether (s, i) is still a candidate in the round after the winner (last_s, last_i), and ranks
// before the invocation's best so far (bs, bi).
fn better_candidate(s: f32, i: u32, last_s: f32, last_i: u32, bs: f32, bi: u32) -> bool {
  if (is_nan(s)) { return false; }
  // Only entries ranked after the previous winner are still candidates.
  if (last_i != NONE && !before(last_s, last_i, s, i)) { return false; }
  return before(s, i, bs, bi);
}

// The workgroup's best of the invocations' (bs, bi), by an argmax tree in workgroup memory: its
// index (NONE when every invocation had none) for every invocation, its score in *score. Called
// in uniform control flow by every invocation.
fn workgroup_best(lid: u32, bs: f32, bi: u32, score: ptr<function, f32>) -> u32 {
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
  *score = best_score[0];
  // workgroupUniformLoad: the winner is the same for all invocations (and its barrier keeps the
  // read of best_score[0] above before the next round's writes); the analysis must know it for
  // the callers' break to keep the barriers in uniform control flow.
  return workgroupUniformLoad(&best_index[0]);
}

// Slots r.. of output row `at`: only NaN scores (or no keys) are left, which index -1 says.
fn fill_missing(at: u32, r: u32, k: u32) {
  for (var q = r; q < k; q++) { out_index[at + q] = -1; out_score[at + q] = 0.0; }
}

@compute @workgroup_size(WG_SIZE)
fn topk_rows(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
             @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.rows) { return; }
  let base = row * params.stride;
  let at = (params.first + row) * params.k;
  var last_s = 0.0;
  var last_i = NONE;
  for (var r = 0u; r < params.k; r++) {
    var bs = 0.0;
    var bi = NONE;
    for (var j = lid; j < params.n; j += WG_SIZE) {
      let s = scores[base + j];
      if (better_candidate(s, j, last_s, last_i, bs, bi)) { bs = s; bi = j; }
    }
    last_i = workgroup_best(lid, bs, bi, &last_s);
    if (last_i == NONE) {
      if (lid == 0u) { fill_missing(at, r, params.k); }
      break;
    }
    if (lid == 0u) { out_index[at + r] = i32(last_i); out_score[at + r] = last_s; }
  }
}

// plan: cand_start (rows + 1 offsets into cand_score, the row's slots), then the rows' probed
// lists (nprobe each). list_start: where each list's keys begin in keys and ids (nlist + 1).
@compute @workgroup_size(WG_SIZE)
fn ivf_rows(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= ivf.rows) { return; }
  let qbase = row * ivf.quads;
  let slots = plan[row];
  let probes = ivf.rows + 1u + row * ivf.nprobe;
  let at = (ivf.first + row) * ivf.k;
  // 1. The scores of the probed lists' keys, list after list, into the row's slots.
  var slot = slots;
  for (var p = 0u; p < ivf.nprobe; p++) {
    let l = plan[probes + p];
    let first = list_start[l];
    let len = list_start[l + 1u] - first;
    for (var j = lid; j < len; j += WG_SIZE) {
      let kbase = (first + j) * ivf.quads;
      var acc = 0.0;
      for (var c = 0u; c < ivf.quads; c++) { acc += dot(queries[qbase + c], keys[kbase + c]); }
      cand_score[slot + j] = acc;
    }
    slot += len;
  }
  // The workgroup's scores are read back by other invocations of it below.
  storageBarrier();
  // 2. k rounds as in topk_rows, over the slots, each key ranked by its id.
  var last_s = 0.0;
  var last_i = NONE;
  for (var r = 0u; r < ivf.k; r++) {
    var bs = 0.0;
    var bi = NONE;
    slot = slots;
    for (var p = 0u; p < ivf.nprobe; p++) {
      let l = plan[probes + p];
      let first = list_start[l];
      let len = list_start[l + 1u] - first;
      for (var j = lid; j < len; j += WG_SIZE) {
        let s = cand_score[slot + j];
        let id = u32(ids[first + j]);
        if (better_candidate(s, id, last_s, last_i, bs, bi)) { bs = s; bi = id; }
      }
      slot += len;
    }
    last_i = workgroup_best(lid, bs, bi, &last_s);
    if (last_i == NONE) {
      if (lid == 0u) { fill_missing(at, r, ivf.k); }
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
