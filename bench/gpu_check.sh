#!/usr/bin/env bash
# The device check of issue 24: on a machine with a CUDA GPU, build what is needed (if needed), run the GPU tests and
# the analytic-kernel timing, and print rows for bench/RESULTS.md. Meant to finish in under 5 minutes on the lent
# machine (16 cores, one H200), build included. Without a GPU it says so and exits 0.
#   bench/gpu_check.sh [BUILD_DIR]        (default: build-gpu, configured here if absent)
# Exit status: 0 when every test passed (or there is no GPU), 1 otherwise; the timing rows are printed either way.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu_check: no GPU here (nvidia-smi lists none); nothing to check"
  exit 0
fi
gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
echo "gpu_check: ${gpu}"
build=${1:-build-gpu}
jobs=$(nproc)
if [ ! -f "${build}/CMakeCache.txt" ]; then
  # Python and MPI are not needed for these targets; CUDA must come on (the configure line says why not).
  mkdir -p "${build}"
  cmake -B "${build}" -DCMAKE_BUILD_TYPE=Release -DWIDTHLAB_PYTHON=OFF -DWIDTHLAB_MPI=OFF -DWIDTHLAB_CUDA=ON \
    >"${build}/configure.log" 2>&1 || { tail -20 "${build}/configure.log"; exit 1; }
fi
line=$(grep -h "widthlab: CUDA" "${build}/configure.log" 2>/dev/null || true)
echo "gpu_check: ${line:-"(no configure log in ${build})"}"
if ! grep -q "^WIDTHLAB_CUDA_ENABLED:INTERNAL=ON$" "${build}/CMakeCache.txt"; then
  echo "gpu_check: CUDA is off in ${build}; nothing on the GPU would run"
  exit 1
fi
timeout 200 cmake --build "${build}" -j"${jobs}" --target test_cuda widthlab_cli test_cli gpu_kernel_bench \
  >"${build}/gpu_check_build.log" 2>&1 || { tail -30 "${build}/gpu_check_build.log"; exit 1; }
status=0
# On a GPU machine a skipped GPU test is a failure of the check (the skip message says why: driver, device, build).
for t in "test_cuda --gtest_brief=1" "test_cli --gtest_brief=1 --gtest_filter=KernelDeviceCli.*:KernelCli.*"; do
  out=$(timeout 60 "${build}/tests/"${t} 2>&1) || status=1
  echo "${out}" | tail -20
  if echo "${out}" | grep -q "SKIPPED"; then
    echo "gpu_check: GPU tests were skipped on a machine with a GPU"
    status=1
  fi
done
json="${build}/gpu_kernel_bench.json"
timeout 60 "${build}/bench/gpu_kernel_bench" --benchmark_out="${json}" --benchmark_out_format=json || status=1
/usr/bin/env python3 - "${json}" "${gpu}" <<'PY'
import json, sys, datetime
data = json.load(open(sys.argv[1]))
when = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
print(f"\nRows for bench/RESULTS.md (CUDA analytic kernel, {sys.argv[2]}, {when}, bench/gpu_check.sh):")
print("| N | d | depth | act | GEMM | NNGP+NTK device time (ms) | issue 24 target | neural-tangents H100 |")
print("|---|---|---|---|---|---|---|---|")
for b in data.get("benchmarks", []):
    if b.get("error_occurred"):
        print(f"| {b['name']}: skipped: {b.get('error_message', '')} |")
        continue
    tf32 = b["name"].split("/")[1] == "1"
    print(f"| {int(b['N'])} | 784 | 3 | relu | {'TF32' if tf32 else 'strict float32'} | {b['real_time']:.2f} "
          f"| ≤ 2 | {'1.76' if tf32 else '4.46'} |")
PY
exit ${status}
