"""The multilayer mean-field limit (depth H ≥ 2) checked against an independent numpy float64 reference.

The reference is written from the documentation only — theory.md §1.1 (logistic loss, batch means), §1.4 (deep MF of
[G1]: effective init std input 1, hidden and output d⁻¹; lrs input d, hidden 1, output d⁻¹), §1.5 (the `mean_field`
recipe: PyTorch's U(±1/√fan_in) times ω^{-1/2} on hidden and output weights; SGD lrs ηω, η, η/ω; RMSProp η, η/ω,
η/ω), §3.3 (particle form, ± pairing), §3.4 (model 1: L_0 at the first step, then L_fin), §3.6 (neuron-label form;
the degeneracy of i.i.d. zero-mean init), §3.7, §5, §6.0 (torch RMSProp α = 0.99, ε = 1e-8; batches) — and the header
comments of mean_field.h (the particles ARE the MF-scaled width-N net; the last hidden layer's neurons r and r + N/2
paired; Θ(x, x) = Σ_l lr_l ‖∂m/∂θ_l‖²), limit_run.h, simulated_limit.h, limit_models.h, mlp.h, architecture.md §4,
README and the docstrings of widthlab.limit / train_net. It never reads src/.

widthlab's side: ``widthlab.limit(config)`` for the `mf` preset at depth 2 (GD full batch, "gd-h2"; SGD batch 5 of
16, "sgd-h2") and depth 3 (RMSProp, "rmsprop-h3"), which the config route maps to the multilayer MF particle system,
and depth 3 with GD ("gd-h3", §5's degenerate case) through model="mf". Task: 16 train and 10 test points in R⁴ with
labels of a linear teacher, P = 64 particles, d* = 8 (ω = 8, so a wrong power of d moves an lr or a std ≥ 2.8×),
float64. The reference evolves the same finite system: the width-P mf net in effective units (all α_l = 1 here),
i.i.d. uniform init, last hidden layer paired, the §1.5 lrs, L_0 then L_fin, and reports the raw f of that net.

Exact comparisons (test_reference_equals_train_net_exactly). The limit's particles of seed s are an independent
draw (limit_run.h: a seed from make_rng(s, particles); LimitOptions::independent_particles = false is reachable
from neither the config nor Python), so no limit record can be reproduced exactly. What the docs do make exact is
the system itself: the particle system is the mf net of width P trained by the nets module (mean_field.h, §3.3), so
the reference started from train_net's own init parameters, with its batches, must equal train_net's test logits and
loss curves to rounding (4 cases; 8 steps, RMSProp 2). Tolerance, derived: a first-order running error bound carried
through every operation of the reference — a GEMM of inner length n adds |A|·e_B + e_A·|B| + γ_{n+2}|A|·|B|
(γ_k = ku/(1 − ku), u = 2⁻⁵³; valid for any summation order, with room for a scale factor and a fused
accumulation), leaky ReLU is 1-Lipschitz (+u|h|), φ' is exact while every pre-activation is farther from 0 than its
bound (asserted ≥ 10×; measured ≥ 2980×), ℓ' is ¼-Lipschitz (+8u absolute: σ(z) − 1 cancels), a GD step adds
lr·e_G + 8u|Δ| + γ_B|W| (widthlab's fused W − lr·δᵀh), RMSProp propagates e_v, e_√v and
e_Δ = lr(e_G/den + |G|·e_den/den²), a loss adds the mean e_f + 8u(ℓ + 1). widthlab's own rounding obeys the same
bound to first order, so tol = 2 × bound. Absolute values do not cancel, so the bound grows ×2–6 per GD step and
×250–930 per RMSProp step (1/√v of the smallest gradients) — hence the step counts; the tolerances are ≤ 7.3e-9
(EXACT_TOL_MAX = 1e-7 asserted). Measured: |Δ| ≤ 4.4e-16 on test logits (≤ 2.6e-6 of the tolerance) and ≤ 2.2e-16
on the loss curves (≤ 8.6e-3 of it). train_net's init is checked against §1.4/§1.5's law on its own
(test_train_net_init_is_the_documented_mf_law: muP's d^{-1/2} hidden law would break it by 2.8×).

Statistical comparisons (test_deep_mf_limit_agrees_in_law_with_the_reference). 512 widthlab limit seeds against 512
reference systems per case. Statistics: the 10 final test logits, the train and test loss at every curve point,
the mean Θ(x, x) on the test inputs at init and at the end — means by Welch's z = Δmean/√(s_w²/S_w + s_r²/S_r) —
and the variances of the logits and curve points, by z = Δvar/√(V_w + V_r) with V = (μ̂₄ − s⁴)/S. Every widthlab
seed must start at m⁽⁰⁾ = 0 exactly (mean |test logit| ≤ 1e-15, losses log 2 ± 1e-15). Z_MAX = 4.5, set before the
first run: 248 z's (74 + 3 × 58) and P(|Z| > 4.5) = 6.8e-6 bound the family-wise false alarm of a correct widthlab
by 0.17 % (Bonferroni, whatever the correlations; the normal law of the variance z's is only approximate where the
losses are heavy-tailed, excess kurtosis up to 93 in gd-h3). Seeds are fixed: the outcome is deterministic.
Measured max |z|: gd-h2 1.63, sgd-h2 2.18, rmsprop-h3 2.19, gd-h3 1.82.

Power. Exact: a hidden lr off by one power of d (×ω; GD, RMSProp, degenerate GD), −y s(+yz) for ℓ' and full batch
for SGD miss by ≥ 1.1e9 tolerances (POWER_EXACT = 1e6). Statistical (POWER_Z = 10 standard errors): hidden lr ×ω
367 (GD) / 167 (RMSProp) / overflow (gd-h3), hidden lr ÷ω 430, muP's hidden std 1/√d 43 / 97 / 127, unpaired
particles 16.9 / 16.6 (SGD) / 35 (RMSProp; the weakest: at depth 2 only the step-0 losses' variance sees it, and
that z is ≈ √(S/(κ − 1)) whatever the size of m⁽⁰⁾), ℓ' = −y s(+yz) 18.6 before the reference overflows (GD) / 194
(RMSProp), the linear loss L_0 for L_fin 26, full batch for SGD's mini-batches 36. The loss-derivative checks need
logits of order 1 with ℓ' saturating, hence the learnable teacher labels (with random labels they reached only 9).

§3.6 / §5 degeneracy (widthlab alone): the config route at H = 3 with GD has no simulated limit (ValueError naming
"deep-degenerate"); its particle system's final mean |logit| and log 2 − loss fall 17× and 14× from 64 to 256
particles (0.067 → 0.004; 0.029 → 0.002), while H = 2 GD and H = 3 RMSProp keep them (|f| ≈ 4.3 and 6.0,
log 2 − loss ≈ 0.65 and 0.68 at both counts).

Documentation findings (probed; what the docs leave open):
  * Which particles: seed s of the limit is not train_net's seed-s net paired either way (test logits differ by
    0.24–0.64), as limit_run.h's LimitOptions comment says; neither theory.md, README nor widthlab.limit's docstring
    says that the limit and the finite net of a seed share nothing, and only a C++ option can couple them.
  * Pairing at H ≥ 2: only the last hidden layer is paired, earlier layers i.i.d. — said by mean_field.h alone
    (theory.md §3.3's tip is the one-hidden-layer (±â, ŵ)). Confirmed in law (the unpaired reference misses).
  * Units of the deep limit's logits: the raw f of the width-P mf net. limit_run.h's normaliser ω^{max(A,B)} is
    defined for one-hidden-layer points only; ``classify`` gives max(A, B) = −1/2 for mf at H = 3 with RMSProp, yet
    the records are not f·ω^{1/2} (confirmed in law).
  * The mf preset carries all its factors in the init (train_net's multipliers are 1 at depths 2, 3 for GD, SGD and
    RMSProp), so RMSProp acts on the effective weights with torch's ε outside the square root (exact agreement).
  * model="mf" honours model.depth and the optimizer (records at depth 3 with GD); the mf scaling alone at H = 3
    with GD is an error, not widthlab.limit's documented "left out with a UserWarning" (that applies only while
    another scaling remains; simulated_limit.h says so, the Python docstring does not).
  * A deep mf record carries region 1 (the "mf" model's table row) while ``classify`` gives region None
    ("deep-feature-learning", as selected_by says); not asserted here.
  * Θ(x, x) of the deep records uses the optimizer's own layer lrs (RMSProp's too): confirmed in law.
  * FINDING (study; first run a strict xfail, now fixed and passing): for mf at H = 3 with RMSProp the study divided
    the nets' logits by ω^{max(A,B)} = ω^{-1/2} (classify's first-step exponents; rates.json normaliser_exponent
    −0.5), while the limit's logits are raw (|f| ≈ 6 for the nets at widths 64 and 256 and for the limit):
    logit_rms grew 12 → 30. The study now compares a multilayer MF limit in raw logits (theory.md §8.7).
"""
import math

