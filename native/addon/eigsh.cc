// Bindings of the eigensolver. Three ways in:
//   eigsh(op, options, onProgress, cancelToken) -> Promise: a native operator, run entirely in
//       C++ on a libuv worker; progress through a ThreadSafeFunction; cancel via the token.
//   eigshSync(op, options): the same on the calling thread.
//   eigshSolverNew / eigshSolverStep / eigshSolverProgress / eigshSolverResult: the
//       reverse-communication solver that src/eigsh.ts drives with a JavaScript operator.
#include "../core/eigsh.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>

#include "common.h"
#include "eigsh_options.h"
#include "finite.h"
#include "handles.h"
#include "operator_handle.h"

namespace speclin::addon {
namespace {

std::vector<double> read_f64_block(Napi::Value v, std::size_t n, const char* name, std::size_t& cols, const std::string& fn) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type(fn + ": " + name + " must be a Float64Array (n x columns, row-major)");
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  std::size_t len = a.ElementLength();
  if (len == 0 || len % n != 0)
    throw_range(fn + ": " + name + " has " + std::to_string(len) +
                " elements, not a positive multiple of n = " + std::to_string(n));
  cols = len / n;
  const double* p = a.Data();
  return std::vector<double>(p, p + len);
}

double read_number(Napi::Object o, const char* key, double fallback, const std::string& fn) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw_type(fn + ": " + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::size_t read_count(Napi::Object o, const char* key, std::size_t fallback, const std::string& fn) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  return read_size(v, (fn + ": " + key).c_str());
}

}  // namespace

// The options object as src/eigsh.ts passes it (already checked there; checked again here
// because the addon is reachable directly).
EigshOptions read_eigsh_options(Napi::Value value, std::size_t n, const char* fname) {
  std::string fn(fname);
  if (!value.IsObject()) throw_type(fn + ": options must be an object");
  Napi::Object o = value.As<Napi::Object>();
  EigshOptions opt;
  opt.k = read_count(o, "k", 0, fn);
  opt.tol = read_number(o, "tol", opt.tol, fn);
  opt.max_iterations = read_count(o, "maxIterations", opt.max_iterations, fn);
  opt.block_size = read_count(o, "blockSize", 0, fn);
  opt.basis_size = read_count(o, "basisSize", 0, fn);
  opt.seed = static_cast<std::uint64_t>(read_count(o, "seed", 0, fn));
  opt.norm_bound = read_number(o, "normBound", 0, fn);
  Napi::Value device = o.Get("deviceBasis");
  if (!device.IsUndefined()) {
    if (!device.IsBoolean()) throw_type(fn + ": deviceBasis must be a boolean");
    opt.device_basis = device.As<Napi::Boolean>().Value();
  }
  Napi::Value v0 = o.Get("v0");
  if (!v0.IsUndefined()) opt.v0 = read_f64_block(v0, n, "v0", opt.v0_cols, fn);
  Napi::Value df = o.Get("deflate");
  if (!df.IsUndefined()) opt.deflate = read_f64_block(df, n, "deflate", opt.deflate_cols, fn);
  Napi::Value method = o.Get("method");
  if (!method.IsUndefined()) {
    std::string m = method.IsString() ? method.As<Napi::String>().Utf8Value() : "";
    if (m == "auto") opt.method = EigshOptions::Method::Auto;
    else if (m == "lanczos") opt.method = EigshOptions::Method::Lanczos;
    else if (m == "dense") opt.method = EigshOptions::Method::Dense;
    else throw_range(fn + ": method must be 'auto', 'lanczos' or 'dense'");
  }
  Napi::Value projection = o.Get("projection");
  if (!projection.IsUndefined()) {
    std::string m = projection.IsString() ? projection.As<Napi::String>().Utf8Value() : "";
    if (m == "lagged") opt.projection = EigshOptions::Projection::Lagged;
    else if (m == "two-pass") opt.projection = EigshOptions::Projection::TwoPass;
    else throw_range(fn + ": projection must be 'lagged' or 'two-pass'");
  }
  return opt;
}

const char* eigsh_status_name(EigshStatus s) {
  return s == EigshStatus::Converged ? "converged" : s == EigshStatus::Aborted ? "aborted" : "not-converged";
}

