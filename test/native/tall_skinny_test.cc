// The tall-skinny kernels of native/core/tall_skinny.h against naive float64 loops, on every
// micro-kernel family the CPU has (AVX-512, AVX2+FMA, portable: forced through set_kernel_path
// and set_gemm_avx512_allowed). Built and run by test/tall-skinny.test.ts against the core library
// of the cmake build. Prints one line per family and "ok"; exits 1 on the first failure.
//
// Two kinds of data:
//  - small integers (|x| <= 3): every product and every partial sum is an integer below 2^24, so
//    float and double arithmetic are exact in any order and the result must EQUAL the float64
//    loop. This catches any row, column, part or panel that is skipped, doubled or misplaced,
//    however small its share of the sum.
//  - uniform values in [-0.5, 0.5): rounding is real. Each element is a sum of n products
//    accumulated in the output's dtype (products of floats are exact in double, so with a double
//    output only the additions round); the error is bounded relative to S_ij = sum_p |z_pi w_pj|:
//    |C_ij - ref_ij| <= 2 sqrt(n) eps S_ij + 4 eps |beta C_ij| (gram.test.ts derives the
//    sqrt(n) bound: random-sign rounding errors; the second term is the scaling and the beta add).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "gram.h"
#include "tall_skinny.h"
#include "thread_pool.h"

using namespace speclin;