import numpy as np
import pytest

import widthlab

U = np.finfo(float).eps / 2         # unit roundoff of float64
SLOPE = 0.1                         # φ = leaky_relu:0.1, the experiments' activation (theory.md §6.0); φ(0) = 0
ACT = f"leaky_relu:{SLOPE}"
RMS_ALPHA, RMS_EPS = 0.99, 1e-8     # torch RMSProp defaults (theory.md §6.0)
N_TRAIN, N_TEST, N_IN = 16, 10, 4
TEACHER = np.array([1.0, -1.0, 0.5, 0.0])
P = 64                              # limits.mf_particles, the reference's particle count (and train_net's width)
D_STAR = 8                          # scaling.reference_width: ω = P/d* = 8, so a wrong power of d moves an lr 8×
SEEDS = 512                         # widthlab's limit seeds per case, and the reference's
Z_MAX = 4.5                         # statistical comparisons (module docstring)
POWER_Z = 10.0                      # a wrong reference must miss by this many standard errors
POWER_EXACT = 1e6                   # … or by this many exact tolerances
OMEGA = P / D_STAR

# The cases: id → (depth H, optimizer, base lr η, batch, steps). "gd-h3" is §5's degenerate limit (model="mf").
CASES = {
    "gd-h2": (2, "gd", 2.0, "full", 12),
    "sgd-h2": (2, "sgd", 2.0, 5, 8),
    "rmsprop-h3": (3, "rmsprop", 0.01, "full", 8),
    "gd-h3": (3, "gd", 4.0, "full", 8),
}


