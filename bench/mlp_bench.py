#!/usr/bin/python3
"""widthlab vs PyTorch training-step speed table (bench/RESULTS.md, "MLP training engine").

For each (bench, depth, width) it runs the C++ benchmark (bench/mlp_bench.cpp) and then the torch peer
(bench/torch_peer.py) back to back, so both see the same machine load, and prints one markdown row:
wall-clock steps/s of both and their ratio, process CPU ms/step of both and their ratio (robust when the machine is
shared), widthlab's GEMM rate (step GEMM flops / CPU time) and its share of OpenBLAS's sgemm rate on 2048³ measured
in the same way. Usage:
  /usr/bin/python3 bench/mlp_bench.py BUILD/bench/mlp_bench --threads 1 [--min-time 1] [--repetitions 3]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def widthlab(binary, name, threads, min_time, reps):
    env = dict(os.environ, WIDTHLAB_BENCH_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([binary, f"--benchmark_filter=^{name}/process_time/real_time$", "--benchmark_format=json",
                          f"--benchmark_min_time={min_time}", f"--benchmark_repetitions={reps}"],
                         env=env, check=True, capture_output=True, text=True).stdout
    rows = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    if not rows:
        sys.exit(f"no benchmark matched {name}")
    to_ms = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}
    wall = min(b["real_time"] * to_ms[b["time_unit"]] for b in rows)
    cpu = min(b["cpu_time"] * to_ms[b["time_unit"]] for b in rows)
    return wall, cpu, max(b.get("GFLOPs", 0) for b in rows)


def torch_peer(bench, depth, width, threads, min_time, reps):
    out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "torch_peer.py"), "--threads", str(threads),
                          "--bench", bench, "--depth", str(depth), "--widths", str(width), "--min-time",
                          str(min_time), "--repetitions", str(reps)], check=True, capture_output=True,
                         text=True,
                         # Debian's torch calls the system OpenBLAS, whose thread pool torch.set_num_threads does not
                         # limit: without this the peer ran its GEMMs on all cores while widthlab used `threads`.
                         env=dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return r["ms_per_step"], r["cpu_ms_per_step"]


def step_flops(depth, width, batch, n0=784, k=1):
    return 2 * batch * (2 * n0 * width + 3 * (depth - 1) * width * width + 3 * width * k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--depth", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256, 512, 1024, 2048, 4096])
    ap.add_argument("--no-gd", action="store_true")
    a = ap.parse_args()
    _, sgemm_cpu, _ = widthlab(a.binary, "BM_Sgemm/n:2048", a.threads, a.min_time, a.repetitions)
    sgemm_rate = 2 * 2048 ** 3 / (sgemm_cpu * 1e-3) / 1e9
    print(f"OpenBLAS sgemm 2048^3, {a.threads} thread(s): {sgemm_rate:.1f} GFLOP/s per CPU-second "
          f"(cpu {sgemm_cpu:.1f} ms)\n")
    print("| bench | depth | width | widthlab steps/s | torch steps/s | wall ratio | widthlab CPU ms/step | "
          "torch CPU ms/step | CPU ratio | widthlab GFLOP/s (CPU) | % of sgemm |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    points = [("sgd", d, w) for d in a.depth for w in a.widths]
    if not a.no_gd:
        points.append(("gd", 1, 8192))
    for bench, depth, width in points:
        name = f"BM_{'Sgd' if bench == 'sgd' else 'Gd'}Step/depth:{depth}/width:{width}"
        w_wall, w_cpu, _ = widthlab(a.binary, name, a.threads, a.min_time, a.repetitions)
        t_wall, t_cpu = torch_peer(bench, depth, width, a.threads, a.min_time, a.repetitions)
        batch = 128 if bench == "sgd" else 1000
        gflops = step_flops(depth, width, batch) / (w_cpu * 1e-3) / 1e9
        print(f"| {bench} | {depth} | {width} | {1e3 / w_wall:.1f} | {1e3 / t_wall:.1f} | {t_wall / w_wall:.2f} | "
              f"{w_cpu:.2f} | {t_cpu:.2f} | {t_cpu / w_cpu:.2f} | {gflops:.1f} | {100 * gflops / sgemm_rate:.0f}% |",
              flush=True)


if __name__ == "__main__":
    main()