namespace {

int g_failures = 0;
std::string g_path;

void fail(const std::string& what) {
  std::fprintf(stderr, "FAIL [%s] %s\n", g_path.c_str(), what.c_str());
  if (++g_failures > 20) std::exit(1);
}

std::uint64_t g_seed = 1;
double uniform() {
  g_seed ^= g_seed << 13;
  g_seed ^= g_seed >> 7;
  g_seed ^= g_seed << 17;
  return static_cast<double>(g_seed >> 11) / 9007199254740992.0 - 0.5;
}

// rows x ld storage; columns past `cols` hold a sentinel that must never reach a result.
template <typename T>
std::vector<T> matrix(std::size_t rows, std::size_t cols, std::size_t ld, bool integers) {
  std::vector<T> m(rows * ld, static_cast<T>(1e30));
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      m[i * ld + j] = static_cast<T>(integers ? std::floor(uniform() * 7.0) : uniform());
  return m;
}

template <typename T>
constexpr double eps() {
  return std::numeric_limits<T>::epsilon();
}

template <typename T>
const char* name() {
  return sizeof(T) == 4 ? "f32" : "f64";
}

template <typename TZ, typename TW, typename TC>
void check_inner(std::size_t n, std::size_t kz, std::size_t kw, bool same, bool integers, TC alpha, TC beta,
                 std::size_t pad) {
  const std::size_t ldz = kz + pad, ldw = kw + pad, ldc = kw + pad;
  std::vector<TZ> Z = matrix<TZ>(n, kz, ldz, integers);
  std::vector<TW> Wown = matrix<TW>(n, kw, ldw, integers);
  const TW* W = Wown.data();
  if constexpr (std::is_same<TZ, TW>::value)
    if (same) W = Z.data();
  std::vector<TC> C = matrix<TC>(kz, kw, ldc, true);
  const std::vector<TC> C0 = C;
  tall_skinny_inner<TZ, TW, TC>(n, kz, kw, alpha, Z.data(), ldz, W, same ? ldz : ldw, beta, C.data(), ldc);
  const std::string what = std::string("inner<") + name<TZ>() + "," + name<TW>() + "," + name<TC>() + "> n=" +
                           std::to_string(n) + " kz=" + std::to_string(kz) + " kw=" + std::to_string(kw) +
                           (same ? " same" : "") + (integers ? " integers" : " uniform") + " alpha=" +
                           std::to_string(alpha) + " beta=" + std::to_string(beta);
  const std::size_t ldw_used = same ? ldz : ldw;
  for (std::size_t i = 0; i < kz; ++i)
    for (std::size_t j = 0; j < kw; ++j) {
      double ref = 0, scale = 0;
      for (std::size_t p = 0; p < n; ++p) {
        double t = static_cast<double>(Z[p * ldz + i]) * static_cast<double>(W[p * ldw_used + j]);
        ref += t;
        scale += std::fabs(t);
      }
      const double c0 = static_cast<double>(C0[i * ldc + j]);
      const double want = static_cast<double>(alpha) * ref + (beta == TC(0) ? 0.0 : static_cast<double>(beta) * c0);
      const double got = static_cast<double>(C[i * ldc + j]);
      const double bound = integers ? 0.0
                                    : 2 * std::sqrt(static_cast<double>(n)) * eps<TC>() * std::fabs(alpha) * scale +
                                          (beta == TC(0) ? 0.0 : 4 * eps<TC>() * std::fabs(beta * c0));
      if (!(std::fabs(got - want) <= bound)) {
        fail(what + ": C[" + std::to_string(i) + "][" + std::to_string(j) + "] = " + std::to_string(got) +
             ", want " + std::to_string(want));
        return;
      }
    }
  for (std::size_t i = 0; i < kz; ++i)
    for (std::size_t j = kw; j < ldc; ++j)
      if (C[i * ldc + j] != C0[i * ldc + j]) return fail(what + ": wrote past a row of C");
  if (same)
    for (std::size_t i = 0; i < kz; ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (C[i * ldc + j] != C[j * ldc + i]) return fail(what + ": not exactly symmetric");
}

template <typename TY, typename TV, typename TH>
void check_update(std::size_t n, std::size_t m, std::size_t k, bool in_place, bool integers, TY alpha, TY beta,
                  std::size_t pad) {
  const std::size_t ldv = m + pad, ldh = k + pad, ldy = k + pad;
  std::vector<TV> V = matrix<TV>(n, m, ldv, integers);
  std::vector<TH> H = matrix<TH>(m, k, ldh, integers);
  std::vector<TY> Y = matrix<TY>(n, k, ldy, integers);
  if (beta == TY(0))  // with beta == 0, Y must not be read: NaN there must not reach the result
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < k; ++j) Y[i * ldy + j] = std::numeric_limits<TY>::quiet_NaN();
  const TV* Vp = V.data();
  std::size_t ldv_used = ldv;
  if constexpr (std::is_same<TY, TV>::value)
    if (in_place) {
      // Y = V, m == k: Y <- beta Y + alpha Y H.
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) Y[i * ldy + j] = V[i * ldv + j];
      Vp = Y.data();
      ldv_used = ldy;
    }
  const std::vector<TY> Y0 = Y;
  std::vector<double> V0(n * m);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < m; ++p) V0[i * m + p] = static_cast<double>(Vp[i * ldv_used + p]);
  tall_skinny_update<TY, TV, TH>(n, m, k, alpha, Vp, ldv_used, H.data(), ldh, beta, Y.data(), ldy);
  const std::string what = std::string("update<") + name<TY>() + "," + name<TV>() + "," + name<TH>() + "> n=" +
                           std::to_string(n) + " m=" + std::to_string(m) + " k=" + std::to_string(k) +
                           (in_place ? " in place" : "") + (integers ? " integers" : " uniform") + " alpha=" +
                           std::to_string(alpha) + " beta=" + std::to_string(beta);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      double ref = 0, scale = 0;
      for (std::size_t p = 0; p < m; ++p) {
        double t = V0[i * m + p] * static_cast<double>(H[p * ldh + j]);
        ref += t;
        scale += std::fabs(t);
      }
      const double y0 = static_cast<double>(Y0[i * ldy + j]);
      const double want = static_cast<double>(alpha) * ref + (beta == TY(0) ? 0.0 : static_cast<double>(beta) * y0);
      const double got = static_cast<double>(Y[i * ldy + j]);
      // The depth is m (the update's sums are m long); S as for inner.
      const double bound = integers ? 0.0
                                    : 2 * std::sqrt(static_cast<double>(m)) * eps<TY>() * std::fabs(alpha) * scale +
                                          (beta == TY(0) ? 0.0 : 4 * eps<TY>() * std::fabs(beta * y0));
      if (!(std::fabs(got - want) <= bound)) {
        fail(what + ": Y[" + std::to_string(i) + "][" + std::to_string(j) + "] = " + std::to_string(got) + ", want " +
             std::to_string(want));
        return;
      }
    }
    for (std::size_t j = k; j < ldy; ++j)
      if (!(Y[i * ldy + j] == Y0[i * ldy + j])) return fail(what + ": wrote past a row of Y");
  }
}