# ====================================================================================================================
# The reference: the deep MF particle system as a width-P net in effective units (theory.md §1.2, §1.4, §1.5, §3.6),
# optionally with a first-order bound on the rounding error of every entry (the exact comparisons).
# ====================================================================================================================

def phi(z):
    return np.where(z > 0, z, SLOPE * z)


def dphi(z):
    return np.where(z > 0, 1.0, SLOPE)


def gamma(n):
    """γ of a length-n dot product, with two extra roundings for a scale factor and a fused accumulation."""
    return (n + 2) * U / (1 - (n + 2) * U)


def mm(a, b, ea=None, eb=None):
    """a @ b, and with error bounds |a|·eb + ea·|b| + γ_n |a|·|b| (first order; holds for any summation order)."""
    v = a @ b
    if ea is None:
        return v, None
    return v, np.abs(a) @ eb + ea @ np.abs(b) + gamma(a.shape[-1]) * (np.abs(a) @ np.abs(b))


def hidden_std_bound(width, dstar, law="mf"):
    """Half-width of the uniform law of the hidden and output effective weights: PyTorch's U(±1/√d) times the MF
    weight factor ω^{-1/2} (theory.md §1.5), i.e. √d*/d ∝ d^{-1} (§1.4); "mup": no factor, ∝ d^{-1/2}."""
    return math.sqrt(dstar) / width if law == "mf" else 1 / math.sqrt(width)


def init_particles(rng, seeds, width, depth, dstar, paired=True, hidden="mf"):
    """``seeds`` independent particle systems: i.i.d. zero-mean uniform effective weights, input U(±1/√n0), hidden
    (``hidden`` law) and output U(±√d*/P); ± pairing of the last hidden layer (mean_field.h): neurons r + P/2 copy
    the incoming weights of neuron r and negate its output weight, so m⁽⁰⁾ = 0."""
    Ws = [rng.uniform(-1, 1, (seeds, width, N_IN)) / math.sqrt(N_IN)]
    hid = hidden_std_bound(width, dstar, hidden)
    Ws += [rng.uniform(-1, 1, (seeds, width, width)) * hid for _ in range(depth - 1)]
    Ws.append(rng.uniform(-1, 1, (seeds, 1, width)) * hidden_std_bound(width, dstar))
    if paired:
        h = width // 2
        Ws[depth - 1][:, h:] = Ws[depth - 1][:, :h]
        Ws[depth][:, :, h:] = -Ws[depth][:, :, :h]
    return Ws


def doc_layer_lrs(optimizer, depth, lr, width, dstar):
    """theory.md §1.5 (`mean_field`, effective lrs): SGD/GD input ηω, hidden η, output η/ω; RMSProp input η, hidden
    and output η/ω (ω = d/d*)."""
    om = width / dstar
    if optimizer in ("gd", "sgd"):
        return [lr * om] + [lr] * (depth - 1) + [lr / om]
    return [lr] + [lr / om] * depth


def rule(name, y, z):
    """ℓ'(y, z) for the logistic loss (theory.md §1.1, §3.1): L_fin = −y s(−yz), L_0 = −y/2; "sign-error" =
    −y s(+yz) (a power check)."""
    if name == "L_0":
        return np.broadcast_to(-y / 2, z.shape).copy()
    m = y * z if name == "L_fin" else -y * z
    return -y * 0.5 * (1.0 - np.tanh(m / 2))


def logistic(y, z):
    return np.mean(np.logaddexp(0.0, -y * z), axis=-1)


