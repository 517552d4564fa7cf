#!/usr/bin/env bash
# `mpirun -n 2` vs `-n 1` (issue 9): an 8-width × 4-seed `widthlab train` sweep and `widthlab kernel` of N = 20000 at
# d = 16 and 784, one thread per rank (OPENBLAS_NUM_THREADS=1, --threads 1). Usage: bench/mpi_bench.sh [BUILD_DIR |
# path/to/widthlab]. Each case runs REPS rounds of three, alternating: the plain process (no mpirun), `mpirun -n 1`
# and `mpirun -n 2`. It prints every time, the median of each, and two speedups of the medians: over `mpirun -n 1`
# (the issue's comparison: the same launcher on both sides) and over the plain process (stricter: `-n 2` is also
# charged the ≈ 0.2 s mpirun takes to start). Rounds alternate and medians are compared because this shared VM's
# times vary by ±20 % from one run to the next.
# Env: MPI_BENCH_REPS (rounds, default 3), MPI_BENCH_N (kernel rows, default 20000), MPI_BENCH_TMP (scratch, default
# a mktemp dir; 3 × 3.2 GB for N = 20000), MPI_BENCH_MCA (extra mpirun options, default "--mca pml ob1 --mca
# orte_tmpdir_base /dev/shm": on one machine the shared-memory ob1 layer starts in ≈ 0.25 s where OpenMPI's default
# probe of UCX takes ≈ 0.45 s, and a session directory on tmpfs keeps MPI_Finalize's file clean-up from queueing
# behind the ext4 journal while gigabytes of kernel output are written back (finalize and exit 0.3–1.2 s → 0.15 s);
# set it to "" for the plain default).
# Also checks that -n 1 and -n 2 reproduced the plain run (records minus "seconds"; kernel bytes).
set -euo pipefail
ARG=${1:-build}
WL=$ARG; [ -d "$ARG" ] && WL="$ARG/bin/widthlab"
N=${MPI_BENCH_N:-20000}
REPS=${MPI_BENCH_REPS:-3}
TMP=${MPI_BENCH_TMP:-$(mktemp -d)}
mkdir -p "$TMP"
CORES=$(nproc)  # before OMP_NUM_THREADS=1, which nproc honours
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
DEFAULT_MCA="--mca pml ob1"; [ -d /dev/shm ] && DEFAULT_MCA="$DEFAULT_MCA --mca orte_tmpdir_base /dev/shm"
MPIRUN="mpirun --allow-run-as-root --oversubscribe --bind-to none ${MPI_BENCH_MCA-$DEFAULT_MCA}"
PY=/usr/bin/python3
echo "== mpi_bench $(date -u '+%Y-%m-%d %H:%M UTC') on $(lscpu | sed -n 's/^Model name: *//p'), $CORES cores, load $(cut -d' ' -f1-3 /proc/loadavg); $MPIRUN; $REPS rounds"

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

