// The addon's entry point: every family file registered an init function with SPECLIN_REGISTER.
#include "common.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto fn : speclin::addon::registered_inits()) fn(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(speclin, Init)
