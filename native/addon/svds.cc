// Bindings of svds: svds(op, options, onProgress, cancelToken) -> Promise and svdsSync(op,
// options), for a native rectangular operator (a BipartiteGraph's normalized() carries one in
// `_nativeRect`). Also denseRectOperator(A), a dense matrix as such an operator.
#include "../core/svds.h"

#include "../core/gram.h"
#include "common.h"
#include "eigsh_options.h"
#include "operator_handle.h"

namespace speclin::addon {
namespace {

class DenseRectangularOperator : public RectangularOperator {
 public:
  DenseRectangularOperator(std::size_t r, std::size_t c, std::vector<double> a) : r_(r), c_(c), a_(std::move(a)) {}
  std::size_t rows() const override { return r_; }
  std::size_t cols() const override { return c_; }
  void multiply(const double* X, double* Y, std::size_t columns) const override {
    gemm<double>(Trans::No, Trans::No, r_, columns, c_, 1.0, a_.data(), c_, X, columns, 0.0, Y, columns);
  }
  void multiply_transpose(const double* X, double* Y, std::size_t columns) const override {
    gemm<double>(Trans::Yes, Trans::No, c_, columns, r_, 1.0, a_.data(), c_, X, columns, 0.0, Y, columns);
  }

 private:
  std::size_t r_, c_;
  std::vector<double> a_;
};

std::shared_ptr<RectangularOperator> rect_operator(Napi::Value v) {
  auto op = unwrap_operator<RectangularOperator>(v, "_nativeRect");
  if (!op) throw_type("svds: the operator has no native part (_nativeRect)");
  return op;
}

Napi::Object to_js(Napi::Env env, const SvdsResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", Napi::String::New(env, eigsh_status_name(r.status)));
  o.Set("values", to_f64(env, r.values));
  o.Set("left", to_f64(env, r.left));
  o.Set("right", to_f64(env, r.right));
  o.Set("rows", Napi::Number::New(env, static_cast<double>(r.rows)));
  o.Set("cols", Napi::Number::New(env, static_cast<double>(r.cols)));
  o.Set("count", Napi::Number::New(env, static_cast<double>(r.count)));
  o.Set("residuals", to_f64(env, r.residuals));
  o.Set("products", Napi::Number::New(env, static_cast<double>(r.products)));
  o.Set("iterations", Napi::Number::New(env, static_cast<double>(r.iterations)));
  o.Set("maxResidual", Napi::Number::New(env, r.max_residual));
  o.Set("side", Napi::String::New(env, r.left_side ? "left" : "right"));
  return o;
}

std::size_t solved_size(const RectangularOperator& op) {
  return svds_uses_left(op.rows(), op.cols()) ? op.rows() : op.cols();
}

Napi::Value Sync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = rect_operator(info[0]);
    EigshOptions opt = read_eigsh_options(info[1], solved_size(*op), "svds");
    return to_js(info.Env(), svds(*op, opt));
  });
}

Napi::Value Async(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto op = rect_operator(info[0]);
    auto opt = std::make_shared<EigshOptions>(read_eigsh_options(info[1], solved_size(*op), "svds"));
    return run_solver_async<SvdsResult>(
        info.Env(), "svds", info[2], info[3],
        [op, opt](const EigshProgress& progress, const std::atomic<bool>* cancel) {
          return svds(*op, *opt, progress, cancel);
        },
        [](Napi::Env env, const SvdsResult& r) { return to_js(env, r); });
  });
}

Napi::Value DenseRect(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    MatrixView a = read_matrix(info[0], "A", false);
    std::vector<double> d(a.count());
    const void* data = a.data();
    for (std::size_t i = 0; i < a.count(); ++i)
      d[i] = a.dtype == Dtype::F64 ? static_cast<const double*>(data)[i] : static_cast<const float*>(data)[i];
    std::shared_ptr<RectangularOperator> op = std::make_shared<DenseRectangularOperator>(a.rows, a.cols, std::move(d));
    return wrap_operator(info.Env(), op);
  });
}

Napi::Value SolvedSide(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    std::size_t r = read_size(info[0], "rows"), c = read_size(info[1], "cols");
    return Napi::String::New(info.Env(), svds_uses_left(r, c) ? "left" : "right");
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("svds", Napi::Function::New(env, Async, "svds"));
  exports.Set("svdsSync", Napi::Function::New(env, Sync, "svdsSync"));
  exports.Set("denseRectOperator", Napi::Function::New(env, DenseRect, "denseRectOperator"));
  exports.Set("svdsSolvedSide", Napi::Function::New(env, SolvedSide, "svdsSolvedSide"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
