// Runtime choice of the micro-kernel family: AVX2+FMA where the CPU has it, otherwise the
// portable C++ path. Tests force the portable path to check that both agree.
#pragma once

namespace speclin {

enum class KernelPath { Auto, Portable, Avx2 };

bool cpu_has_avx2_fma();
// Which path kernels use now: Avx2 only if requested (Auto or Avx2) and the CPU supports it.
KernelPath active_kernel_path();
// Auto restores detection; Avx2 on a CPU without it is refused (returns false).
bool set_kernel_path(KernelPath path);
const char* kernel_path_name(KernelPath path);

}  // namespace speclin
