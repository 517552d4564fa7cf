#!/usr/bin/env python3
"""Plots of a widthlab study / train directory (architecture.md §8). Usage: widthlab_plots.py DIR

Reads DIR/runs.jsonl, DIR/curves/*.csv and, for a study, DIR/limits.jsonl and DIR/distances.csv; writes
  metrics_vs_width.png   test loss / accuracy vs width per scaling (mean ± std over seeds), the limit as a line
  distance_vs_width.png  logit-RMS distance to the limit vs width, log-log, with a d^-1/2 guide
  training_curves.png    test loss per step at the reference and the largest width, and the limit
  coord_check.png        (a study) muP-style coordinate check from coord_check.csv / coord_fit.csv: RMS change of each
                         layer after the last tracked step vs width, with widthlab's fitted exponents and verdicts
  (a `widthlab limit` directory, DIR/limit.jsonl: limit_curves.png, the limit's loss and accuracy per step and seed)
Exit status 3 when matplotlib is missing (the caller reports it), 2 on a bad directory.
"""
import csv
import json
import math
import os
import sys

from plot_outputs import report_drawn, save_figure
from collections import defaultdict

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except Exception as e:  # noqa: BLE001
    print(f"widthlab_plots: matplotlib unavailable: {e}", file=sys.stderr)
    sys.exit(3)

from coord_plot import coord_figure  # noqa: E402 (needs the Agg backend chosen above)
from plot_data import read_csv  # noqa: E402


def read_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.endswith("\n"):
                break  # partially written last line
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return out


def file_safe(s):
    return "".join(c if (c.isalnum() or c in ".+-") else "-" for c in s)


def mean_std(vals):
    v = [x for x in vals if x is not None and math.isfinite(x)]
    if not v:
        return float("nan"), float("nan")
    m = sum(v) / len(v)
    s = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, s


def grid(n):
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    return rows, cols


