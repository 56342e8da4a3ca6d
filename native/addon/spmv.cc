// Binding of a graph's own SpMV: graphSpmv(graph, x, columns) -> A x in the graph's dtype.
#include "../core/spmv.h"

#include <string>

#include "common.h"
#include "graph_handle.h"

namespace speclin::addon {
namespace {

// (graph, x: typed array of the graph's dtype, n x columns row-major, columns) -> A x, same dtype
Napi::Value Spmv(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const GraphHandle& h = graph_handle(info[0], "graph");
    std::size_t columns = read_size(info[2], "columns");
    if (columns == 0) throw_range("columns must be at least 1");
    Dtype d = h.dtype();
    const char* want = d == Dtype::F32 ? "Float32Array" : "Float64Array";
    if (!info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != (d == Dtype::F32 ? napi_float32_array : napi_float64_array))
      throw_type(std::string("x must be a ") + want + " (the graph is " + dtype_name(d) + ")");
    Napi::TypedArray x = info[1].As<Napi::TypedArray>();
    std::size_t n = h.size();
    std::size_t count = checked_mul(n, columns, "x");
    if (x.ElementLength() != count)
      throw_range("x has " + std::to_string(x.ElementLength()) + " elements but n x columns = " +
                  std::to_string(count) + " were expected");
    Napi::TypedArray y = new_typed_array(info.Env(), d, count, "the result");
    // Both pointers taken after the last call that could run JavaScript.
    const void* xp = typed_array_data(x);
    void* yp = typed_array_data(y);
    if (h.f32)
      csr_multiply<float, float, float>(h.f32->adjacency, static_cast<const float*>(xp), static_cast<float*>(yp),
                                        columns, nullptr);
    else
      csr_multiply<double, double, double>(h.f64->adjacency, static_cast<const double*>(xp),
                                           static_cast<double*>(yp), columns, nullptr);
    return y;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("graphSpmv", Napi::Function::New(env, Spmv, "graphSpmv"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
