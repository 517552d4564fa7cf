#!/usr/bin/env python3
"""Plots of a `widthlab transfer` directory (theory.md §10; include/widthlab/transfer.h). Usage: transfer_plots.py DIR

Reads only the CSVs the run wrote (losses.csv, optimum.csv, exponents.csv, coord_check.csv, coord_fit.csv) and writes
  transfer_train_loss.png   per scaling: train loss vs log lr, one curve per width (seed mean, min-max band), lr* marked
  transfer_test_loss.png    the same for the test loss
  optimal_lr.png            lr* vs width (log-log) per scaling with its interval, the fit and the predicted slope
  coord_check_transfer.png  muP-style coordinate check: RMS of each layer's change after T steps vs width
Exit status 3 when matplotlib is missing, 2 on a bad directory.
"""
import math
import os
import sys
from collections import defaultdict

from plot_data import num, read_csv
from plot_outputs import save_figure

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except Exception as e:  # noqa: BLE001
    print(f"transfer_plots: matplotlib unavailable: {e}", file=sys.stderr)
    sys.exit(3)

from coord_plot import coord_figure, ordered  # noqa: E402 (needs the Agg backend chosen above)


def loss_figure(d, losses, optima, metric, name):
    scalings = ordered(r["scaling"] for r in losses)
    fig, axes = plt.subplots(1, len(scalings), figsize=(4.2 * len(scalings), 3.8), squeeze=False, sharey=True)
    for ax, sc in zip(axes[0], scalings):
        by = defaultdict(lambda: defaultdict(list))
        for r in losses:
            if r["scaling"] == sc:
                v = num(r[metric]) if r["status"] == "ok" else float("nan")
                by[int(r["width"])][num(r["lr"])].append(v)
        widths = sorted(by)
        cmap = plt.get_cmap("viridis")
        for k, w in enumerate(widths):
            lrs = sorted(by[w])
            means, lo, hi = [], [], []
            for lr in lrs:
                vals = by[w][lr]
                ok = [v for v in vals if math.isfinite(v)]
                # the seed mean is shown only where no seed diverged (as the optimum finder uses it)
                means.append(sum(ok) / len(ok) if ok and len(ok) == len(vals) else float("nan"))
                lo.append(min(ok) if ok else float("nan"))
                hi.append(max(ok) if ok else float("nan"))
            colour = cmap(k / max(1, len(widths) - 1))
            ax.plot(lrs, means, "-o", ms=3, color=colour, label=f"d={w}")
            ax.fill_between(lrs, lo, hi, color=colour, alpha=0.15)
            for o in optima:
                if o["scaling"] == sc and o["metric"] == metric and int(o["width"]) == w and math.isfinite(num(o["lr_opt"])):
                    ax.axvline(num(o["lr_opt"]), color=colour, lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_title(sc)
        ax.set_xlabel("base lr (at the reference width)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(metric.replace("_", " "))
    finite = [num(r[metric]) for r in losses if r["status"] == "ok" and math.isfinite(num(r[metric]))]
    if finite:
        top = min(max(finite), 2.0 * sorted(finite)[len(finite) // 2] + 0.1)
        axes[0][0].set_ylim(min(finite) - 0.02, top)
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(f"{metric.replace('_', ' ')} vs lr, one curve per width (mean over seeds, band: min-max); dotted: lr*")
    fig.tight_layout()
    save_figure(fig, d, name)
    plt.close(fig)


def optimal_lr_figure(d, optima, exponents):
    scalings = ordered(r["scaling"] for r in optima)
    fig, axes = plt.subplots(1, len(scalings), figsize=(4.2 * len(scalings), 3.6), squeeze=False)
    for ax, sc in zip(axes[0], scalings):
        for metric, marker in (("train_loss", "o"), ("test_loss", "s")):
            rows = [o for o in optima if o["scaling"] == sc and o["metric"] == metric]
            ws = [int(o["width"]) for o in rows]
            lr = [num(o["lr_opt"]) for o in rows]
            interior = [o["status"] in ("interior", "next to diverged") for o in rows]
            err_lo = [max(0.0, l - num(o["lr_lo"])) for l, o in zip(lr, rows)]
            err_hi = [max(0.0, num(o["lr_hi"]) - l) for l, o in zip(lr, rows)]
            ax.errorbar(ws, lr, yerr=[err_lo, err_hi], fmt=marker, ms=4, capsize=2, label=metric.replace("_", " "),
                        mfc="none" if metric == "test_loss" else None)
            for w, l, ok in zip(ws, lr, interior):
                if not ok and math.isfinite(l):
                    ax.plot([w], [l], "x", color="red")
            e = [x for x in exponents if x["scaling"] == sc and x["metric"] == metric]
            pts = [(w, l) for w, l, ok in zip(ws, lr, interior) if ok and math.isfinite(l)]
            if e and pts and math.isfinite(num(e[0]["exponent"])):
                w0, l0 = pts[0]
                slope = num(e[0]["exponent"])
                ax.plot([min(ws), max(ws)], [l0 * (min(ws) / w0) ** slope, l0 * (max(ws) / w0) ** slope], "-", lw=0.8)
            if metric == "train_loss" and e and pts:
                w0, l0 = pts[0]
                p = num(e[0]["predicted"])
                ax.plot([min(ws), max(ws)], [l0 * (min(ws) / w0) ** p, l0 * (max(ws) / w0) ** p], "k--", lw=0.8,
                        label=f"predicted d^{p:g}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(sc)
        ax.set_xlabel("width d")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("optimal base lr (x: no interior optimum)")
    fig.tight_layout()
    save_figure(fig, d, "optimal_lr.png")
    plt.close(fig)


def main():
    if len(sys.argv) != 2 or not os.path.exists(os.path.join(sys.argv[1], "losses.csv")):
        print("usage: transfer_plots.py DIR (a widthlab transfer directory with losses.csv)", file=sys.stderr)
        sys.exit(2)
    d = sys.argv[1]
    losses = read_csv(os.path.join(d, "losses.csv"))
    optima = read_csv(os.path.join(d, "optimum.csv"))
    exponents = read_csv(os.path.join(d, "exponents.csv"))
    if losses:
        loss_figure(d, losses, optima, "train_loss", "transfer_train_loss.png")
        loss_figure(d, losses, optima, "test_loss", "transfer_test_loss.png")
        optimal_lr_figure(d, optima, exponents)
    coord_path = os.path.join(d, "coord_check.csv")
    if os.path.exists(coord_path):
        coord_figure(d, read_csv(coord_path), read_csv(os.path.join(d, "coord_fit.csv")), "coord_check_transfer.png")


if __name__ == "__main__":
    main()
