#!/usr/bin/env python3
"""Rows for bench/RESULTS.md from one bench/gpu_check.sh run: the CUDA analytic kernel (gpu_kernel_bench.json) and
the training step (gpu_train_bench.json against torch_peer.jsonl, the same run's cuBLAS SGEMM rate and the step's own
GEMMs timed alone).

Usage: python3 bench/gpu_rows.py OUT_DIR "GPU NAME"
"""
import datetime
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f).get("benchmarks", [])
    except (OSError, ValueError):
        return []


def main():
    out, gpu = sys.argv[1], sys.argv[2]
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nCUDA analytic kernel ({gpu}, {when}, bench/gpu_check.sh):\n")
    print("| N | d | depth | act | GEMM | panels (MiB each) | NNGP+NTK device time (ms) | computed GEMM GFLOP/s "
          "| issue 24 target | neural-tangents H100 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for b in load(os.path.join(out, "gpu_kernel_bench.json")):
        if b.get("error_occurred"):
            print(f"| {b['name']}: skipped: {b.get('error_message', '')} |")
            continue
        args = dict(part.split(":") for part in b["name"].split("/")[1:4])
        gemm, target, nt = {"0": ("strict float32", "≤ 2", "4.46"), "1": ("TF32", "≤ 2", "1.76"),
                            "2": ("float64", "—", "—")}[args["mode"]]
        print(f"| {int(b['N'])} | 784 | 3 | relu | {gemm} | {int(b['panels'])} ({args['panel_mib']}) "
              f"| {b['real_time']:.2f} | {b['GFLOP/s(gemm)']:.0f} | {target} | {nt} |")

    steps = load(os.path.join(out, "gpu_train_bench.json"))
    sgemm = {int(b["name"].split("/")[1].split(":")[-1]): b["GFLOPs"] for b in steps
             if b["name"].startswith("BM_CublasSgemm") and not b.get("error_occurred")}
    floor = max(sgemm.values()) if sgemm else None
    torch = {}
    try:
        with open(os.path.join(out, "torch_peer.jsonl")) as f:
            for line in f:
                r = json.loads(line)
                torch[(r["depth"], r["width"])] = r["ms_per_step"]
    except (OSError, ValueError):
        pass
    rows = {}
    for b in steps:
        if b.get("error_occurred") or b["name"].startswith("BM_CublasSgemm"):
            continue
        name, depth, width = b["name"].split("/")[:3]
        key = (int(depth.split(":")[1]), int(width.split(":")[1]))
        rows.setdefault(key, {})[name] = b
    print(f"\nTraining step, SGD batch 128, 784 inputs, leaky_relu:0.1, 1 logit, strict float32 ({gpu}, {when}); "
          f"cuBLAS SGEMM floor (best of {sorted(sgemm)}³): {floor:.0f} GFLOP/s\n" if floor else "\n(no SGEMM floor)\n")
    print("| depth | width | widthlab loop step (ms) | torch eager step (ms) | torch / widthlab | widthlab device "
          "step (ms) | device GFLOP/s | % of SGEMM floor | its cuBLAS GEMMs alone (ms) | GEMMs alone, % of floor |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(rows):
        r = rows[key]
        loop, res, gemms = r.get("BM_CudaSgdStep"), r.get("BM_CudaResidentStep"), r.get("BM_CublasStepGemms")
        ms = {name: 1e3 / b["steps_per_s"] if b else float("nan")
              for name, b in (("loop", loop), ("res", res), ("gemms", gemms))}
        share = {name: f"{100 * b['GFLOPs'] / floor:.0f} %" if b and floor else "—"
                 for name, b in (("res", res), ("gemms", gemms))}
        t = torch.get(key)
        peer = f"{t:.3f} | {t / ms['loop']:.2f}" if t else "— | —"
        print(f"| {key[0]} | {key[1]} | {ms['loop']:.3f} | {peer} | {ms['res']:.3f} | "
              f"{res['GFLOPs'] if res else float('nan'):.0f} | {share['res']} | {ms['gemms']:.3f} | {share['gemms']} |")

if __name__ == "__main__":
    main()
