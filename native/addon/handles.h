// Native handles given to JavaScript (graphs, operators, search indexes, solvers, cancel tokens):
// each is an External, tagged with its kind, whose data is owned by a registry of the environment
// that made it rather than by the External's finalizer alone.
//
// Why: Node does not always run N-API finalizers when a worker_thread is torn down
// (docs/reliability.md). So the addon's cleanup hook of each environment frees that environment's handles still
// alive, and the finalizer frees a handle collected earlier; whichever comes first frees it, and the
// other finds nothing. Work in flight is unaffected: every asynchronous call copies the shared_ptrs
// it needs out of a handle before it starts, and Node finishes in-flight work before cleanup hooks.
#pragma once
#include <cstdint>
#include <utility>

#include "common.h"

namespace speclin::addon {

namespace handles {
void adopt(napi_env env, void* data, void (*destroy)(void*));
// Frees `data` if the registry still owns it; true if it did.
bool release(void* data);
// The cleanup hook: frees every handle `env` made that is still alive. handles.cc registers it
// for every environment that loads the addon.
void release_all(napi_env env);
}  // namespace handles

// `value` moved into a new External of kind `tag`. `external_bytes`, when nonzero, is reported to
// V8 as native memory the handle holds, so that dropped handles are collected promptly.
template <typename T>
Napi::External<T> make_handle(Napi::Env env, T value, const napi_type_tag* tag, std::int64_t external_bytes = 0) {
  T* data = new T(std::move(value));
  handles::adopt(env, data, [](void* p) { delete static_cast<T*>(p); });
  Napi::External<T> ext;
  try {
    ext = Napi::External<T>::New(env, data, [external_bytes](Napi::Env e, T* p) {
      if (handles::release(p) && external_bytes != 0) Napi::MemoryManagement::AdjustExternalMemory(e, -external_bytes);
    });
  } catch (...) {
    handles::release(data);
    throw;
  }
  if (external_bytes != 0) Napi::MemoryManagement::AdjustExternalMemory(env, external_bytes);
  ext.TypeTag(tag);
  return ext;
}

}  // namespace speclin::addon
