#!/usr/bin/env bash
# The device check of issue 24 on a machine with a CUDA GPU: the GPU tests, a CLI run on the GPU, the analytic-kernel
# and training-step benchmarks with their same-run references (cuBLAS SGEMM, PyTorch eager on the same GPU), and the
# rows for bench/RESULTS.md (bench/gpu_rows.py). Meant to finish in a few minutes on the lent machine (one H200).
#   bench/gpu_check.sh [DIR] [OUT]
# DIR: a build directory with CUDA on (configured and built here when it has no bin/widthlab), or an unpacked
# bench/gpu_bundle.sh archive (bin/, tests/, bench/, lib/, data/: binaries built elsewhere, for a GPU machine without
# this project's Debian libraries). OUT: logs and JSON (default DIR/gpu_check). Without a GPU it says so and exits 0.
# Exit status: 0 when every test passed (or there is no GPU), 1 otherwise; the rows are printed either way.
# GPU_CHECK_BENCH=0: the tests and the CLI run only.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu_check: no GPU here (nvidia-smi lists none); nothing to check"
  exit 0
fi
gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
echo "gpu_check: ${gpu}"
dir=${1:-build-gpu}
out=${2:-${dir}/gpu_check}
mkdir -p "${out}"
if [ ! -x "${dir}/bin/widthlab" ]; then
  mkdir -p "${dir}"
  cmake -B "${dir}" -DCMAKE_BUILD_TYPE=Release -DWIDTHLAB_PYTHON=OFF -DWIDTHLAB_MPI=OFF -DWIDTHLAB_CUDA=ON \
    >"${out}/configure.log" 2>&1 || { tail -20 "${out}/configure.log"; exit 1; }
  grep -h "widthlab: CUDA" "${out}/configure.log"
  timeout 400 cmake --build "${dir}" -j"$(nproc)" --target widthlab_cli test_cuda test_limits test_kernels test_cli \
    gpu_kernel_bench gpu_train_bench \
    >"${out}/build.log" 2>&1 || { tail -30 "${out}/build.log"; exit 1; }
