// common.wgsl: what every speclin kernel shares, put by pipelines.ts in front of each program
// (after the declarations generated from src/gpu/programs.ts, which define WG_SIZE, the
// invocations per workgroup of every kernel): the workgroup sum, in one of two forms:
// subgroupAdd where the adapter has 'subgroups' (and the subgroup_id builtin), a shared-memory
// tree where it has not. Both give a sum whose rounding error grows with log2(WG_SIZE), not with
// WG_SIZE; callers feed it per-thread compensated sums. Every kernel that calls workgroup_sum runs
// WG_SIZE invocations in one dimension and calls it in uniform control flow.

var<workgroup> reduce_scratch: array<f32, WG_SIZE>;

//#if SUBGROUPS
struct Lanes {
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_id) sg: u32,
  @builtin(num_subgroups) nsg: u32,
  @builtin(subgroup_invocation_id) sg_lane: u32,
}

fn workgroup_sum(v: f32, lanes: Lanes) -> f32 {
  let s = subgroupAdd(v);
  if (lanes.sg_lane == 0u) { reduce_scratch[lanes.sg] = s; }
  workgroupBarrier();
  // At most WG_SIZE / subgroup size (32 for lavapipe's 8, 8 for 32-wide GPUs) partial sums,
  // each read by every invocation so that all of them return the same value.
  var total = 0.0;
  for (var i = 0u; i < lanes.nsg; i++) { total += reduce_scratch[i]; }
  workgroupBarrier();
  return total;
}
//#else
struct Lanes {
  @builtin(local_invocation_index) lid: u32,
}

fn workgroup_sum(v: f32, lanes: Lanes) -> f32 {
  reduce_scratch[lanes.lid] = v;
  workgroupBarrier();
  for (var stride = WG_SIZE / 2u; stride > 0u; stride >>= 1u) {
    if (lanes.lid < stride) { reduce_scratch[lanes.lid] += reduce_scratch[lanes.lid + stride]; }
    workgroupBarrier();
  }
  let total = reduce_scratch[0];
  workgroupBarrier();
  return total;
}
//#endif

// Neumaier's compensated sum: (sum, compensation); the value is sum + compensation.
fn neumaier(acc: vec2<f32>, x: f32) -> vec2<f32> {
  let t = acc.x + x;
  var c: f32;
  if (abs(acc.x) >= abs(x)) { c = (acc.x - t) + x; } else { c = (x - t) + acc.x; }
  return vec2<f32>(t, acc.y + c);
}

// Writes a workgroup's compensated partial (hi, lo) for the host to add in float64.
fn workgroup_partial(acc: vec2<f32>, lanes: Lanes) -> vec2<f32> {
  let hi = workgroup_sum(acc.x, lanes);
  let lo = workgroup_sum(acc.y, lanes);
  return vec2<f32>(hi, lo);
}
