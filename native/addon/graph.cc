// Bindings of the graph family: construction (edges, CSR, dense; plain and bipartite), degrees,
// components, and the normalized operators Ā and P̄ as native handles (the graph's own SpMV is
// in spmv.cc).
#include "../core/graph.h"

#include <cmath>
#include <cstring>
#include <string>

#include "../core/normalized_adjacency.h"
#include "common.h"
#include "graph_handle.h"
#include "handles.h"
#include "operator_handle.h"

namespace speclin::addon {
namespace {

// Type tags tell a Graph's External from a BipartiteGraph's (or anything else's): a wrong handle
// is a TypeError, never a misread pointer.
constexpr napi_type_tag kGraphTag = {0x7370656c696e4772ULL, 0x6170680000000001ULL};
constexpr napi_type_tag kBipartiteTag = {0x7370656c696e4269ULL, 0x7061727469746502ULL};

template <typename H> const napi_type_tag* tag_of();
template <> const napi_type_tag* tag_of<GraphHandle>() { return &kGraphTag; }
template <> const napi_type_tag* tag_of<BipartiteHandle>() { return &kBipartiteTag; }

constexpr std::size_t kMaxNodes = 2147483647;  // int32 column indices

// ---- argument reading ---------------------------------------------------------------------

// An integer typed array as int64 values (Int32Array, Uint32Array; BigInt64Array where allowed).
struct IndexArray {
  napi_typedarray_type type;
  const void* data = nullptr;
  std::size_t length = 0;
  std::int64_t at(std::size_t k) const {
    switch (type) {
      case napi_int32_array: return static_cast<const std::int32_t*>(data)[k];
      case napi_uint32_array: return static_cast<const std::uint32_t*>(data)[k];
      default: return static_cast<const std::int64_t*>(data)[k];
    }
  }
};

IndexArray read_indices(Napi::Value v, const std::string& name, bool allow_bigint) {
  std::string expected = allow_bigint ? "an Int32Array, Uint32Array or BigInt64Array" : "an Int32Array or Uint32Array";
  if (!v.IsTypedArray()) throw_type(name + " must be " + expected);
  Napi::TypedArray arr = v.As<Napi::TypedArray>();
  IndexArray out;
  out.type = arr.TypedArrayType();
  if (!(out.type == napi_int32_array || out.type == napi_uint32_array ||
        (allow_bigint && out.type == napi_bigint64_array)))
    throw_type(name + " must be " + expected);
  out.data = typed_array_data(arr);
  out.length = arr.ElementLength();
  return out;
}

struct Weights {
  Dtype dtype = Dtype::F64;
  bool given = false;          // false: all ones
  const void* data = nullptr;  // null when given but empty
  std::size_t length = 0;
  double at(std::size_t k) const {
    return dtype == Dtype::F32 ? double(static_cast<const float*>(data)[k]) : static_cast<const double*>(data)[k];
  }
};

Weights read_weights(Napi::Value v, const std::string& name, Napi::Value dtype_value) {
  Weights w;
  if (v.IsUndefined() || v.IsNull()) {
    std::string d = dtype_value.IsString() ? dtype_value.As<Napi::String>().Utf8Value() : "float64";
    if (d != "float32" && d != "float64") throw_range("dtype must be 'float32' or 'float64', got '" + d + "'");
    w.dtype = d == "float32" ? Dtype::F32 : Dtype::F64;
    return w;
  }
  if (!v.IsTypedArray()) throw_type(name + " must be a Float32Array or Float64Array");
  Napi::TypedArray arr = v.As<Napi::TypedArray>();
  if (arr.TypedArrayType() == napi_float32_array) w.dtype = Dtype::F32;
  else if (arr.TypedArrayType() == napi_float64_array) w.dtype = Dtype::F64;
  else throw_type(name + " must be a Float32Array or Float64Array");
  w.given = true;
  w.data = typed_array_data(arr);
  w.length = arr.ElementLength();
  return w;
}

void check_weights(const Weights& w, const std::string& name) {
  if (!w.given) return;
  for (std::size_t k = 0; k < w.length; ++k) {
    double x = w.at(k);
    if (!(x >= 0) || !std::isfinite(x))
      throw_range(name + "[" + std::to_string(k) + "] = " + std::to_string(x) +
                  ": weights must be finite and >= 0");
  }
}

// Copies an index array into int32 after checking every entry is in [0, bound).
std::vector<std::int32_t> checked_ids(const IndexArray& a, std::size_t bound, const std::string& name,
                                      const std::string& bound_name) {
  std::vector<std::int32_t> out(a.length);
  for (std::size_t k = 0; k < a.length; ++k) {
    std::int64_t v = a.at(k);
    if (v < 0 || static_cast<std::uint64_t>(v) >= bound)
      throw_range(name + "[" + std::to_string(k) + "] = " + std::to_string(v) + " is outside [0, " +
                  bound_name + " = " + std::to_string(bound) + ")");
    out[k] = static_cast<std::int32_t>(v);
  }
  return out;
}

std::size_t read_node_count(Napi::Value v, const char* name) {
  std::size_t n = read_size(v, name);
  if (n == 0) throw_range(std::string(name) + " must be at least 1");
  if (n > kMaxNodes) throw_range(std::string(name) + " must be at most 2147483647 (int32 node ids), got " + std::to_string(n));
  return n;
}

Symmetrize read_symmetrize(Napi::Value v) {
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "none";
  if (s == "none") return Symmetrize::None;
  if (s == "average") return Symmetrize::Average;
  if (s == "max") return Symmetrize::Max;
  throw_range("symmetrize must be false, true, 'average' or 'max', got '" + s + "'");
}

bool read_drop(Napi::Value v) {
  if (v.IsUndefined() || v.IsNull()) return false;
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "drop") return true;
  if (s == "error") return false;
  throw_range("isolated must be 'error' (the default) or 'drop'");
}

// GraphError -> RangeError carrying its code.
template <typename F>
auto building(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const GraphError& e) {
    throw JsError(JsError::Range, e.what(), e.code);
  }
}

