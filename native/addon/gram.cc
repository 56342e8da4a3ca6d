// Bindings of the Gram family: gram, crossGram, innerGram, each Sync and Promise.
#include "../core/gram.h"

#include <cstdint>
#include <cstdlib>
#include <optional>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "common.h"

namespace speclin::addon {
namespace {

enum class Op { Gram, Cross, Inner };

// Shapes of one call, checked once for both forms.
struct Plan {
  Op op;
  Dtype dtype;
  std::size_t batch, a, b, c;  // gram: rows, cols; cross: m, n, k; inner: r, kz, kw
  bool with_batch;
  bool same;  // inner_gram(Z, Z): the one-triangle path
  std::size_t out_rows, out_cols;
};

const char* op_name(Op op) {
  return op == Op::Gram ? "gram" : op == Op::Cross ? "crossGram" : "innerGram";
}

Plan plan(Op op, const MatrixView& z, const MatrixView* w, bool with_batch, bool same) {
  Plan p{op, z.dtype, z.batch, 0, 0, 0, with_batch, same, 0, 0};
  std::string fn = op_name(op);
  if (w) {
    if (w->dtype != z.dtype)
      throw_type(fn + ": Z is " + dtype_name(z.dtype) + " but W is " + dtype_name(w->dtype) +
                 "; both must have the same dtype");
    if (w->batch != z.batch)
      throw_range(fn + ": Z has batch " + std::to_string(z.batch) + " but W has batch " +
                  std::to_string(w->batch));
  }
  switch (op) {
    case Op::Gram:
      p.a = z.rows; p.b = z.cols;
      p.out_rows = p.out_cols = z.rows;
      break;
    case Op::Cross:
      if (w->cols != z.cols)
        throw_range("crossGram: Z has " + std::to_string(z.cols) + " columns but W has " +
                    std::to_string(w->cols) + "; Z W^T needs equal column counts");
      p.a = z.rows; p.b = w->rows; p.c = z.cols;
      p.out_rows = z.rows; p.out_cols = w->rows;
      break;
    case Op::Inner:
      if (w->rows != z.rows)
        throw_range("innerGram: Z has " + std::to_string(z.rows) + " rows but W has " +
                    std::to_string(w->rows) + "; Z^T W needs equal row counts");
      p.a = z.rows; p.b = z.cols; p.c = w->cols;
      p.out_rows = z.cols; p.out_cols = w->cols;
      break;
  }
  return p;
}

std::size_t out_count(const Plan& p) {
  return checked_mul(checked_mul(p.batch, p.out_rows, "the result"), p.out_cols, "the result");
}

// V8 caps one typed array at 2^32 elements, and common.cc's allocator at 16 GiB. Checked before
// any allocation so that the Sync and Promise forms refuse the same calls with the same message
// (the Promise form would otherwise allocate native memory first).
void check_result_size(const Plan& p) {
  constexpr std::size_t kMaxBytes = std::size_t{1} << 34;
  constexpr std::size_t kMaxElements = std::size_t{1} << 32;
  std::size_t count = out_count(p);
  std::size_t bytes = checked_mul(count, dtype_size(p.dtype), "the result");
  if (bytes > kMaxBytes || count > kMaxElements)
    throw_range(std::string(op_name(p.op)) + ": the result would be " +
                (p.with_batch ? std::to_string(p.batch) + " x " : std::string()) +
                std::to_string(p.out_rows) + " x " + std::to_string(p.out_cols) + " " +
                dtype_name(p.dtype) + " (" + std::to_string(bytes) +
                " bytes), more than a typed array can hold (16 GiB, 2^32 elements)");
}

// Large results are written once, right after allocation; every 4 KiB page of them then costs
// a page fault (on a VM with memory cgroups, faults took a quarter of Z W^T at (4096, 128)).
// Asking for transparent huge pages, as NumPy does for its large arrays, makes that 512 times
// fewer faults. Advisory only: where THP is off or unavailable nothing changes.
void prefer_huge_pages(void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::size_t kMin = std::size_t{4} << 20;
  if (bytes < kMin) return;
  const std::uintptr_t page = 4096;
  std::uintptr_t lo = (reinterpret_cast<std::uintptr_t>(data) + page - 1) / page * page;
  std::uintptr_t hi = (reinterpret_cast<std::uintptr_t>(data) + bytes) / page * page;
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

template <typename T>
void compute(const Plan& p, const void* z, const void* w, void* out) {
  const T* Z = static_cast<const T*>(z);
  const T* W = static_cast<const T*>(w);
  T* O = static_cast<T*>(out);
  switch (p.op) {
    case Op::Gram: gram<T>(Z, O, p.batch, p.a, p.b); break;
    case Op::Cross: cross_gram<T>(Z, W, O, p.batch, p.a, p.b, p.c); break;
    case Op::Inner: inner_gram<T>(Z, p.same ? Z : W, O, p.batch, p.a, p.b, p.c); break;
  }
}

void dispatch(const Plan& p, const void* z, const void* w, void* out) {
  if (p.dtype == Dtype::F32) compute<float>(p, z, w, out);
  else compute<double>(p, z, w, out);
}

// Reads the arguments of any of the three: (Z) for gram, (Z, W) for the others.
struct Args {
  MatrixView z, w;
  Plan p;
};

Args read_args(const Napi::CallbackInfo& info, Op op) {
  Args a{};
  std::string fn = op_name(op);
  bool two = op != Op::Gram;
  if (info.Length() < (two ? 2u : 1u))
    throw_type(fn + (two ? "(Z, W)" : "(Z)") + ": missing argument");
  a.z = read_matrix(info[0], "Z", true);
  bool with_batch = info[0].As<Napi::Object>().Has("batch");
  bool same = false;
  if (two) {
    a.w = read_matrix(info[1], "W", true);
    with_batch = with_batch || info[1].As<Napi::Object>().Has("batch");
    // The same matrix twice: same memory, same shape (pointers compared, not kept).
    same = a.z.data() == a.w.data() && a.z.rows == a.w.rows && a.z.cols == a.w.cols &&
           a.z.batch == a.w.batch;
  }
  a.p = plan(op, a.z, two ? &a.w : nullptr, with_batch, same);
  check_result_size(a.p);
  return a;
}

// options.out of a Sync form: the caller's Matrix (Batch for batched inputs) of the result's dtype
// and shape, sharing no memory with Z or W.
std::optional<MatrixView> read_out(const Napi::CallbackInfo& info, const Args& a, Op op) {
  const std::size_t at = op == Op::Gram ? 1 : 2;
  if (info.Length() <= at || info[at].IsUndefined()) return std::nullopt;
  const std::string fn = op_name(op);
  MatrixView out = read_matrix(info[at], "options.out", true);
  const Plan& p = a.p;
  if (out.dtype != p.dtype)
    throw_type(fn + ": options.out is " + dtype_name(out.dtype) + " but the inputs are " + dtype_name(p.dtype));
  if (out.batch != p.batch || out.rows != p.out_rows || out.cols != p.out_cols)
    throw_range(fn + ": options.out is " + (out.batch > 1 ? std::to_string(out.batch) + " x " : "") +
                std::to_string(out.rows) + " x " + std::to_string(out.cols) + " but the result is " +
                (p.batch > 1 ? std::to_string(p.batch) + " x " : "") + std::to_string(p.out_rows) + " x " +
                std::to_string(p.out_cols));
  if (shares_memory(out, a.z) || (op != Op::Gram && shares_memory(out, a.w)))
    throw_range(fn + ": options.out shares memory with an input; the result must go to memory the inputs do not use");
  return out;
}

template <Op op>
Napi::Value Sync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info, op);
    if (std::optional<MatrixView> given = read_out(info, a, op)) {
      dispatch(a.p, a.z.data(), op == Op::Gram ? nullptr : a.w.data(), given->data());
      Napi::TypedArray array = Napi::Value(info.Env(), given->array).As<Napi::TypedArray>();
      return make_matrix(info.Env(), array, a.p.batch, a.p.out_rows, a.p.out_cols, a.p.with_batch);
    }
    OutputArray out = new_output_array(info.Env(), a.p.dtype, out_count(a.p), "the result");
    prefer_huge_pages(out.data, out_count(a.p) * dtype_size(a.p.dtype));  // checked by new_output_array
    dispatch(a.p, a.z.data(), op == Op::Gram ? nullptr : a.w.data(), out.data);
    return make_matrix(info.Env(), out.array, a.p.batch, a.p.out_rows, a.p.out_cols, a.p.with_batch);
  });
}