secs() {
  local t0 t1; t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$TMP/stderr" || { echo "FAILED: $*" >&2; cat "$TMP/stderr" >&2; exit 1; }
  t1=$(date +%s.%N); echo "$t1 - $t0" | bc
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { echo "scale=2; $1 / $2" | bc; }
# rounds NAME PREPARE ARGS…: REPS rounds of `widthlab ARGS --out $TMP/NAME.X` as the plain process (X = p), under
# `mpirun -n 1` (X = 1) and `mpirun -n 2` (X = 2), and of two plain processes started together (X = a, b), each
# running `widthlab PAIR_ARGS` (the global array; default ARGS): half the work each, the machine's ceiling for two
# processes, below 2 wherever the two cores share memory bandwidth or a physical core. `PREPARE DIR` runs untimed
# before each. The last round's p, 1 and 2 outputs stay. Prints the times, their medians, the speedups and the
# ceiling (the plain process's time over the pair's: 2 × the plain time when each of the pair does the whole work).
rounds() {
  local name=$1 prepare=$2; shift 2
  local tp=() t1=() t2=() tpair=() pair_args=("${PAIR_ARGS[@]}") scale=1
  [ ${#pair_args[@]} -eq 0 ] && { pair_args=("$@"); scale=2; }
  for _ in $(seq "$REPS"); do
    $prepare "$TMP/$name.p"; tp+=("$(secs "$WL" "$@" --out "$TMP/$name.p")")
    $prepare "$TMP/$name.1"; t1+=("$(secs $MPIRUN -n 1 "$WL" "$@" --out "$TMP/$name.1")")
    $prepare "$TMP/$name.2"; t2+=("$(secs $MPIRUN -n 2 "$WL" "$@" --out "$TMP/$name.2")")
    rm -rf "$TMP/$name.b"; $prepare "$TMP/$name.a"
    tpair+=("$(secs bash -c '"$1" "${@:3}" --out "$2.a" & pid=$!; "$1" "${@:3}" --out "$2.b"; wait $pid' _ "$WL" "$TMP/$name" "${pair_args[@]}")")
    rm -rf "$TMP/$name.a" "$TMP/$name.b"
  done
  local mp m1 m2 mpair
  mp=$(median "${tp[@]}"); m1=$(median "${t1[@]}"); m2=$(median "${t2[@]}"); mpair=$(median "${tpair[@]}")
  echo "  plain process:      ${tp[*]} s (median $mp)"
  echo "  mpirun -n 1:        ${t1[*]} s (median $m1)"
  echo "  mpirun -n 2:        ${t2[*]} s (median $m2)"
  echo "  two plain at once:  ${tpair[*]} s (median $mpair)"
  echo "  speedup of -n 2 (medians): $(ratio "$m1" "$m2")x over mpirun -n 1, $(ratio "$mp" "$m2")x over the plain process;" \
       "ceiling (two plain processes at once, $scale x $mp / $mpair): $(ratio "$scale * $mp" "$mpair")x"
}
fresh() { rm -rf "$1"; }
# Kernels write 2 × N² values (3.2 GB at N = 20000, float32) through the page cache: each timed kernel run starts
# after its output directory is deleted and everything is `sync`ed, so no run pays for the write-back of another's files.
fresh_synced() { rm -rf "$1"; sync; }

same_records() {
  $PY - "$1/runs.jsonl" "$2/runs.jsonl" <<'EOF'
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
}
same_kernel() {
  for f in nngp.npy ntk.npy; do cmp -s "$1/$f" "$2/$f" || { echo "DIFFERENT ($f)"; return; }; done
  echo identical
}

PAIR_ARGS=()  # the sweeps' pair: two whole sweeps
echo "sweep 8 widths x 4 seeds (32 runs, 40 steps):"
rounds s fresh train --quiet --threads 1 --config "$TMP/sweep.toml"
echo "  records: -n 1 $(same_records "$TMP/s.p" "$TMP/s.1"), -n 2 $(same_records "$TMP/s.p" "$TMP/s.2")"
# The same grid trained 5× longer: MPI start-up and shutdown weigh less.
echo "sweep 8 widths x 4 seeds, 200 steps:"
rounds l fresh train --quiet --threads 1 --config "$TMP/sweep.toml" --set train.steps=200
rm -rf "$TMP"/s.* "$TMP"/l.*

for D in 16 784; do
  $PY -c "import numpy as np; np.save('$TMP/x$D.npy', np.random.default_rng(0).standard_normal(($N, $D)).astype(np.float32))"
  # The kernels' pair: each process a kernel of the first N/√2 rows, half the N² outputs (two whole kernels would
  # write twice the data -n 2 writes, and the kernel's write-back throttling would set the pace, not the cores).
  $PY -c "import numpy as np; x = np.load('$TMP/x$D.npy'); np.save('$TMP/h$D.npy', x[:round($N / 2 ** 0.5)])"
  KOPTS=(--quiet --depth 2 --activation relu --precision float32 --threads 1 --force --device cpu)  # CPU scaling
  PAIR_ARGS=(kernel --x1 "$TMP/h$D.npy" "${KOPTS[@]}")
  echo "kernel N=$N d=$D depth 2 float32 symmetric:"
  rounds k fresh_synced kernel --x1 "$TMP/x$D.npy" "${KOPTS[@]}"
  echo "  output: -n 1 $(same_kernel "$TMP/k.p" "$TMP/k.1"), -n 2 $(same_kernel "$TMP/k.p" "$TMP/k.2")"
  rm -rf "$TMP"/k.* "$TMP/x$D.npy" "$TMP/h$D.npy"
done
[ -z "${MPI_BENCH_TMP:-}" ] && rm -rf "$TMP"
exit 0