// ---- results ------------------------------------------------------------------------------

Napi::Float64Array doubles(Napi::Env env, const std::vector<double>& v) {
  Napi::TypedArray arr = new_typed_array(env, Dtype::F64, v.size(), "degrees");
  if (!v.empty()) std::memcpy(typed_array_data(arr), v.data(), v.size() * sizeof(double));
  return arr.As<Napi::Float64Array>();
}

Napi::Value ints(Napi::Env env, const std::vector<std::int32_t>& v) {
  if (v.empty()) return env.Undefined();
  Napi::Int32Array arr = Napi::Int32Array::New(env, v.size());
  std::memcpy(arr.Data(), v.data(), v.size() * sizeof(std::int32_t));
  return arr;
}

template <typename H>
Napi::External<H> external_of(Napi::Env env, H handle, std::size_t bytes) {
  // V8 learns how much native memory a graph holds, so it collects dropped graphs promptly.
  return make_handle(env, std::move(handle), tag_of<H>(), static_cast<std::int64_t>(bytes));
}

template <typename T>
Napi::Object describe(Napi::Env env, std::shared_ptr<const Graph<T>> g) {
  Napi::Object o = Napi::Object::New(env);
  GraphHandle h;
  if constexpr (sizeof(T) == 4) h.f32 = g; else h.f64 = g;
  std::size_t bytes = g->adjacency.bytes() + g->degrees.size() * sizeof(double);
  o.Set("handle", external_of(env, h, bytes));
  o.Set("n", Napi::Number::New(env, double(g->size())));
  o.Set("nnz", Napi::Number::New(env, double(g->adjacency.nnz())));
  o.Set("dtype", Napi::String::New(env, sizeof(T) == 4 ? "float32" : "float64"));
  o.Set("degrees", doubles(env, g->degrees));
  o.Set("totalWeight", Napi::Number::New(env, g->total_weight));
  o.Set("nodeMap", ints(env, g->node_map));
  return o;
}