template <Op op>
Napi::Value Async(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info, op);
    // Copies taken now: the caller may detach or reuse its buffers once we return.
    auto z = std::make_shared<Buffer>(Buffer::copy_of(a.z));
    auto w = std::make_shared<Buffer>();
    if (op != Op::Gram && !a.p.same) *w = Buffer::copy_of(a.w);
    auto out = std::make_shared<Buffer>(a.p.dtype, out_count(a.p));
    prefer_huge_pages(out->data(), out->bytes());
    Plan p = a.p;
    return run_async(
        info.Env(), op_name(op),
        [=] { dispatch(p, z->data(), p.same ? z->data() : w->data(), out->data()); },
        [=](Napi::Env env) -> Napi::Value {
          return make_matrix(env, out->to_js(env), p.batch, p.out_rows, p.out_cols, p.with_batch);
        });
  });
}

// Which micro-kernels run now ('avx512', 'avx2', 'portable'), and a switch that forbids the
// AVX-512 ones so that tests and benchmarks can exercise the AVX2 kernels on CPUs with both.
Napi::Value GemmKernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), gemm_kernel_name());
}
Napi::Value SetGemmAvx512(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsBoolean()) throw_type("setGemmAvx512(allowed): allowed must be a boolean");
    set_gemm_avx512_allowed(info[0].As<Napi::Boolean>().Value());
    return info.Env().Undefined();
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmKernel", Napi::Function::New(env, GemmKernel, "gemmKernel"));
  exports.Set("setGemmAvx512", Napi::Function::New(env, SetGemmAvx512, "setGemmAvx512"));
  exports.Set("gramSync", Napi::Function::New(env, Sync<Op::Gram>, "gramSync"));
  exports.Set("crossGramSync", Napi::Function::New(env, Sync<Op::Cross>, "crossGramSync"));
  exports.Set("innerGramSync", Napi::Function::New(env, Sync<Op::Inner>, "innerGramSync"));
  exports.Set("gram", Napi::Function::New(env, Async<Op::Gram>, "gram"));
  exports.Set("crossGram", Napi::Function::New(env, Async<Op::Cross>, "crossGram"));
  exports.Set("innerGram", Napi::Function::New(env, Async<Op::Inner>, "innerGram"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
