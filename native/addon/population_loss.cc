// Bindings of populationLoss: (graph, E) and (bipartite, Ex, Et), each Sync and Promise. The
// graph lives in native memory and is shared, not copied; E is copied for the Promise form.
#include "../core/population_loss.h"

#include <cmath>
#include <cstring>

#include "common.h"
#include "graph_handle.h"

namespace speclin::addon {
namespace {

// E as float64 (the computation's type): a copy for float32, a view for float64 in Sync forms.
std::vector<double> widen(const void* data, Dtype dtype, std::size_t count) {
  std::vector<double> out(count);
  if (dtype == Dtype::F32) {
    const float* f = static_cast<const float*>(data);
    for (std::size_t i = 0; i < count; ++i) out[i] = f[i];
  } else {
    std::memcpy(out.data(), data, count * sizeof(double));
  }
  return out;
}

// NaN or Infinity in an embedding would make the loss NaN without a word (the fuzz found it):
// refused, naming the first bad entry, as spectralLoss does.
void check_finite(const std::vector<double>& e, std::size_t k, const char* name) {
  for (std::size_t p = 0; p < e.size(); ++p)
    if (!std::isfinite(e[p]))
      throw_range(std::string("populationLoss: ") + name + " contains " + (std::isnan(e[p]) ? "NaN" : "Infinity") +
                  " at row " + std::to_string(p / k) + ", column " + std::to_string(p % k) +
                  "; a non-finite embedding would make the loss NaN");
}

// Finite embeddings whose loss or gradient overflow: a RangeError, not an Infinity returned quietly.
void check_overflow(double loss, const std::vector<double>& grad, Dtype dtype) {
  bool ok = std::isfinite(loss);
  for (std::size_t p = 0; ok && p < grad.size(); ++p)
    ok = std::isfinite(dtype == Dtype::F32 ? static_cast<double>(static_cast<float>(grad[p])) : grad[p]);
  if (!ok)
    throw_range(std::string("populationLoss: the embedding is finite, but ") +
                (std::isfinite(loss) ? "the gradient overflows " : "the loss overflows ") + dtype_name(dtype) +
                "; scale the embedding down");
}

void narrow(const std::vector<double>& v, Dtype dtype, void* out) {
  if (dtype == Dtype::F32) {
    float* f = static_cast<float*>(out);
    for (std::size_t i = 0; i < v.size(); ++i) f[i] = static_cast<float>(v[i]);
  } else {
    std::memcpy(out, v.data(), v.size() * sizeof(double));
  }
}

struct GraphArgs {
  GraphHandle graph;
  MatrixView E;
};

GraphArgs read_graph_args(const Napi::CallbackInfo& info) {
  GraphArgs a{graph_handle(info[0], "graph"), {}};
  a.E = read_matrix(info[1], "E", false);
  if (a.E.rows != a.graph.size())
    throw_range("populationLoss: E has " + std::to_string(a.E.rows) + " rows but the graph has n = " +
                std::to_string(a.graph.size()) + " nodes");
  return a;
}

// Computes into grad (E's dtype, n x k); returns the loss.
double compute(const GraphHandle& g, const void* E, Dtype dtype, std::size_t n, std::size_t k, void* grad) {
  std::vector<double> e = widen(E, dtype, n * k);
  check_finite(e, k, "E");
  std::vector<double> gr(n * k);
  double loss = g.f32 ? population_loss(*g.f32, e.data(), k, gr.data())
                      : population_loss(*g.f64, e.data(), k, gr.data());
  check_overflow(loss, gr, dtype);
  narrow(gr, dtype, grad);
  return loss;
}

Napi::Object result(Napi::Env env, double loss, Napi::TypedArray grad, std::size_t n, std::size_t k) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", Napi::Number::New(env, loss));
  o.Set("grad", make_matrix(env, grad, 1, n, k, false));
  return o;
}

Napi::Value Sync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    GraphArgs a = read_graph_args(info);
    Napi::TypedArray grad = new_typed_array(info.Env(), a.E.dtype, a.E.count(), "the gradient");
    double loss = compute(a.graph, a.E.data(), a.E.dtype, a.E.rows, a.E.cols, typed_array_data(grad));
    return result(info.Env(), loss, grad, a.E.rows, a.E.cols);
  });
}

Napi::Value Async(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    GraphArgs a = read_graph_args(info);
    auto E = std::make_shared<Buffer>(Buffer::copy_of(a.E));
    auto grad = std::make_shared<Buffer>(a.E.dtype, a.E.count());
    auto loss = std::make_shared<double>(0);
    GraphHandle g = a.graph;  // shares ownership: the graph outlives the call
    std::size_t n = a.E.rows, k = a.E.cols;
    return run_async(
        info.Env(), "populationLoss",
        [=] { *loss = compute(g, E->data(), E->dtype(), n, k, grad->data()); },
        [=](Napi::Env env) -> Napi::Value { return result(env, *loss, grad->to_js(env), n, k); });
  });
}

