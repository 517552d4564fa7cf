#!/usr/bin/env bash
# Accuracy of the empirical NTK on the GPU against float64 (issue 24; bench/RESULTS.md "CUDA backend"): the eNTK of
# one net (NTK scaling, width 4096, depth 3, N = 2000 gaussians inputs) at init and after 20 GD steps, computed on the
# GPU (float32), on the CPU in float32 and on the CPU in float64; prints each float32 kernel's largest and median
# difference from the float64 one, and the wall times. ACT sets the activation (default tanh; leaky_relu:0.1 shows
# the kink flips).
#   ACT=leaky_relu:0.1 bench/gpu_entk_accuracy.sh DIR     (DIR: as bench/gpu_check.sh's, with bin/widthlab)
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
[ -d "${dir}/lib" ] && export LD_LIBRARY_PATH="$(cd "${dir}/lib" && pwd):/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
tmp=$(mktemp -d)
common=(--scaling ntk --set data.dataset=gaussians --set data.train_size=500 --set data.test_size=2000
  --set "sweep.widths=[4096]" --set model.depth=3 --set train.steps=20 --set "model.activation=${ACT:-tanh}")
for when in init trained; do
  flag=()
  [ "${when}" = trained ] && flag=(--trained)
  for dev in cuda cpu32 cpu64; do
    case ${dev} in
      cuda) args=(--device cuda) ;;
      cpu32) args=(--device cpu) ;;
      cpu64) args=(--device cpu --set train.precision=float64) ;;
    esac
    t0=$(date +%s.%N)
    "${dir}/bin/widthlab" ntk-empirical "${args[@]}" "${flag[@]}" "${common[@]}" --out "${tmp}/${when}_${dev}" \
      >"${tmp}/${when}_${dev}.log" 2>&1 || tail -2 "${tmp}/${when}_${dev}.log"
    echo "${when} ${dev}: $(awk "BEGIN{print $(date +%s.%N) - ${t0}}") s"
  done
done
python3 - "${tmp}" <<'PY'
import sys
import numpy as np
for when in ("init", "trained"):
    k = {d: np.load(f"{sys.argv[1]}/{when}_{d}/entk.npy").astype(np.float64) for d in ("cuda", "cpu32", "cpu64")}
    ref = k["cpu64"]
    for d in ("cuda", "cpu32"):
        e = np.abs(k[d] - ref)
        print(f"{when} {d} vs float64: max |Δ| / max |Θ| = {e.max() / np.abs(ref).max():.2e}, "
              f"median |Δ|/|Θ| = {np.median(e / np.maximum(np.abs(ref), 1e-300)):.2e}")
PY
rm -rf "${tmp}"