template <typename T>
Napi::Object describe(Napi::Env env, std::shared_ptr<const BipartiteGraph<T>> g) {
  Napi::Object o = Napi::Object::New(env);
  BipartiteHandle h;
  if constexpr (sizeof(T) == 4) h.f32 = g; else h.f64 = g;
  std::size_t bytes = g->forward.bytes() + g->backward.bytes();
  o.Set("handle", external_of(env, h, bytes));
  o.Set("nLeft", Napi::Number::New(env, double(g->forward.rows)));
  o.Set("nRight", Napi::Number::New(env, double(g->forward.cols)));
  o.Set("nnz", Napi::Number::New(env, double(g->forward.nnz())));
  o.Set("dtype", Napi::String::New(env, sizeof(T) == 4 ? "float32" : "float64"));
  o.Set("degreesLeft", doubles(env, g->degrees_left));
  o.Set("degreesRight", doubles(env, g->degrees_right));
  o.Set("totalWeight", Napi::Number::New(env, g->total_weight));
  o.Set("nodeMapLeft", ints(env, g->node_map_left));
  o.Set("nodeMapRight", ints(env, g->node_map_right));
  return o;
}

Napi::Object build(Napi::Env env, std::size_t n, const CooView& coo, Dtype dtype, Symmetrize sym, bool drop) {
  return building([&] {
    if (dtype == Dtype::F32)
      return describe<float>(env, std::make_shared<const Graph<float>>(build_graph<float>(n, coo, sym, drop)));
    return describe<double>(env, std::make_shared<const Graph<double>>(build_graph<double>(n, coo, sym, drop)));
  });
}

CooView coo_of(const std::vector<std::int32_t>& rows, const std::vector<std::int32_t>& cols, const Weights& w) {
  CooView coo;
  coo.count = rows.size();
  coo.row = rows.data();
  coo.col = cols.data();
  if (w.given) {
    if (w.dtype == Dtype::F32) coo.w32 = static_cast<const float*>(w.data);
    else coo.w64 = static_cast<const double*>(w.data);
  }
  return coo;
}

// ---- construction -------------------------------------------------------------------------

// (n, src, dst, weight, dtype, symmetrize, isolated)
Napi::Value FromEdges(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    std::size_t n = read_node_count(info[0], "n");
    IndexArray src = read_indices(info[1], "src", false), dst = read_indices(info[2], "dst", false);
    if (src.length != dst.length)
      throw_range("src has " + std::to_string(src.length) + " entries but dst has " + std::to_string(dst.length));
    Weights w = read_weights(info[3], "weight", info[4]);
    if (w.given && w.length != src.length)
      throw_range("weight has " + std::to_string(w.length) + " entries but src and dst have " + std::to_string(src.length));
    Symmetrize sym = read_symmetrize(info[5]);
    bool drop = read_drop(info[6]);
    check_weights(w, "weight");
    std::vector<std::int32_t> rows = checked_ids(src, n, "src", "n");
    std::vector<std::int32_t> cols = checked_ids(dst, n, "dst", "n");
    return build(info.Env(), n, coo_of(rows, cols, w), w.dtype, sym, drop);
  });
}

// (n, indptr, indices, values, dtype, symmetrize, isolated)
Napi::Value FromCSR(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    std::size_t n = read_node_count(info[0], "n");
    IndexArray indptr = read_indices(info[1], "indptr", true);
    IndexArray indices = read_indices(info[2], "indices", false);
    if (indptr.length != n + 1)
      throw_range("indptr has " + std::to_string(indptr.length) + " entries but n + 1 = " + std::to_string(n + 1) + " were expected");
    if (indptr.at(0) != 0) throw_range("indptr[0] must be 0, got " + std::to_string(indptr.at(0)));
    for (std::size_t r = 0; r < n; ++r)
      if (indptr.at(r + 1) < indptr.at(r))
        throw_range("indptr must be nondecreasing: indptr[" + std::to_string(r + 1) + "] = " +
                    std::to_string(indptr.at(r + 1)) + " < indptr[" + std::to_string(r) + "] = " + std::to_string(indptr.at(r)));
    if (static_cast<std::uint64_t>(indptr.at(n)) != indices.length)
      throw_range("indptr[n] = " + std::to_string(indptr.at(n)) + " but indices has " + std::to_string(indices.length) + " entries");
    Weights w = read_weights(info[3], "values", info[4]);
    if (w.given && w.length != indices.length)
      throw_range("values has " + std::to_string(w.length) + " entries but indices has " + std::to_string(indices.length));
    Symmetrize sym = read_symmetrize(info[5]);
    bool drop = read_drop(info[6]);
    check_weights(w, "values");
    std::vector<std::int32_t> cols = checked_ids(indices, n, "indices", "n");
    std::vector<std::int32_t> rows(indices.length);
    for (std::size_t r = 0; r < n; ++r)
      for (std::int64_t p = indptr.at(r); p < indptr.at(r + 1); ++p) rows[p] = static_cast<std::int32_t>(r);
    return build(info.Env(), n, coo_of(rows, cols, w), w.dtype, sym, drop);
  });
}

