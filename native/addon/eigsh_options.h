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

// A progress callback that forwards to `fn` on the main thread through a ThreadSafeFunction,
// and its release (call once the work ends, on any thread).
struct ProgressBridge {
  std::shared_ptr<Napi::ThreadSafeFunction> tsfn;
  EigshProgress callback() const;
  void release() const;
};
ProgressBridge make_progress_bridge(Napi::Env env, Napi::Value fn);

}  // namespace speclin::addon