class Particles:
    """S particle systems (a width-P MF net each) with per-layer lrs and GD or RMSProp; ``track``: also a bound on
    the rounding error of each weight, activation and gradient (module docstring), and the smallest |z|/e(z) of any
    pre-activation (φ' is exact while it is > 1)."""

    def __init__(self, Ws, lrs, optimizer, track=False):
        self.W, self.lrs, self.opt, self.track = [w.copy() for w in Ws], lrs, optimizer, track
        self.eW = [np.zeros_like(w) for w in Ws] if track else [None] * len(Ws)
        self.v = [np.zeros_like(w) for w in Ws]
        self.ev = [np.zeros_like(w) for w in Ws]
        self.margin = math.inf

    def forward(self, X):
        """Pre-activations z_l and activations h_l (h_0 = x), with error bounds; X: (rows, n0) or (S, rows, n0)."""
        h = np.broadcast_to(X, (self.W[0].shape[0],) + X.shape[-2:])
        eh = np.zeros_like(h) if self.track else None
        zs, ezs, hs, ehs = [], [], [h], [eh]
        for l, W in enumerate(self.W):
            eWt = self.eW[l].swapaxes(1, 2) if self.track else None
            z, ez = mm(h, W.swapaxes(1, 2), eh, eWt)
            zs.append(z), ezs.append(ez)
            if self.track and l < len(self.W) - 1:
                self.margin = min(self.margin, float(np.min(np.abs(z) / np.maximum(ez, 1e-300))))
            if l < len(self.W) - 1:
                h = phi(z)
                eh = ez + U * np.abs(h) if self.track else None
                hs.append(h), ehs.append(eh)
        return zs, ezs, hs, ehs

    def logits(self, X):
        zs, ezs, _, _ = self.forward(X)
        return zs[-1][..., 0], (ezs[-1][..., 0] if self.track else None)

    def signals(self, zs, L, eL):
        """δ_l = ∂(loss)/∂z_l, from δ_H = L (rows independent; theory.md §3.6's G_l up to the 1/d factors)."""
        d, ed = L[..., None], (None if eL is None else eL[..., None])
        out = [None] * len(self.W)
        for l in range(len(self.W) - 1, -1, -1):
            out[l] = (d, ed)
            if l:
                t, et = mm(d, self.W[l], ed, self.eW[l])
                mask = dphi(zs[l - 1])
                d = t * mask
                ed = None if eL is None else et * mask + U * np.abs(d)
        return out

    def step(self, X, y, rule_name, lr_scale=None):
        """One optimizer step on the batch (X, y): L = rule(y, f)/B (the mean over the batch, theory.md §1.1)."""
        zs, ezs, hs, ehs = self.forward(X)
        f, B = zs[-1][..., 0], X.shape[-2]
        L = rule(rule_name, y, f) / B
        eL = (ezs[-1][..., 0] / 4 + 8 * U) / B + U * np.abs(L) if self.track else None
        for l, (d, ed) in enumerate(self.signals(zs, L, eL)):
            G, eG = mm(d.swapaxes(1, 2), hs[l], None if ed is None else ed.swapaxes(1, 2), ehs[l])
            lr = self.lrs[l] * (1.0 if lr_scale is None else lr_scale[l])
            self.update(l, G, eG, lr, B)

    def update(self, l, G, eG, lr, B):
        W = self.W[l]
        if self.opt in ("gd", "sgd"):
            D = lr * G
            eD = lr * eG + 8 * U * np.abs(D) if self.track else None
        else:                                   # torch RMSProp: v ← αv + (1−α)g², step lr·g/(√v + ε)
            v = RMS_ALPHA * self.v[l] + (1 - RMS_ALPHA) * G * G
            den = np.sqrt(v) + RMS_EPS
            D = lr * G / den
            if self.track:
                self.ev[l] = RMS_ALPHA * self.ev[l] + 2 * (1 - RMS_ALPHA) * np.abs(G) * eG + 16 * U * v
                s = np.sqrt(v)
                es = np.minimum(self.ev[l] / np.maximum(2 * s, 1e-300), np.sqrt(self.ev[l])) + U * s
                eD = lr * (eG / den + np.abs(G) * (es + U * den) / den ** 2) + 8 * U * np.abs(D)
            self.v[l] = v
        self.W[l] = W - D
        if self.track:
            self.eW[l] = self.eW[l] + eD + gamma(B) * np.abs(W) + U * np.abs(self.W[l])

    def kernel_diag(self, X):
        """Θ(x, x) = Σ_l lr_l ‖∂m/∂W_l‖² = Σ_l lr_l ‖δ_l‖²‖h_l‖² per row (mean_field.h), with δ_H = 1."""
        zs, _, hs, _ = self.forward(X)
        sig = self.signals(zs, np.ones(zs[-1].shape[:-1]), None)
        return sum(lr * np.sum(d ** 2, axis=-1) * np.sum(h ** 2, axis=-1)
                   for lr, (d, _), h in zip(self.lrs, sig, hs))


def epoch_batches(rng, seeds, n, batch, steps):
    """theory.md §6.0: per epoch a fresh permutation per seed, cut into batches of ``batch``, the last one short."""
    out = []
    while len(out) < steps:
        perm = np.argsort(rng.random((seeds, n)), axis=1)
        out += [perm[:, i:i + batch] for i in range(0, n, batch)]
    return out[:steps]


def simulate(net, task, steps, batches=None, first="L_0", later="L_fin", lr_scale=None):
    """Curve points before every step and at the end (losses of the logits on all train / test inputs), the final
    test logits and Θ(x, x) on the test inputs at init and at the end, with error bounds when tracked. ``batches``:
    a list of (S, B_k) row arrays or (B_k,) arrays; None = full batch."""
    X, y, Xt, yt = task["X"], task["y"], task["Xt"], task["yt"]
    out = {"kd0": net.kernel_diag(Xt), **{key: [] for key in ("train_loss", "test_loss", "e_train_loss",
                                                                "e_test_loss")}}
    for k in range(steps + 1):
        for name, x_, y_ in (("train", X, y), ("test", Xt, yt)):
            f, ef = net.logits(x_)
            out[f"{name}_loss"].append(logistic(y_, f))
            if net.track:
                out[f"e_{name}_loss"].append(np.mean(ef, axis=-1) + 8 * U * (logistic(y_, f) + 1))
        if k == steps:
            break
        rows = np.arange(len(X)) if batches is None else np.asarray(batches[k])
        net.step(X[rows], y[rows], first if k == 0 else later, lr_scale)   # rows: (B,) or (S, B)
    out["test_logits"], out["e_test_logits"] = net.logits(Xt)
    out["kd1"] = net.kernel_diag(Xt)
    return out