def main(d):
    runs = read_jsonl(os.path.join(d, "runs.jsonl"))
    if not runs:
        print(f"widthlab_plots: {d}/runs.jsonl has no runs", file=sys.stderr)
        return 2
    limits = [r for r in read_jsonl(os.path.join(d, "limits.jsonl")) if r.get("status") == "ok"]
    scalings = list(dict.fromkeys(r["scaling"] for r in runs))
    by = defaultdict(list)
    for r in runs:
        by[(r["scaling"], r["width"])].append(r)
    widths = sorted({r["width"] for r in runs})
    indep = defaultdict(list)
    for l in limits:
        if l.get("kind") == "independent":
            indep[l["scaling"]].append(l)
    drawn, kept = [], []  # kept: a file widthlab did not write has the figure's name (plot_outputs.save_figure)

    # 1. metrics vs width
    limit_lines = False
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for i, s in enumerate(scalings):
        color = f"C{i % 10}"
        for ax, key in zip(axes, ["test_loss", "test_acc"]):
            ws, ms, ss = [], [], []
            for w in widths:
                m, sd = mean_std([r.get(key) for r in by[(s, w)] if r.get("status") == "ok"])
                if math.isfinite(m):
                    ws.append(w), ms.append(m), ss.append(sd)
            if ws:
                ax.plot(ws, ms, "o-", color=color, label=s)
                ax.fill_between(ws, [m - e for m, e in zip(ms, ss)], [m + e for m, e in zip(ms, ss)], color=color, alpha=0.15)
            lm, _ = mean_std([l.get(key) for l in indep.get(s, [])])
            if math.isfinite(lm):
                ax.axhline(lm, color=color, ls="--", lw=1)
                limit_lines = True
    for ax, title in zip(axes, ["test loss", "test accuracy"]):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("width d")
        ax.set_title(title + (" (dashed: d = ∞ limit)" if limit_lines else ""))
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    saved = save_figure(fig, d, "metrics_vs_width.png")
    plt.close(fig)
    (drawn if saved else kept).append("metrics_vs_width.png")

    # 2. distance vs width
    dpath = os.path.join(d, "distances.csv")
    if os.path.exists(dpath):
        dist = defaultdict(list)
        compared = {}
        with open(dpath) as f:
            for row in csv.DictReader(f):
                if row["seed"] != "all" and row["logit_rms"]:
                    dist[(row["scaling"], int(row["width"]))].append(float(row["logit_rms"]))
                    compared[row["scaling"]] = row["compared_with"]
        rates = {}
        rp = os.path.join(d, "rates.json")
        if os.path.exists(rp):
            with open(rp) as f:
                rates = json.load(f)
        fig, ax = plt.subplots(figsize=(7, 5))
        allm = []
        dashed = False
        for i, s in enumerate(scalings):
            ws, ms, ss = [], [], []
            for w in widths:
                m, sd = mean_std(dist.get((s, w), []))
                if math.isfinite(m) and m > 0:
                    ws.append(w), ms.append(m), ss.append(sd)
            if not ws:
                continue
            allm += ms
            kind = rates.get(s, {}).get("compared_with", "")
            fit = rates.get(s, {}).get("logit_rms_fit", {})
            lab = f"{s} ({kind})"
            if fit.get("slope") is not None:
                lab += f": slope {fit['slope']:+.2f}"
            ls = "--" if kind != "limit" else "-"
            dashed = dashed or ls == "--"
            ax.errorbar(ws, ms, yerr=ss, fmt="o" + ls, color=f"C{i % 10}", label=lab, capsize=2)
        if allm:
            w0 = widths[0]
            y0 = max(allm)
            ax.plot(widths, [y0 * (w / w0) ** -0.5 for w in widths], "k:", label="d^-1/2 guide")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("width d")
        ax.set_ylabel("logit RMS to the limit (normalised logits)")
        ax.set_title("distance to the limit" + (" (dashed: proxy / drift)" if dashed else ""))
        ax.legend(fontsize=7)
        fig.tight_layout()
        saved = save_figure(fig, d, "distance_vs_width.png")
        plt.close(fig)
        (drawn if saved else kept).append("distance_vs_width.png")

    # 3. training curves: reference width vs largest width vs limit
    ref = widths[0]
    rows, cols = grid(len(scalings))
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False)
    for i, s in enumerate(scalings):
        ax = axes[i // cols][i % cols]
        for w, style in [(ref, "-"), (widths[-1], "-")]:
            curves = []
            for r in by[(s, w)]:
                p = os.path.join(d, "curves", f"{file_safe(s)}_w{w}_s{r['seed']}.csv")
                if os.path.exists(p):
                    with open(p) as f:
                        rd = list(csv.DictReader(f))
                    curves.append(([float(x["step"]) for x in rd], [float(x["test_loss"]) for x in rd]))
            if curves:
                steps = curves[0][0]
                n = min(len(c[1]) for c in curves)
                m = [mean_std([c[1][j] for c in curves])[0] for j in range(n)]
                ax.plot(steps[:n], m, style, label=f"d = {w}")
        lc = [l["curve"] for l in indep.get(s, []) if l.get("curve")]
        if lc:
            n = min(len(c["test_loss"]) for c in lc)
            m = [mean_std([c["test_loss"][j] for c in lc])[0] for j in range(n)]
            ax.plot(lc[0]["step"][:n], m, "k--", label="limit")
        ax.set_title(s)
        ax.set_xlabel("step")
        ax.set_ylabel("test loss")
        ax.legend(fontsize=7)
    for j in range(len(scalings), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.tight_layout()
    saved = save_figure(fig, d, "training_curves.png")
    plt.close(fig)
    (drawn if saved else kept).append("training_curves.png")

    # 4. coordinate check (muP style), from the fits widthlab wrote (coord_plot.py)
    coord_path = os.path.join(d, "coord_check.csv")
    if os.path.exists(coord_path):
        saved = coord_figure(d, read_csv(coord_path), read_csv(os.path.join(d, "coord_fit.csv")), "coord_check.png")
        if saved is not None:
            (drawn if saved else kept).append("coord_check.png")
    report_drawn("widthlab_plots", drawn, kept)
    return 0


def limit_main(d):
    """Plots of a `widthlab limit` directory: loss and accuracy of the simulated limit per step, one line per seed."""
    lines = [r for r in read_jsonl(os.path.join(d, "limit.jsonl")) if r.get("curve")]
    if not lines:
        print(f"widthlab_plots: {d}/limit.jsonl has no curves", file=sys.stderr)
        return 2
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, key in zip(axes, ["loss", "acc"]):
        for i, r in enumerate(lines):
            c = r["curve"]
            for part, style in [("train", "-"), ("test", "--")]:
                ax.plot(c["step"], c[f"{part}_{key}"], style, color=f"C{i % 10}", label=f"seed {r['seed']} {part}")
        ax.set_xlabel("step")
        ax.set_ylabel(key)
        ax.set_title(f"limit {lines[0]['model']}: {key} (solid: train, dashed: test)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    saved = save_figure(fig, d, "limit_curves.png")
    plt.close(fig)
    report_drawn("widthlab_plots", ["limit_curves.png"] if saved else [], [] if saved else ["limit_curves.png"])
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print("usage: widthlab_plots.py DIR", file=sys.stderr)
        sys.exit(2)
    if not os.path.exists(os.path.join(sys.argv[1], "runs.jsonl")) and os.path.exists(
            os.path.join(sys.argv[1], "limit.jsonl")):
        sys.exit(limit_main(sys.argv[1]))
    sys.exit(main(sys.argv[1]))
