#include "common.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace speclin::addon {

std::vector<InitFn>& registered_inits() {
  static std::vector<InitFn> inits;
  return inits;
}
Registrar::Registrar(InitFn fn) { registered_inits().push_back(fn); }

void throw_type(const std::string& msg) { throw JsError(JsError::Type, msg); }
void throw_range(const std::string& msg) { throw JsError(JsError::Range, msg); }

Napi::Error to_js_error(Napi::Env env, std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const JsError& err) {
    Napi::Error js = err.kind == JsError::Type    ? Napi::Error(Napi::TypeError::New(env, err.what()))
                     : err.kind == JsError::Range ? Napi::Error(Napi::RangeError::New(env, err.what()))
                                                  : Napi::Error::New(env, err.what());
    if (!err.code.empty()) js.Set("code", Napi::String::New(env, err.code));
    return js;
  } catch (const std::bad_alloc&) {
    return Napi::RangeError::New(env, "speclin: out of memory: the result or a work buffer could not be allocated");
  } catch (const std::invalid_argument& err) {
    return Napi::RangeError::New(env, err.what());
  } catch (const std::exception& err) {
    Napi::Error js = Napi::Error::New(env, err.what());
    js.Set("code", Napi::String::New(env, "ERR_NATIVE"));
    return js;
  } catch (...) {
    Napi::Error js = Napi::Error::New(env, "speclin: unknown native failure");
    js.Set("code", Napi::String::New(env, "ERR_NATIVE"));
    return js;
  }
}

Napi::Object top_k_result(Napi::Env env, Napi::Int32Array indices, Napi::TypedArray scores, std::size_t rows,
                          std::size_t k) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("indices", indices);
  o.Set("scores", scores);
  o.Set("rows", Napi::Number::New(env, static_cast<double>(rows)));
  o.Set("k", Napi::Number::New(env, static_cast<double>(k)));
  return o;
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

const char* dtype_name(Dtype d) { return d == Dtype::F32 ? "float32" : "float64"; }

std::size_t read_size(Napi::Value v, const char* what) {
  if (!v.IsNumber()) throw_type(std::string(what) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  // The range test comes first: converting a double beyond uint64_t's range (1e300, Infinity) is
  // undefined behaviour, which UBSan reported from the fuzzer's Graph.fromCSR({ n: 1e300 }).
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<std::uint64_t>(d)))
    throw_range(std::string(what) + " must be a non-negative integer, got " + number_text(d));
  return static_cast<std::size_t>(d);
}

std::size_t checked_mul(std::size_t a, std::size_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
    throw_range(std::string(what) + " is too large to allocate");
  return a * b;
}

bool shares_memory(const MatrixView& a, const MatrixView& b) {
  auto lo_a = reinterpret_cast<std::uintptr_t>(a.data()), lo_b = reinterpret_cast<std::uintptr_t>(b.data());
  return a.bytes() > 0 && b.bytes() > 0 && lo_a < lo_b + b.bytes() && lo_b < lo_a + a.bytes();
}

MatrixView read_matrix(Napi::Value v, const char* name, bool allow_batch) {
  std::string n(name);
  if (!v.IsObject() || v.IsTypedArray() || v.IsArray())
    throw_type(n + " must be a Matrix { data, rows, cols }" + (allow_batch ? " or Batch" : ""));
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value data = o.Get("data");
  if (!data.IsTypedArray()) throw_type(n + ".data must be a Float32Array or Float64Array");
  Napi::TypedArray arr = data.As<Napi::TypedArray>();
  MatrixView m{};
  switch (arr.TypedArrayType()) {
    case napi_float32_array: m.dtype = Dtype::F32; break;
    case napi_float64_array: m.dtype = Dtype::F64; break;
    default: throw_type(n + ".data must be a Float32Array or Float64Array");
  }
  m.rows = read_size(o.Get("rows"), (n + ".rows").c_str());
  m.cols = read_size(o.Get("cols"), (n + ".cols").c_str());
  Napi::Value b = o.Get("batch");
  if (b.IsUndefined()) {
    m.batch = 1;
  } else {
    m.batch = read_size(b, (n + ".batch").c_str());
    if (m.batch == 0) throw_range(n + ".batch must be at least 1");
    // A Batch of one is a Matrix, as src/matrix-argument.ts reads it.
    if (!allow_batch && m.batch != 1)
      throw_type(n + " must be a Matrix here, not a Batch (batch = " + std::to_string(m.batch) + ")");
  }
  if (m.rows == 0 || m.cols == 0)
    throw_range(n + " must have at least one row and one column, got " + std::to_string(m.rows) +
                " x " + std::to_string(m.cols));
  std::size_t count = checked_mul(checked_mul(m.batch, m.rows, name), m.cols, name);
  if (count != arr.ElementLength())
    throw_range(n + ".data has " + std::to_string(arr.ElementLength()) + " elements but " +
                (m.batch > 1 ? std::to_string(m.batch) + " x " : std::string()) +
                std::to_string(m.rows) + " x " + std::to_string(m.cols) + " = " +
                std::to_string(count) + " were expected");
  m.env = v.Env();
  m.array = arr;
  m.name = name;
  return m;
}

