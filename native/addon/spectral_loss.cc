// Bindings of the spectral contrastive loss: spectralLossSync and spectralLoss (Promise).
#include "../core/spectral_loss.h"
#include "../core/finite.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common.h"

namespace speclin::addon {
namespace {

struct Args {
  MatrixView z, w;
  SpectralLossOptions options;
  // options.out: the caller's gradient matrices, written in place (Sync forms only).
  std::optional<MatrixView> out_z, out_w;
};

// options.out = { gradZ, gradW }: matrices of Z's dtype and shape, sharing no memory with Z, W or
// each other (the kernel reads Z and W while it writes the gradients).
void read_out(Napi::Value v, Args& a) {
  if (!v.IsObject()) throw_type("spectralLoss: options.out must be { gradZ, gradW }, two Matrix objects");
  Napi::Object o = v.As<Napi::Object>();
  MatrixView gz = read_matrix(o.Get("gradZ"), "options.out.gradZ", false);
  MatrixView gw = read_matrix(o.Get("gradW"), "options.out.gradW", false);
  for (const MatrixView* g : {&gz, &gw}) {
    if (g->dtype != a.z.dtype)
      throw_type(std::string("spectralLoss: ") + g->name + " is " + dtype_name(g->dtype) + " but Z is " +
                 dtype_name(a.z.dtype) + "; the gradients have Z's dtype");
    if (g->rows != a.z.rows || g->cols != a.z.cols)
      throw_range(std::string("spectralLoss: ") + g->name + " is " + std::to_string(g->rows) + " x " +
                  std::to_string(g->cols) + " but Z is " + std::to_string(a.z.rows) + " x " +
                  std::to_string(a.z.cols) + "; the gradients have Z's shape");
    for (const MatrixView* input : {&a.z, &a.w})
      if (shares_memory(*g, *input))
        throw_range(std::string("spectralLoss: ") + g->name + " shares memory with " + input->name +
                    "; the gradients must go to memory the inputs do not use");
  }
  if (shares_memory(gz, gw)) throw_range("spectralLoss: options.out.gradZ and options.out.gradW share memory");
  a.out_z = gz;
  a.out_w = gw;
}

std::string read_choice(Napi::Object o, const char* key, std::initializer_list<const char*> allowed,
                        const char* fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  std::string list;
  for (const char* a : allowed) list += std::string(list.empty() ? "" : " or ") + "'" + a + "'";
  if (!v.IsString()) throw_type(std::string("spectralLoss: options.") + key + " must be " + list);
  std::string s = v.As<Napi::String>().Utf8Value();
  for (const char* a : allowed)
    if (s == a) return s;
  throw_range(std::string("spectralLoss: options.") + key + " must be " + list + ", got '" + s + "'");
}

// `shard`: Z and W are one process's rows of a batch split across processes, whose size (checked
// against the off-diagonal form's minimum of 2) is known only from the summed statistics.
Args read_args(const Napi::CallbackInfo& info, bool shard = false, bool allow_out = false) {
  if (info.Length() < 2) throw_type("spectralLoss(Z, W, options?): missing argument");
  Args a{};
  a.z = read_matrix(info[0], "Z", false);
  a.w = read_matrix(info[1], "W", false);
  if (a.z.dtype != a.w.dtype)
    throw_type(std::string("spectralLoss: Z is ") + dtype_name(a.z.dtype) + " but W is " +
               dtype_name(a.w.dtype) + "; both must have the same dtype");
  if (a.z.rows != a.w.rows)
    throw_range("spectralLoss: Z has " + std::to_string(a.z.rows) + " rows but W has " +
                std::to_string(a.w.rows) + "; row i of Z and row i of W are a positive pair, so B must match");
  if (a.z.cols != a.w.cols)
    throw_range("spectralLoss: Z has " + std::to_string(a.z.cols) + " columns but W has " +
                std::to_string(a.w.cols) + "; the embedding dimension k must match");
  if (info.Length() >= 3 && !info[2].IsUndefined()) {
    if (!info[2].IsObject()) throw_type("spectralLoss: options must be an object");
    Napi::Object o = info[2].As<Napi::Object>();
    Napi::Value mu = o.Get("mu");
    if (!mu.IsUndefined()) {
      if (!mu.IsNumber()) throw_type("spectralLoss: options.mu must be a number");
      double m = mu.As<Napi::Number>().DoubleValue();
      if (!(std::isfinite(m) && m > 0))
        throw_range("spectralLoss: options.mu must be a finite number > 0, got " + std::to_string(m));
      a.options.clip = true;
      a.options.mu = m;
    }
    a.options.negatives = read_choice(o, "negatives", {"offdiagonal", "all"}, "offdiagonal") == "all"
                              ? Negatives::All
                              : Negatives::OffDiagonal;
    std::string alg = read_choice(o, "algorithm", {"auto", "gram", "pairwise"}, "auto");
    a.options.algorithm = alg == "gram"       ? LossAlgorithm::Gram
                          : alg == "pairwise" ? LossAlgorithm::Pairwise
                                              : LossAlgorithm::Auto;
    Napi::Value out = o.Get("out");
    if (!out.IsUndefined()) {
      if (!allow_out)
        throw_range("spectralLoss: options.out is for spectralLossSync (the Promise form computes off the main "
                    "thread, into memory of its own)");
      read_out(out, a);
    }
  }
  if (!shard && a.options.negatives == Negatives::OffDiagonal && a.z.rows < 2)
    throw_range("spectralLoss: off-diagonal negatives need a batch of at least 2 pairs, got B = " +
                std::to_string(a.z.rows) + " (use negatives: 'all' for B = 1)");
  return a;
}

// Finite inputs near the top of their range overflow the squared products: the loss or the
// gradients would come back Infinity or NaN with no error. That is refused, naming its cause.
void check_overflow(const SpectralLossResult& r, Dtype dtype, const void* gz, const void* gw, std::size_t count) {
  bool finite = std::isfinite(r.loss) && std::isfinite(r.positive) && std::isfinite(r.negative);
  const char* what = "the loss overflows";
  if (finite) {
    finite = dtype == Dtype::F32
                 ? all_finite(static_cast<const float*>(gz), count) && all_finite(static_cast<const float*>(gw), count)
                 : all_finite(static_cast<const double*>(gz), count) && all_finite(static_cast<const double*>(gw), count);
    what = dtype == Dtype::F32 ? "the float32 gradients overflow" : "the gradients overflow";
  }
  if (!finite)
    throw_range(std::string("spectralLoss: Z and W are finite, but ") + what +
                " (the squared inner products z_i.w_j exceed the " + dtype_name(dtype) +
                " range); scale the embeddings down, or pass mu to clip their norms");
}

SpectralLossResult compute(const Args& a, const void* z, const void* w, void* gz, void* gw) {
  std::size_t B = a.z.rows, k = a.z.cols;
  SpectralLossResult r =
      a.z.dtype == Dtype::F32
          ? spectral_loss<float>(static_cast<const float*>(z), static_cast<const float*>(w), B, k, a.options,
                                 static_cast<float*>(gz), static_cast<float*>(gw))
          : spectral_loss<double>(static_cast<const double*>(z), static_cast<const double*>(w), B, k, a.options,
                                  static_cast<double*>(gz), static_cast<double*>(gw));
  check_overflow(r, a.z.dtype, gz, gw, B * k);
  return r;
}

// The Sync forms' gradients: the caller's options.out, or new arrays.
std::pair<Napi::TypedArray, Napi::TypedArray> gradient_arrays(Napi::Env env, const Args& a) {
  if (a.out_z)
    return {Napi::Value(env, a.out_z->array).As<Napi::TypedArray>(), Napi::Value(env, a.out_w->array).As<Napi::TypedArray>()};
  return {new_output_array(env, a.z.dtype, a.z.count(), "gradZ").array,
          new_output_array(env, a.z.dtype, a.z.count(), "gradW").array};
}

Napi::Object result(Napi::Env env, const SpectralLossResult& r, Napi::TypedArray gz, Napi::TypedArray gw,
                    std::size_t B, std::size_t k) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", Napi::Number::New(env, r.loss));
  o.Set("positive", Napi::Number::New(env, r.positive));
  o.Set("negative", Napi::Number::New(env, r.negative));
  o.Set("gradZ", make_matrix(env, gz, 1, B, k, false));
  o.Set("gradW", make_matrix(env, gw, 1, B, k, false));
  o.Set("algorithm", Napi::String::New(env, r.algorithm == LossAlgorithm::Pairwise ? "pairwise" : "gram"));
  o.Set("clippedZ", Napi::Number::New(env, static_cast<double>(r.clipped_z)));
  o.Set("clippedW", Napi::Number::New(env, static_cast<double>(r.clipped_w)));
  return o;
}

Napi::Value Sync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info, false, true);
    Napi::Env env = info.Env();
    auto [gz, gw] = gradient_arrays(env, a);
    SpectralLossResult r = compute(a, a.z.data(), a.w.data(), typed_array_data(gz), typed_array_data(gw));
    return result(env, r, gz, gw, a.z.rows, a.z.cols);
  });
}

