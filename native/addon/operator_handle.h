// How a native operator crosses the JS boundary: a JS operator object (for example the one
// `graph.normalized()` returns) carries the native operator in its `_native` property as an
// External holding a shared_ptr, so eigsh can run every product in C++ without calling back
// into JS. Objects without it are plain JS operators ({ n, multiply }).
#pragma once
#include <memory>
#include <string>

#include "../core/operator.h"
#include "common.h"
#include "handles.h"

namespace speclin::addon {

// Each kind of External the addon hands out carries its own type tag, checked on every use: an
// External of another kind (a Graph's handle put in `_native`, say) is a TypeError, never a
// pointer read as the wrong type.
template <typename Op> const napi_type_tag* operator_tag();
template <> inline const napi_type_tag* operator_tag<SymmetricOperator>() {
  static constexpr napi_type_tag tag = {0x7370656c696e4f70ULL, 0x53796d6d65747203ULL};
  return &tag;
}
template <> inline const napi_type_tag* operator_tag<RectangularOperator>() {
  static constexpr napi_type_tag tag = {0x7370656c696e4f70ULL, 0x52656374616e6704ULL};
  return &tag;
}

template <typename Op>
Napi::Value wrap_operator(Napi::Env env, std::shared_ptr<Op> op) {
  return make_handle(env, std::move(op), operator_tag<Op>());
}

// The native operator behind `value` (the `_native` External itself, or an object that has one),
// or nullptr if it has none. An External that is not an operator of this kind is a TypeError.
template <typename Op>
std::shared_ptr<Op> unwrap_operator(Napi::Value value, const char* property) {
  Napi::Value ext = value;
  if (value.IsObject() && !value.IsExternal()) ext = value.As<Napi::Object>().Get(property);
  if (!ext.IsExternal()) return nullptr;
  auto e = ext.As<Napi::External<std::shared_ptr<Op>>>();
  if (!e.CheckTypeTag(operator_tag<Op>()))
    throw_type(std::string("the operator's ") + property + " is not a native operator made by speclin for this kind of product");
  return *e.Data();
}

}  // namespace speclin::addon