void* MatrixView::data() const {
  napi_typedarray_type type;
  std::size_t length = 0;
  void* p = nullptr;
  if (napi_get_typedarray_info(env, array, &type, &length, &p, nullptr, nullptr) != napi_ok)
    throw_type(std::string(name) + ".data is no longer a typed array");
  if (length != count() || (count() > 0 && p == nullptr))
    throw_range(std::string(name) + ".data was detached or resized while the arguments were read (it holds " +
                std::to_string(length) + " elements, " + std::to_string(count()) + " expected)");
  return p;
}

void* typed_array_data(Napi::TypedArray arr) {
  // napi_get_typedarray_info gives the data pointer for SharedArrayBuffer views too, which
  // arr.ArrayBuffer() refuses ("Invalid argument").
  napi_typedarray_type type;
  std::size_t length = 0;
  void* p = nullptr;
  if (napi_get_typedarray_info(arr.Env(), arr, &type, &length, &p, nullptr, nullptr) != napi_ok)
    throw_type("expected a typed array");
  return length == 0 ? nullptr : p;
}

void Buffer::Free::operator()(void* p) const { std::free(p); }

Buffer::Buffer(Dtype dtype, std::size_t count) : dtype_(dtype), count_(count) {
  std::size_t bytes = checked_mul(count, dtype_size(dtype), "buffer");
  // 64-byte alignment: whole cache lines, and aligned AVX loads where kernels want them.
  std::size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw_range("cannot allocate " + std::to_string(bytes) + " bytes");
  data_.reset(p);
}

Buffer Buffer::copy_of(const MatrixView& view) {
  Buffer b(view.dtype, view.count());
  std::memcpy(b.data(), view.data(), view.bytes());
  return b;
}

Napi::TypedArray Buffer::to_js(Napi::Env env) {
  std::size_t n = count_;
  Dtype d = dtype_;
  std::size_t bytes = n * dtype_size(d);
  Napi::ArrayBuffer ab = adopt_allocation(env, data_.get(), bytes);
  data_.release();
  if (d == Dtype::F32) return Napi::Float32Array::New(env, n, ab, 0);
  return Napi::Float64Array::New(env, n, ab, 0);
}

Napi::ArrayBuffer adopt_allocation(Napi::Env env, void* p, std::size_t bytes) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, p, bytes, [bytes](Napi::Env e, void* q) {
    std::free(q);
    Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(bytes));
  });
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  return ab;
}

namespace {
// The bytes of a result of `count` elements of `dtype`: a RangeError naming `what` past V8's limit
// on a single ArrayBuffer, beyond which allocation would abort rather than throw.
std::size_t result_bytes(Dtype dtype, std::size_t count, const char* what) {
  std::size_t bytes = checked_mul(count, dtype_size(dtype), what);
  if (bytes > (std::size_t{1} << 34))
    throw_range(std::string(what) + " would need " + std::to_string(bytes) +
                " bytes, more than a typed array can hold");
  return bytes;
}

// A failed allocation: the pending exception V8 left is cleared and a RangeError of ours thrown.
[[noreturn]] void throw_not_allocated(Napi::Env env, std::size_t bytes, const char* what) {
  napi_value ignored;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) napi_get_and_clear_last_exception(env, &ignored);
  throw_range(std::string(what) + " (" + std::to_string(bytes) + " bytes) could not be allocated");
}
}  // namespace

