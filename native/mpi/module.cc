// The MPI addon's entry point (speclin_mpi.node): every file of native/mpi registered an init
// function with SPECLIN_REGISTER, as the main addon's families do.
#include "../addon/common.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto fn : speclin::addon::registered_inits()) fn(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(speclin_mpi, Init)