// (A: Matrix, symmetrize, isolated)
Napi::Value FromDense(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    MatrixView a = read_matrix(info[0], "A", false);
    if (a.rows != a.cols)
      throw_range("A must be square (n x n), got " + std::to_string(a.rows) + " x " + std::to_string(a.cols));
    if (a.rows > kMaxNodes) throw_range("A has more than 2147483647 rows");
    Symmetrize sym = read_symmetrize(info[1]);
    bool drop = read_drop(info[2]);
    std::size_t n = a.rows;
    std::vector<std::int32_t> rows, cols;
    std::vector<double> vals;
    const void* data = a.data();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double x = a.dtype == Dtype::F32 ? double(static_cast<const float*>(data)[i * n + j])
                                           : static_cast<const double*>(data)[i * n + j];
        if (!(x >= 0) || !std::isfinite(x))
          throw_range("A[" + std::to_string(i) + "][" + std::to_string(j) + "] = " + std::to_string(x) +
                      ": weights must be finite and >= 0");
        if (x != 0) {
          rows.push_back(static_cast<std::int32_t>(i));
          cols.push_back(static_cast<std::int32_t>(j));
          vals.push_back(x);
        }
      }
    CooView coo;
    coo.count = rows.size();
    coo.row = rows.data();
    coo.col = cols.data();
    coo.w64 = vals.data();  // exact: every float32 is a double
    return build(info.Env(), n, coo, a.dtype, sym, drop);
  });
}

// (nLeft, nRight, left, right, weight, dtype, isolated)
Napi::Value BipartiteFromEdges(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    std::size_t nl = read_node_count(info[0], "nLeft"), nr = read_node_count(info[1], "nRight");
    IndexArray left = read_indices(info[2], "left", false), right = read_indices(info[3], "right", false);
    if (left.length != right.length)
      throw_range("left has " + std::to_string(left.length) + " entries but right has " + std::to_string(right.length));
    Weights w = read_weights(info[4], "weight", info[5]);
    if (w.given && w.length != left.length)
      throw_range("weight has " + std::to_string(w.length) + " entries but left and right have " + std::to_string(left.length));
    bool drop = read_drop(info[6]);
    check_weights(w, "weight");
    std::vector<std::int32_t> rows = checked_ids(left, nl, "left", "nLeft");
    std::vector<std::int32_t> cols = checked_ids(right, nr, "right", "nRight");
    CooView coo = coo_of(rows, cols, w);
    Napi::Env env = info.Env();
    return building([&] {
      if (w.dtype == Dtype::F32)
        return describe<float>(env, std::make_shared<const BipartiteGraph<float>>(build_bipartite<float>(nl, nr, coo, drop)));
      return describe<double>(env, std::make_shared<const BipartiteGraph<double>>(build_bipartite<double>(nl, nr, coo, drop)));
    });
  });
}

// ---- queries ------------------------------------------------------------------------------

Napi::Value Components(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const GraphHandle& h = graph_handle(info[0], "graph");
    std::size_t count = 0;
    std::vector<std::int32_t> labels =
        h.f32 ? connected_components(*h.f32, &count) : connected_components(*h.f64, &count);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("count", Napi::Number::New(info.Env(), double(count)));
    Napi::Int32Array arr = Napi::Int32Array::New(info.Env(), labels.size());
    if (!labels.empty()) std::memcpy(arr.Data(), labels.data(), labels.size() * sizeof(std::int32_t));
    o.Set("labels", arr);
    return o;
  });
}

