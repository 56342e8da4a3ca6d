// gram.wgsl: the one GEMM of the WebGPU backend,
//     C = alpha * op(A) op(B) + (beta + gamma * v[i]) * D        (D, v only with EPILOGUE_AXPY)
// behind gram (Z Z^T), crossGram (Z W^T), innerGram (Z^T W), the spectral loss and the
// population loss. Matrices are row-major with rows padded to a multiple of 4 floats (zeros in the
// padding, see matrix.ts), so every global load and store is an aligned vec4.
//
// Tiling (TILE_M, TILE_N, TILE_K and the bindings are declared in src/gpu/programs.ts):
//   a workgroup computes a TILE_M x TILE_N = 64 x 64 block of C with 16 x 16 = WG_SIZE invocations,
//   each invocation a 4 x 4 block held in four vec4 registers; the K dimension advances TILE_K = 16
//   at a time through two workgroup-memory tiles (op(A): 16 x 64, op(B): 16 x 64, 8 KiB in all),
//   each loaded with one vec4 per invocation.
//   Split K: when the output has few tiles and K is long (innerGram of tall matrices: Z^T Z,
//   E^T D E), the K range is cut into params.splits slices of params.k_split (a multiple of TILE_K);
//   each workgroup writes its slice's product into its own copy of C, and splitk_sum adds the
//   copies in a fixed order (deterministic) and scales by alpha. Used with EPILOGUE 0 only.
const THREADS_N: u32 = TILE_N / 4u;  // invocations per row of the 4 x 4 blocks (and TILE_M / 4 rows)
const K4: u32 = TILE_K / 4u;         // vec4s of K per tile row
// Square tiles (both tiles are indexed with THREADS_N), one vec4 of each tile per invocation, and
// one 4 x 4 block of C per invocation.
const_assert TILE_M == TILE_N && K4 * TILE_M == WG_SIZE && THREADS_N * THREADS_N == WG_SIZE;

// A is stored K x M (innerGram: Z^T W) instead of M x K.
override TRANS_A: bool = false;
// B is stored N x K (crossGram and gram: Z W^T) instead of K x N.
override TRANS_B: bool = true;
// A and B are the same matrix and C is symmetric: only tiles with tile_j >= tile_i are computed,
// and each off-diagonal tile is also written transposed. Halves the work of gram and Z^T Z.
override UPPER: bool = false;
// 0: C = alpha * AB.  1: C = alpha * AB + (beta + gamma * v[i]) * D.
// 2: C = AB with the diagonal zeroed when params.mask_diag = 1, and each workgroup writes the
//    compensated sum of the squares of its (unmasked) entries and the sum of its diagonal entries
//    to partials[4 * tile + 0..3]: the fused pairwise spectral loss.
override EPILOGUE: u32 = 0u;

// tile_a[p * THREADS_N + i4] holds op(A)[k0 + p][4 i4 .. 4 i4 + 3] of this tile's rows; tile_b likewise.
var<workgroup> tile_a: array<vec4<f32>, TILE_K * TILE_M / 4u>;
var<workgroup> tile_b: array<vec4<f32>, TILE_K * TILE_N / 4u>;

fn load_tiles(lid: u32, ti: u32, tj: u32, k0: u32, base_a: u32, base_b: u32) {
  if (TRANS_A) {
    let p = lid / THREADS_N;
    let i4 = lid % THREADS_N;
    let gp = k0 + p;
    let gi4 = ti * (TILE_M / 4u) + i4;
    var x = vec4<f32>(0.0);
    if (gp < params.k && gi4 < params.lda4) { x = a[base_a + gp * params.lda4 + gi4]; }
    tile_a[p * THREADS_N + i4] = x;
  } else {
    let i = lid / K4;
    let kq = lid % K4;
    let gi = ti * TILE_M + i;
    let gk4 = k0 / 4u + kq;
    var x = vec4<f32>(0.0);
    if (gi < params.m && gk4 < params.lda4) { x = a[base_a + gi * params.lda4 + gk4]; }
    for (var e = 0u; e < 4u; e++) { tile_a[(4u * kq + e) * THREADS_N + i / 4u][i % 4u] = x[e]; }
  }
  if (TRANS_B) {
    let j = lid / K4;
    let kq = lid % K4;
    let gj = tj * TILE_N + j;
    let gk4 = k0 / 4u + kq;
    var x = vec4<f32>(0.0);
    if (gj < params.n && gk4 < params.ldb4) { x = b[base_b + gj * params.ldb4 + gk4]; }
    for (var e = 0u; e < 4u; e++) { tile_b[(4u * kq + e) * THREADS_N + j / 4u][j % 4u] = x[e]; }
  } else {
    let p = lid / THREADS_N;
    let j4 = lid % THREADS_N;
    let gp = k0 + p;
    let gj4 = tj * (TILE_N / 4u) + j4;
    var x = vec4<f32>(0.0);
    if (gp < params.k && gj4 < params.ldb4) { x = b[base_b + gp * params.ldb4 + gj4]; }
    tile_b[p * THREADS_N + j4] = x;
  }
}

