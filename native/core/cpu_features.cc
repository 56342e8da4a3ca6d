#include "cpu_features.h"

#include <atomic>

namespace speclin {
namespace {
std::atomic<int> g_requested{static_cast<int>(KernelPath::Auto)};
}

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
#else
  return false;
#endif
}

KernelPath active_kernel_path() {
  auto requested = static_cast<KernelPath>(g_requested.load());
  if (requested == KernelPath::Portable) return KernelPath::Portable;
  return cpu_has_avx2_fma() ? KernelPath::Avx2 : KernelPath::Portable;
}

bool set_kernel_path(KernelPath path) {
  if (path == KernelPath::Avx2 && !cpu_has_avx2_fma()) return false;
  g_requested.store(static_cast<int>(path));
  return true;
}

const char* kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::Portable: return "portable";
    case KernelPath::Avx2: return "avx2";
    default: return "auto";
  }
}

}  // namespace speclin