// Repeated calls and every thread count give the same bits: the row partition depends on the
// shape only (tall_skinny.h).
template <typename T>
void check_deterministic(std::size_t n, std::size_t kz, std::size_t kw) {
  std::vector<T> Z = matrix<T>(n, kz, kz, false), W = matrix<T>(n, kw, kw, false);
  std::vector<T> first(kz * kw), again(kz * kw), sym_first(kz * kz), sym_again(kz * kz);
  std::vector<T> Y = matrix<T>(n, kw, kw, false), H = matrix<T>(kz, kw, kw, false);
  std::vector<T> Y_first = Y, Y_again = Y;
  const int initial = get_threads();
  set_threads(1);
  tall_skinny_inner<T, T, T>(n, kz, kw, T(1), Z.data(), kz, W.data(), kw, T(0), first.data(), kw);
  tall_skinny_inner<T, T, T>(n, kz, kz, T(1), Z.data(), kz, Z.data(), kz, T(0), sym_first.data(), kz);
  tall_skinny_update<T, T, T>(n, kz, kw, T(-1), Z.data(), kz, H.data(), kw, T(1), Y_first.data(), kw);
  for (int threads : {2, 3, 5, 2, 8}) {
    set_threads(threads);
    tall_skinny_inner<T, T, T>(n, kz, kw, T(1), Z.data(), kz, W.data(), kw, T(0), again.data(), kw);
    tall_skinny_inner<T, T, T>(n, kz, kz, T(1), Z.data(), kz, Z.data(), kz, T(0), sym_again.data(), kz);
    Y_again = Y;
    tall_skinny_update<T, T, T>(n, kz, kw, T(-1), Z.data(), kz, H.data(), kw, T(1), Y_again.data(), kw);
    const std::string what = std::string(name<T>()) + " n=" + std::to_string(n) + " kz=" + std::to_string(kz) +
                             " kw=" + std::to_string(kw) + " threads=" + std::to_string(threads);
    if (std::memcmp(first.data(), again.data(), first.size() * sizeof(T)) != 0) fail("inner not bit-identical, " + what);
    if (std::memcmp(sym_first.data(), sym_again.data(), sym_first.size() * sizeof(T)) != 0)
      fail("symmetric inner not bit-identical, " + what);
    if (std::memcmp(Y_first.data(), Y_again.data(), Y_first.size() * sizeof(T)) != 0)
      fail("update not bit-identical, " + what);
  }
  set_threads(initial);
}

// The epilogue form: each row handed to the epilogue exactly once, after its product is final
// (the epilogue rewrites the row, so the result must equal the product followed by the same
// rewrite as a separate pass, bit for bit), for any thread count.
template <typename T>
void check_update_epilogue(std::size_t n, std::size_t m, std::size_t k) {
  std::vector<T> V = matrix<T>(n, m, m, false), H = matrix<T>(m, k, k, false), Y0 = matrix<T>(n, k, k, false);
  std::vector<T> want = Y0;
  tall_skinny_update<T, T, T>(n, m, k, T(-1), V.data(), m, H.data(), k, T(1), want.data(), k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) want[i * k + j] = want[i * k + j] * T(3) + static_cast<T>(i);
  const int initial = get_threads();
  for (int threads : {1, 2, 3}) {
    set_threads(threads);
    std::vector<T> Y = Y0;
    std::vector<int> seen(n, 0);
    tall_skinny_update<T, T, T>(n, m, k, T(-1), V.data(), m, H.data(), k, T(1), Y.data(), k,
                                [&](std::size_t i0, std::size_t rows) {
                                  for (std::size_t i = i0; i < i0 + rows; ++i) {
                                    ++seen[i];
                                    for (std::size_t j = 0; j < k; ++j)
                                      Y[i * k + j] = Y[i * k + j] * T(3) + static_cast<T>(i);
                                  }
                                });
    const std::string what = std::string("update epilogue ") + name<T>() + " n=" + std::to_string(n) + " m=" +
                              std::to_string(m) + " k=" + std::to_string(k) + " threads=" + std::to_string(threads);
    for (std::size_t i = 0; i < n; ++i)
      if (seen[i] != 1) return fail(what + ": row " + std::to_string(i) + " seen " + std::to_string(seen[i]) + " times");
    if (std::memcmp(Y.data(), want.data(), Y.size() * sizeof(T)) != 0) fail(what + ": not the product, then the pass");
  }
  set_threads(initial);
}