// The CSR arrays (copies): { indptr: Float64Array, indices: Int32Array, values }.
template <typename T>
Napi::Object csr_to_js(Napi::Env env, const Csr<T>& a) {
  Napi::Object o = Napi::Object::New(env);
  Napi::TypedArray ip = new_typed_array(env, Dtype::F64, a.indptr.size(), "indptr");
  double* ipd = static_cast<double*>(typed_array_data(ip));
  for (std::size_t i = 0; i < a.indptr.size(); ++i) ipd[i] = double(a.indptr[i]);
  Napi::Int32Array ix = Napi::Int32Array::New(env, a.nnz());
  if (a.nnz() > 0) std::memcpy(ix.Data(), a.indices.data(), a.nnz() * sizeof(std::int32_t));
  Napi::TypedArray v = new_typed_array(env, sizeof(T) == 4 ? Dtype::F32 : Dtype::F64, a.nnz(), "values");
  T* out = static_cast<T*>(typed_array_data(v));
  for (std::size_t p = 0; p < a.nnz(); ++p) out[p] = static_cast<T>(a.value(p));
  o.Set("indptr", ip);
  o.Set("indices", ix);
  o.Set("values", v);
  return o;
}

Napi::Value ToCSR(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const GraphHandle& h = graph_handle(info[0], "graph");
    return h.f32 ? csr_to_js(info.Env(), h.f32->adjacency) : csr_to_js(info.Env(), h.f64->adjacency);
  });
}

Napi::Value BipartiteToCSR(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const BipartiteHandle& h = bipartite_handle(info[0], "graph");
    return h.f32 ? csr_to_js(info.Env(), h.f32->forward) : csr_to_js(info.Env(), h.f64->forward);
  });
}

// ---- operators ----------------------------------------------------------------------------

Napi::Value Normalized(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const GraphHandle& h = graph_handle(info[0], "graph");
    std::shared_ptr<SymmetricOperator> op;
    if (h.f32) op = std::make_shared<NormalizedAdjacency<float>>(h.f32);
    else op = std::make_shared<NormalizedAdjacency<double>>(h.f64);
    return wrap_operator<SymmetricOperator>(info.Env(), op);
  });
}

Napi::Value BipartiteNormalized(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const BipartiteHandle& h = bipartite_handle(info[0], "graph");
    std::shared_ptr<RectangularOperator> op;
    if (h.f32) op = std::make_shared<NormalizedBiadjacency<float>>(h.f32);
    else op = std::make_shared<NormalizedBiadjacency<double>>(h.f64);
    return wrap_operator<RectangularOperator>(info.Env(), op);
  });
}

const double* float64_block(Napi::Value v, const char* name, std::size_t count, bool writable_out, double** out) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type(std::string(name) + " must be a Float64Array");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  if (a.ElementLength() != count)
    throw_range(std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements but " +
                std::to_string(count) + " (rows x columns) were expected");
  double* p = static_cast<double*>(typed_array_data(a));
  if (writable_out) *out = p;
  return p;
}

std::size_t read_columns(Napi::Value v) {
  std::size_t c = read_size(v, "columns");
  if (c == 0) throw_range("columns must be at least 1");
  return c;
}

// (operatorExternal, X, Y, columns): Y = Op X, both Float64Array n x columns.
Napi::Value OperatorMultiply(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = unwrap_operator<SymmetricOperator>(info[0], "_native");
    if (!op) throw_type("multiply: not a native operator");
    std::size_t columns = read_columns(info[3]);
    std::size_t count = checked_mul(op->size(), columns, "X");
    const double* X = float64_block(info[1], "X", count, false, nullptr);
    double* Y = nullptr;
    float64_block(info[2], "Y", count, true, &Y);
    if (X == Y) throw_range("multiply: X and Y must be different arrays");
    op->multiply(X, Y, columns);
    return info.Env().Undefined();
  });
}

