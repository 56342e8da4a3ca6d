#include "eigsh_options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace speclin {

void eigsh_bad_option(const std::string& message) { throw std::invalid_argument("eigsh: " + message); }

std::string format_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

EigshPlan plan_eigsh(std::size_t n, const EigshOptions& o, const EigshOptionNames& names) {
  const auto bad = [&](const std::string& message) { throw std::invalid_argument(names.function + (": " + message)); };
  const std::string tol = names.tol, max_iterations = names.max_iterations, block_size = names.block_size,
                    basis_size = names.basis_size;
  if (n == 0) bad("the operator has size 0");
  if (o.k < 1) bad("k must be at least 1, got " + std::to_string(o.k));
  if (o.k > n) bad("k = " + std::to_string(o.k) + " exceeds n = " + std::to_string(n));
  if (!(o.tol > 0) || !std::isfinite(o.tol)) bad(tol + " must be a positive finite number, got " + format_number(o.tol));
  if (o.max_iterations < 1) bad(max_iterations + " must be at least 1");
  if (o.v0_cols > 0 && o.v0.size() != n * o.v0_cols) bad("v0 must have n rows");
  if (o.deflate_cols > 0 && o.deflate.size() != n * o.deflate_cols) bad("deflate must have n rows");
  if (o.deflate_cols > n) bad("deflate has more columns than n");
  EigshPlan p;
  p.n = n;
  p.k = o.k;
  p.tol = o.tol;
  p.max_iterations = o.max_iterations;
  p.norm_bound = o.norm_bound > 0 && std::isfinite(o.norm_bound) ? o.norm_bound : 0;
  p.seed = o.seed;
  p.v0_cols = o.v0_cols;
  p.lagged = o.projection == EigshOptions::Projection::Lagged;
  p.device = o.device_basis;
  p.deflate_cols = o.deflate_cols;
  const std::size_t k = o.k;
  std::size_t b = o.block_size;
  if (b == 0) {
    // Small blocks: on the benchmark graphs (SBM, k = 10 and 32) blocks of 2 vectors needed the
    // fewest products and the least time (k = 10: 100-112 products against 118-121 for blocks of
    // 3, 10-20% less time at n = 2e4 and 2e5; k = 32, n = 2e4: 1028 against 1124); wide blocks
    // (8-16) cost 2-5x the products, because a restart cycle of a fixed basis then reaches a lower
    // polynomial degree. At least 2, so that a repeated eigenvalue is seen twice from the start.
    b = std::max<std::size_t>(2, p.v0_cols);
  } else if (p.v0_cols > b) {
    bad("v0 has " + std::to_string(p.v0_cols) + " columns, more than " + block_size + " = " + std::to_string(b));
  }
  std::size_t m = o.basis_size;
  // Deflated vectors sit in the basis too: the active part keeps its default size.
  const std::size_t deflated = std::min(p.deflate_cols, k);
  // About 2.5 k: a clustered top (the edge of a random graph's bulk) converges in far fewer
  // products with room to keep k Ritz vectors and still grow by ~1.5 k per restart cycle.
  if (m == 0) m = std::max(5 * k / 2 + 2 * b, k + 4 * b) + deflated;
  const bool lanczos_fits = std::max(k, p.deflate_cols) + 2 * b <= m && m <= n;
  if (o.method == EigshOptions::Method::Dense) {
    p.dense = true;
  } else if (o.method == EigshOptions::Method::Lanczos) {
    if (!lanczos_fits) {
      if (o.basis_size == 0 && k + 2 * b <= n)
        m = n;
      else
        bad("the Lanczos basis (" + basis_size + " = " + std::to_string(m) + ") must hold k + 2 * " + block_size +
            " = " + std::to_string(k + 2 * b) + " vectors and at most n = " + std::to_string(n) + "; use a smaller " +
            block_size + " or the dense method");
    }
  } else if (p.deflate_cols >= k) {
    // The known eigenvectors are the answer once their c products check them: no dense solve.
    m = std::max(m, p.deflate_cols);
  } else {
    p.dense = n <= kDenseLimit || !lanczos_fits;
    if (p.dense && n > 4096)
      bad("k = " + std::to_string(k) + " with " + block_size + " " + std::to_string(b) +
          " needs a Lanczos basis larger than n; use a smaller k or " + block_size);
  }
  if (!p.dense && p.deflate_cols < k && p.deflate_cols + 2 * b > m)
    bad("deflate has " + std::to_string(p.deflate_cols) + " columns: the basis (" + basis_size + " = " + std::to_string(m) +
        ") must hold them and 2 * " + block_size + " more");
  p.block = b;
  p.basis = m;
  return p;
}

}  // namespace speclin
