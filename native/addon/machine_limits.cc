// measureFmaPeak(dtype, seconds) and measureBandwidth(direction, bytes, seconds): the machine's
// limits for `speclin bench`. Synchronous: they occupy every pool thread on purpose, and the
// benchmark runs nothing else meanwhile.
#include "../core/machine_limits.h"
#include "common.h"

namespace speclin::addon {
namespace {

double seconds_argument(const Napi::CallbackInfo& info, std::size_t i, const char* fn) {
  if (info.Length() <= i || !info[i].IsNumber()) throw_type(std::string(fn) + ": seconds must be a number");
  double s = info[i].As<Napi::Number>().DoubleValue();
  if (!(s > 0 && s <= 60)) throw_range(std::string(fn) + ": seconds must be in (0, 60], got " + std::to_string(s));
  return s;
}

Napi::Value MeasureFmaPeak(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw_type("measureFmaPeak(dtype, seconds): dtype must be a string");
    std::string dtype = info[0].As<Napi::String>().Utf8Value();
    if (dtype != "float32" && dtype != "float64")
      throw_range("measureFmaPeak(dtype, seconds): dtype must be 'float32' or 'float64', got '" + dtype + "'");
    double seconds = seconds_argument(info, 1, "measureFmaPeak(dtype, seconds)");
    PeakMeasurement m = measure_fma_peak(dtype == "float64", seconds);
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("gflops", m.gflops);
    out.Set("isa", m.isa);
    out.Set("threads", m.threads);
    return out;
  });
}

Napi::Value MeasureBandwidth(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* fn = "measureBandwidth(direction, bytes, seconds)";
    if (info.Length() < 1 || !info[0].IsString()) throw_type(std::string(fn) + ": direction must be a string");
    std::string direction = info[0].As<Napi::String>().Utf8Value();
    if (direction != "read" && direction != "write")
      throw_range(std::string(fn) + ": direction must be 'read' or 'write', got '" + direction + "'");
    if (info.Length() < 2 || !info[1].IsNumber()) throw_type(std::string(fn) + ": bytes must be a number");
    double bytes = info[1].As<Napi::Number>().DoubleValue();
    if (!(bytes >= 1 << 20 && bytes <= double(1ull << 36)))
      throw_range(std::string(fn) + ": bytes must be between 1 MiB and 64 GiB, got " + std::to_string(bytes));
    double seconds = seconds_argument(info, 2, fn);
    BandwidthMeasurement m = direction == "read" ? measure_read_bandwidth(static_cast<std::size_t>(bytes), seconds)
                                                 : measure_write_bandwidth(static_cast<std::size_t>(bytes), seconds);
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("gbytesPerSecond", m.gbytes_per_second);
    out.Set("bytes", static_cast<double>(m.bytes));
    out.Set("threads", m.threads);
    return out;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("measureFmaPeak", Napi::Function::New(env, MeasureFmaPeak, "measureFmaPeak"));
  exports.Set("measureBandwidth", Napi::Function::New(env, MeasureBandwidth, "measureBandwidth"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
