// spmv.wgsl: y = alpha * diag(d) A diag(d) x for a CSR matrix A (d = 1 unless params.scaled), and
// the row scaling y = diag(v) x that the population loss needs.
//   spmv_vector  x is one column: a group of GROUP lanes per row (GROUP chosen on the host from
//                the mean row length: a power of two up to 32), WG_SIZE / GROUP rows per
//                workgroup. The lanes' partial sums are reduced
//                - with subgroups: a group is GROUP consecutive invocations of one subgroup when
//                  GROUP <= the subgroup size (lavapipe 8, NVIDIA 32), reduced by subgroupAdd when
//                  it is the whole subgroup and by subgroupShuffleDown halvings otherwise; a larger
//                  group spans GROUP / size whole subgroups, whose subgroupAdd partials the group's
//                  first lane adds from workgroup memory;
//                - without: by a tree in workgroup memory.
//   spmm_rows    x has several columns: one invocation per (row, column), so the reads of x's rows
//                are contiguous across neighbouring invocations.
//   scale_rows   y[i, c] = v[i] * x[i, c].
// x and y are row-major with `stride` floats per row (GpuMatrix padding). The Params struct and the
// bindings are declared in src/gpu/programs.ts.

override GROUP: u32 = 1u;

var<workgroup> lanes_sum: array<f32, WG_SIZE>;

fn weight(row: u32, p: u32) -> f32 {
  let j = indices[p];
  var a = values[p];
  if (params.scaled == 1u) { a *= d[j]; }
  return a;
}

// Lane `lane` of row `row`'s group: its strided share of the row's products.
fn row_partial(row: u32, lane: u32) -> f32 {
  var acc = 0.0;
  if (row < params.n) {
    for (var p = indptr[row] + lane; p < indptr[row + 1u]; p += GROUP) {
      acc = fma(weight(row, p), x[indices[p] * params.stride], acc);
    }
  }
  return acc;
}

fn store_row(row: u32, sum: f32) {
  var r = params.alpha * sum;
  if (params.scaled == 1u) { r *= d[row]; }
  y[row * params.stride] = r;
}

//#if SUBGROUPS
@compute @workgroup_size(WG_SIZE)
fn spmv_vector(lanes: Lanes, @builtin(subgroup_size) sg_size: u32, @builtin(workgroup_id) wid: vec3<u32>,
               @builtin(num_workgroups) nwg: vec3<u32>) {
  // Invocations are numbered by subgroup, so that a group never straddles two subgroups. This
  // numbers 0 .. WG_SIZE - 1 because the subgroups of a workgroup whose size is a multiple of the
  // subgroup size are full (true of Vulkan, Metal and D3D12 drivers for 1-D workgroups).
  let slot = lanes.sg * sg_size + lanes.sg_lane;
  let row = (wid.x + wid.y * nwg.x) * (WG_SIZE / GROUP) + slot / GROUP;
  let lane = slot % GROUP;
  let acc = row_partial(row, lane);
  var sum = acc;
  if (GROUP >= sg_size) {
    sum = subgroupAdd(acc);
    if (GROUP > sg_size && lanes.sg_lane == 0u) { lanes_sum[lanes.sg] = sum; }
  } else {
    // After the step with offset s, lane i holds the lanes i + j s (j < GROUP / s) of the group
    // when i < s: at the end the group's first lane holds all of them. Lanes that read past
    // their group (or the subgroup) hold values no first lane reads.
    for (var s = GROUP / 2u; s > 0u; s >>= 1u) { sum += subgroupShuffleDown(sum, s); }
  }
  workgroupBarrier();
  if (GROUP > sg_size && lane == 0u) {
    // The group's first lane is lane 0 of its first subgroup; its subgroups are consecutive.
    sum = 0.0;
    for (var i = 0u; i < GROUP / sg_size; i++) { sum += lanes_sum[lanes.sg + i]; }
  }
  if (lane == 0u && row < params.n) { store_row(row, sum); }
}
//#else
@compute @workgroup_size(WG_SIZE)
fn spmv_vector(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
               @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = (wid.x + wid.y * nwg.x) * (WG_SIZE / GROUP) + lid / GROUP;
  let lane = lid % GROUP;
  lanes_sum[lid] = row_partial(row, lane);
  workgroupBarrier();
  for (var s = GROUP / 2u; s > 0u; s >>= 1u) {
    if (lane < s) { lanes_sum[lid] += lanes_sum[lid + s]; }
    workgroupBarrier();
  }
  if (lane == 0u && row < params.n) { store_row(row, lanes_sum[lid]); }
}
//#endif

@compute @workgroup_size(WG_SIZE)
fn spmm_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * WG_SIZE;
  let row = t / params.cols;
  let c = t % params.cols;
  if (row >= params.n) { return; }
  var acc = 0.0;
  for (var p = indptr[row]; p < indptr[row + 1u]; p++) {
    acc = fma(weight(row, p), x[indices[p] * params.stride + c], acc);
  }
  var r = params.alpha * acc;
  if (params.scaled == 1u) { r *= d[row]; }
  y[row * params.stride + c] = r;
}

@compute @workgroup_size(WG_SIZE)
fn scale_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * WG_SIZE;
  let row = t / params.cols;
  let c = t % params.cols;
  if (row >= params.n) { return; }
  y[row * params.stride + c] = d[row] * x[row * params.stride + c];
}