# ====================================================================================================================
# widthlab's side: a small npy task, configs, records.
# ====================================================================================================================

@pytest.fixture(scope="module")
def task(tmp_path_factory):
    """16 train and 10 test points in R⁴, N(0, 1) inputs, labels of a linear teacher 1[x·β > 0] (learnable, so the
    logits grow and ℓ' saturates: the loss-derivative power checks need it), standardize = none, file order kept,
    labels {0, 1} → ±1."""
    rng = np.random.default_rng(11)
    X, Xt = rng.normal(size=(N_TRAIN, N_IN)), rng.normal(size=(N_TEST, N_IN))
    y, yt = (X @ TEACHER > 0).astype(int), (Xt @ TEACHER > 0).astype(int)
    d = tmp_path_factory.mktemp("deep_mf")
    for name, arr in (("X_train", X), ("y_train", y.astype(np.int64)), ("X_test", Xt),
                      ("y_test", yt.astype(np.int64))):
        np.save(d / f"{name}.npy", arr)
    return dict(path=str(d), X=X, Xt=Xt, y=2.0 * y - 1, yt=2.0 * yt - 1)


def make_config(task, case, seeds=(0,), particles=P, steps=None):
    depth, optimizer, lr, batch, case_steps = CASES[case]
    steps = case_steps if steps is None else steps
    return {
        "data": {"dataset": "npy", "path": task["path"], "train_size": N_TRAIN, "test_size": N_TEST,
                 "standardize": "none"},
        "model": {"depth": depth, "activation": ACT, "init": "uniform", "bias": False},
        "scaling": {"presets": ["mf"], "reference_width": D_STAR},
        "train": {"optimizer": optimizer, "lr": lr, "steps": steps, "precision": "float64", "batch": batch,
                  "loss": "logistic", "log_every": 1},
        "sweep": {"widths": [particles], "seeds": [int(seeds[0])]},
        "limits": {"compute": ["mf"], "mf_particles": particles, "seeds": [int(s) for s in seeds]},
        "study": {"device": "cpu", "threads": 1},
    }


def run_limit(task, case, seeds, particles=P):
    """widthlab's deep MF limit records: the mf scaling's own limit (config route), or model="mf" for the degenerate
    H = 3 GD case, which has no simulated limit (test_depth3_gd_mf_scaling_has_no_simulated_limit)."""
    cfg = make_config(task, case, seeds, particles)
    recs = widthlab.limit(cfg, model="mf") if case == "gd-h3" else widthlab.limit(cfg)
    assert [r["seed"] for r in recs] == list(seeds)
    return recs


def check_record(rec, case, particles=P):
    """The limit.jsonl record describes the documented system (architecture.md §4, limit_run.h, §3.4 model 1)."""
    depth, optimizer, lr, batch, steps = CASES[case]
    want = dict(model="mf", state="particles", rule_first="L_0", rule_later="L_fin", state_includes_g=False,
                kind="independent", depth=depth, optimizer=optimizer, lr=lr, particles=particles, paired=True,
                precision="float64", reference_width=D_STAR, status="ok", steps_done=steps,
                batch=0 if batch == "full" else batch)
    assert {k: rec[k] for k in want} == want, rec


# ====================================================================================================================
# Exact: the reference against train_net's mf net of width P (the net the particle system is, mean_field.h) from
# train_net's own init, batches and lrs.
# ====================================================================================================================

EXACT_SEED = 3
EXACT_STEPS = {"gd-h2": 8, "sgd-h2": 8, "rmsprop-h3": 2, "gd-h3": 8}   # the running bound grows with the steps
EXACT_TOL_MAX = 1e-7                # the derived tolerance must stay below this (≤ 7.3e-9 here)


def exact_case(task, case, batches_used="net", **wrong):
    """train_net's run of the mf preset at width P and the tracked reference started from its init parameters;
    ``wrong``: lr_scale / later / first rule of the power checks; ``batches_used=None``: full batch."""
    depth, optimizer, lr, _, _ = CASES[case]
    steps = EXACT_STEPS[case]
    net = widthlab.train_net(make_config(task, case, (EXACT_SEED,), steps=steps), scaling="mf", width=P,
                             seed=EXACT_SEED)
    assert net["status"] == "ok" and net["multipliers"] == [1.0] * (depth + 1), net["multipliers"]
    Ws = [np.asarray(w, dtype=float)[None] for w in net["init_parameters"]["weights"]]  # effective = raw (α = 1)
    batches = [np.asarray(b) for b in net["batches"]] if batches_used == "net" else None
    particles = Particles(Ws, doc_layer_lrs(optimizer, depth, lr, P, D_STAR), optimizer, track=True)
    ref = simulate(particles, task, steps, batches, first=wrong.get("first", "L_fin"),
                   later=wrong.get("later", "L_fin"), lr_scale=wrong.get("lr_scale"))
    return net, ref, particles.margin