// The Promise forms: copies of Z and W taken now (the caller may detach or reuse its buffers once
// we return), `kernel(z, w, gz, gw)` on a worker, the result object on the main thread.
template <typename Kernel>
Napi::Value run_loss_async(Napi::Env env, const char* name, const Args& a, Kernel kernel) {
  auto z = std::make_shared<Buffer>(Buffer::copy_of(a.z));
  auto w = std::make_shared<Buffer>(Buffer::copy_of(a.w));
  auto gz = std::make_shared<Buffer>(a.z.dtype, a.z.count());
  auto gw = std::make_shared<Buffer>(a.z.dtype, a.z.count());
  auto r = std::make_shared<SpectralLossResult>();
  return run_async(
      env, name, [=] { *r = kernel(z->data(), w->data(), gz->data(), gw->data()); },
      [=](Napi::Env env) -> Napi::Value {
        return result(env, *r, gz->to_js(env), gw->to_js(env), a.z.rows, a.z.cols);
      });
}

Napi::Value Async(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info);
    return run_loss_async(info.Env(), "spectralLoss", a, [a](const void* z, const void* w, void* gz, void* gw) {
      return compute(a, z, w, gz, gw);
    });
  });
}

// ---- the sharded form: a shard's statistics, then its result from everyone's summed statistics --

