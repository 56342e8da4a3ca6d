#!/usr/bin/env bash
# On a fresh Linux machine with an NVIDIA GPU, its driver and Node >= 20: installs what the WebGPU
# benchmark needs (the Vulkan loader, the npm dependencies without building the C++ addon) and prints
# `npm run bench -- gpu` with each GEMM's fraction of the GPU's FP32 peak, then builds the addon and
# prints `npm run bench -- tfjs` on webgpu only. Run from the repository root: bash bench/gpu-device.sh.
# Takes about five minutes, most of it npm ci and the addon's build.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v nvidia-smi >/dev/null || { echo "gpu-device.sh: nvidia-smi not found: no NVIDIA driver" >&2; exit 1; }
command -v node >/dev/null || { echo "gpu-device.sh: node not found (Node >= 20 is needed)" >&2; exit 1; }

# Dawn reaches the GPU through Vulkan: the loader (libvulkan1) plus the driver's ICD.
if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  if command -v apt-get >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
    $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q libvulkan1
  else
    echo "gpu-device.sh: install the Vulkan loader (libvulkan.so.1) with your package manager" >&2; exit 1
  fi
fi
if ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
  echo "gpu-device.sh: warning: no nvidia_icd.json; in a container, run with NVIDIA_DRIVER_CAPABILITIES=all" \
       "(or 'compute,utility,graphics') so that the driver's Vulkan ICD is mounted" >&2
fi

# npm dependencies; --ignore-scripts skips the C++ addon build, which the GPU benchmark does not use.
[ -d node_modules/webgpu ] && [ -d node_modules/@tensorflow/tfjs-backend-webgpu ] || npm ci --ignore-scripts --no-audit --no-fund

# FP32 peak = 2 FLOP (one FMA) x FP32 lanes x maximum SM clock. nvidia-smi gives the clock, not
# the lane count, so the lanes come from this table (NVIDIA's published CUDA core counts).
IFS=, read -r name clock < <(nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader,nounits | head -1)
name=$(echo "$name" | xargs)
clock=$(echo "$clock" | xargs)
case "$name" in
  *H200*|*H100*SXM*|*"H100 80GB HBM3"*) lanes=16896 ;;
  *H100*PCIe*|*"H100 PCIe"*|*H100*NVL*) lanes=14592 ;;
  *GH200*) lanes=16896 ;;
  *B200*) lanes=18432 ;;
  *A100*) lanes=6912 ;;
  *A10G*) lanes=9216 ;;
  *A10*) lanes=9216 ;;
  *L40S*) lanes=18176 ;;
  *L40*) lanes=18176 ;;
  *L4*) lanes=7424 ;;
  *T4*) lanes=2560 ;;
  *V100*) lanes=5120 ;;
  *"RTX 4090"*) lanes=16384 ;;
  *"RTX 3090"*) lanes=10496 ;;
  *"RTX 6000 Ada"*) lanes=18176 ;;
  *) lanes=0 ;;
esac
if [ "$lanes" -gt 0 ] && [ -n "$clock" ]; then
  export SPECLIN_FP32_PEAK_GFLOPS=$(( 2 * lanes * clock / 1000 ))
  echo "GPU: $name, $lanes FP32 lanes at up to $clock MHz: FP32 peak $SPECLIN_FP32_PEAK_GFLOPS GFLOP/s" >&2
else
  echo "GPU: $name (not in this script's table: no fraction of peak printed)" >&2
fi

timeout 240 node --import=tsx bench/run.ts gpu

# speclin/tfjs on tfjs-backend-webgpu against tfjs autograd of the reference loss (target 3x). The
# tfjs ops load the C++ addon (their cpu/wasm path), so it is built here, with a compiler and cmake.
if [ ! -f build/Release/speclin.node ]; then
  if ! command -v g++ >/dev/null || ! command -v cmake >/dev/null; then
    if command -v apt-get >/dev/null; then
      SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q g++ cmake make
    else
      echo "gpu-device.sh: install g++ and cmake for the tfjs benchmark" >&2; exit 1
    fi
  fi
  node scripts/build-native.mjs
fi
SPECLIN_TFJS_BACKENDS=webgpu timeout 300 node --import=tsx bench/run.ts tfjs
