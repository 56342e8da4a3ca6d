#include "eigsh_dense.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "dense_eigen.h"
#include "eigsh_options.h"
#include "gram.h"

namespace speclin {

DenseEigshOutcome solve_dense(std::size_t n, std::size_t k, const double* Y, const double* defl, std::size_t c,
                              double tol, double norm_bound) {
  std::vector<double> M(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t q = 0; q < n; ++q) M[i * n + q] = 0.5 * (Y[i * n + q] + Y[q * n + i]);
  std::vector<double> val(n), vec(n * n);
  std::vector<double> cand_val, cand_vec;  // column-major n-vectors
  double anorm = 0;
  if (c > 0) {
    // P M P with P = I - U U^T, and the deflated directions pushed below the spectrum.
    std::vector<double> MU(n * c), UtMU(c * c), PMP(M);
    gemm<double>(Trans::No, Trans::No, n, c, n, 1.0, M.data(), n, defl, c, 0.0, MU.data(), c);
    gemm<double>(Trans::Yes, Trans::No, c, c, n, 1.0, defl, c, MU.data(), c, 0.0, UtMU.data(), c);
    gemm<double>(Trans::No, Trans::Yes, n, n, c, -1.0, defl, c, MU.data(), c, 1.0, PMP.data(), n);
    gemm<double>(Trans::No, Trans::Yes, n, n, c, -1.0, MU.data(), c, defl, c, 1.0, PMP.data(), n);
    std::vector<double> UC(n * c);
    gemm<double>(Trans::No, Trans::No, n, c, c, 1.0, defl, c, UtMU.data(), c, 0.0, UC.data(), c);
    double shift = 1;
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0;
      for (std::size_t q = 0; q < n; ++q) s += std::fabs(M[i * n + q]);
      shift = std::max(shift, 2 * s + 1);
    }
    gemm<double>(Trans::No, Trans::Yes, n, n, c, 1.0, UC.data(), c, defl, c, 1.0, PMP.data(), n);
    gemm<double>(Trans::No, Trans::Yes, n, n, c, -shift, defl, c, defl, c, 1.0, PMP.data(), n);
    for (std::size_t q = 0; q < c; ++q) {
      double theta = UtMU[q * c + q], r2 = 0;
      for (std::size_t i = 0; i < n; ++i) {
        double d = MU[i * c + q] - theta * defl[i * c + q];
        r2 += d * d;
      }
      double tol_q = tol * (norm_bound > 0 ? norm_bound : std::max(anorm, std::fabs(theta)));
      if (!(std::sqrt(r2) <= tol_q))
        eigsh_bad_option("deflate column " + std::to_string(q) + " is not an eigenvector of the operator: ||A v - lambda v|| = " +
                   format_number(std::sqrt(r2)) + " > tol * norm = " + format_number(tol_q));
    }
    for (std::size_t q = 0; q < c; ++q) {
      cand_val.push_back(UtMU[q * c + q]);
      for (std::size_t i = 0; i < n; ++i) cand_vec.push_back(defl[i * c + q]);
    }
    M.swap(PMP);
  }
  symmetric_eigen(n, M.data(), n, val.data(), vec.data());
  std::size_t rest = k > c ? k - c : 0;
  for (std::size_t q = 0; q < rest; ++q) {
    cand_val.push_back(val[q]);
    for (std::size_t i = 0; i < n; ++i) cand_vec.push_back(vec[i * n + q]);
  }
  std::vector<std::size_t> order(cand_val.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t z) { return cand_val[a] > cand_val[z]; });
  order.resize(k);
  if (norm_bound <= 0)
    for (double v : val) anorm = std::max(anorm, std::fabs(v));
  for (double v : cand_val) anorm = std::max(anorm, std::fabs(v));
  DenseEigshOutcome out;
  out.norm = anorm;
  out.values.resize(k);
  out.vectors.assign(n * k, 0.0);
  out.residuals.resize(k);
  for (std::size_t q = 0; q < k; ++q) {
    const double* v = cand_vec.data() + order[q] * n;
    out.values[q] = cand_val[order[q]];
    for (std::size_t i = 0; i < n; ++i) out.vectors[i * k + q] = v[i];
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double a = 0;
      for (std::size_t p = 0; p < n; ++p) a += Y[i * n + p] * v[p];
      a -= out.values[q] * v[i];
      s += a * a;
    }
    out.residuals[q] = std::sqrt(s);
  }
  return out;
}

}  // namespace speclin
