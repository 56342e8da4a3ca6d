// Bindings of exact maximum inner product search: topKSync and topK (Promise).
#include "../core/topk.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "common.h"

namespace speclin::addon {
namespace {

struct Args {
  MatrixView q, keys;
  std::size_t k;
};

Args read_args(const Napi::CallbackInfo& info) {
  if (info.Length() < 3) throw_type("topK(queries, keys, k): missing argument");
  Args a{};
  a.q = read_matrix(info[0], "queries", false);
  a.keys = read_matrix(info[1], "keys", false);
  if (a.q.dtype != a.keys.dtype)
    throw_type(std::string("topK: queries are ") + dtype_name(a.q.dtype) + " but keys are " +
               dtype_name(a.keys.dtype) + "; both must have the same dtype");
  if (a.q.cols != a.keys.cols)
    throw_range("topK: queries have " + std::to_string(a.q.cols) + " columns but keys have " +
                std::to_string(a.keys.cols) + "; inner products need the same dimension");
  if (!info[2].IsNumber()) throw_type("topK: k must be a number");
  double k = info[2].As<Napi::Number>().DoubleValue();
  if (!(k >= 1) || k != std::floor(k))
    throw_range("topK: k must be an integer >= 1, got " + number_text(k));
  // k is compared as a double before any conversion: casting Infinity or 1e300 to an integer is
  // undefined behaviour.
  if (k > static_cast<double>(a.keys.rows))
    throw_range("topK: k = " + number_text(k) + " exceeds the number of keys (" +
                std::to_string(a.keys.rows) + ")");
  if (a.keys.rows > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw_range("topK: keys has more rows than Int32 indices can address");
  a.k = static_cast<std::size_t>(k);
  checked_mul(a.q.rows, a.k, "the result");
  return a;
}

void compute(const Args& a, const void* q, const void* keys, std::int32_t* idx, void* scores) {
  if (a.q.dtype == Dtype::F32)
    top_k<float>(static_cast<const float*>(q), a.q.rows, static_cast<const float*>(keys), a.keys.rows,
                 a.q.cols, a.k, idx, static_cast<float*>(scores));
  else
    top_k<double>(static_cast<const double*>(q), a.q.rows, static_cast<const double*>(keys), a.keys.rows,
                  a.q.cols, a.k, idx, static_cast<double*>(scores));
}

Napi::Value Sync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info);
    Napi::Env env = info.Env();
    std::size_t n = a.q.rows * a.k;
    Indices idx(n);
    Napi::TypedArray scores = new_typed_array(env, a.q.dtype, n, "the scores");
    compute(a, a.q.data(), a.keys.data(), idx.p, typed_array_data(scores));
    return top_k_result(env, idx.to_js(env), scores, a.q.rows, a.k);
  });
}

Napi::Value Async(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info);
    auto q = std::make_shared<Buffer>(Buffer::copy_of(a.q));
    auto keys = std::make_shared<Buffer>(Buffer::copy_of(a.keys));
    std::size_t n = a.q.rows * a.k;
    auto idx = std::make_shared<Indices>(n);
    auto scores = std::make_shared<Buffer>(a.q.dtype, n);
    return run_async(
        info.Env(), "topK", [=] { compute(a, q->data(), keys->data(), idx->p, scores->data()); },
        [=](Napi::Env env) -> Napi::Value { return top_k_result(env, idx->to_js(env), scores->to_js(env), a.q.rows, a.k); });
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("topKSync", Napi::Function::New(env, Sync, "topKSync"));
  exports.Set("topK", Napi::Function::New(env, Async, "topK"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