Napi::Float64Array to_f64(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = new_typed_array(env, Dtype::F64, v.size(), "the result").As<Napi::Float64Array>();
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(double));
  return a;
}


// Cancel tokens and solver handles are tagged like operators (operator_handle.h): an External of
// another kind passed for one is a TypeError.
constexpr napi_type_tag kCancelTag = {0x7370656c696e4361ULL, 0x6e63656c00000005ULL};
constexpr napi_type_tag kSolverTag = {0x7370656c696e536fULL, 0x6c76657200000006ULL};

static const CancelFlag* cancel_token(Napi::Value v) {
  if (!v.IsExternal()) return nullptr;
  auto ext = v.As<Napi::External<CancelFlag>>();
  if (!ext.CheckTypeTag(&kCancelTag)) throw_type("eigsh: the cancel token is not one made by eigshCancelToken");
  return ext.Data();
}

CancelFlag cancel_flag_of(Napi::Value v) {
  if (const CancelFlag* flag = cancel_token(v)) return *flag;
  return std::make_shared<std::atomic<bool>>(false);
}

struct ProgressQueue {
  struct Event {
    std::size_t iteration, converged;
    double max_residual;
  };
  std::mutex mutex;
  std::vector<Event> events;

  void deliver(Napi::Env env, Napi::Function f) {
    std::vector<Event> batch;
    {
      std::lock_guard<std::mutex> lock(mutex);
      batch.swap(events);
    }
    for (const Event& e : batch) {
      // A throwing progress callback must not take the solver down: its error is dropped.
      try {
        f.Call({Napi::Number::New(env, static_cast<double>(e.iteration)),
                Napi::Number::New(env, static_cast<double>(e.converged)), Napi::Number::New(env, e.max_residual)});
      } catch (const Napi::Error&) {
      }
    }
  }
};

ProgressBridge make_progress_bridge(Napi::Env env, Napi::Value fn) {
  ProgressBridge b;
  if (fn.IsFunction()) {
    b.tsfn = std::make_shared<Napi::ThreadSafeFunction>(
        Napi::ThreadSafeFunction::New(env, fn.As<Napi::Function>(), "speclin eigsh progress", 0, 1));
    b.queue = std::make_shared<ProgressQueue>();
    b.fn = std::make_shared<Napi::FunctionReference>(Napi::Persistent(fn.As<Napi::Function>()));
  }
  return b;
}

void ProgressBridge::release() const {
  if (tsfn) tsfn->Release();
}

void ProgressBridge::drain(Napi::Env env) const {
  if (queue && fn) queue->deliver(env, fn->Value());
}

EigshProgress ProgressBridge::callback() const {
  if (!tsfn) return {};
  auto t = tsfn;
  auto q = queue;
  return [t, q](std::size_t it, std::size_t conv, double res) {
    {
      std::lock_guard<std::mutex> lock(q->mutex);
      q->events.push_back({it, conv, res});
    }
    t->NonBlockingCall([q](Napi::Env env, Napi::Function f) {
      if (env != nullptr && !f.IsEmpty()) q->deliver(env, f);
    });
  };
}

