// Process-wide settings of the core: thread count and which micro-kernel family runs.
#include "../core/cpu_features.h"
#include "../core/thread_pool.h"
#include "common.h"

namespace speclin::addon {
namespace {

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber()) throw_type("setThreads(n): n must be a number");
    double n = info[0].As<Napi::Number>().DoubleValue();
    if (!(n >= 0) || n > 1024 || n != static_cast<double>(static_cast<int>(n)))
      throw_range("setThreads(n): n must be an integer from 0 (the default) to 1024, got " + number_text(n));
    set_threads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), get_threads());
}

Napi::Value SetKernelPath(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw_type("setKernelPath(path): path must be a string");
    std::string s = info[0].As<Napi::String>().Utf8Value();
    KernelPath p;
    if (s == "auto") p = KernelPath::Auto;
    else if (s == "portable") p = KernelPath::Portable;
    else if (s == "avx2") p = KernelPath::Avx2;
    else throw_range("setKernelPath(path): path must be 'auto', 'portable' or 'avx2', got '" + s + "'");
    if (!set_kernel_path(p)) throw_range("setKernelPath('avx2'): this CPU has no AVX2+FMA");
    return info.Env().Undefined();
  });
}

Napi::Value GetKernelPath(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kernel_path_name(active_kernel_path()));
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("setKernelPath", Napi::Function::New(env, SetKernelPath, "setKernelPath"));
  exports.Set("getKernelPath", Napi::Function::New(env, GetKernelPath, "getKernelPath"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
