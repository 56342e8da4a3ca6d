// Binding of the core's dense symmetric eigensolver (native/core/dense_eigen.cc) for the
// TypeScript side's small problems: the training metrics' k x k matrices, the report's projection,
// and the projected problem of the WebGPU Lanczos solver. One solver serves the C++ and the
// TypeScript paths alike.
#include "../core/dense_eigen.h"

#include <string>

#include "common.h"

namespace speclin::addon {
namespace {

// (S: Float64Array of m * m, symmetric (its lower triangle is read), m) ->
// { values: Float64Array (m, descending), vectors: Float64Array (m x m row-major, column i the
// unit eigenvector of values[i]) }. Synchronous: m is small wherever it is used.
Napi::Value SymmetricEigen(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 2) throw_type("symmetricEigen(S, m): missing argument");
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw_type("symmetricEigen: S must be a Float64Array");
    std::size_t m = read_size(info[1], "symmetricEigen: m");
    if (m == 0) throw_range("symmetricEigen: m must be at least 1");
    Napi::Float64Array S = info[0].As<Napi::Float64Array>();
    std::size_t count = checked_mul(m, m, "symmetricEigen: S");
    if (S.ElementLength() != count)
      throw_range("symmetricEigen: S has " + std::to_string(S.ElementLength()) + " elements, expected m * m = " +
                  std::to_string(count));
    Napi::Env env = info.Env();
    Napi::TypedArray values = new_typed_array(env, Dtype::F64, m, "the eigenvalues");
    Napi::TypedArray vectors = new_typed_array(env, Dtype::F64, count, "the eigenvectors");
    symmetric_eigen(m, S.Data(), m, static_cast<double*>(typed_array_data(values)),
                    static_cast<double*>(typed_array_data(vectors)));
    Napi::Object o = Napi::Object::New(env);
    o.Set("values", values);
    o.Set("vectors", vectors);
    return o;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("symmetricEigen", Napi::Function::New(env, SymmetricEigen, "symmetricEigen"));
}

}  // namespace

SPECLIN_REGISTER(Init);

}  // namespace speclin::addon