namespace {

Napi::Object to_js(Napi::Env env, const EigshResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", Napi::String::New(env, eigsh_status_name(r.status)));
  o.Set("values", to_f64(env, r.values));
  o.Set("vectors", to_f64(env, r.vectors));
  o.Set("rows", Napi::Number::New(env, static_cast<double>(r.n)));
  o.Set("cols", Napi::Number::New(env, static_cast<double>(r.count)));
  o.Set("residuals", to_f64(env, r.residuals));
  o.Set("matvecs", Napi::Number::New(env, static_cast<double>(r.matvecs)));
  o.Set("iterations", Napi::Number::New(env, static_cast<double>(r.iterations)));
  o.Set("norm", Napi::Number::New(env, r.norm));
  o.Set("maxResidual", Napi::Number::New(env, r.max_residual));
  o.Set("blockSize", Napi::Number::New(env, static_cast<double>(r.block_size)));
  o.Set("basisSize", Napi::Number::New(env, static_cast<double>(r.basis_size)));
  o.Set("dense", Napi::Boolean::New(env, r.dense));
  const EigshProfile& p = r.profile;
  Napi::Object prof = Napi::Object::New(env);
  auto count = [&](const char* key, std::size_t v) { prof.Set(key, Napi::Number::New(env, static_cast<double>(v))); };
  auto seconds = [&](const char* key, double v) { prof.Set(key, Napi::Number::New(env, v)); };
  count("basisPasses", p.basis_passes);
  count("basisVectorsRead", p.basis_vectors_read);
  count("blocks", p.blocks);
  count("fullProjections", p.full_projections);
  count("secondPasses", p.second_passes);
  seconds("products", p.products);
  seconds("project", p.project);
  seconds("block", p.block);
  seconds("analyze", p.analyze);
  seconds("restart", p.restart);
  seconds("verify", p.verify);
  o.Set("profile", prof);
  return o;
}

std::shared_ptr<SymmetricOperator> native_operator(Napi::Value v) {
  auto op = unwrap_operator<SymmetricOperator>(v, "_native");
  if (!op) throw_type("eigsh: the operator has no native part (_native); JavaScript operators go through eigshSolverNew");
  return op;
}

// ---- native operator -----------------------------------------------------------------------
Napi::Value Sync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = native_operator(info[0]);
    EigshOptions opt = read_eigsh_options(info[1], op->size(), "eigsh");
    EigshProgress progress;
    if (info.Length() > 2 && info[2].IsFunction()) {
      Napi::Function fn = info[2].As<Napi::Function>();
      Napi::Env env = info.Env();
      // On the calling thread: a throwing callback aborts the solve with its own exception.
      progress = [fn, env](std::size_t it, std::size_t conv, double res) {
        fn.Call({Napi::Number::New(env, static_cast<double>(it)), Napi::Number::New(env, static_cast<double>(conv)),
                 Napi::Number::New(env, res)});
      };
    }
    return to_js(info.Env(), eigsh(*op, opt, progress));
  });
}

Napi::Value CancelToken(const Napi::CallbackInfo& info) {
  return make_handle(info.Env(), CancelFlag(std::make_shared<std::atomic<bool>>(false)), &kCancelTag);
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const CancelFlag* flag = cancel_token(info[0]);
    if (!flag) throw_type("eigshCancel: expected a cancel token");
    (*flag)->store(true);
    return info.Env().Undefined();
  });
}

Napi::Value Async(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = native_operator(info[0]);
    auto opt = std::make_shared<EigshOptions>(read_eigsh_options(info[1], op->size(), "eigsh"));
    return run_solver_async<EigshResult>(
        info.Env(), "eigsh", info[2], info[3],
        [op, opt](const EigshProgress& progress, const std::atomic<bool>* cancel) {
          return eigsh(*op, *opt, progress, cancel);
        },
        [](Napi::Env env, const EigshResult& r) { return to_js(env, r); });
  });
}

// ---- reverse communication -------------------------------------------------------------------
// A JavaScript operator's solve: the solver and, beside it, the profile its parts fill (products
// are timed by the JavaScript driver, not here: that field stays 0).
struct TracedSolver {
  EigshProfile profile;
  EigshSolver solver;
  TracedSolver(std::size_t n, EigshOptions options) : solver(n, std::move(options), &profile) {}
};
using SolverHandle = std::shared_ptr<TracedSolver>;

TracedSolver& traced_solver_of(Napi::Value v) {
  if (!v.IsExternal() || !v.As<Napi::External<SolverHandle>>().CheckTypeTag(&kSolverTag))
    throw_type("eigsh: expected a solver handle");
  return **v.As<Napi::External<SolverHandle>>().Data();
}

EigshSolver& solver_of(Napi::Value v) { return traced_solver_of(v).solver; }

Napi::Value SolverNew(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    std::size_t n = read_size(info[0], "eigsh: n");
    if (n == 0) throw_range("eigsh: the operator's n must be at least 1");
    EigshOptions opt = read_eigsh_options(info[1], n, "eigsh");
    return make_handle(info.Env(), SolverHandle(std::make_shared<TracedSolver>(n, std::move(opt))), &kSolverTag);
  });
}