fi
# A bundle's own libraries first; CUDA's from the toolkit (or wherever this machine keeps libcublas).
[ -d "${dir}/lib" ] && export LD_LIBRARY_PATH="$(cd "${dir}/lib" && pwd):${LD_LIBRARY_PATH:-}"
cublas=$(ls /usr/local/cuda/lib64/libcublas.so.* 2>/dev/null | head -1)
[ -z "${cublas}" ] && cublas=$(find / -name 'libcublas.so.1*' -not -path '/proc/*' 2>/dev/null | head -1)
[ -n "${cublas}" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH}:$(dirname "${cublas}")"
# A bundle's fashion-mnist where the CLI looks for it (the Debian package's path).
if [ -d "${dir}/data/fashion-mnist" ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
  mkdir -p /usr/share/datasets && cp -r "${dir}/data/fashion-mnist" /usr/share/datasets/
fi
# A bundle's CLI where its test_cli looks for it (the compiled-in path; nothing is replaced that is there already).
if [ -f "${dir}/cli_path" ]; then
  cli_path=$(cat "${dir}/cli_path")
  if [ ! -e "${cli_path}" ]; then mkdir -p "$(dirname "${cli_path}")" && ln -s "$(cd "${dir}/bin" && pwd)/widthlab" "${cli_path}"; fi
fi
status=0
# 1. The GPU tests (test_cuda; the particle system's and the empirical NTK's GPU tests in their modules' binaries;
# the CLI's device tests: kernel and predict on both precisions, training).
: >"${out}/tests.log"
for t in "test_cuda" "test_limits --gtest_filter=ParticlesCuda.*" "test_kernels --gtest_filter=EmpiricalNtkCuda.*" \
  "test_cli --gtest_filter=KernelDeviceCli.*:PredictCli.*:TrainingDeviceCli.*"; do
  log="${out}/${t%% *}.log"
  timeout 120 "${dir}/tests/"${t} >"${log}" 2>&1
  grep -E "^\[ +(OK|FAILED|SKIPPED|PASSED) +\]|Failure" "${log}" | head -60
  cat "${log}" >>"${out}/tests.log"
  grep -q "\[  PASSED  \]" "${log}" && ! grep -q "\[  FAILED  \]" "${log}" || status=1
done
# A skip for want of a GPU fails the check here (tests of the no-GPU behaviour skip, saying a GPU is present).
if grep -A1 ": Skipped$" "${out}/tests.log" | grep -Eq "no CUDA device|built without CUDA|not available"; then
  echo "gpu_check: GPU tests were skipped for want of a GPU on a machine with one"
  status=1
fi
# 2. The CLI on the GPU: a small sweep with --device cuda must record its runs as trained on cuda.
cli="${out}/cli_train"
rm -rf "${cli}"
timeout 120 "${dir}/bin/widthlab" train --device cuda --out "${cli}" --set data.dataset=gaussians \
  --set data.train_size=200 --set data.test_size=100 --set "sweep.widths=[64, 4096]" --set "sweep.seeds=[0]" \
  --set train.steps=20 >"${out}/cli_train.log" 2>&1 || { tail -5 "${out}/cli_train.log"; status=1; }
cuda_runs=$(grep -c '"device":"cuda"' "${cli}/runs.jsonl" 2>/dev/null || echo 0)
echo "gpu_check: widthlab train --device cuda recorded ${cuda_runs} runs on cuda"
[ "${cuda_runs}" -ge 1 ] || status=1
# The MF particle system and the empirical NTK through the CLI: the GPU's trained-net kernel against the CPU's, with
# both wall times. tanh, not a kinked activation: where φ' jumps (relu, leaky_relu), float32 rounding of z flips a
# few units' φ' between any two float32 runs (CPU too), moving single entries by ~1/width of Θ (measured: RESULTS.md).
# Bound 1e-5 of the largest entry: float32 Grams of inner dimension 4096 round to ~√4096·2^-24 ≈ 4e-6 each.
timeout 120 "${dir}/bin/widthlab" limit --device cuda --out "${out}/cli_limit" --force --set data.dataset=gaussians \
  --set data.train_size=200 --set data.test_size=100 --set limits.seeds=[0] --set train.steps=20 \
  >"${out}/cli_limit.log" 2>&1 || { tail -5 "${out}/cli_limit.log"; status=1; }
echo "gpu_check: widthlab limit --device cuda: $(grep -c '"device":"cuda"' "${out}"/cli_limit/*.jsonl 2>/dev/null | paste -sd' ')"
for dev in cpu cuda; do
  t0=$(date +%s.%N)
  timeout 200 "${dir}/bin/widthlab" ntk-empirical --device "${dev}" --trained --scaling ntk --out "${out}/entk_${dev}" --force \
    --set data.dataset=gaussians --set data.train_size=500 --set data.test_size=4000 --set "sweep.widths=[4096]" \
    --set model.depth=3 --set model.activation=tanh --set train.steps=20 >"${out}/entk_${dev}.log" 2>&1 || { tail -3 "${out}/entk_${dev}.log"; status=1; }
  echo "gpu_check: ntk-empirical --device ${dev} (N = 4000, width 4096, depth 3, tanh, 20 GD steps): $(awk "BEGIN{print $(date +%s.%N) - ${t0}}") s; $(tail -1 "${out}/entk_${dev}.log")"
done
python3 - "${out}" <<'PY' || status=1
import sys, numpy as np
a, b = (np.load(f"{sys.argv[1]}/entk_{d}/entk.npy").astype(np.float64) for d in ("cpu", "cuda"))
err = np.abs(a - b).max() / np.abs(a).max()
print(f"gpu_check: ntk-empirical cuda vs cpu: max |Δ| / max |Θ| = {err:.2e} (bound 1e-5)")
sys.exit(0 if err < 1e-5 else 1)
PY
# 3. Benchmarks and the PyTorch peer (same GPU, strict float32); GPU_CHECK_BENCH=0 skips them.
if [ "${GPU_CHECK_BENCH:-1}" = 0 ]; then
  echo "gpu_check: benchmarks skipped (GPU_CHECK_BENCH=0)"
  exit ${status}
fi
timeout 120 "${dir}/bench/gpu_kernel_bench" --benchmark_out="${out}/gpu_kernel_bench.json" \
  --benchmark_out_format=json >"${out}/gpu_kernel_bench.log" 2>&1 || status=1
timeout 240 "${dir}/bench/gpu_train_bench" --benchmark_out="${out}/gpu_train_bench.json" \
  --benchmark_out_format=json >"${out}/gpu_train_bench.log" 2>&1 || status=1
timeout 240 python3 bench/torch_peer.py --device cuda --depth 1 3 --widths 1024 2048 4096 8192 16384 \
  --min-time 0.3 >"${out}/torch_peer.jsonl" 2>"${out}/torch_peer.log" || echo "gpu_check: torch peer failed"
python3 bench/gpu_rows.py "${out}" "${gpu}" | tee "${out}/rows.md"
exit ${status}
