// Shared glue of the addon: reading Matrix arguments, allocating outputs, running work on a libuv
// worker, and turning C++ failures into JavaScript exceptions. Each family file (gram.cc, ...)
// registers its exports with SPECLIN_REGISTER and uses only these helpers.
#pragma once
#define NAPI_VERSION 8
// When a worker_thread is terminated, N-API calls fail (the environment can no longer run
// JavaScript) and the error cannot be thrown into it. Without this, node-addon-api then throws a
// C++ exception out of a C callback and the whole process aborts (exit 134); with it, the
// unthrowable error is dropped, which is all that is left to do for an environment going away.
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#include <napi.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace speclin::addon {

// ---- registration -------------------------------------------------------------------------
using InitFn = void (*)(Napi::Env, Napi::Object);
struct Registrar {
  explicit Registrar(InitFn fn);
};
std::vector<InitFn>& registered_inits();
#define SPECLIN_REGISTER(fn) static ::speclin::addon::Registrar speclin_registrar_##fn(fn)

// ---- errors -------------------------------------------------------------------------------
// Thrown on the worker thread (or anywhere in glue) and converted to the named JS error class at
// the boundary. `code` becomes err.code (empty: none).
struct JsError : std::runtime_error {
  enum Kind { Type, Range, Generic } kind;
  std::string code;
  JsError(Kind k, const std::string& msg, std::string c = "")
      : std::runtime_error(msg), kind(k), code(std::move(c)) {}
};
[[noreturn]] void throw_type(const std::string& msg);
[[noreturn]] void throw_range(const std::string& msg);
// A JavaScript number as JavaScript would print it in short (%.17g: 3, 1.5, 1e+300, inf), for
// messages about values that may not fit any integer type.
std::string number_text(double v);
// Converts the in-flight exception into a pending JS exception (call inside catch(...)).
Napi::Error to_js_error(Napi::Env env, std::exception_ptr e);

// Wraps a binding so that any C++ exception becomes a JS exception and nothing aborts.
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw to_js_error(info.Env(), std::current_exception());
  }
}

// ---- typed data -------------------------------------------------------------------------
enum class Dtype { F32, F64 };
inline std::size_t dtype_size(Dtype d) { return d == Dtype::F32 ? 4 : 8; }
const char* dtype_name(Dtype d);

// A Matrix or Batch argument as given: a view of the caller's typed array (zero-copy). Its data
// pointer is not kept from the moment it was read: a getter or Proxy trap on a later argument (or
// an option) may detach, transfer or shrink the array meanwhile. data() re-reads the array and
// checks its length against the shape, so it is called right before the kernel reads, with no
// JavaScript run in between.
struct MatrixView {
  Dtype dtype;
  std::size_t batch;   // 1 for a plain Matrix
  std::size_t rows;
  std::size_t cols;
  napi_env env = nullptr;
  napi_value array = nullptr;  // the typed array; valid for the call's handle scope
  const char* name = "";       // the argument's name, for messages
  std::size_t count() const { return batch * rows * cols; }
  std::size_t bytes() const { return count() * dtype_size(dtype); }
  // The data pointer, valid until JavaScript runs again. RangeError naming the argument if the
  // array no longer holds count() elements (detached or resized since it was read).
  void* data() const;
  template <typename T> T* as() const { return static_cast<T*>(data()); }
};

// Whether two arguments' elements share memory (byte ranges overlap): an output given by the
// caller must not overlap an input the kernel is still reading.
bool shares_memory(const MatrixView& a, const MatrixView& b);

// Reads `{ data, rows, cols, batch? }`. `name` is the argument's name for messages (a string
// literal: the view keeps it). Batch is accepted only where allow_batch. Zero rows or cols is a
// RangeError.
MatrixView read_matrix(Napi::Value v, const char* name, bool allow_batch);

// Reads a non-negative integer-valued number property; `what` names it in messages.
std::size_t read_size(Napi::Value v, const char* what);