def exact_pairs(net, ref):
    """(widthlab, reference, tolerance = 2 × the reference's bound) of the final test logits and the loss curves."""
    pairs = {"test_logits": (np.asarray(net["test_logits"])[:, 0], ref["test_logits"][0],
                             2 * ref["e_test_logits"][0])}
    for key in ("train_loss", "test_loss"):
        pairs[key] = (np.asarray(net["curve"][key]), np.array(ref[key])[:, 0], 2 * np.array(ref[f"e_{key}"])[:, 0])
    return pairs


@pytest.mark.parametrize("case", list(CASES))
def test_reference_equals_train_net_exactly(task, case):
    """Same init (train_net's), same batches, the documented effective lrs and optimizer: the final test logits and
    the train/test loss curves agree within 2× the reference's running rounding bound (module docstring), φ' is
    exact (every pre-activation ≥ 10× farther from 0 than its bound) and the tolerance is ≤ EXACT_TOL_MAX."""
    depth, optimizer, lr, _, _ = CASES[case]
    net, ref, margin = exact_case(task, case)
    assert net["layer_lrs"] == pytest.approx(doc_layer_lrs(optimizer, depth, lr, P, D_STAR), rel=4 * U)
    assert net["curve"]["step"] == list(range(EXACT_STEPS[case] + 1)) and margin > 10, margin
    for key, (got, want, tol) in exact_pairs(net, ref).items():
        assert np.all(np.abs(got - want) <= tol) and tol.max() <= EXACT_TOL_MAX, (key, got - want, tol)


EXACT_POWER = [  # (id, case, wrong reference)
    ("gd-h2-hidden-lr-x-omega", "gd-h2", {"lr_scale": [1, OMEGA, 1]}),
    ("gd-h2-loss-sign-error", "gd-h2", {"first": "sign-error", "later": "sign-error"}),
    ("sgd-h2-full-batch", "sgd-h2", {"batches_used": None}),
    ("rmsprop-h3-hidden-lr-x-omega", "rmsprop-h3", {"lr_scale": [1, OMEGA, OMEGA, 1]}),
    ("gd-h3-hidden-lr-x-omega", "gd-h3", {"lr_scale": [1, OMEGA, OMEGA, 1]}),
]


@pytest.mark.parametrize("name,case,wrong", EXACT_POWER, ids=[c[0] for c in EXACT_POWER])
def test_power_exact_comparison_catches_a_wrong_lr_loss_or_batch(task, name, case, wrong):
    """A hidden lr off by one power of d (×ω), −y s(+yz) for −y s(−yz), or full batch for SGD's mini-batches moves
    the final test logits by ≥ POWER_EXACT × the right reference's tolerance."""
    net, ref, _ = exact_case(task, case)
    _, bad, _ = exact_case(task, case, **wrong)
    got, _, tol = exact_pairs(net, ref)["test_logits"]
    miss = np.abs(got - bad["test_logits"][0]).max() / tol.max()
    assert miss >= POWER_EXACT, miss


@pytest.mark.parametrize("depth", [2, 3])
def test_train_net_init_is_the_documented_mf_law(task, depth):
    """theory.md §1.4/§1.5: effective input weights U(±1/√n0); hidden and output U(±√d*/d) (std ∝ d^{-1}, not
    muP's d^{-1/2}): every entry within the half-width, the largest ≥ 0.8 of it, hidden std within 5 standard errors
    of half-width/√3. Power: under muP's half-width 1/√d the largest entry would be 1/√ω = 0.35 of it."""
    net = widthlab.train_net(make_config(task, "gd-h2" if depth == 2 else "gd-h3"), scaling="mf", width=P,
                             seed=EXACT_SEED)
    Ws = [np.asarray(w, dtype=float) for w in net["init_parameters"]["weights"]]
    bounds = [1 / math.sqrt(N_IN)] + [hidden_std_bound(P, D_STAR)] * depth
    for W, b in zip(Ws, bounds):
        assert 0.8 * b <= np.abs(W).max() <= b
    for W in Ws[1:-1]:
        se = 1.5 * math.sqrt((1 / 5 - 1 / 9) / W.size)   # SE of s/σ for U(±b): ½·√((μ₄ − σ⁴)/n)/σ², μ₄ = b⁴/5
        assert abs(W.std() / (hidden_std_bound(P, D_STAR) / math.sqrt(3)) - 1) <= 5 * se
        assert np.abs(W).max() < 0.8 * hidden_std_bound(P, D_STAR, "mup")


# ====================================================================================================================
# In law: widthlab's limit seeds against the reference's own particle draws.
# ====================================================================================================================

def n_var(case):
    """The columns whose variances are compared too: the test logits and the curve points."""
    return N_TEST + 2 * (CASES[case][4] + 1)