struct BipartiteArgs {
  BipartiteHandle graph;
  MatrixView Ex, Et;
};

BipartiteArgs read_bipartite_args(const Napi::CallbackInfo& info) {
  BipartiteArgs a{bipartite_handle(info[0], "graph"), {}, {}};
  a.Ex = read_matrix(info[1], "Ex", false);
  a.Et = read_matrix(info[2], "Et", false);
  if (a.Ex.dtype != a.Et.dtype)
    throw_type(std::string("populationLoss: Ex is ") + dtype_name(a.Ex.dtype) + " but Et is " +
               dtype_name(a.Et.dtype) + "; both must have the same dtype");
  if (a.Ex.rows != a.graph.left())
    throw_range("populationLoss: Ex has " + std::to_string(a.Ex.rows) + " rows but the graph has nLeft = " +
                std::to_string(a.graph.left()));
  if (a.Et.rows != a.graph.right())
    throw_range("populationLoss: Et has " + std::to_string(a.Et.rows) + " rows but the graph has nRight = " +
                std::to_string(a.graph.right()));
  if (a.Ex.cols != a.Et.cols)
    throw_range("populationLoss: Ex has " + std::to_string(a.Ex.cols) + " columns but Et has " +
                std::to_string(a.Et.cols) + "; both embeddings need the same dimension k");
  return a;
}

double compute_bipartite(const BipartiteHandle& g, const void* Ex, const void* Et, Dtype dtype,
                         std::size_t nl, std::size_t nr, std::size_t k, void* gl, void* gr) {
  std::vector<double> ex = widen(Ex, dtype, nl * k), et = widen(Et, dtype, nr * k);
  check_finite(ex, k, "Ex");
  check_finite(et, k, "Et");
  std::vector<double> gx(nl * k), gt(nr * k);
  double loss = g.f32 ? population_loss_bipartite(*g.f32, ex.data(), et.data(), k, gx.data(), gt.data())
                      : population_loss_bipartite(*g.f64, ex.data(), et.data(), k, gx.data(), gt.data());
  check_overflow(loss, gx, dtype);
  check_overflow(loss, gt, dtype);
  narrow(gx, dtype, gl);
  narrow(gt, dtype, gr);
  return loss;
}

Napi::Object bipartite_result(Napi::Env env, double loss, Napi::TypedArray gl, Napi::TypedArray gr,
                              std::size_t nl, std::size_t nr, std::size_t k) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", Napi::Number::New(env, loss));
  o.Set("gradLeft", make_matrix(env, gl, 1, nl, k, false));
  o.Set("gradRight", make_matrix(env, gr, 1, nr, k, false));
  return o;
}

Napi::Value BipartiteSync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    BipartiteArgs a = read_bipartite_args(info);
    Napi::Env env = info.Env();
    Napi::TypedArray gl = new_typed_array(env, a.Ex.dtype, a.Ex.count(), "gradLeft");
    Napi::TypedArray gr = new_typed_array(env, a.Et.dtype, a.Et.count(), "gradRight");
    double loss = compute_bipartite(a.graph, a.Ex.data(), a.Et.data(), a.Ex.dtype, a.Ex.rows, a.Et.rows,
                                    a.Ex.cols, typed_array_data(gl), typed_array_data(gr));
    return bipartite_result(env, loss, gl, gr, a.Ex.rows, a.Et.rows, a.Ex.cols);
  });
}

Napi::Value BipartiteAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    BipartiteArgs a = read_bipartite_args(info);
    auto ex = std::make_shared<Buffer>(Buffer::copy_of(a.Ex));
    auto et = std::make_shared<Buffer>(Buffer::copy_of(a.Et));
    auto gl = std::make_shared<Buffer>(a.Ex.dtype, a.Ex.count());
    auto gr = std::make_shared<Buffer>(a.Et.dtype, a.Et.count());
    auto loss = std::make_shared<double>(0);
    BipartiteHandle g = a.graph;
    std::size_t nl = a.Ex.rows, nr = a.Et.rows, k = a.Ex.cols;
    return run_async(
        info.Env(), "populationLoss",
        [=] { *loss = compute_bipartite(g, ex->data(), et->data(), ex->dtype(), nl, nr, k, gl->data(), gr->data()); },
        [=](Napi::Env env) -> Napi::Value {
          return bipartite_result(env, *loss, gl->to_js(env), gr->to_js(env), nl, nr, k);
        });
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("populationLossSync", Napi::Function::New(env, Sync, "populationLossSync"));
  exports.Set("populationLoss", Napi::Function::New(env, Async, "populationLoss"));
  exports.Set("populationLossBipartiteSync", Napi::Function::New(env, BipartiteSync, "populationLossBipartiteSync"));
  exports.Set("populationLossBipartite", Napi::Function::New(env, BipartiteAsync, "populationLossBipartite"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
