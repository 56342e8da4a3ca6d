// Binding of the core's connected components over CSR arrays (native/core/graph.cc), for graphs
// that are not native Graph objects: the WebGPU solvers' graphs, whose arrays they hold on the
// host or read back, and bipartite graphs stored once over nLeft + nRight nodes. A Graph's own
// components() goes through graphComponents (graph.cc); both run the same core routine.
#include <cstring>
#include <string>
#include <vector>

#include "../core/graph.h"
#include "common.h"

namespace speclin::addon {
namespace {

const std::int32_t* int32_array(Napi::Value v, const char* name, std::size_t* length) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw_type(std::string("csrComponents: ") + name + " must be an Int32Array");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  *length = a.ElementLength();
  return a.Data();
}

// (n, indptr: Int32Array (n + 1), indices: Int32Array (nnz), values?: Float32Array | Float64Array
// (nnz)) -> { count, labels: Int32Array (n) }. An entry of weight zero joins nothing.
Napi::Value CsrComponents(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 3) throw_type("csrComponents(n, indptr, indices, values?): missing argument");
    std::size_t n = read_size(info[0], "csrComponents: n");
    std::size_t nptr = 0, nnz = 0;
    const std::int32_t* indptr = int32_array(info[1], "indptr", &nptr);
    const std::int32_t* indices = int32_array(info[2], "indices", &nnz);
    if (nptr != n + 1) throw_range("csrComponents: indptr has " + std::to_string(nptr) + " entries, expected n + 1 = " + std::to_string(n + 1));
    if (indptr[0] != 0) throw_range("csrComponents: indptr[0] must be 0, got " + std::to_string(indptr[0]));
    for (std::size_t i = 0; i < n; ++i)
      if (indptr[i + 1] < indptr[i])
        throw_range("csrComponents: indptr must not decrease, but indptr[" + std::to_string(i + 1) + "] < indptr[" + std::to_string(i) + "]");
    if (static_cast<std::size_t>(indptr[n]) != nnz)
      throw_range("csrComponents: indptr[n] = " + std::to_string(indptr[n]) + " but indices has " + std::to_string(nnz) + " entries");
    for (std::size_t p = 0; p < nnz; ++p)
      if (indices[p] < 0 || static_cast<std::size_t>(indices[p]) >= n)
        throw_range("csrComponents: indices[" + std::to_string(p) + "] = " + std::to_string(indices[p]) + " is outside [0, n = " + std::to_string(n) + ")");
    std::size_t count = 0;
    std::vector<std::int32_t> labels;
    Napi::Value v = info.Length() > 3 ? info[3] : info.Env().Undefined();
    if (v.IsUndefined()) {
      labels = connected_components<std::int32_t, double>(n, indptr, indices, nullptr, &count);
    } else {
      if (!v.IsTypedArray()) throw_type("csrComponents: values must be a Float32Array or a Float64Array");
      Napi::TypedArray a = v.As<Napi::TypedArray>();
      if (a.ElementLength() != nnz)
        throw_range("csrComponents: values has " + std::to_string(a.ElementLength()) + " entries, expected nnz = " + std::to_string(nnz));
      if (a.TypedArrayType() == napi_float32_array)
        labels = connected_components<std::int32_t, float>(n, indptr, indices, static_cast<const float*>(typed_array_data(a)), &count);
      else if (a.TypedArrayType() == napi_float64_array)
        labels = connected_components<std::int32_t, double>(n, indptr, indices, static_cast<const double*>(typed_array_data(a)), &count);
      else
        throw_type("csrComponents: values must be a Float32Array or a Float64Array");
    }
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("count", Napi::Number::New(env, static_cast<double>(count)));
    Napi::Int32Array out = Napi::Int32Array::New(env, n);
    if (n > 0) std::memcpy(out.Data(), labels.data(), n * sizeof(std::int32_t));
    o.Set("labels", out);
    return o;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("csrComponents", Napi::Function::New(env, CsrComponents, "csrComponents"));
}

}  // namespace

SPECLIN_REGISTER(Init);

}  // namespace speclin::addon