// Copies a reply (a Float64Array of `want` finite elements) into the solver's buffer.
void read_reply(Napi::Value v, std::size_t want, double* into, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type(std::string("eigsh: ") + what + " must be written to a Float64Array");
  Napi::Float64Array y = v.As<Napi::Float64Array>();
  if (y.ElementLength() != want)
    throw_range(std::string("eigsh: ") + what + " has " + std::to_string(y.ElementLength()) + " elements, expected " +
                std::to_string(want));
  const std::size_t bad = first_non_finite_row(y.Data(), want, 1);
  if (bad < want)
    throw_range(std::string("eigsh: ") + what + " holds a NaN or an infinity (element " + std::to_string(bad) + ")");
  if (want > 0) std::memcpy(into, y.Data(), want * sizeof(double));  // an empty reply's Data() may be null
}

Napi::Float64Array copy_out(Napi::Env env, const double* data, std::size_t count, const char* what) {
  Napi::Float64Array x = new_typed_array(env, Dtype::F64, count, what).As<Napi::Float64Array>();
  if (count > 0) std::memcpy(x.Data(), data, count * sizeof(double));
  return x;
}

const char* request_kind_name(EigshRequestKind k) {
  switch (k) {
    case EigshRequestKind::Lock: return "lock";
    case EigshRequestKind::Extend: return "extend";
    case EigshRequestKind::Verify: return "verify";
    case EigshRequestKind::Collect: return "collect";
    default: return "product";
  }
}

// A device basis's request (EigshRequestKind in native/core/eigsh.h): its kind and what the
// device needs to answer it.
Napi::Object device_request_to_js(Napi::Env env, EigshSolver& s) {
  const EigshDeviceRequest& d = *s.device_request();
  const EigshRequestKind kind = s.kind();
  const std::size_t n = s.n(), cols = s.columns();
  Napi::Object req = Napi::Object::New(env);
  req.Set("kind", request_kind_name(kind));
  req.Set("columns", Napi::Number::New(env, static_cast<double>(cols)));
  req.Set("basis", Napi::Number::New(env, static_cast<double>(s.basis_size())));
  auto num = [&](std::size_t v) { return Napi::Number::New(env, static_cast<double>(v)); };
  if (kind == EigshRequestKind::Product || kind == EigshRequestKind::Lock)
    req.Set("X", copy_out(env, s.input(), n * cols, "the request block"));
  if ((kind == EigshRequestKind::Extend || kind == EigshRequestKind::Collect) && d.restart) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("first", num(d.restart_first));
    r.Set("active", num(d.restart_active));
    r.Set("residual", num(d.restart_residual));
    Napi::Array lock = Napi::Array::New(env, d.restart_lock.size());
    for (std::size_t q = 0; q < d.restart_lock.size(); ++q) lock.Set(static_cast<uint32_t>(q), num(d.restart_lock[q]));
    r.Set("lock", lock);
    r.Set("kept", num(d.restart_kept));
    r.Set("keep", copy_out(env, d.restart_keep.data(), d.restart_keep.size(), "the restart coefficients"));
    req.Set("restart", r);
  }
  if (kind == EigshRequestKind::Extend) {
    req.Set("column", num(d.column));
    req.Set("steps", num(d.steps));
    req.Set("block", num(s.block_size()));
    if (!d.start.empty()) req.Set("start", copy_out(env, d.start.data(), d.start.size(), "the start block"));
  }
  if (kind == EigshRequestKind::Verify) {
    req.Set("first", num(d.ritz_first));
    req.Set("active", num(d.ritz_active));
    req.Set("ritz", copy_out(env, d.ritz.data(), d.ritz.size(), "the Ritz coefficients"));
  }
  return req;
}