void compute_statistics(const Args& a, const void* z, const void* w, double* stats) {
  if (a.z.dtype == Dtype::F32)
    spectral_loss_statistics<float>(static_cast<const float*>(z), static_cast<const float*>(w), a.z.rows, a.z.cols,
                                    a.options, stats);
  else
    spectral_loss_statistics<double>(static_cast<const double*>(z), static_cast<const double*>(w), a.z.rows,
                                     a.z.cols, a.options, stats);
}

SpectralLossResult compute_from_statistics(const Args& a, const void* z, const void* w, const double* stats, void* gz,
                                           void* gw) {
  std::size_t B = a.z.rows, k = a.z.cols;
  SpectralLossResult r =
      a.z.dtype == Dtype::F32
          ? spectral_loss_from_statistics<float>(static_cast<const float*>(z), static_cast<const float*>(w), B, k,
                                                 a.options, stats, static_cast<float*>(gz), static_cast<float*>(gw))
          : spectral_loss_from_statistics<double>(static_cast<const double*>(z), static_cast<const double*>(w), B, k,
                                                  a.options, stats, static_cast<double*>(gz), static_cast<double*>(gw));
  check_overflow(r, a.z.dtype, gz, gw, B * k);
  return r;
}

// The summed statistics argument: a Float64Array of spectral_loss_statistics_size(k) elements.
Napi::Float64Array read_statistics(const Napi::CallbackInfo& info, std::size_t k) {
  Napi::Value v = info[3];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type("spectralLoss: the summed statistics must be a Float64Array");
  Napi::Float64Array s = v.As<Napi::Float64Array>();
  if (s.ElementLength() != spectral_loss_statistics_size(k))
    throw_range("spectralLoss: the summed statistics hold " + std::to_string(s.ElementLength()) +
                " numbers; k = " + std::to_string(k) + " needs " + std::to_string(spectral_loss_statistics_size(k)));
  return s;
}

Napi::Value StatisticsSync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info, true);
    Napi::Env env = info.Env();
    Napi::TypedArray s = new_typed_array(env, Dtype::F64, spectral_loss_statistics_size(a.z.cols), "statistics");
    compute_statistics(a, a.z.data(), a.w.data(), static_cast<double*>(typed_array_data(s)));
    return s;
  });
}

Napi::Value StatisticsAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info, true);
    auto z = std::make_shared<Buffer>(Buffer::copy_of(a.z));
    auto w = std::make_shared<Buffer>(Buffer::copy_of(a.w));
    auto s = std::make_shared<Buffer>(Dtype::F64, spectral_loss_statistics_size(a.z.cols));
    return run_async(
        info.Env(), "spectralLossStatistics", [=] { compute_statistics(a, z->data(), w->data(), s->as<double>()); },
        [=](Napi::Env env) -> Napi::Value { return s->to_js(env); });
  });
}

Napi::Value FromStatisticsSync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info, true, true);
    Napi::Float64Array stats = read_statistics(info, a.z.cols);
    Napi::Env env = info.Env();
    auto [gz, gw] = gradient_arrays(env, a);
    SpectralLossResult r = compute_from_statistics(a, a.z.data(), a.w.data(), stats.Data(), typed_array_data(gz),
                                                   typed_array_data(gw));
    return result(env, r, gz, gw, a.z.rows, a.z.cols);
  });
}

Napi::Value FromStatisticsAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info, true);
    Napi::Float64Array stats = read_statistics(info, a.z.cols);
    auto st = std::make_shared<std::vector<double>>(stats.Data(), stats.Data() + stats.ElementLength());
    return run_loss_async(info.Env(), "spectralLossFromStatistics", a,
                          [a, st](const void* z, const void* w, void* gz, void* gw) {
                            return compute_from_statistics(a, z, w, st->data(), gz, gw);
                          });
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spectralLossSync", Napi::Function::New(env, Sync, "spectralLossSync"));
  exports.Set("spectralLoss", Napi::Function::New(env, Async, "spectralLoss"));
  exports.Set("spectralLossStatisticsSync", Napi::Function::New(env, StatisticsSync, "spectralLossStatisticsSync"));
  exports.Set("spectralLossStatistics", Napi::Function::New(env, StatisticsAsync, "spectralLossStatistics"));
  exports.Set("spectralLossFromStatisticsSync",
              Napi::Function::New(env, FromStatisticsSync, "spectralLossFromStatisticsSync"));
  exports.Set("spectralLossFromStatistics", Napi::Function::New(env, FromStatisticsAsync, "spectralLossFromStatistics"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
