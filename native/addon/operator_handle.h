// How a native operator crosses the JS boundary: a JS operator object (for example the one
// `graph.normalized()` returns) carries the native operator in its `_native` property as an
// External holding a shared_ptr, so eigsh can run every product in C++ without calling back
// into JS. Objects without it are plain JS operators ({ n, multiply }).
#pragma once
#include <memory>

#include "../core/operator.h"
#include "common.h"

namespace speclin::addon {

template <typename Op>
Napi::Value wrap_operator(Napi::Env env, std::shared_ptr<Op> op) {
  auto* holder = new std::shared_ptr<Op>(std::move(op));
  return Napi::External<std::shared_ptr<Op>>::New(
      env, holder, [](Napi::Env, std::shared_ptr<Op>* h) { delete h; });
}

// The native operator behind `value` (the `_native` External itself, or an object that has one),
// or nullptr if it has none. Type tags are not used: only speclin creates these Externals, and each
// kind of operator lives under its own property (`_native` symmetric, `_nativeRect` rectangular).
template <typename Op>
std::shared_ptr<Op> unwrap_operator(Napi::Value value, const char* property) {
  Napi::Value ext = value;
  if (value.IsObject() && !value.IsExternal()) ext = value.As<Napi::Object>().Get(property);
  if (!ext.IsExternal()) return nullptr;
  return *ext.As<Napi::External<std::shared_ptr<Op>>>().Data();
}

}  // namespace speclin::addon
