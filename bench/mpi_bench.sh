#!/usr/bin/env bash
# `mpirun -n 2` vs `-n 1` (issue 9): an 8-width × 4-seed `widthlab train` sweep and `widthlab kernel` of N = 20000 at d = 16 and 784,
# one thread per rank (OPENBLAS_NUM_THREADS=1, --threads 1). Usage: bench/mpi_bench.sh [BUILD_DIR | path/to/widthlab]
# Env: MPI_BENCH_N (kernel rows, default 20000), MPI_BENCH_TMP (scratch, default a mktemp dir; ~2 × 1.6 GB for N=20000),
# MPI_BENCH_MCA (extra mpirun options, default "--mca pml ob1 --mca orte_tmpdir_base /dev/shm": on one machine the
# shared-memory ob1 layer starts in ≈ 0.25 s where OpenMPI's default probe of UCX takes ≈ 0.45 s, and a session
# directory on tmpfs keeps MPI_Finalize's file clean-up from queueing behind the ext4 journal while gigabytes of kernel
# output are written back (finalize and exit 0.3–1.2 s → 0.15 s); set it to "" for the plain default).
# Prints wall seconds per case, the speedups, and whether -n 2 reproduced -n 1 (records minus "seconds"; kernel bytes).
set -euo pipefail
ARG=${1:-build}
WL=$ARG; [ -d "$ARG" ] && WL="$ARG/bin/widthlab"
N=${MPI_BENCH_N:-20000}
TMP=${MPI_BENCH_TMP:-$(mktemp -d)}
mkdir -p "$TMP"
CORES=$(nproc)  # before OMP_NUM_THREADS=1, which nproc honours
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
DEFAULT_MCA="--mca pml ob1"; [ -d /dev/shm ] && DEFAULT_MCA="$DEFAULT_MCA --mca orte_tmpdir_base /dev/shm"
MPIRUN="mpirun --allow-run-as-root --oversubscribe --bind-to none ${MPI_BENCH_MCA-$DEFAULT_MCA}"
PY=/usr/bin/python3
echo "== mpi_bench $(date -u '+%Y-%m-%d %H:%M UTC') on $(lscpu | sed -n 's/^Model name: *//p'), $CORES cores, load $(cut -d' ' -f1-3 /proc/loadavg); $MPIRUN"

cat >"$TMP/sweep.toml" <<'EOF'
[data]
dataset = "gaussians"
classes = []
train_size = 256
test_size = 128
[scaling]
presets = ["ntk"]
[train]
steps = 40
log_every = 10
[sweep]
widths = [32, 64, 128, 256, 512, 1024, 2048, 4096]
seeds = [0, 1, 2, 3]
[limits]
compute = []
EOF
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

rm -rf "$TMP/s1" "$TMP/s2"
t_s1=$(secs "$WL" train --quiet --threads 1 --config "$TMP/sweep.toml" --out "$TMP/s1")
t_s2=$(secs $MPIRUN -n 2 "$WL" train --quiet --threads 1 --config "$TMP/sweep.toml" --out "$TMP/s2")
same_s=$($PY - "$TMP/s1/runs.jsonl" "$TMP/s2/runs.jsonl" <<'EOF'
import json, sys
def recs(p):
    out = {}
    for line in open(p):
        r = json.loads(line); r.pop("seconds", None)
        out[(r["scaling"], r["width"], r["seed"])] = json.dumps(r, sort_keys=True)
    return out
a, b = recs(sys.argv[1]), recs(sys.argv[2])
print("identical" if a == b and len(a) == 32 else f"DIFFERENT ({len(a)} vs {len(b)} records)")
EOF
)
echo "sweep 8 widths x 4 seeds (32 runs): -n 1 ${t_s1} s, -n 2 ${t_s2} s, speedup $(echo "scale=2; $t_s1 / $t_s2" | bc)x; records $same_s"
# The same grid trained 5× longer: MPI start-up and shutdown (≈ 0.25 s with ob1, 0.45 s without) weigh less.
rm -rf "$TMP/l1" "$TMP/l2"
t_l1=$(secs "$WL" train --quiet --threads 1 --config "$TMP/sweep.toml" --set train.steps=200 --out "$TMP/l1")
t_l2=$(secs $MPIRUN -n 2 "$WL" train --quiet --threads 1 --config "$TMP/sweep.toml" --set train.steps=200 --out "$TMP/l2")
echo "sweep 8 widths x 4 seeds, 200 steps: -n 1 ${t_l1} s, -n 2 ${t_l2} s, speedup $(echo "scale=2; $t_l1 / $t_l2" | bc)x"

# Kernels write 2 × N² values (3.2 GB at N = 20000, float32) through the page cache: each timed run starts after the
# previous outputs are deleted and `sync`ed, so no run pays for the write-back of another's files.
for D in 16 784; do
  $PY -c "import numpy as np; np.save('$TMP/x$D.npy', np.random.default_rng(0).standard_normal(($N, $D)).astype(np.float32))"
  KARGS="--x1 $TMP/x$D.npy --depth 2 --activation relu --precision float32 --threads 1 --force"
  rm -rf "$TMP/k1" "$TMP/k2"; sync
  t_k1=$(secs "$WL" kernel --quiet $KARGS --out "$TMP/k1")
  mv "$TMP/k1" "$TMP/k1.keep"; sync
  t_k2=$(secs $MPIRUN -n 2 "$WL" kernel --quiet $KARGS --out "$TMP/k2")
  same_k=identical
  for f in nngp.npy ntk.npy; do cmp -s "$TMP/k1.keep/$f" "$TMP/k2/$f" || same_k="DIFFERENT ($f)"; done
  rm -rf "$TMP/k1.keep" "$TMP/k2" "$TMP/x$D.npy"
  echo "kernel N=$N d=$D depth 2 float32 symmetric: -n 1 ${t_k1} s, -n 2 ${t_k2} s, speedup $(echo "scale=2; $t_k1 / $t_k2" | bc)x; output $same_k"
done
[ -z "${MPI_BENCH_TMP:-}" ] && rm -rf "$TMP"
exit 0