def stat_names(case):
    n_curve = CASES[case][4] + 1
    names = [f"test_logit[{i}]" for i in range(N_TEST)]
    names += [f"train_loss[{k}]" for k in range(n_curve)] + [f"test_loss[{k}]" for k in range(n_curve)]
    names += ["mean kernel_diag_init", "mean kernel_diag_final"]
    return names + ["var " + n for n in names[:n_var(case)]]


_WL = {}


def widthlab_stats(task, case):
    """Per seed: final test logits, the train and test loss before every step and at the end, mean Θ(x, x) on the
    test inputs at init and at the end (cached: the power checks reuse the runs). Every seed starts at m⁽⁰⁾ = 0
    (± pairing): mean |test logit| ≤ 1e-15 and both losses log 2 before step 0."""
    if case not in _WL:
        first = 100000 * (list(CASES).index(case) + 1)
        recs = run_limit(task, case, range(first, first + SEEDS))
        check_record(recs[0], case)
        rows = []
        for r in recs:
            c = r["curve"]
            assert c["step"] == list(range(CASES[case][4] + 1)) and c["test_mean_abs_logit"][0] <= 1e-15
            assert abs(c["train_loss"][0] - math.log(2)) <= 1e-15 and abs(c["test_loss"][0] - math.log(2)) <= 1e-15
            rows.append(list(np.asarray(r["test_logits"], dtype=float)[:, 0]) + list(c["train_loss"])
                        + list(c["test_loss"]) + [np.mean(r["kernel_diag_init"]), np.mean(r["kernel_diag_final"])])
        _WL[case] = np.array(rows)
    return _WL[case]


def reference_stats(task, case, variant=0, paired=True, hidden="mf", lr_scale=None, later="L_fin", batches="epochs"):
    """The reference's statistics in the layout of widthlab_stats, SEEDS independent particle systems."""
    depth, optimizer, lr, batch, steps = CASES[case]
    rng = np.random.default_rng([2718, list(CASES).index(case), variant])
    Ws = init_particles(rng, SEEDS, P, depth, D_STAR, paired=paired, hidden=hidden)
    net = Particles(Ws, doc_layer_lrs(optimizer, depth, lr, P, D_STAR), optimizer)
    bs = epoch_batches(rng, SEEDS, N_TRAIN, batch, steps) if batch != "full" and batches == "epochs" else None
    out = simulate(net, task, steps, bs, later=later, lr_scale=lr_scale)
    return np.column_stack([out["test_logits"], np.array(out["train_loss"]).T, np.array(out["test_loss"]).T,
                            out["kd0"].mean(axis=1), out["kd1"].mean(axis=1)])


def z_scores(w, r, nv):
    """Welch z of each column's mean, (m_w − m_r)/√(s_w²/S_w + s_r²/S_r), then the z of the variances of the first
    nv columns, (s_w² − s_r²)/√(V_w + V_r) with V = (μ̂₄ − s⁴)/S. A column constant on both sides (the step-0
    losses: log 2 with paired particles) must agree to 1e-12 and gets z = 0 (its variance z too)."""
    mw, mr = w.mean(axis=0), r.mean(axis=0)
    se = np.sqrt(w.var(axis=0, ddof=1) / len(w) + r.var(axis=0, ddof=1) / len(r))
    const = se <= 1e-13 * np.maximum(np.abs(mw), 1.0)
    assert np.all(np.abs(mw - mr)[const] <= 1e-12), (mw[const], mr[const])
    z = np.where(const, 0.0, (mw - mr) / np.where(const, 1.0, se))

    def var_and_its_variance(x):
        c = x[:, :nv] - x[:, :nv].mean(axis=0)
        v = np.mean(c ** 2, axis=0)
        return v * len(x) / (len(x) - 1), (np.mean(c ** 4, axis=0) - v * v) / len(x)

    (vw, Vw), (vr, Vr) = var_and_its_variance(w), var_and_its_variance(r)
    sv = np.sqrt(Vw + Vr)
    zv = np.where(const[:nv], 0.0, (vw - vr) / np.where(const[:nv], 1.0, sv))
    return np.concatenate([z, zv])


def describe(z, case):
    names = stat_names(case)
    return ", ".join(f"{names[i]}: z = {z[i]:+.2f}" for i in np.argsort(-np.abs(z))[:4])


@pytest.mark.parametrize("case", list(CASES))
def test_deep_mf_limit_agrees_in_law_with_the_reference(task, case):
    """Every statistic's mean, and the variances of the test logits and curve points, within Z_MAX standard
    errors."""
    z = z_scores(widthlab_stats(task, case), reference_stats(task, case), n_var(case))
    assert np.abs(z).max() <= Z_MAX, describe(z, case)