// (operatorExternal, X, Y, columns, transpose)
Napi::Value RectangularMultiply(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = unwrap_operator<RectangularOperator>(info[0], "_nativeRect");
    if (!op) throw_type("multiply: not a native rectangular operator");
    std::size_t columns = read_columns(info[3]);
    bool transpose = info[4].ToBoolean();
    std::size_t in_rows = transpose ? op->rows() : op->cols();
    std::size_t out_rows = transpose ? op->cols() : op->rows();
    const double* X = float64_block(info[1], "X", checked_mul(in_rows, columns, "X"), false, nullptr);
    double* Y = nullptr;
    float64_block(info[2], "Y", checked_mul(out_rows, columns, "Y"), true, &Y);
    if (X == Y) throw_range("multiply: X and Y must be different arrays");
    if (transpose) op->multiply_transpose(X, Y, columns);
    else op->multiply(X, Y, columns);
    return info.Env().Undefined();
  });
}

// The size of a native operator, so that the TypeScript side never trusts an `n` (or rows, cols)
// carried next to a handle it did not make.
Napi::Value OperatorSize(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = unwrap_operator<SymmetricOperator>(info[0], "_native");
    if (!op) throw_type("operatorSize: not a native operator");
    return Napi::Number::New(info.Env(), static_cast<double>(op->size()));
  });
}

Napi::Value RectangularShape(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = unwrap_operator<RectangularOperator>(info[0], "_nativeRect");
    if (!op) throw_type("rectangularShape: not a native rectangular operator");
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("rows", Napi::Number::New(info.Env(), static_cast<double>(op->rows())));
    o.Set("cols", Napi::Number::New(info.Env(), static_cast<double>(op->cols())));
    return o;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("operatorSize", Napi::Function::New(env, OperatorSize, "operatorSize"));
  exports.Set("rectangularShape", Napi::Function::New(env, RectangularShape, "rectangularShape"));
  exports.Set("graphFromEdges", Napi::Function::New(env, FromEdges, "graphFromEdges"));
  exports.Set("graphFromCSR", Napi::Function::New(env, FromCSR, "graphFromCSR"));
  exports.Set("graphFromDense", Napi::Function::New(env, FromDense, "graphFromDense"));
  exports.Set("bipartiteFromEdges", Napi::Function::New(env, BipartiteFromEdges, "bipartiteFromEdges"));
  exports.Set("graphComponents", Napi::Function::New(env, Components, "graphComponents"));
  exports.Set("graphToCSR", Napi::Function::New(env, ToCSR, "graphToCSR"));
  exports.Set("bipartiteToCSR", Napi::Function::New(env, BipartiteToCSR, "bipartiteToCSR"));
  exports.Set("graphNormalized", Napi::Function::New(env, Normalized, "graphNormalized"));
  exports.Set("bipartiteNormalized", Napi::Function::New(env, BipartiteNormalized, "bipartiteNormalized"));
  exports.Set("operatorMultiply", Napi::Function::New(env, OperatorMultiply, "operatorMultiply"));
  exports.Set("rectangularMultiply", Napi::Function::New(env, RectangularMultiply, "rectangularMultiply"));
}

}  // namespace

namespace {
template <typename H>
const H& handle_of(Napi::Value v, const char* what, const char* kind) {
  Napi::Value h = v;
  if (v.IsObject() && !v.IsExternal()) h = v.As<Napi::Object>().Get("_handle");
  if (!h.IsExternal()) throw_type(std::string(what) + " must be a " + kind);
  auto ext = h.As<Napi::External<H>>();
  if (!ext.CheckTypeTag(tag_of<H>())) throw_type(std::string(what) + " must be a " + kind);
  return *ext.Data();
}
}  // namespace

const GraphHandle& graph_handle(Napi::Value v, const char* what) {
  return handle_of<GraphHandle>(v, what, "Graph");
}
const BipartiteHandle& bipartite_handle(Napi::Value v, const char* what) {
  return handle_of<BipartiteHandle>(v, what, "BipartiteGraph");
}

SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
