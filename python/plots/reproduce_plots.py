#!/usr/bin/env python3
"""Plots of `widthlab reproduce NAME --out DIR` (theory.md §6; architecture.md §8): reads the CSVs a case wrote into DIR and draws
its PNGs there. Usage: reproduce_plots.py NAME DIR. Needs numpy + matplotlib (/usr/bin/python3 on Debian)."""
import math
import os
import sys

from plot_data import num
from plot_data import read_csv as read
from plot_outputs import save_figure

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except Exception as e:  # noqa: BLE001
    print(f"reproduce_plots: matplotlib unavailable: {e}", file=sys.stderr)
    sys.exit(3)  # plot_script.h: exit 3 means matplotlib is missing

LOG2 = math.log(2.0)


def groups(rows, key):
    out = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return out


def band(ax, x, m, s, label, **kw):
    line, = ax.plot(x, m, marker="o", ms=3, label=label, **kw)
    lo = [a - b for a, b in zip(m, s)]
    hi = [a + b for a, b in zip(m, s)]
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2)


def width_sweep(d, name, prefix="", chance=(LOG2, 0.5)):
    rows = read(os.path.join(d, prefix + "width_sweep.csv"))
    g = groups(rows, "scaling")
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, m, base in zip(axes.flat, ["test_loss", "test_acc", "train_loss", "train_acc"], chance * 2):
        for lab, rs in g.items():
            w = [num(r["width"]) for r in rs]
            band(ax, w, [num(r[m + "_mean"]) for r in rs], [num(r[m + "_std"]) for r in rs], lab)
        ax.axhline(base, color="gray", ls=":", lw=1, label="f ≡ 0")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("width d")
        ax.set_ylabel(m.replace("_", " "))
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{name} {prefix.rstrip('_')}: final metrics vs width (mean ± std over seeds)")
    fig.tight_layout()
    save_figure(fig, d, prefix + "width_sweep.png")


def fmnist10(d, name):
    for prefix in ("r8_", "r9_"):
        width_sweep(d, name, prefix, (math.log(10), 0.1))


def decomposition(d, name):
    rows = read(os.path.join(d, "width_sweep.csv"))
    g = groups(rows, "scaling")
    terms = ["var_f0", "var_fa", "var_fw", "var_faw", "inc_a", "inc_w"]
    titles = ["Var f∅", "Var f_a", "Var f_w", "Var f_aw", "mean |δa| (output)", "mean ‖δw_r‖ (input)"]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for ax, t, title in zip(axes.flat, terms, titles):
        for lab, rs in g.items():
            w = [num(r["width"]) for r in rs]
            v = [num(r[t + "_mean"]) for r in rs]
            ax.plot(w, v, marker="o", ms=3, label=lab)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("width d")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{name}: logit decomposition and weight increments (R2)")
    fig.tight_layout()
    save_figure(fig, d, "decomposition.png")


def small_lr(d, name):
    rows = read(os.path.join(d, "curves.csv"))
    g = groups(rows, "label")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, m in zip(axes, ["test_loss", "test_acc"]):
        for lab, rs in g.items():
            x = [num(r["step"]) for r in rs]
            band(ax, x, [num(r[m + "_mean"]) for r in rs], [num(r[m + "_std"]) for r in rs],
                 f"{lab} (d={rs[0]['width']})")
        ax.set_xlabel("step")
        ax.set_ylabel(m.replace("_", " "))
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{name}: test curves, reference vs large-width scalings")
    fig.tight_layout()
    save_figure(fig, d, "small_lr_curves.png")


def curve_distances(d, name):
    rows = read(os.path.join(d, "curve_distances.csv"))
    by_group = groups(rows, "group")
    fig, axes = plt.subplots(2, len(by_group), figsize=(5 * len(by_group), 7), squeeze=False)
    for col, (grp, rs) in enumerate(sorted(by_group.items())):
        for sc, srs in groups(rs, "scaling").items():
            x = [num(r["step"]) for r in srs]
            axes[0][col].plot(x, [num(r["kl_to_reference"]) for r in srs], label=sc)
            axes[1][col].plot(x, [num(r["mean_loss_gap"]) for r in srs], label=sc)
        axes[0][col].set_title(f"{grp}: logit KL to the reference", fontsize=9)
        axes[1][col].set_title(f"{grp}: |Δ test loss| to the reference", fontsize=9)
        axes[0][col].set_yscale("log")
        for ax in (axes[0][col], axes[1][col]):
            ax.set_xlabel("step")
            ax.legend(fontsize=8)
    fig.suptitle(f"{name}: distance to the reference along training (seed means)")
    fig.tight_layout()
    save_figure(fig, d, "curve_distances.png")


