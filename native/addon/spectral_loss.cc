// Bindings of the spectral contrastive loss: spectralLossSync and spectralLoss (Promise).
#include "../core/spectral_loss.h"

#include <cmath>

#include "common.h"

namespace speclin::addon {
namespace {

struct Args {
  MatrixView z, w;
  SpectralLossOptions options;
};

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

Args read_args(const Napi::CallbackInfo& info) {
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
  }
  if (a.options.negatives == Negatives::OffDiagonal && a.z.rows < 2)
    throw_range("spectralLoss: off-diagonal negatives need a batch of at least 2 pairs, got B = " +
                std::to_string(a.z.rows) + " (use negatives: 'all' for B = 1)");
  return a;
}

template <typename T>
bool all_finite(const void* p, std::size_t count) {
  const T* x = static_cast<const T*>(p);
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

// Finite inputs near the top of their range overflow the squared products: the loss or the
// gradients would come back Infinity or NaN with no error. That is refused, naming its cause.
void check_overflow(const SpectralLossResult& r, Dtype dtype, const void* gz, const void* gw, std::size_t count) {
  bool finite = std::isfinite(r.loss) && std::isfinite(r.positive) && std::isfinite(r.negative);
  const char* what = "the loss overflows";
  if (finite) {
    finite = dtype == Dtype::F32 ? all_finite<float>(gz, count) && all_finite<float>(gw, count)
                                 : all_finite<double>(gz, count) && all_finite<double>(gw, count);
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
    Args a = read_args(info);
    Napi::Env env = info.Env();
    Napi::TypedArray gz = new_typed_array(env, a.z.dtype, a.z.count(), "gradZ");
    Napi::TypedArray gw = new_typed_array(env, a.z.dtype, a.z.count(), "gradW");
    SpectralLossResult r = compute(a, a.z.data(), a.w.data(), typed_array_data(gz), typed_array_data(gw));
    return result(env, r, gz, gw, a.z.rows, a.z.cols);
  });
}

Napi::Value Async(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Args a = read_args(info);
    // Copies taken now: the caller may detach or reuse its buffers once we return.
    auto z = std::make_shared<Buffer>(Buffer::copy_of(a.z));
    auto w = std::make_shared<Buffer>(Buffer::copy_of(a.w));
    auto gz = std::make_shared<Buffer>(a.z.dtype, a.z.count());
    auto gw = std::make_shared<Buffer>(a.z.dtype, a.z.count());
    auto r = std::make_shared<SpectralLossResult>();
    return run_async(
        info.Env(), "spectralLoss",
        [=] { *r = compute(a, z->data(), w->data(), gz->data(), gw->data()); },
        [=](Napi::Env env) -> Napi::Value {
          return result(env, *r, gz->to_js(env), gw->to_js(env), a.z.rows, a.z.cols);
        });
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spectralLossSync", Napi::Function::New(env, Sync, "spectralLossSync"));
  exports.Set("spectralLoss", Napi::Function::New(env, Async, "spectralLoss"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
