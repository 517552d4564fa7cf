#!/usr/bin/env bash
# Runs every widthlab benchmark against the build directory $1 (default: build); `make bench` calls it.
# One line per benchmark: add yours below. Results (with machine and date) are recorded by hand in bench/RESULTS.md.
set -euo pipefail
BUILD=${1:-build}
cmake --build "$BUILD" --target kernel_bench mlp_bench -j "$(nproc)"
echo "== $(date -u '+%Y-%m-%d %H:%M UTC') on $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"

"$BUILD"/bench/kernel_bench --benchmark_counters_tabular=true
"$BUILD"/bench/mlp_bench --benchmark_counters_tabular=true
if [ -d "$BUILD/python/widthlab" ]; then /usr/bin/python3 bench/python_overhead.py --build "$BUILD"; else echo "python_overhead: skipped (no Python module in $BUILD/python)"; fi
# MLP training engine vs PyTorch, same machine load, one thread each (bench/RESULTS.md "MLP training engine").
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then /usr/bin/python3 bench/mlp_bench.py "$BUILD/bench/mlp_bench" --threads 1; else echo "mlp_bench.py: skipped (no PyTorch in /usr/bin/python3)"; fi
# Finite CNN step vs PyTorch, two threads each (bench/RESULTS.md "Finite CNN training step").
cmake --build "$BUILD" --target conv_bench -j "$(nproc)"
WIDTHLAB_BENCH_THREADS=2 "$BUILD"/bench/conv_bench --benchmark_min_time=1 --benchmark_counters_tabular=true
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then /usr/bin/python3 bench/conv_torch_peer.py --threads 2; else echo "conv_torch_peer.py: skipped (no PyTorch in /usr/bin/python3)"; fi
# MF particle system vs finite MF net, one step (bench/RESULTS.md "MF particle system vs finite MF net").
cmake --build "$BUILD" --target mf_bench -j "$(nproc)"
WIDTHLAB_BENCH_THREADS=1 "$BUILD"/bench/mf_bench --benchmark_min_time=1 --benchmark_counters_tabular=true
bench/mpi_bench.sh "$BUILD"  # mpirun -n 2 vs -n 1: sweep and N=20000 kernel (bench/RESULTS.md "MPI")