// eigshSolverStep(solver[, Y]) and eigshDeviceStep(solver[, Y[, X]]): store the answer to the
// last request, advance, and return the next request or null when finished. A host basis asks
// only for products: Y = A X, and the request is { X (a fresh Float64Array, n x columns),
// columns }. A device basis (options.deviceBasis) asks as EigshRequestKind says: Y is the product (product, lock, and verify with X the Ritz
// vectors), the coefficients then R (extend), or the basis columns (collect).
Napi::Value step_solver(const Napi::CallbackInfo& info, bool device) {
  return guarded(info, [&]() -> Napi::Value {
    EigshSolver& s = solver_of(info[0]);
    if (device != (s.device_request() != nullptr))
      throw_type(device ? "eigshDeviceStep: the solver keeps its basis on the host; use eigshSolverStep"
                        : "eigshSolverStep: the solver keeps its basis on a device; use eigshDeviceStep");
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      const std::size_t nc = s.n() * s.columns();
      if (!device) {
        read_reply(info[1], nc, s.output(), "the operator's product");
      } else if (s.kind() == EigshRequestKind::Extend) {
        read_reply(info[1], s.device_coefficient_count(), s.device_coefficients(), "the device's coefficients");
      } else {
        if (s.kind() == EigshRequestKind::Verify) {
          if (info.Length() < 3) throw_type("eigsh: a verify request is answered with the Ritz vectors X too");
          read_reply(info[2], nc, s.input(), "the Ritz vectors");
        }
        read_reply(info[1], nc, s.output(),
                   s.kind() == EigshRequestKind::Collect ? "the collected columns" : "the operator's product");
      }
    }
    if (!s.step()) return info.Env().Null();
    if (device) return device_request_to_js(info.Env(), s);
    std::size_t count = s.n() * s.columns();
    Napi::Object req = Napi::Object::New(info.Env());
    req.Set("X", copy_out(info.Env(), s.input(), count, "the Lanczos block"));
    req.Set("columns", Napi::Number::New(info.Env(), static_cast<double>(s.columns())));
    return req;
  });
}

Napi::Value SolverStep(const Napi::CallbackInfo& info) { return step_solver(info, false); }
Napi::Value DeviceStep(const Napi::CallbackInfo& info) { return step_solver(info, true); }

Napi::Value SolverProgress(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    EigshSolver& s = solver_of(info[0]);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("iterations", Napi::Number::New(info.Env(), static_cast<double>(s.iterations())));
    o.Set("converged", Napi::Number::New(info.Env(), static_cast<double>(s.converged())));
    o.Set("maxResidual", Napi::Number::New(info.Env(), s.max_residual()));
    return o;
  });
}

Napi::Value SolverResult(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    TracedSolver& t = traced_solver_of(info[0]);
    bool aborted = info.Length() > 1 && info[1].ToBoolean();
    EigshResult r = t.solver.result(aborted);
    r.profile = t.profile;
    return to_js(info.Env(), r);
  });
}

// A dense symmetric matrix as a native operator (tests, and small problems given as matrices).
Napi::Value DenseOperator(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    MatrixView a = read_matrix(info[0], "A", false);
    if (a.rows != a.cols) throw_range("denseOperator: A must be square, got " + std::to_string(a.rows) + " x " + std::to_string(a.cols));
    std::vector<double> d(a.count());
    const void* data = a.data();
    for (std::size_t i = 0; i < a.count(); ++i)
      d[i] = a.dtype == Dtype::F64 ? static_cast<const double*>(data)[i] : static_cast<const float*>(data)[i];
    for (std::size_t i = 0; i < a.rows; ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (d[i * a.rows + j] != d[j * a.rows + i])
          throw_range("denseOperator: A is not symmetric (A[" + std::to_string(i) + "][" + std::to_string(j) + "] != A[" +
                      std::to_string(j) + "][" + std::to_string(i) + "])");
    std::shared_ptr<SymmetricOperator> op = std::make_shared<DenseSymmetricOperator>(a.rows, d.data());
    return wrap_operator(info.Env(), op);
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("eigsh", Napi::Function::New(env, Async, "eigsh"));
  exports.Set("eigshSync", Napi::Function::New(env, Sync, "eigshSync"));
  exports.Set("eigshCancelToken", Napi::Function::New(env, CancelToken, "eigshCancelToken"));
  exports.Set("eigshCancel", Napi::Function::New(env, Cancel, "eigshCancel"));
  exports.Set("eigshSolverNew", Napi::Function::New(env, SolverNew, "eigshSolverNew"));
  exports.Set("eigshSolverStep", Napi::Function::New(env, SolverStep, "eigshSolverStep"));
  exports.Set("eigshDeviceStep", Napi::Function::New(env, DeviceStep, "eigshDeviceStep"));
  exports.Set("eigshSolverProgress", Napi::Function::New(env, SolverProgress, "eigshSolverProgress"));
  exports.Set("eigshSolverResult", Napi::Function::New(env, SolverResult, "eigshSolverResult"));
  exports.Set("denseOperator", Napi::Function::New(env, DenseOperator, "denseOperator"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
