// Bindings of the distributed graph and its eigensolver: graphFromEdges, graphMultiply, eigsh.
// Collective calls, run on the main thread; src/mpi checks that the ranks agree on their
// arguments before calling them.
#include <memory>

#include "block_lanczos.h"
#include "dense_eigsh.h"
#include "eigsh.h"
#include "distributed_graph.h"
#include "mpi_check.h"

namespace speclin::mpi {
namespace {

using addon::guarded;
using addon::throw_range;
using addon::throw_type;

const napi_type_tag kGraphTag = {0x5b1c3e7a9d2f4c61ull, 0x8e4a0b7d6c3f1a29ull};

Napi::Value wrap(Napi::Env env, std::shared_ptr<DistributedGraph> g) {
  auto ext = Napi::External<std::shared_ptr<DistributedGraph>>::New(
      env, new std::shared_ptr<DistributedGraph>(std::move(g)),
      [](Napi::Env, std::shared_ptr<DistributedGraph>* p) { delete p; });
  napi_type_tag_object(env, ext, &kGraphTag);
  return ext;
}

std::shared_ptr<DistributedGraph> unwrap(Napi::Value v) {
  bool ok = false;
  if (v.IsExternal()) napi_check_object_type_tag(v.Env(), v, &kGraphTag, &ok);
  if (!ok) throw_type("DistributedGraph: not a distributed graph handle");
  return *v.As<Napi::External<std::shared_ptr<DistributedGraph>>>().Data();
}

template <typename A>
A typed(Napi::Value v, napi_typedarray_type t, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != t) throw_type(std::string(what) + " has the wrong array type");
  return v.As<A>();
}

Napi::Object info(Napi::Env env, const DistributedGraph& g) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("n", static_cast<double>(g.n()));
  o.Set("nnz", static_cast<double>(g.global_nnz()));
  o.Set("localNnz", static_cast<double>(g.local_nnz()));
  o.Set("firstRow", static_cast<double>(g.first_row()));
  o.Set("localRows", static_cast<double>(g.local_rows()));
  o.Set("haloSize", static_cast<double>(g.halo_size()));
  o.Set("sendCount", static_cast<double>(g.send_count()));
  o.Set("neighbours", static_cast<double>(g.neighbours()));
  o.Set("totalWeight", g.total_weight());
  Napi::Float64Array deg = Napi::Float64Array::New(env, g.local_rows());
  std::copy(g.degrees().begin(), g.degrees().end(), deg.Data());
  o.Set("degrees", deg);
  return o;
}

// (n, src: Int32Array, dst: Int32Array, weight: Float64Array | undefined, symmetrize) -> { handle, ...info }
Napi::Value FromEdges(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    require_active("DistributedGraph.fromEdges");
    std::int64_t n = static_cast<std::int64_t>(addon::read_size(a[0], "n"));
    auto src = typed<Napi::Int32Array>(a[1], napi_int32_array, "src");
    auto dst = typed<Napi::Int32Array>(a[2], napi_int32_array, "dst");
    const double* w = nullptr;
    if (!a[3].IsUndefined()) {
      auto wa = typed<Napi::Float64Array>(a[3], napi_float64_array, "weight");
      if (wa.ElementLength() != src.ElementLength()) throw_range("weight must have one entry per edge");
      w = wa.Data();
    }
    if (src.ElementLength() != dst.ElementLength()) throw_range("src and dst must have the same length");
    auto g = std::make_shared<DistributedGraph>(DistributedGraph::from_edges(
        n, src.Data(), dst.Data(), w, src.ElementLength(), a[4].ToBoolean().Value()));
    Napi::Object o = info(a.Env(), *g);
    o.Set("handle", wrap(a.Env(), g));
    return o;
  });
}

// (handle, X: Float64Array (localRows x columns), columns) -> Y
Napi::Value Multiply(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    require_active("DistributedGraph.multiply");
    auto g = unwrap(a[0]);
    auto X = typed<Napi::Float64Array>(a[1], napi_float64_array, "x");
    std::size_t cols = addon::read_size(a[2], "columns");
    if (cols == 0 || X.ElementLength() != g->local_rows() * cols)
      throw_range("DistributedGraph.multiply: x must hold localRows x columns = " + std::to_string(g->local_rows()) +
                  " x " + std::to_string(cols) + " numbers");
    Napi::Float64Array Y = Napi::Float64Array::New(a.Env(), X.ElementLength());
    g->multiply(X.Data(), Y.Data(), cols);
    return Y;
  });
}

// (handle, { k, tol, block, basis, maxRestarts, seed, method }) -> result
Napi::Value Eigsh(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    require_active("distributedEigsh");
    auto g = unwrap(a[0]);
    Napi::Object o = a[1].As<Napi::Object>();
    BlockLanczosOptions opt;
    opt.k = addon::read_size(o.Get("k"), "k");
    opt.tol = o.Get("tol").As<Napi::Number>().DoubleValue();
    opt.block = addon::read_size(o.Get("block"), "blockSize");
    opt.basis = addon::read_size(o.Get("basis"), "basisSize");
    opt.max_restarts = addon::read_size(o.Get("maxRestarts"), "maxIterations");
    opt.seed = static_cast<std::uint64_t>(addon::read_size(o.Get("seed"), "seed"));
    // method: 0 'auto' (dense for n <= 256, as the single-process eigsh, or where the Lanczos
    // basis cannot hold k + 2 blocks), 1 'lanczos', 2 'dense'.
    const std::size_t method = addon::read_size(o.Get("method"), "method");
    const std::size_t n = static_cast<std::size_t>(g->n());
    const bool dense = method == 2 || (method == 0 && (n <= speclin::kDenseLimit || !lanczos_fits(n, opt)));
    BlockLanczosResult r;
    if (dense) {
      r = dense_eigsh(*g, opt.k, opt.tol);
    } else {
      DistributedMultiply mul = [&](const double* X, double* Y, std::size_t c) { g->multiply(X, Y, c); };
      SumAcross sum = [](double* x, std::size_t count) {
        check(MPI_Allreduce(MPI_IN_PLACE, x, static_cast<int>(count), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
      };
      r = block_lanczos(n, g->local_rows(), g->first_row(), mul, sum, opt);
    }
    Napi::Env env = a.Env();
    auto arr = [&](const std::vector<double>& v) {
      Napi::Float64Array x = Napi::Float64Array::New(env, v.size());
      std::copy(v.begin(), v.end(), x.Data());
      return x;
    };
    Napi::Object out = Napi::Object::New(env);
    out.Set("values", arr(r.values));
    out.Set("vectors", arr(r.vectors));
    out.Set("residuals", arr(r.residuals));
    out.Set("matvecs", static_cast<double>(r.matvecs));
    out.Set("iterations", static_cast<double>(r.restarts));
    out.Set("converged", static_cast<double>(r.converged));
    out.Set("reductions", static_cast<double>(r.reductions));
    out.Set("method", dense ? "dense" : "lanczos");
    return out;
  });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("graphFromEdges", Napi::Function::New(env, FromEdges, "graphFromEdges"));
  exports.Set("graphMultiply", Napi::Function::New(env, Multiply, "graphMultiply"));
  exports.Set("eigsh", Napi::Function::New(env, Eigsh, "eigsh"));
}

}  // namespace
SPECLIN_REGISTER(Register);
}  // namespace speclin::mpi