Napi::TypedArray new_typed_array(Napi::Env env, Dtype dtype, std::size_t count, const char* what) {
  const std::size_t bytes = result_bytes(dtype, count, what);
  napi_value ab;
  void* data = nullptr;
  if (napi_create_arraybuffer(env, bytes, &data, &ab) != napi_ok) throw_not_allocated(env, bytes, what);
  Napi::ArrayBuffer buf(env, ab);
  if (dtype == Dtype::F32) return Napi::Float32Array::New(env, count, buf, 0);
  return Napi::Float64Array::New(env, count, buf, 0);
}

OutputArray new_output_array(Napi::Env env, Dtype dtype, std::size_t count, const char* what) {
  constexpr std::size_t kAlign = 64;
  const std::size_t bytes = result_bytes(dtype, count, what);
  napi_value node_buffer;
  void* raw = nullptr;
  if (napi_create_buffer(env, bytes + kAlign, &raw, &node_buffer) != napi_ok) throw_not_allocated(env, bytes, what);
  // The Buffer's own ArrayBuffer, and where the Buffer starts in it.
  napi_typedarray_type type;
  std::size_t length = 0, start = 0;
  napi_value ab;
  void* view = nullptr;
  if (napi_get_typedarray_info(env, node_buffer, &type, &length, &view, &ab, &start) != napi_ok)
    throw JsError(JsError::Generic, std::string("could not read back the buffer of ") + what, "ERR_NATIVE");
  const std::size_t fix = (kAlign - reinterpret_cast<std::uintptr_t>(raw) % kAlign) % kAlign;
  Napi::ArrayBuffer buffer(env, ab);
  Napi::TypedArray array = dtype == Dtype::F32
                               ? Napi::TypedArray(Napi::Float32Array::New(env, count, buffer, start + fix))
                               : Napi::TypedArray(Napi::Float64Array::New(env, count, buffer, start + fix));
  return {array, static_cast<std::uint8_t*>(raw) + fix};
}

Napi::Object make_matrix(Napi::Env env, Napi::TypedArray data, std::size_t batch, std::size_t rows,
                         std::size_t cols, bool with_batch) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("data", data);
  o.Set("rows", Napi::Number::New(env, static_cast<double>(rows)));
  o.Set("cols", Napi::Number::New(env, static_cast<double>(cols)));
  if (with_batch) o.Set("batch", Napi::Number::New(env, static_cast<double>(batch)));
  return o;
}

namespace {
class LambdaWorker : public Napi::AsyncWorker {
 public:
  LambdaWorker(Napi::Env env, const char* name, std::function<void()> work,
               std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (...) {
      error_ = std::current_exception();
      SetError("failed");  // routes completion to OnError
    }
  }
  // Both completions run on the main thread of the caller's environment, also while a
  // terminated worker's environment is being torn down (Node lets in-flight work finish first).
  // Then no JavaScript can run: building the result or settling the Promise fails with a
  // Napi::Error, which is dropped here; nothing may escape into node-addon-api's callback
  // wrapper, where a second failure to throw would abort the process.
  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(done_(env));
    } catch (const Napi::Error& e) {
      settle_rejected([&] { return e.Value(); });
    } catch (...) {
      auto err = std::current_exception();
      settle_rejected([&] { return to_js_error(env, err).Value(); });
    }
  }
  void OnError(const Napi::Error&) override {
    Napi::Env env = Env();
    settle_rejected([&] { return to_js_error(env, error_).Value(); });
  }

 private:
  template <typename MakeError>
  void settle_rejected(MakeError make_error) {
    try {
      Napi::HandleScope scope(Env());
      deferred_.Reject(make_error());
    } catch (...) {
      // The environment is going away (see above): there is no one left to tell.
    }
  }

  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::exception_ptr error_;
};
}  // namespace

Napi::Promise run_async(Napi::Env env, const char* name, std::function<void()> work,
                        std::function<Napi::Value(Napi::Env)> done) {
  auto* w = new LambdaWorker(env, name, std::move(work), std::move(done));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace speclin::addon