STAT_POWER = [  # (id, case, wrong reference)
    ("gd-h2-hidden-lr-x-omega", "gd-h2", {"lr_scale": [1, OMEGA, 1]}),
    ("gd-h2-hidden-lr-over-omega", "gd-h2", {"lr_scale": [1, 1 / OMEGA, 1]}),
    ("gd-h2-hidden-std-mup", "gd-h2", {"hidden": "mup"}),
    ("gd-h2-unpaired", "gd-h2", {"paired": False}),
    ("gd-h2-loss-sign-error", "gd-h2", {"later": "sign-error"}),
    ("gd-h2-linear-loss", "gd-h2", {"later": "L_0"}),
    ("sgd-h2-full-batch", "sgd-h2", {"batches": None}),
    ("sgd-h2-unpaired", "sgd-h2", {"paired": False}),
    ("rmsprop-h3-hidden-lr-x-omega", "rmsprop-h3", {"lr_scale": [1, OMEGA, OMEGA, 1]}),
    ("rmsprop-h3-hidden-std-mup", "rmsprop-h3", {"hidden": "mup"}),
    ("rmsprop-h3-unpaired", "rmsprop-h3", {"paired": False}),
    ("rmsprop-h3-loss-sign-error", "rmsprop-h3", {"later": "sign-error"}),
    ("gd-h3-hidden-std-mup", "gd-h3", {"hidden": "mup"}),
    ("gd-h3-hidden-lr-x-omega", "gd-h3", {"lr_scale": [1, OMEGA, OMEGA, 1]}),
]


@pytest.mark.parametrize("name,case,wrong", STAT_POWER, ids=[c[0] for c in STAT_POWER])
def test_power_statistical_comparison_catches_a_wrong_particle_system(task, name, case, wrong):
    """The same widthlab runs against a reference with a hidden lr off by one power of d, muP's hidden init std
    d^{-1/2}, unpaired particles, a wrong loss derivative or full batch miss by ≥ POWER_Z standard errors."""
    variant = 1 + [c[0] for c in STAT_POWER].index(name)
    with np.errstate(all="ignore"):              # some wrong references overflow
        z = z_scores(widthlab_stats(task, case), reference_stats(task, case, variant, **wrong), n_var(case))
    z = np.nan_to_num(z, nan=np.inf)             # NaN: the wrong reference overflowed (inf − inf): a miss
    assert np.abs(z).max() >= POWER_Z, describe(z, case)


# ====================================================================================================================
# theory.md §3.6 / §5: the degeneracy of GD at depth 3, and its absence at depth 2 and under RMSProp.
# ====================================================================================================================

def logit_and_loss_scale(task, case, particles, seeds=32):
    recs = run_limit(task, case, range(seeds), particles)
    f = np.array([np.asarray(r["test_logits"])[:, 0] for r in recs])
    return np.abs(f).mean(), math.log(2) - np.mean([r["train_loss"] for r in recs])


def test_depth3_gd_mf_scaling_has_no_simulated_limit(task):
    """simulated_limit.h / README: the mf scaling at H = 3 with GD is the degenerate limit of §5 (no simulator)."""
    with pytest.raises(ValueError, match="deep-degenerate"):
        widthlab.limit(make_config(task, "gd-h3"))


def test_depth3_gd_particle_system_collapses_to_zero_logits(task):
    """§5: at H = 3 with GD, φ(0) = 0 and i.i.d. zero-mean init, f ≡ 0 and the loss stays log 2 in the limit: with
    4× the particles the final |logits| and log 2 − loss shrink ≥ 4× (measured 17× and 14×), and at 256 particles
    log 2 − loss < 0.01 (measured 0.002; depth 2 and RMSProp: ≥ 0.05 below the next test)."""
    f64, gap64 = logit_and_loss_scale(task, "gd-h3", 64)
    f256, gap256 = logit_and_loss_scale(task, "gd-h3", 256)
    assert f256 <= f64 / 4 and gap256 <= gap64 / 4 and 0 <= gap256 < 0.01, (f64, f256, gap64, gap256)


@pytest.mark.parametrize("case", ["gd-h2", "rmsprop-h3"])
def test_depth2_gd_and_depth3_rmsprop_limits_learn(task, case):
    """§3.6 (H = 2: v_1 gets an O(1) update) and §5 (RMSProp escapes the degeneracy): the final |logits| do not shrink
    with the particle count (ratio within [1/2, 2] from 64 to 256) and the loss falls ≥ 0.05 below log 2."""
    f64, gap64 = logit_and_loss_scale(task, case, 64)
    f256, gap256 = logit_and_loss_scale(task, case, 256)
    assert 0.5 <= f256 / f64 <= 2 and min(gap64, gap256) >= 0.05, (f64, f256, gap64, gap256)


def test_study_compares_deep_rmsprop_mf_nets_with_their_limit_in_raw_logits(task):
    """The mf nets' raw logits do not scale with the width (as the limit's), so the study's normaliser must be 1."""
    cfg = make_config(task, "rmsprop-h3", seeds=(0, 1), particles=256)
    cfg["sweep"], cfg["study"]["plots"] = {"widths": [64, 256], "seeds": [0, 1]}, False
    res = widthlab.study(cfg)
    raw = [np.mean([r["mean_abs_logit_final"] for r in res["runs"] if r["width"] == w]) for w in (64, 256)]
    assert 0.5 <= raw[1] / raw[0] <= 2, raw
    assert res["rates"]["mf"]["normaliser_exponent"] == 0, res["rates"]["mf"]["normaliser_exponent"]
