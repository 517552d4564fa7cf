#!/usr/bin/python3
"""Python-call overhead of widthlab.kernel (STYLE 17, 18): the Python call vs the same C++ computation timed inside
C++ (widthlab._core._kernel_cpp_seconds: inputs already converted, outputs allocated by C++ exactly as in kernel()).

The overhead of the Python call is everything else: argument parsing, activation/parameterization lookup, viewing
the numpy input as an Eigen::Ref (no copy for a C-ordered array of the right dtype), releasing/re-acquiring the GIL,
wrapping the outputs as numpy arrays (no copy) and building the dict. Target (issue 9): ≤ 5 % of the C++ time on a
100 × 100 kernel.

Each figure is the minimum and the median over `--repetitions` timed calls (after warm-up), per configuration.
Prints one JSON object per configuration, then a Markdown table for bench/RESULTS.md, with machine and date.

Usage: PYTHONPATH=<build>/python /usr/bin/python3 bench/python_overhead.py [--n 100] [--d 100] [--depth 1 3]
       [--threads 1] [--repetitions 300]     (or: bench/python_overhead.py --build <build>)
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=None, help="build directory (adds <build>/python to sys.path)")
    p.add_argument("--n", type=int, default=100, help="rows of x1 (the kernel is n × n)")
    p.add_argument("--d", type=int, default=100, help="input dimension")
    p.add_argument("--depth", type=int, nargs="+", default=[1, 3])
    p.add_argument("--activation", nargs="+", default=["relu", "erf"])
    p.add_argument("--threads", type=int, default=1, help="kernel threads (0 = all cores)")
    p.add_argument("--repetitions", type=int, default=300)
    return p.parse_args()


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def python_seconds(widthlab, x, kwargs, repetitions):
    times = []
    for _ in range(repetitions):
        t0 = time.perf_counter()
        widthlab.kernel(x, **kwargs)
        times.append(time.perf_counter() - t0)
    return times


def cpp_seconds(core, x, kwargs, repetitions):
    # One call per repetition so that min and median are over the same number of samples as the Python side.
    return [core._kernel_cpp_seconds(x, None, repeats=1, **kwargs) for _ in range(repetitions)]


def main():
    args = parse_args()
    if args.build:
        sys.path.insert(0, os.path.join(args.build, "python"))
    import numpy as np
    import widthlab
    from widthlab import _core

    x = np.random.default_rng(0).normal(size=(args.n, args.d))
    machine = f"{cpu_name()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}"
    date = datetime.date.today().isoformat()
    rows = []
    for activation in args.activation:
        for depth in args.depth:
            kwargs = dict(depth=depth, activation=activation, threads=args.threads)
            python_seconds(widthlab, x, kwargs, 20)  # warm-up (page faults, BLAS init)
            cpp_seconds(_core, x, kwargs, 20)
            # Interleave the two measurements in chunks so that machine load drifts affect both alike.
            py, cpp = [], []
            chunk = max(1, args.repetitions // 10)
            for _ in range(0, args.repetitions, chunk):
                py += python_seconds(widthlab, x, kwargs, chunk)
                cpp += cpp_seconds(_core, x, kwargs, chunk)
            r = {
                "bench": "python_overhead", "n": args.n, "d": args.d, "depth": depth, "activation": activation,
                "threads": args.threads, "repetitions": len(py),
                "cpp_us_min": 1e6 * min(cpp), "python_us_min": 1e6 * min(py),
                "cpp_us_median": 1e6 * statistics.median(cpp), "python_us_median": 1e6 * statistics.median(py),
                "machine": machine, "date": date,
            }
            r["overhead_min_pct"] = 100 * (r["python_us_min"] - r["cpp_us_min"]) / r["cpp_us_min"]
            r["overhead_median_pct"] = 100 * (r["python_us_median"] - r["cpp_us_median"]) / r["cpp_us_median"]
            print(json.dumps(r), flush=True)
            rows.append(r)

    print(f"\n{machine}; {date}; {args.n} × {args.n} kernel, d = {args.d}, {args.threads} kernel thread(s), "
          f"{args.repetitions} calls each\n")
    print("| activation | depth | C++ µs (min / median) | Python µs (min / median) | overhead (min / median) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['activation']} | {r['depth']} | {r['cpp_us_min']:.1f} / {r['cpp_us_median']:.1f} | "
              f"{r['python_us_min']:.1f} / {r['python_us_median']:.1f} | "
              f"{r['overhead_min_pct']:+.1f} % / {r['overhead_median_pct']:+.1f} % |")


if __name__ == "__main__":
    main()
