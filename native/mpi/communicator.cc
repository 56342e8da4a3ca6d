// The communicator of speclin/mpi: MPI_COMM_WORLD's rank and size, in-place allreduce and
// broadcast of typed arrays, barrier, finalize and abort.
//
// Debian's Open MPI 4.1 opens its components (mca_*.so) with dlopen, and they resolve libmpi's and
// libopen-pal's symbols from the global namespace. Node opens an addon with RTLD_LOCAL, so libmpi,
// loaded as this addon's dependency, is not in that namespace, and MPI_Init then fails to load its
// plugins. As mpi4py does, init first reopens the libmpi this addon is linked against with
// RTLD_GLOBAL (RTLD_NOLOAD: the library already in the process, promoted, never a second copy).
#include <dlfcn.h>
#include <mpi.h>

#include <cstdio>
#include <string>

#include "collective_async.h"
#include "collective_lane.h"
#include "mpi_check.h"

namespace speclin::mpi {

using addon::guarded;
using addon::JsError;
using addon::throw_range;
using addon::throw_type;

void require_active(const char* what) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized)
    throw JsError(JsError::Generic,
                  std::string(what) + ": MPI is " + (finalized ? "finalized" : "not initialized") +
                      "; call initMpi() first (and not after comm.finalize())",
                  "ERR_MPI_NOT_INITIALIZED");
}

namespace {

void promote_libmpi_to_global() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) == 0 || info.dli_fname == nullptr) return;
  // The handle is deliberately kept: the library must stay global for the process's lifetime.
  dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    int initialized = 0, finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized)
      throw JsError(JsError::Generic, "initMpi: MPI was finalized in this process; it cannot be initialized again",
                    "ERR_MPI_NOT_INITIALIZED");
    MPI_Initialized(&initialized);
    int provided = MPI_THREAD_SINGLE;
    if (!initialized) {
      promote_libmpi_to_global();
      // SERIALIZED: the Promise forms run their collectives on a libuv worker, one call at a time
      // (collective_lane.h keeps them apart and in program order). A caller may ask for FUNNELED
      // (argument 'funneled'); the Promise forms then refuse to run.
      const bool funneled = info[0].IsString() && info[0].As<Napi::String>().Utf8Value() == "funneled";
      int rc = MPI_Init_thread(nullptr, nullptr, funneled ? MPI_THREAD_FUNNELED : MPI_THREAD_SERIALIZED, &provided);
      if (rc != MPI_SUCCESS)
        throw JsError(JsError::Generic, "initMpi: MPI_Init_thread failed (error " + std::to_string(rc) + ")", "ERR_MPI");
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    } else {
      MPI_Query_thread(&provided);
    }
    set_thread_level(provided);
    int rank = 0, size = 1;
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size), "MPI_Comm_size");
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    std::string v(version, len);
    Napi::Object o = Napi::Object::New(env);
    o.Set("rank", rank);
    o.Set("size", size);
    o.Set("library", v.substr(0, v.find_first_of("\r\n,")));
    o.Set("threadLevel", provided >= MPI_THREAD_SERIALIZED ? "serialized" : provided == MPI_THREAD_FUNNELED ? "funneled" : "single");
    return o;
  });
}

struct TypedBuffer {
  void* data;
  int count;
  MPI_Datatype type;
};

TypedBuffer read_buffer(Napi::Value v, const char* what) {
  if (!v.IsTypedArray()) throw_type(std::string(what) + ": the buffer must be a Float64Array, Float32Array or Int32Array");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  MPI_Datatype t;
  switch (a.TypedArrayType()) {
    case napi_float64_array: t = MPI_DOUBLE; break;
    case napi_float32_array: t = MPI_FLOAT; break;
    case napi_int32_array: t = MPI_INT; break;
    default: throw_type(std::string(what) + ": the buffer must be a Float64Array, Float32Array or Int32Array");
  }
  if (a.ElementLength() > static_cast<std::size_t>(INT32_MAX))
    throw_range(std::string(what) + ": the buffer holds more than 2^31 - 1 elements; split it");
  return {addon::typed_array_data(a), static_cast<int>(a.ElementLength()), t};
}

Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    require_active("comm.allreduce");
    TypedBuffer b = read_buffer(info[0], "comm.allreduce");
    std::string op = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    MPI_Op mop = op == "sum" ? MPI_SUM : op == "max" ? MPI_MAX : op == "min" ? MPI_MIN : MPI_OP_NULL;
    if (mop == MPI_OP_NULL) throw_range("comm.allreduce: op must be 'sum', 'max' or 'min', got '" + op + "'");
    SyncTurn turn;
    if (b.count > 0) check(MPI_Allreduce(MPI_IN_PLACE, b.data, b.count, b.type, mop, MPI_COMM_WORLD), "MPI_Allreduce");
    return info[0];
  });
}

Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    require_active("comm.broadcast");
    TypedBuffer b = read_buffer(info[0], "comm.broadcast");
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::size_t root = addon::read_size(info[1], "comm.broadcast: root");
    if (root >= static_cast<std::size_t>(size))
      throw_range("comm.broadcast: root must be a rank below " + std::to_string(size) + ", got " + std::to_string(root));
    SyncTurn turn;
    if (b.count > 0) check(MPI_Bcast(b.data, b.count, b.type, static_cast<int>(root), MPI_COMM_WORLD), "MPI_Bcast");
    return info[0];
  });
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    require_active("comm.barrier");
    SyncTurn turn;
    check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
    return info.Env().Undefined();
  });
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    SyncTurn turn;  // after any Promise form still in flight
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) check(MPI_Finalize(), "MPI_Finalize");
    return info.Env().Undefined();
  });
}

// At process exit: MPI_Finalize, unless a collective is still in flight on a worker (the process
// is exiting by process.exit() while a Promise form waits): waiting for it could be forever, and
// finalizing beside it is not allowed, so the job is aborted with `message` instead.
Napi::Value FinalizeAtExit(const Napi::CallbackInfo& info) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return info.Env().Undefined();
  if (lane_busy()) {
    std::string message = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "exit during a collective";
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::_Exit(1);
  }
  SyncTurn turn;
  MPI_Finalize();
  return info.Env().Undefined();
}

// Ends every rank of the job: a rank that fails between or inside collectives would otherwise
// leave the others waiting forever. The message goes to stderr first, unbuffered. It takes no
// turn of the lane: it must end the job also while a Promise form's worker is inside a
// collective (MPI_Abort is the one call made then from a second thread; the job ends either way).
Napi::Value Abort(const Napi::CallbackInfo& info) {
  std::string message = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "aborted";
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("allreduce", Napi::Function::New(env, Allreduce, "allreduce"));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  exports.Set("finalizeAtExit", Napi::Function::New(env, FinalizeAtExit, "finalizeAtExit"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
}

}  // namespace
SPECLIN_REGISTER(Register);
}  // namespace speclin::mpi
