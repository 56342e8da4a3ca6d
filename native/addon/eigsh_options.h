// What the eigsh and svds bindings share: reading the options object, the cancel token, and
// typed-array results. Defined in eigsh.cc.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include "../core/eigsh.h"
#include "common.h"

namespace speclin::addon {

// `fn` names the function in messages ("eigsh", "svds").
EigshOptions read_eigsh_options(Napi::Value value, std::size_t n, const char* fn);
const char* eigsh_status_name(EigshStatus s);
Napi::Float64Array to_f64(Napi::Env env, const std::vector<double>& v);

using CancelFlag = std::shared_ptr<std::atomic<bool>>;
// The flag behind a token from eigshCancelToken(), or a fresh one if `v` is not a token.
CancelFlag cancel_flag_of(Napi::Value v);

// Progress from a worker thread: events are queued natively and delivered in order on the main
// thread, woken by a ThreadSafeFunction; drain() (called by the Promise's completion, before it
// settles) delivers whatever is still queued, so no event arrives after the Promise settles.
struct ProgressQueue;
struct ProgressBridge {
  std::shared_ptr<Napi::ThreadSafeFunction> tsfn;
  std::shared_ptr<ProgressQueue> queue;
  std::shared_ptr<Napi::FunctionReference> fn;  // main thread only
  EigshProgress callback() const;
  void release() const;
  void drain(Napi::Env env) const;
};
ProgressBridge make_progress_bridge(Napi::Env env, Napi::Value fn);

// The Promise form of a solver (eigsh, svds): `solve(progress, cancel)` runs on a libuv worker with
// progress relayed through a ProgressBridge on `progress_fn` and the cancel token `cancel_token`
// checked by the solver; queued progress is delivered before the Promise resolves with
// `to_js(env, result)`.
template <typename Result, typename Solve, typename ToJs>
Napi::Promise run_solver_async(Napi::Env env, const char* name, Napi::Value progress_fn,
                               Napi::Value cancel_token, Solve solve, ToJs to_js) {
  ProgressBridge bridge = make_progress_bridge(env, progress_fn);
  CancelFlag flag = cancel_flag_of(cancel_token);
  auto result = std::make_shared<Result>();
  return run_async(
      env, name,
      [solve, flag, bridge, result] {
        // The bridge's ThreadSafeFunction is released even when the solver throws.
        struct Release {
          const ProgressBridge& b;
          ~Release() { b.release(); }
        } release{bridge};
        *result = solve(bridge.callback(), flag.get());
      },
      [result, bridge, to_js](Napi::Env e) -> Napi::Value {
        bridge.drain(e);
        return to_js(e, *result);
      });
}

}  // namespace speclin::addon