def deep(d, name):
    rows = read(os.path.join(d, "deep.csv"))
    g = groups(rows, "label")
    panels = sorted({lab.split("/")[0] for lab in g})
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, p in zip(axes[0], panels):
        for lab, rs in g.items():
            if lab.split("/")[0] != p:
                continue
            w = [num(r["width"]) for r in rs]
            band(ax, w, [num(r["test_loss_mean"]) for r in rs], [num(r["test_loss_std"]) for r in rs],
                 lab.split("/")[1])
        ax.axhline(LOG2, color="gray", ls=":", lw=1, label="log 2 (f ≡ 0)")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("width d")
        ax.set_ylabel("test loss")
        ax.set_title(p)
        ax.legend(fontsize=8)
    fig.suptitle(f"{name}: deep nets (R10–R12)")
    fig.tight_layout()
    save_figure(fig, d, "deep.png")


def limits(d, name):
    rows = read(os.path.join(d, "limits_curves.csv"))
    g = groups(rows, "label")
    cols = ["test_loss", "mean_abs_logit", "kl_to_reference", "sign_gap"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, c in zip(axes.flat, cols):
        for lab, rs in g.items():
            x = [num(r["step"]) + 1 for r in rs]
            y = [num(r[c]) for r in rs]
            if all(math.isnan(v) for v in y):
                continue
            ax.plot(x, y, marker=".", label=lab)
        ax.set_xscale("log")
        if c in ("mean_abs_logit", "kl_to_reference"):
            ax.set_yscale("log")
        ax.set_xlabel("step k + 1")
        ax.set_title(c.replace("_", " "))
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{name}: large-width nets vs the reference (R13)")
    fig.tight_layout()
    save_figure(fig, d, "limits_curves.png")
    kp = os.path.join(d, "kernels.csv")
    if os.path.exists(kp):
        rows = read(kp)
        g = groups(rows, "label")
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for lab, rs in g.items():
            x = [num(r["step"]) + 1 for r in rs]
            axes[0].plot(x, [num(r["kernel_mean"]) for r in rs], label=lab)
            axes[1].plot(x, [num(r["kernel_ratio"]) for r in rs], label=lab)
        for ax, t in zip(axes, ["mean K(x,x)", "K(x,x) / K_init(x,x)"]):
            ax.set_xscale("log")
            ax.set_xlabel("step k + 1")
            ax.set_title(t)
        axes[0].set_yscale("log")
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{name}: tangent kernels on test points (R14)")
        fig.tight_layout()
        save_figure(fig, d, "kernels.png")


def sohl(d, name):
    rows = read(os.path.join(d, "ntk_convergence.csv"))
    g = groups(rows, "family")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for fam, rs in g.items():
        x = [num(r["width"]) for r in rs]
        axes[0].plot(x, [num(r["rel_error"]) for r in rs], marker="o", label=fam)
        axes[1].plot(x, [num(r["mean_diag"]) for r in rs], marker="o", label=fam)
    ref = [num(r["width"]) for r in rows]
    if ref:
        x0 = min(ref)
        xs = sorted(set(ref))
        e0 = [num(r["rel_error"]) for r in rows if num(r["width"]) == x0]
        if e0 and not math.isnan(e0[0]):
            axes[0].plot(xs, [e0[0] * (x / x0) ** -0.5 for x in xs], "k--", lw=1, label="∝ width^-1/2")
    for ax, t in zip(axes[:2], ["‖Θ_emp − Θ_analytic‖_F / ‖Θ_analytic‖_F", "mean diag of empirical NTK"]):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("actual width n = s·N")
        ax.set_title(t, fontsize=9)
        ax.legend(fontsize=8)
    lp = os.path.join(d, "max_lr.csv")
    if os.path.exists(lp):
        rows = read(lp)
        for fam, rs in groups(rows, "family").items():
            by_width = groups(rs, "width")  # one row per seed: plot the mean and each seed
            ws = sorted(by_width, key=float)
            means = [sum(num(r["max_stable_lr"]) for r in by_width[w]) / len(by_width[w]) for w in ws]
            line = axes[2].plot([float(w) for w in ws], means, marker="o", label=fam)[0]
            axes[2].scatter([num(r["width"]) for r in rs], [num(r["max_stable_lr"]) for r in rs], s=6,
                            color=line.get_color(), alpha=0.4)
        axes[2].set_xscale("log", base=2)
        axes[2].set_yscale("log")
        axes[2].set_xlabel("actual width n")
        axes[2].set_title("largest stable GD lr")
        axes[2].legend(fontsize=8)
    fig.suptitle(f"{name}: R21 / R24")
    fig.tight_layout()
    save_figure(fig, d, "sp_kernels.png")


def nguyen(d, name):
    rows = read(os.path.join(d, "gaussian_curves.csv"))
    g = groups(rows, "width")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for w in sorted(g, key=float):
        rs = g[w]
        x = [num(r["step"]) for r in rs]
        band(axes[0], x, [num(r["test_loss_mean"]) for r in rs], [num(r["test_loss_std"]) for r in rs], f"d={w}")
        band(axes[1], x, [num(r["test_acc_mean"]) for r in rs], [num(r["test_acc_std"]) for r in rs], f"d={w}")
    axes[0].axhline(LOG2, color="gray", ls=":", lw=1)
    for ax, t in zip(axes, ["test loss", "test accuracy"]):
        ax.set_xlabel("SGD step")
        ax.set_title(t)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{name}: multilayer MF nets on two isotropic Gaussians (R25)")
    fig.tight_layout()
    save_figure(fig, d, "gaussian_curves.png")


def nfm_curves(d, name):
    labs = groups(read(os.path.join(d, "nfm_curves.csv")), "label")
    fig, axes = plt.subplots(len(labs), 2, figsize=(11, 3.6 * len(labs)), squeeze=False)
    for row, (lab, rs) in zip(axes, labs.items()):
        for w, ws in sorted(groups(rs, "width").items(), key=lambda t: float(t[0])):
            x = [num(r["step"]) for r in ws]
            for ax, m in zip(row, ["loss", "acc"]):
                band(ax, x, [num(r[f"test_{m}_mean"]) for r in ws], [num(r[f"test_{m}_std"]) for r in ws], f"d={w}")
                ax.plot(x, [num(r[f"train_{m}_mean"]) for r in ws], ls="--", lw=0.8, color=ax.lines[-1].get_color())
                ax.set(title=f"{lab}: test {m} (train dashed)", xlabel="SGD step")
        row[0].axhline(LOG2, color="gray", ls=":", lw=1)
    axes[0][0].legend(fontsize=8)
    what = "MF CNNs (width = channels) on fashion-mnist-2 (R27)" if "cnn" in name else \
        "multilayer MF nets on fashion-mnist-2 (R26)"
    fig.suptitle(f"{name}: {what}, mean ± std over seeds")
    fig.tight_layout()
    save_figure(fig, d, "nfm_curves.png")


def nfm_hist(d, name):
    labs = groups(read(os.path.join(d, "neuron_hist.csv")), "label")
    fig, axes = plt.subplots(len(labs), 2, figsize=(11, 3.6 * len(labs)), squeeze=False)
    for row, (lab, rs) in zip(axes, labs.items()):
        for ax, (q, qs) in zip(row, groups(rs, "quantity").items()):
            widest = max(qs, key=lambda r: float(r["width"]))["width"]
            cells = groups([dict(r, key=(r["phase"], r["width"])) for r in qs], "key")
            for (ph, w), b in sorted(cells.items(), key=lambda t: float(t[0][1])):
                if ph == "init" and w != widest:
                    continue  # the init law is the same at every width: one reference
                style = {"color": "gray", "ls": ":"} if ph == "init" else {}
                ax.stairs([num(r["density"]) for r in b], [num(r["bin_lo"]) for r in b] + [num(b[-1]["bin_hi"])],
                          label=f"{ph} d={w}", **style)
            ax.set_title(f"{lab}: {'output weight a = d·θ' if q == 'a' else 'pre-activation z(x0)'}, pooled seeds")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, d, "neuron_hist.png")


