#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake option WIDTHLAB_FUZZ, clang, ASan + UBSan) and runs each for SECONDS, one at a
# time, on its committed seed corpus (fuzz/corpus/<target>) plus the inputs it finds (kept in the build directory).
# Prints executions and executions/s per target; exits 1 when any target found a crash, leak, timeout or
# out-of-memory input (saved as <build>/fuzz-artifacts/<target>-crash-…; see fuzz/README.md for what to do).
#
# Usage: fuzz/run.sh [SECONDS]   (default 60)
# Environment: FUZZ_BUILD (build directory, default build-fuzz), JOBS (compile jobs, default nproc),
#              FUZZ_TARGETS (space-separated subset, default all), FUZZ_FLAGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
ALL_TARGETS="npy idx idx_gz cifar csv config scaling classify arch"
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
    -DWIDTHLAB_FUZZ=ON -DWIDTHLAB_PYTHON=OFF -DWIDTHLAB_MPI=OFF
fi
cmake --build "$BUILD" -j "$JOBS"

# Input size limits: CIFAR records are 3073 bytes (up to five per input); .npy headers up to 10 000 bytes (numpy's
# own reading limit) and more: std::regex used to overflow the stack from ~10 kB headers under ASan.
max_len() { case "$1" in cifar | npy) echo 16384 ;; *) echo 4096 ;; esac; }

mkdir -p "$BUILD/fuzz-found" "$BUILD/fuzz-artifacts" "$BUILD/fuzz-logs"
failed=()
printf '%-9s %8s %12s %8s  %s\n' target seconds executions exec/s result
for t in $TARGETS; do
  found="$BUILD/fuzz-found/$t" log="$BUILD/fuzz-logs/$t.log"
  mkdir -p "$found"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  # The first corpus directory receives new inputs, so the committed seeds stay untouched. Limits: a 4 KiB–16 KiB
  # input may not make a parser allocate 256 MiB at once or hold 1 GiB, nor run 10 s.
  set +e
  "$BUILD/fuzz/fuzz_$t" "$found" "fuzz/corpus/$t" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" \
    -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=256 -print_final_stats=1 \
    -artifact_prefix="$BUILD/fuzz-artifacts/$t-" ${FUZZ_FLAGS:-} >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED (rc $rc): $(grep -m1 -E 'ERROR|Test unit written|fuzz contract' "$log" || echo "see $log")"
    failed+=("$t")
  fi
  printf '%-9s %8s %12s %8s  %s\n' "$t" "$SECONDS_PER_TARGET" "${execs:-?}" "${rate:-?}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}: logs in $BUILD/fuzz-logs, inputs in $BUILD/fuzz-artifacts" >&2
  for t in "${failed[@]}"; do echo "---- $t ----" >&2; tail -40 "$BUILD/fuzz-logs/$t.log" >&2; done
  exit 1
fi