void run_all() {
  // Shapes cross the partition (512 rows a part, up to 64 parts), the kc = 256 depth blocks, the
  // micro-tiles (6 x 16 / 6 x 8 AVX2, 8 x 32 / 8 x 16 AVX-512, 4 x 8 / 4 x 4 portable), both
  // orientations (W much narrower than Z is computed as W^T Z) and the one-triangle path.
  const std::size_t shapes[][3] = {{1, 1, 1},     {7, 3, 5},      {300, 17, 33},   {511, 6, 16},  {513, 40, 9},
                                   {1000, 2, 37}, {2000, 37, 2},  {4096, 128, 128}, {5000, 1, 70}, {40000, 33, 3},
                                   {70000, 5, 2}, {1100, 256, 256}, {0, 4, 5}};
  for (const auto& s : shapes) {
    const std::size_t n = s[0], kz = s[1], kw = s[2];
    // The reference loop is the test's cost: the largest shapes run the plain forms only.
    const bool large = static_cast<double>(n) * kz * kw > 2e7;
    for (bool integers : {true, false}) {
      const std::size_t pad = integers ? 3 : 0;
      check_inner<float, float, float>(n, kz, kw, false, integers, 1.0f, 0.0f, pad);
      check_inner<double, double, double>(n, kz, kw, false, integers, 1.0, 0.0, pad);
      check_inner<float, float, float>(n, kz, kz, true, integers, 1.0f, 0.0f, pad);
      check_inner<double, double, double>(n, kz, kz, true, integers, 1.0, 0.0, pad);
    }
    if (large) continue;
    check_inner<float, float, float>(n, kz, kw, false, false, -0.5f, 2.0f, 1);
    check_inner<double, double, double>(n, kz, kw, false, false, 3.0, -1.0, 0);
    check_inner<float, float, double>(n, kz, kw, false, false, 1.0, 0.0, 0);
    check_inner<float, double, double>(n, kz, kw, false, true, 1.0, 1.0, 2);
    check_inner<double, float, double>(n, kz, kw, false, false, 1.0, 0.5, 0);
  }
  const std::size_t updates[][3] = {{1, 1, 1},     {7, 3, 5},       {300, 17, 33}, {145, 300, 9},
                                    {1000, 37, 2}, {4096, 128, 128}, {5000, 1, 70}, {20000, 4, 4}, {0, 3, 3}};
  for (const auto& s : updates) {
    const std::size_t n = s[0], m = s[1], k = s[2];
    for (bool integers : {true, false}) {
      const std::size_t pad = integers ? 2 : 0;
      check_update<float, float, float>(n, m, k, false, integers, -1.0f, 1.0f, pad);
      check_update<double, double, double>(n, m, k, false, integers, -1.0, 1.0, pad);
      check_update<double, float, double>(n, m, k, false, integers, -1.0, 1.0, pad);
      check_update<float, float, float>(n, m, k, false, integers, 2.0f, 0.0f, pad);
      check_update<double, double, double>(n, m, k, false, integers, 0.5, -2.0, pad);
    }
    // In place (V is Y, m == k), as CholQR's W <- W R^-1.
    check_update<double, double, double>(n, k, k, true, true, 1.0, 0.0, 1);
    check_update<double, double, double>(n, k, k, true, false, -1.0, 1.0, 0);
    check_update<float, float, float>(n, k, k, true, false, 1.0f, 0.0f, 0);
  }
  // alpha == 0: the product is not formed (C = beta C), even over NaN inputs.
  {
    std::vector<double> Z(50 * 3, std::numeric_limits<double>::quiet_NaN()), C(9, 2.0);
    tall_skinny_inner<double, double, double>(50, 3, 3, 0.0, Z.data(), 3, Z.data(), 3, 0.5, C.data(), 3);
    for (double c : C)
      if (c != 1.0) fail("alpha = 0 must give beta C");
  }
  for (const auto& s : updates) {
    check_update_epilogue<float>(s[0], s[1], s[2]);
    check_update_epilogue<double>(s[0], s[1], s[2]);
  }
  check_update_epilogue<float>(1000, 0, 7);  // m = 0: Y = beta Y, then the epilogue
  check_deterministic<float>(4096, 128, 96);
  check_deterministic<double>(20000, 24, 3);
  check_deterministic<float>(100000, 32, 2);
}

}  // namespace

int main() {
  std::vector<std::pair<KernelPath, bool>> families = {{KernelPath::Portable, false}};
  if (cpu_has_avx2_fma()) families.push_back({KernelPath::Avx2, false}), families.push_back({KernelPath::Avx2, true});
  for (auto [path, avx512] : families) {
    set_kernel_path(path);
    set_gemm_avx512_allowed(avx512);
    g_path = gemm_kernel_name();
    if (avx512 && g_path != "avx512") continue;  // the CPU has no AVX-512
    run_all();
    std::printf("%s: %s\n", g_path.c_str(), g_failures ? "FAILED" : "passed");
  }
  set_kernel_path(KernelPath::Auto);
  set_gemm_avx512_allowed(true);
  if (g_failures) return 1;
  std::printf("ok\n");
  return 0;
}