@compute @workgroup_size(WG_SIZE)
fn gemm(lanes: Lanes, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lanes.lid;
  let linear = wid.x + wid.y * nwg.x;
  if (linear >= params.tiles * params.splits) { return; }
  let tile = linear % params.tiles;
  let split = linear / params.tiles;
  let k_begin = split * params.k_split;
  let k_end = min(params.k, k_begin + params.k_split);
  var ti: u32;
  var tj: u32;
  if (UPPER) {
    // Upper-triangle tiles, numbered row by row: row r holds tiles_n - r of them.
    var rest = tile;
    var r = 0u;
    loop {
      let count = params.tiles_n - r;
      if (rest < count) { break; }
      rest -= count;
      r++;
    }
    ti = r;
    tj = r + rest;
  } else {
    ti = tile / params.tiles_n;
    tj = tile % params.tiles_n;
  }
  let base_a = wid.z * params.batch_a;
  let base_b = wid.z * params.batch_b;
  // With split K, each (batch entry, split) has its own copy of C, count4 vec4s apart.
  let base_c = (wid.z * params.splits + split) * params.count4;
  let tx = lid % THREADS_N;
  let ty = lid / THREADS_N;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = k_begin; k0 < k_end; k0 += TILE_K) {
    load_tiles(lid, ti, tj, k0, base_a, base_b);
    workgroupBarrier();
    for (var p = 0u; p < TILE_K; p++) {
      let x = tile_a[p * THREADS_N + ty];
      let y = tile_b[p * THREADS_N + tx];
      acc0 = fma(vec4<f32>(x.x), y, acc0);
      acc1 = fma(vec4<f32>(x.y), y, acc1);
      acc2 = fma(vec4<f32>(x.z), y, acc2);
      acc3 = fma(vec4<f32>(x.w), y, acc3);
    }
    workgroupBarrier();
  }

  let acc = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  let gj4 = tj * (TILE_N / 4u) + tx;
  var squares = vec2<f32>(0.0);
  var trace = vec2<f32>(0.0);
  for (var r = 0u; r < 4u; r++) {
    let gi = ti * TILE_M + ty * 4u + r;
    if (gi >= params.m || gj4 >= params.ldc4) { continue; }
    let at = base_c + gi * params.ldc4 + gj4;
    var out = acc[r];
    if (EPILOGUE == 0u) {
      out = params.alpha * out;
    } else if (EPILOGUE == 1u) {
      out = params.alpha * out + (params.beta + params.gamma * v[wid.z * params.m + gi]) * d[at];
    } else {
      for (var e = 0u; e < 4u; e++) {
        let gj = gj4 * 4u + e;
        if (gj == gi) {
          trace = neumaier(trace, out[e]);
          if (params.mask_diag == 1u) { out[e] = 0.0; }
        }
        // Entries past column n are zeros from the padding, so they add nothing.
        squares = neumaier(squares, out[e] * out[e]);
      }
    }
    c[at] = out;
  }
  if (UPPER && ti != tj) {
    // The mirrored block: column e of this thread's 4 x 4 block is a row segment of C^T.
    let gi4 = ti * (TILE_M / 4u) + ty;
    for (var e = 0u; e < 4u; e++) {
      let gj = tj * TILE_N + tx * 4u + e;
      if (gj < params.m && gi4 < params.ldc4) {
        var out = vec4<f32>(acc0[e], acc1[e], acc2[e], acc3[e]);
        if (EPILOGUE == 0u) { out = params.alpha * out; }
        c[base_c + gj * params.ldc4 + gi4] = out;
      }
    }
  }
  if (EPILOGUE == 2u) {
    let sq = workgroup_partial(squares, lanes);
    let tr = workgroup_partial(trace, lanes);
    if (lid == 0u) {
      let at = 4u * (wid.z * params.tiles + tile);
      partials[at] = sq.x;
      partials[at + 1u] = sq.y;
      partials[at + 2u] = tr.x;
      partials[at + 3u] = tr.y;
    }
  }
}

// C = alpha * (sum of the split-K copies in d), one invocation per vec4 of C (all batch entries).
@compute @workgroup_size(WG_SIZE)
fn splitk_sum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG_SIZE;
  if (q >= params.count4 * params.entries) { return; }
  let b = q / params.count4;
  let r = q % params.count4;
  var acc = vec4<f32>(0.0);
  for (var s = 0u; s < params.splits; s++) { acc += d[(b * params.splits + s) * params.count4 + r]; }
  c[q] = params.alpha * acc;
}
