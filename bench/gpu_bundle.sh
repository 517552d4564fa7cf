#!/usr/bin/env bash
# Packs what bench/gpu_check.sh needs on a lent GPU machine that has CUDA but not this project's Debian libraries:
# the binaries of a CUDA-on build made here, the shared libraries they load (except glibc's, CUDA's and the
# driver's, which the GPU machine has), and the fashion-mnist files, into one compressed archive small enough to
# travel with the working tree (the device tool carries at most 64 MiB).
#   bench/gpu_bundle.sh [BUILD_DIR] [ARCHIVE]     (defaults: build, .gpu/bundle.tar.xz)
# On the GPU machine: tar xf ARCHIVE -C DIR; bench/gpu_check.sh DIR (it sets LD_LIBRARY_PATH to DIR/lib).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
archive=${2:-.gpu/bundle.tar.xz}
stage=$(mktemp -d)
trap 'rm -rf "${stage}"' EXIT
mkdir -p "${stage}"/{bin,tests,bench,lib,data}
cp "${build}/bin/widthlab" "${stage}/bin/"
cp "${build}/tests/test_cuda" "${build}/tests/test_limits" "${build}/tests/test_kernels" "${build}/tests/test_cli" \
  "${stage}/tests/"
# test_cli runs the CLI at the absolute path it was compiled with (tests/CMakeLists.txt WIDTHLAB_CLI): gpu_check.sh
# links the bundle's widthlab there.
echo "$(cd "${build}" && pwd)/bin/widthlab" >"${stage}/cli_path"
cp "${build}/bench/gpu_kernel_bench" "${build}/bench/gpu_train_bench" "${stage}/bench/"
strip "${stage}"/bin/* "${stage}"/tests/* "${stage}"/bench/*
# Shared libraries: everything ldd resolves outside glibc (libc, libm, libpthread, libdl, librt, ld-linux), the C++
# runtime (the GPU machine's is newer) and CUDA (the GPU machine's own toolkit and driver).
for f in "${stage}"/bin/* "${stage}"/tests/* "${stage}"/bench/*; do
  ldd "${f}" | awk '/=> \//{print $3}'
done | sort -u | grep -Ev '/(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so|libcud|libcublas|libnvidia' |
  while read -r lib; do cp -L "${lib}" "${stage}/lib/"; done
cp -r /usr/share/datasets/fashion-mnist "${stage}/data/"
mkdir -p "$(dirname "${archive}")"
tar -C "${stage}" -cJf "${archive}" .
echo "gpu_bundle: ${archive} ($(du -h "${archive}" | cut -f1)): $(ls "${stage}/lib" | tr '\n' ' ')"
