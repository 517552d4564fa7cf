"""The muP-style coordinate check figure (theory.md §10.4), shared by the study and transfer plots.

Reads the rows of coord_check.csv (scaling, width, seed, layer, quantity, t, value) and coord_fit.csv (per scaling,
layer, quantity and t: exponent, interval, prediction, verdict) as written by src/study/coord_check.cpp; draws, per
scaling, the seed-mean RMS change of every layer after the last tracked step vs width, labelled with the fitted
exponent, the prediction and the verdict computed by widthlab (the figure judges nothing itself).
"""
import math
from collections import defaultdict

import matplotlib.pyplot as plt

from plot_data import num
from plot_outputs import save_figure


def ordered(values):
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def _layer_means(coord, scaling, t):
    by = defaultdict(lambda: defaultdict(list))
    for r in coord:
        if r["scaling"] == scaling and r["quantity"] == "delta" and int(r["t"]) == t:
            by[int(r["layer"])][int(r["width"])].append(num(r["value"]))
    means = {}
    for layer, per_width in by.items():
        ws = sorted(per_width)
        ys = []
        for w in ws:
            v = [x for x in per_width[w] if math.isfinite(x)]
            ys.append(sum(v) / len(v) if v else float("nan"))
        means[layer] = (ws, ys)
    return means


def coord_figure(d, coord, fits, name):
    """Writes d/name; returns True when written, False when a file widthlab did not write has that name (kept,
    plot_outputs.save_figure), None when there is nothing to draw."""
    scalings = ordered(r["scaling"] for r in coord if r["quantity"] == "delta")
    if not scalings:
        return None
    t_max = max(int(r["t"]) for r in coord)
    fig, axes = plt.subplots(1, len(scalings), figsize=(4.2 * len(scalings), 3.6), squeeze=False)
    for ax, sc in zip(axes[0], scalings):
        means = _layer_means(coord, sc, t_max)
        layers = sorted(means)
        for layer in layers:
            ws, ys = means[layer]
            f = [x for x in fits if x["scaling"] == sc and x["quantity"] == "delta" and int(x["t"]) == t_max
                 and int(x["layer"]) == layer]
            tag = (f" e={num(f[0]['exponent']):.2f} (pred {num(f[0]['predicted']):.2f}, {f[0]['verdict']})"
                   if f else "")
            label = "logits" if layer == layers[-1] else f"h{layer + 1}"
            ax.plot(ws, ys, "-o", ms=3, label=label + tag)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(f"{sc}: RMS change after t={t_max}")
        ax.set_xlabel("width d")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("RMS of h(t) - h(0)")
    fig.tight_layout()
    saved = save_figure(fig, d, name)
    plt.close(fig)
    return saved
