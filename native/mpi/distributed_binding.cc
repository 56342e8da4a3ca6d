// Bindings of the distributed graph and its eigensolver: graphFromEdges, graphMultiply, eigsh
// (Sync forms, on the main thread: src/mpi checks that the ranks agree on their arguments before
// calling them), and graphFromEdgesAsync, eigshAsync, agreeAsync (Promise forms: the agreement
// check and the work on a worker, collective_async.h). Every MPI call takes its turn of the lane.
#include <memory>

#include "block_lanczos.h"
#include "collective_async.h"
#include "collective_lane.h"
#include "dense_eigsh.h"
#include "eigsh.h"
#include "distributed_graph.h"
#include "mpi_check.h"
#include "../addon/handles.h"

namespace speclin::mpi {
namespace {

using addon::guarded;
using addon::throw_range;
using addon::throw_type;

const napi_type_tag kGraphTag = {0x5b1c3e7a9d2f4c61ull, 0x8e4a0b7d6c3f1a29ull};

Napi::Value wrap(Napi::Env env, std::shared_ptr<DistributedGraph> g) {
  return addon::make_handle(env, std::move(g), &kGraphTag);
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

// The inputs of graphFromEdges, copied (the Promise form reads them on a worker).
struct EdgeInput {
  std::int64_t n = 0;
  std::vector<std::int32_t> src, dst;
  std::vector<double> weight;  // empty: every weight 1
  bool symmetrize = false;
};

EdgeInput read_edges(const Napi::CallbackInfo& a) {
  EdgeInput e;
  e.n = static_cast<std::int64_t>(addon::read_size(a[0], "n"));
  auto src = typed<Napi::Int32Array>(a[1], napi_int32_array, "src");
  auto dst = typed<Napi::Int32Array>(a[2], napi_int32_array, "dst");
  if (src.ElementLength() != dst.ElementLength()) throw_range("src and dst must have the same length");
  if (!a[3].IsUndefined()) {
    auto wa = typed<Napi::Float64Array>(a[3], napi_float64_array, "weight");
    if (wa.ElementLength() != src.ElementLength()) throw_range("weight must have one entry per edge");
    e.weight.assign(wa.Data(), wa.Data() + wa.ElementLength());
  }
  e.src.assign(src.Data(), src.Data() + src.ElementLength());
  e.dst.assign(dst.Data(), dst.Data() + dst.ElementLength());
  e.symmetrize = a[4].ToBoolean().Value();
  return e;
}

std::shared_ptr<DistributedGraph> build(const EdgeInput& e) {
  return std::make_shared<DistributedGraph>(DistributedGraph::from_edges(
      e.n, e.src.data(), e.dst.data(), e.weight.empty() ? nullptr : e.weight.data(), e.src.size(), e.symmetrize));
}

Napi::Object graph_object(Napi::Env env, std::shared_ptr<DistributedGraph> g) {
  Napi::Object o = info(env, *g);
  o.Set("handle", wrap(env, std::move(g)));
  return o;
}

// (n, src: Int32Array, dst: Int32Array, weight: Float64Array | undefined, symmetrize) -> { handle, ...info }
Napi::Value FromEdges(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    require_active("DistributedGraph.fromEdges");
    EdgeInput e = read_edges(a);
    SyncTurn turn;
    return graph_object(a.Env(), build(e));
  });
}

// (n, src, dst, weight, symmetrize, descriptor) -> Promise<{ descriptor, result?: { handle, ...info } }>
Napi::Value FromEdgesAsync(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    std::vector<double> descriptor = read_descriptor(a[5]);
    auto e = std::make_shared<EdgeInput>(read_edges(a));
    auto g = std::make_shared<std::shared_ptr<DistributedGraph>>();
    return run_collective_async(
        a.Env(), "DistributedGraph.fromEdges", std::move(descriptor), [e, g] { *g = build(*e); },
        [g](Napi::Env env) -> Napi::Value { return graph_object(env, *g); });
  });
}

// (descriptor) -> Promise<{ descriptor }>: the agreement check alone, for a rank whose own
// arguments were refused (it takes part so that the others learn of it instead of waiting).
Napi::Value AgreeAsync(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    return run_collective_async(a.Env(), "speclin/mpi", read_descriptor(a[0]), {}, {});
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
    SyncTurn turn;
    g->multiply(X.Data(), Y.Data(), cols);
    return Y;
  });
}