// An owned, aligned buffer in native memory. Promise forms copy inputs into these before leaving
// the main thread; outputs computed off-thread are handed to JS without a copy.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Dtype dtype, std::size_t count);  // throws RangeError if it cannot be allocated
  Dtype dtype() const { return dtype_; }
  std::size_t count() const { return count_; }
  std::size_t bytes() const { return count_ * dtype_size(dtype_); }
  void* data() const { return data_.get(); }
  template <typename T> T* as() const { return static_cast<T*>(data_.get()); }
  // Transfers ownership to a JS typed array (Float32Array/Float64Array) without copying.
  Napi::TypedArray to_js(Napi::Env env);
  static Buffer copy_of(const MatrixView& view);

 private:
  struct Free { void operator()(void* p) const; };
  Dtype dtype_ = Dtype::F32;
  std::size_t count_ = 0;
  std::unique_ptr<void, Free> data_;
};

// An ArrayBuffer that takes ownership of `p` (from malloc or aligned_alloc: freed with free) and
// tells V8 about the `bytes` it holds, so that a loop of calls triggers collections by memory
// pressure instead of growing the process until the next scheduled GC (a loop of topK calls held
// 0.5-0.8 GB resident before its indices were counted).
Napi::ArrayBuffer adopt_allocation(Napi::Env env, void* p, std::size_t bytes);

// Allocates a JS typed array of `count` elements of `dtype` (for Sync forms, which write into it
// directly). Size overflow or allocation failure is a RangeError naming `what`.
Napi::TypedArray new_typed_array(Napi::Env env, Dtype dtype, std::size_t count, const char* what);
// A Sync form's result that the kernel writes whole before JavaScript can see it: memory V8
// manages (so that dropped results are freed by V8 itself, even in a synchronous loop that never
// yields to the event loop, which native memory handed over with a finalizer would need), 64 bytes
// longer than the data and viewed from its first 64-byte aligned byte: large V8 buffers start only
// 16-byte aligned, which would rule out the kernels' non-temporal stores. The typed array may
// therefore have a byteOffset (up to 63). It is allocated as a Node Buffer, which, unlike
// napi_create_arraybuffer, is not zero-filled first: the kernel overwrites it anyway, and the
// memset cost a visible share of a call (docs/gram.md, docs/loss.md).
struct OutputArray {
  Napi::TypedArray array;
  void* data;
};
OutputArray new_output_array(Napi::Env env, Dtype dtype, std::size_t count, const char* what);
// The first element of a typed array (an ArrayBuffer or a SharedArrayBuffer behind it); nullptr
// when it holds no elements (a detached buffer among them).
void* typed_array_data(Napi::TypedArray arr);

// Checked multiply for output sizes: RangeError naming `what` on overflow.
std::size_t checked_mul(std::size_t a, std::size_t b, const char* what);

// Owned Int32 storage handed to JS without a copy (Buffer holds only float dtypes).
struct Indices {
  std::int32_t* p = nullptr;
  std::size_t n = 0;
  explicit Indices(std::size_t count) : n(count) {
    p = static_cast<std::int32_t*>(std::malloc(std::max<std::size_t>(1, count) * sizeof(std::int32_t)));
    if (!p) throw_range("the indices (" + std::to_string(count * 4) + " bytes) could not be allocated");
  }
  ~Indices() { std::free(p); }
  Napi::Int32Array to_js(Napi::Env env) {
    auto ab = adopt_allocation(env, p, n * sizeof(std::int32_t));
    p = nullptr;
    return Napi::Int32Array::New(env, n, ab, 0);
  }
};

// A top-k result object { indices, scores, rows, k } (topK, the search index).
Napi::Object top_k_result(Napi::Env env, Napi::Int32Array indices, Napi::TypedArray scores, std::size_t rows,
                          std::size_t k);

// A result object { data, rows, cols[, batch] }.
Napi::Object make_matrix(Napi::Env env, Napi::TypedArray data, std::size_t batch, std::size_t rows,
                         std::size_t cols, bool with_batch);

// ---- async --------------------------------------------------------------------------------
// Runs `work` on a libuv worker thread and resolves the returned Promise with `done(env)` on the
// main thread; a C++ exception from either rejects it with the matching JS error.
Napi::Promise run_async(Napi::Env env, const char* name, std::function<void()> work,
                        std::function<Napi::Value(Napi::Env)> done);

}  // namespace speclin::addon
