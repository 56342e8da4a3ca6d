// spmv.wgsl: y = alpha * diag(d) A diag(d) x for a CSR matrix A (d = 1 unless params.scaled), and
// the row scaling y = diag(v) x that the population loss needs.
//   spmv_vector  x is one column: a group of GROUP lanes per row (GROUP chosen on the host from
//                the mean row length: the next power of two up to 32), WG_SIZE / GROUP rows per
//                workgroup, the lanes' partial sums reduced by a tree in workgroup memory.
//   spmm_rows    x has several columns: one invocation per (row, column), so the reads of x's rows
//                are contiguous across neighbouring invocations.
//   scale_rows   y[i, c] = v[i] * x[i, c].
// x and y are row-major with `stride` floats per row (GpuMatrix padding).

override GROUP: u32 = 1u;

struct Params {
  n: u32,
  cols: u32,
  stride: u32,
  scaled: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> indptr: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read> d: array<f32>;

var<workgroup> lanes_sum: array<f32, WG_SIZE>;

fn weight(row: u32, p: u32) -> f32 {
  let j = indices[p];
  var a = values[p];
  if (params.scaled == 1u) { a *= d[j]; }
  return a;
}

@compute @workgroup_size(256)
fn spmv_vector(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
               @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = (wid.x + wid.y * nwg.x) * (WG_SIZE / GROUP) + lid / GROUP;
  let lane = lid % GROUP;
  var acc = 0.0;
  if (row < params.n) {
    for (var p = indptr[row] + lane; p < indptr[row + 1u]; p += GROUP) {
      acc = fma(weight(row, p), x[indices[p] * params.stride], acc);
    }
  }
  lanes_sum[lid] = acc;
  workgroupBarrier();
  for (var s = GROUP / 2u; s > 0u; s >>= 1u) {
    if (lane < s) { lanes_sum[lid] += lanes_sum[lid + s]; }
    workgroupBarrier();
  }
  if (lane == 0u && row < params.n) {
    var r = params.alpha * lanes_sum[lid];
    if (params.scaled == 1u) { r *= d[row]; }
    y[row * params.stride] = r;
  }
}

@compute @workgroup_size(256)
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

@compute @workgroup_size(256)
fn scale_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * WG_SIZE;
  let row = t / params.cols;
  let c = t % params.cols;
  if (row >= params.n) { return; }
  y[row * params.stride + c] = d[row] * x[row * params.stride + c];
}