struct EigshRequest {
  BlockLanczosOptions options;
  std::size_t method = 0;  // 0 'auto', 1 'lanczos', 2 'dense'
};

EigshRequest read_eigsh_options(Napi::Value v) {
  if (!v.IsObject()) throw_type("distributedEigsh: options must be an object");
  Napi::Object o = v.As<Napi::Object>();
  EigshRequest q;
  BlockLanczosOptions& opt = q.options;
  opt.k = addon::read_size(o.Get("k"), "k");
  opt.tol = o.Get("tol").As<Napi::Number>().DoubleValue();
  opt.block = addon::read_size(o.Get("block"), "blockSize");
  opt.basis = addon::read_size(o.Get("basis"), "basisSize");
  opt.max_restarts = addon::read_size(o.Get("maxRestarts"), "maxIterations");
  opt.seed = static_cast<std::uint64_t>(addon::read_size(o.Get("seed"), "seed"));
  q.method = addon::read_size(o.Get("method"), "method");
  return q;
}

struct EigshOutcome {
  BlockLanczosResult r;
  bool dense = false;
};

// Collective. 'auto' takes the dense path for n <= 256 (as the single-process eigsh does) or
// where the Lanczos basis cannot hold k + 2 blocks.
EigshOutcome solve(const DistributedGraph& g, const EigshRequest& q) {
  const std::size_t n = static_cast<std::size_t>(g.n());
  EigshOutcome out;
  out.dense = q.method == 2 || (q.method == 0 && (n <= speclin::kDenseLimit || !lanczos_fits(n, q.options)));
  if (out.dense) {
    out.r = dense_eigsh(g, q.options.k, q.options.tol);
    return out;
  }
  DistributedMultiply mul = [&](const double* X, double* Y, std::size_t c) { g.multiply(X, Y, c); };
  SumAcross sum = [](double* x, std::size_t count) {
    check(MPI_Allreduce(MPI_IN_PLACE, x, static_cast<int>(count), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  };
  out.r = block_lanczos(n, g.local_rows(), g.first_row(), mul, sum, q.options);
  return out;
}

Napi::Object eigsh_object(Napi::Env env, const EigshOutcome& o) {
  const BlockLanczosResult& r = o.r;
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
  out.Set("method", o.dense ? "dense" : "lanczos");
  return out;
}

// (handle, { k, tol, block, basis, maxRestarts, seed, method }) -> result
Napi::Value Eigsh(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    require_active("distributedEigsh");
    auto g = unwrap(a[0]);
    EigshRequest q = read_eigsh_options(a[1]);
    SyncTurn turn;
    return eigsh_object(a.Env(), solve(*g, q));
  });
}

// (handle, options, descriptor) -> Promise<{ descriptor, result?: result }>
Napi::Value EigshAsync(const Napi::CallbackInfo& a) {
  return guarded(a, [&]() -> Napi::Value {
    std::vector<double> descriptor = read_descriptor(a[2]);
    auto g = unwrap(a[0]);
    EigshRequest q = read_eigsh_options(a[1]);
    auto out = std::make_shared<EigshOutcome>();
    return run_collective_async(
        a.Env(), "distributedEigsh", std::move(descriptor), [g, q, out] { *out = solve(*g, q); },
        [out](Napi::Env env) -> Napi::Value { return eigsh_object(env, *out); });
  });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("graphFromEdges", Napi::Function::New(env, FromEdges, "graphFromEdges"));
  exports.Set("graphMultiply", Napi::Function::New(env, Multiply, "graphMultiply"));
  exports.Set("eigsh", Napi::Function::New(env, Eigsh, "eigsh"));
  exports.Set("graphFromEdgesAsync", Napi::Function::New(env, FromEdgesAsync, "graphFromEdgesAsync"));
  exports.Set("eigshAsync", Napi::Function::New(env, EigshAsync, "eigshAsync"));
  exports.Set("agreeAsync", Napi::Function::New(env, AgreeAsync, "agreeAsync"));
}

}  // namespace
SPECLIN_REGISTER(Register);
}  // namespace speclin::mpi
