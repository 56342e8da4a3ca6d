#include "normalized_adjacency.h"

#include <cmath>

#include "spmv.h"
#include "thread_pool.h"

namespace speclin {
namespace {

std::vector<double> inverse_sqrt(const std::vector<double>& d) {
  std::vector<double> s(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) s[i] = 1.0 / std::sqrt(d[i]);
  return s;
}

// out = diag(s) X, X row-major s.size() x columns.
void scale_rows(const double* X, const std::vector<double>& s, std::size_t columns, double* out) {
  parallel_for(0, s.size(), 8192, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      double f = s[i];
      const double* x = X + i * columns;
      double* o = out + i * columns;
      for (std::size_t c = 0; c < columns; ++c) o[c] = x[c] * f;
    }
  });
}

// Y = diag(s_out) A diag(s_in) X.
template <typename T>
void scaled_product(const Csr<T>& a, const std::vector<double>& s_in, const std::vector<double>& s_out,
                    const double* X, double* Y, std::size_t columns, ScaledInput& scratch) {
  std::unique_lock<std::mutex> lock(scratch.mutex, std::try_to_lock);
  std::vector<double> own;
  std::vector<double>& buf = lock.owns_lock() ? scratch.buffer : own;
  buf.resize(s_in.size() * columns);
  scale_rows(X, s_in, columns, buf.data());
  csr_multiply<T, double, double>(a, buf.data(), Y, columns, s_out.data());
}

}  // namespace

template <typename T>
NormalizedAdjacency<T>::NormalizedAdjacency(std::shared_ptr<const Graph<T>> graph)
    : graph_(std::move(graph)), scale_(inverse_sqrt(graph_->degrees)) {}

template <typename T>
void NormalizedAdjacency<T>::multiply(const double* X, double* Y, std::size_t columns) const {
  scaled_product(graph_->adjacency, scale_, scale_, X, Y, columns, scratch_);
}

template <typename T>
NormalizedBiadjacency<T>::NormalizedBiadjacency(std::shared_ptr<const BipartiteGraph<T>> graph)
    : graph_(std::move(graph)),
      scale_left_(inverse_sqrt(graph_->degrees_left)),
      scale_right_(inverse_sqrt(graph_->degrees_right)) {}

template <typename T>
void NormalizedBiadjacency<T>::multiply(const double* X, double* Y, std::size_t columns) const {
  scaled_product(graph_->forward, scale_right_, scale_left_, X, Y, columns, scratch_);
}

template <typename T>
void NormalizedBiadjacency<T>::multiply_transpose(const double* X, double* Y, std::size_t columns) const {
  scaled_product(graph_->backward, scale_left_, scale_right_, X, Y, columns, scratch_);
}

template class NormalizedAdjacency<float>;
template class NormalizedAdjacency<double>;
template class NormalizedBiadjacency<float>;
template class NormalizedBiadjacency<double>;

}  // namespace speclin