def nfm_distances(d, name):
    qs = groups(read(os.path.join(d, "neuron_distances.csv")), "quantity")
    fig, axes = plt.subplots(1, len(qs), figsize=(11, 4), squeeze=False)
    for ax, (q, rows) in zip(axes[0], qs.items()):
        for (lab, ph), rs in groups([dict(r, key=(r["label"], r["phase"])) for r in rows], "key").items():
            ax.plot([num(r["width"]) for r in rs], [num(r["w1"]) for r in rs], marker="o",
                    ls="-" if ph == "trained" else ":", label=f"{lab} {ph}")
        ax.set(xscale="log", yscale="log", xlabel="width d (pair d, 2d)", title=f"{q}: W1 between neighbouring widths")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{name}: neuron-level distances (init: the same law at every width, i.e. sampling noise)")
    fig.tight_layout()
    save_figure(fig, d, "neuron_distances.png")

def grid(d, name):
    rows = read(os.path.join(d, "grid.csv"))
    fig, axes = plt.subplots(1, 2, figsize=(14, 6))
    ax = axes[0]
    qs = [num(r["q_sigma"]) for r in rows]
    lo, hi = min(qs) - 0.1, max(qs) + 0.1
    xs = [lo, hi]
    # Band lines: C = 0 (q̃ = −q_σ), C = −1/2, B = 0 (q̃ = −1 − 2q_σ), A = 0 (q_σ = −1/2).
    ax.plot(xs, [-x for x in xs], "k-", lw=1, label="C = 0")
    ax.plot(xs, [-x - 0.5 for x in xs], "k--", lw=1, label="C = −1/2")
    ax.plot(xs, [-1 - 2 * x for x in xs], "b-.", lw=1, label="B = 0")
    ax.axvline(-0.5, color="r", ls=":", lw=1, label="A = 0")
    cats = sorted({r["measured_class"] for r in rows})
    cmap = plt.get_cmap("tab20")
    for i, c in enumerate(cats):
        pts = [r for r in rows if r["measured_class"] == c]
        ax.scatter([num(r["q_sigma"]) for r in pts], [num(r["q_lr"]) for r in pts], s=60, color=cmap(i % 20),
                   label=c, edgecolors="k", linewidths=0.5)
    for r in rows:
        if r["region"] not in ("", "nan"):
            ax.annotate(r["region"], (num(r["q_sigma"]), num(r["q_lr"])), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    ax.set_xlabel("q_σ")
    ax.set_ylabel("q̃")
    ax.set_ylim(min(num(r["q_lr"]) for r in rows) - 0.1, max(num(r["q_lr"]) for r in rows) + 0.1)
    ax.set_xlim(lo, hi)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("points coloured by measured behaviour (labels: theory region 1–13)")
    ax = axes[1]
    for key, mark in [("A", "o"), ("B", "s"), ("C", "^")]:
        t = [num(r[key + "_theory"]) for r in rows]
        m = [num(r[key + "_measured"]) for r in rows]
        ax.scatter(t, m, marker=mark, label=key, alpha=0.7)
    allv = [num(r[k]) for r in rows for k in ("A_theory", "B_theory", "C_theory")]
    allv = [v for v in allv if not math.isnan(v)]
    if allv:
        ax.plot([min(allv), max(allv)], [min(allv), max(allv)], "k--", lw=1)
    ax.set_xlabel("theory exponent")
    ax.set_ylabel("measured exponent")
    ax.legend()
    ax.set_title("measured vs theory (A: |f⁽⁰⁾|, B: K⁽⁰⁾, C: weight step)")
    fig.suptitle(f"{name}: (q_σ, q̃) grid (R28)")
    fig.tight_layout()
    save_figure(fig, d, "phase_diagram.png")


def regions(d, name):
    """golikov2021-regions (R29): per region the mean logit RMS to the limit vs width (log-log, filled markers in the
    L_inf saturation regime, the theory slope drawn through the widest point), and the fitted exponents with their
    95 % intervals against the theory rate ± the claims' tolerance."""
    summary = {r["region"]: r for r in read(os.path.join(d, "regions.csv"))}
    rows = groups(read(os.path.join(d, "regions_distances.csv")), "region")
    keys = sorted(rows, key=int)
    fig, axes = plt.subplots(4, 4, figsize=(15, 13))
    for ax in axes.flat[len(keys):]:
        ax.axis("off")
    for ax, k in zip(axes.flat, keys):
        rs = rows[k]
        s = summary[k]
        w = [num(r["width"]) for r in rs]
        m = [num(r["distance_mean"]) for r in rs]
        sd = [num(r["distance_std"]) for r in rs]
        asym = [r["asymptotic"] == "1" for r in rs]
        ax.errorbar(w, m, yerr=sd, color="C0", lw=1, capsize=2)
        ax.scatter([x for x, a in zip(w, asym) if a], [y for y, a in zip(m, asym) if a], color="C0", zorder=3,
                   label="asymptotic regime")
        ax.scatter([x for x, a in zip(w, asym) if not a], [y for y, a in zip(m, asym) if not a], facecolors="white",
                   edgecolors="C0", zorder=3, label="pre-asymptotic")
        rate = num(s["rate_theory"])
        good = [(x, y) for x, y in zip(w, m) if y > 0 and not math.isnan(y)]
        if good and not math.isnan(rate):
            x1, y1 = good[-1]
            ax.plot(w, [y1 * (x / x1) ** rate for x in w], "k--", lw=1, label=f"theory d^{rate:.3g}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(f"region {k}: ({num(s['q_sigma']):.3g}, {num(s['q_lr']):.3g}) {s['model']}\n"
                     f"fit {num(s['slope_all']):.2f}; verdict: {s['verdict']}", fontsize=9)
        ax.set_xlabel("width d", fontsize=8)
        ax.set_ylabel("logit RMS to the limit", fontsize=8)
        ax.legend(fontsize=6)
    fig.suptitle(f"{name}: finite-to-limit distance per region (mean ± std over seeds)")
    fig.tight_layout()
    save_figure(fig, d, "regions_distance.png")

    fig, ax = plt.subplots(figsize=(10, 5))
    for i, k in enumerate(keys):
        s = summary[k]
        lo, hi, rate = num(s["region_lo"]), num(s["region_hi"]), num(s["rate_theory"])
        ax.fill_between([i - 0.35, i + 0.35], [lo, lo], [hi, hi], color="gray", alpha=0.25, lw=0)
        ax.plot([i - 0.35, i + 0.35], [rate, rate], "k-", lw=1)
        judged = int(s["widths_fitted"]) >= 3
        key = "" if judged else "_all"
        v, a, b = num(s["slope" + key]), num(s["ci_low" + key]), num(s["ci_high" + key])
        if not math.isnan(v):
            ax.errorbar([i], [v], yerr=[[v - a], [b - v]], fmt="o" if judged else "s", capsize=3,
                        color="C0" if judged else "C1")
    ax.errorbar([], [], fmt="o", color="C0", label="fit over the asymptotic widths (judged)")
    ax.errorbar([], [], fmt="s", color="C1", label="fit over all widths (pre-asymptotic, not judged)")
    ax.fill_between([], [], [], color="gray", alpha=0.25, label="theory rate ± tolerance")
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(keys)
    ax.set_xlabel("region")
    ax.set_ylabel("exponent of the distance")
    ax.axhline(0, color="gray", lw=0.5)
    ax.legend(fontsize=8)
    ax.set_title(f"{name}: fitted exponents (95 % seed-bootstrap intervals) vs theory")
    fig.tight_layout()
    save_figure(fig, d, "regions_exponents.png")


def sohl_properties(d, name):
    """(a) trained-function shift along improved SP's predicted split effect, per seed; (b) bias/weight NTK ratio vs
    width with its analytic value; (c) largest stable lr vs width."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    shift = groups(read(os.path.join(d, "split_shift.csv")), "param")
    for i, (p, rs) in enumerate(shift.items()):
        v = [num(r["shift"]) for r in rs]
        axes[0].scatter([i] * len(v), v, s=10, alpha=0.6)
        axes[0].errorbar([i + 0.15], [sum(v) / len(v)], fmt="ko", ms=4)
    axes[0].axhline(1, color="gray", ls="--", lw=1, label="improved SP's prediction")
    axes[0].axhline(0, color="gray", ls=":", lw=1, label="no split effect")
    axes[0].set_xticks(range(len(shift)))
    axes[0].set_xticklabels(list(shift))
    axes[0].set_title("(a) g(narrow-wide) − g(wide-narrow) along the predicted Δ, / ‖Δ‖", fontsize=9)
    axes[0].legend(fontsize=8)
    for p, rs in groups(read(os.path.join(d, "bias_speed.csv")), "param").items():
        by_w = groups(rs, "width")
        ws = sorted(by_w, key=float)
        m = [sum(num(r["ratio"]) for r in by_w[w]) / len(by_w[w]) for w in ws]
        line = axes[1].plot([float(w) for w in ws], m, marker="o", label=p)[0]
        axes[1].plot([float(w) for w in ws], [num(by_w[w][0]["analytic"]) for w in ws], ls="--",
                     color=line.get_color(), lw=1, label=p + " analytic")
    axes[1].set_title("(b) bias / weight NTK contribution, output layer", fontsize=9)
    for p, rs in groups(read(os.path.join(d, "max_lr.csv")), "family").items():
        by_w = groups(rs, "width")
        ws = sorted(by_w, key=float)
        fin = [[num(r["max_stable_lr"]) for r in by_w[w] if math.isfinite(num(r["max_stable_lr"]))] for w in ws]
        axes[2].plot([float(w) for w, f in zip(ws, fin) if f], [sum(f) / len(f) for f in fin if f], marker="o",
                     label=p)
    axes[2].set_title("(c) largest stable GD lr (mean over seeds)", fontsize=9)
    for ax in axes[1:]:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("actual width n")
        ax.legend(fontsize=8)
    fig.suptitle(f"{name}: what improved SP keeps and the NTK parameterization loses")
    fig.tight_layout()
    save_figure(fig, d, "sp_properties.png")


def sohl_kernels(d, name):
    """R22: per architecture, improved SP's NTK-regression accuracy (test solid, validation dashed) vs its overall
    base width N for each ratio N_1:N_2, the NTK parameterization's and the NNGP's test accuracy as horizontal lines,
    the widths chosen on validation starred, the default widths as an open diamond."""
    rows = read(os.path.join(d, "accuracy.csv"))
    archs = list(groups(rows, "arch").items())
    fig, axes = plt.subplots(1, len(archs), figsize=(5 * len(archs), 4), squeeze=False)
    for ax, (arch, rs) in zip(axes[0], archs):
        grid = [r for r in rs if r["role"] == "grid"]
        for ratio, g in groups(grid, "ratio").items():
            n = [num(r["N"]) for r in g]
            line, = ax.plot(n, [num(r["test_acc"]) for r in g], marker="o", ms=3, label=f"improved SP {ratio} test")
            ax.plot(n, [num(r["val_acc"]) for r in g], ls="--", lw=1, color=line.get_color())
        for r in grid:
            if r["chosen"] == "1":
                ax.plot([num(r["N"])], [num(r["test_acc"])], "k*", ms=10, label="chosen on validation")
        for r in rs:
            if r["role"] == "ntk-param":
                ax.axhline(num(r["test_acc"]), color="gray", lw=1.5, label="NTK param (NTK) test")
            if r["role"] == "nngp":
                ax.axhline(num(r["test_acc"]), color="gray", ls=":", lw=1.5, label="NNGP (both) test")
            if r["role"] == "default":
                ax.plot([num(r["N"])], [num(r["test_acc"])], "kD", ms=5, mfc="none", label="default widths")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("improved SP's base width N")
        ax.set_ylabel("accuracy")
        ax.set_title(arch)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{name}: kernel regression accuracy, NTK parameterization vs improved SP (dashed: validation)")
    fig.tight_layout()
    save_figure(fig, d, "sp_kernel_accuracy.png")


CASES = {
    "golikov2020-width": [width_sweep, decomposition],
    "golikov2020-long": [width_sweep],
    "golikov2020-curves": [curve_distances],
    "golikov2020-small-lr": [small_lr],
    "golikov2020-fmnist10": [fmnist10],
    "golikov2020-deep": [deep],
    "golikov2021-limits": [limits],
    "sohl-dickstein2020-sp": [sohl],
    "sohl-dickstein2020-properties": [sohl_properties],
    "sohl-dickstein2020-kernels": [sohl_kernels],
    "nguyen2019-gaussians": [nguyen],
    "nguyen2019-fmnist": [nfm_curves, nfm_hist, nfm_distances],
    "nguyen2019-cnn": [nfm_curves, nfm_hist, nfm_distances],
    "classify-grid": [grid],
    "golikov2021-regions": [regions],
    "sohl-dickstein2020-cnn": [],  # its results are the report's tables (accuracy.csv, selection.csv): no figure
}


def main(argv):
    if len(argv) != 3 or argv[1] not in CASES:
        sys.stderr.write("usage: reproduce_plots.py NAME DIR with NAME in " + ", ".join(CASES) + "\n")
        return 2
    for fn in CASES[argv[1]]:
        fn(argv[2], argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
