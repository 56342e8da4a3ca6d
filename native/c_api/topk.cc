// The C ABI of exact top-k maximum inner product search (topk.h).
#include "../core/topk.h"

#include "guard.h"

namespace {

using speclin::c_api::guarded;
using speclin::c_api::require;
using speclin::c_api::require_data;

template <typename T>
speclin_status top_k_c(const char* fn, const T* Q, std::size_t nq, const T* K, std::size_t nk, std::size_t d,
                       std::size_t k, std::int32_t* indices, T* scores) {
  return guarded(fn, [&] {
    require(d > 0, fn, "d must be at least 1");
    require(k > 0, fn, "k must be at least 1");
    require(k <= nk, fn, "k = " + std::to_string(k) + " exceeds the number of keys nk = " + std::to_string(nk));
    require_data(Q, nq * d, fn, "Q");
    require_data(K, nk * d, fn, "K");
    require_data(indices, nq * k, fn, "indices");
    require_data(scores, nq * k, fn, "scores");
    speclin::top_k<T>(Q, nq, K, nk, d, k, indices, scores);
    return SPECLIN_OK;
  });
}

}  // namespace

extern "C" {

speclin_status speclin_stop_k(const float* Q, size_t nq, const float* K, size_t nk, size_t d, size_t k,
                              int32_t* indices, float* scores) {
  return top_k_c<float>("speclin_stop_k", Q, nq, K, nk, d, k, indices, scores);
}
speclin_status speclin_dtop_k(const double* Q, size_t nq, const double* K, size_t nk, size_t d, size_t k,
                              int32_t* indices, double* scores) {
  return top_k_c<double>("speclin_dtop_k", Q, nq, K, nk, d, k, indices, scores);
}

}  // extern "C"
