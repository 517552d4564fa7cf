"""Finite-width training checked against an independent numpy float64 reference of theory.md's recipes.

The reference below is written from the mathematics of docs/theory.md only — §1.1 (networks, losses averaged over the
batch, plain SGD), §1.2 (effective weights W = αθ, effective SGD lr α²·lr_θ), §1.4 / §1.5 (the exact finite-width
recipes: PyTorch's U(±1/√fan_in) init, a weight factor on the hidden and output weights, per-group lr factors, ω =
d/128), §3.5 (IC-MF) and §3.7 (RMSProp) — and widthlab's documented conventions (README, `widthlab list`: torch RMSprop,
v = a·v + (1−a)·g², θ −= lr·g/(√v + eps), a = 0.99, eps = 1e-8). It never reads widthlab's C++ for the maths.

widthlab's side is ``widthlab.train_net``: its init effective weights α_l θ_l are handed to the reference, which trains
them with theory.md's recipe; the final α_l θ_l, the test logits and the per-step train loss must agree to float64
rounding. Biases are treated as one more column of their layer (same init law, factor and lr).

Tolerance (float64, u = 2.2e-16): one forward/backward pass sums ≤ 512 terms per entry, so a fresh rounding error is
≤ ~512·u ≈ 1e-13 relative (typically √512·u ≈ 3e-15), plus one rounding in α·θ. A stable GD/RMSProp step maps an error
through a Jacobian of norm ≲ 1 + lr·‖Hessian‖ ≲ 2, so after ≤ 6 steps the bound is ≲ 64 × 1e-13 ≈ 1e-11. We compare at
RTOL = 1e-9 (relative to the layer's largest weight / the largest logit), a margin of ≥ 100 over that bound, and show
(test_power_*) that an lr factor off by 2 in any one layer misses it by orders of magnitude.

Mini-batch SGD: the order of the batches is widthlab's convention (theory.md §6.0: a new permutation every epoch, the
last batch short), so the reference takes the batches ``train_net`` reports, checks their form, and descends each
batch's own mean loss. squared error: ½(f − y)² on the ±1 labels (theory.md §1.1).
"""
import math

import numpy as np
import pytest

import widthlab

D_REF = 128          # theory.md §1.2 / §1.5: d* = 128, ω = d/128
RTOL = 1e-9          # see the module docstring
RMS_ALPHA, RMS_EPS = 0.99, 1e-8   # widthlab's RMSProp (torch RMSprop defaults; `widthlab list`)


# ====================================================================================================================
# The reference: a fully connected net in effective weights, its losses, hand-written backprop and the optimizers.
# ====================================================================================================================

def activation(name):
    """φ and φ' for the activation names used here (`widthlab list`)."""
    if name.startswith("leaky_relu"):
        a = float(name.split(":")[1]) if ":" in name else 0.01
        return (lambda z: np.where(z > 0, z, a * z)), (lambda z: np.where(z > 0, 1.0, a))
    if name == "relu":
        return (lambda z: np.maximum(z, 0.0)), (lambda z: (z > 0).astype(float))
    if name == "tanh":
        return np.tanh, (lambda z: 1.0 - np.tanh(z) ** 2)
    if name == "identity":
        return (lambda z: z), (lambda z: np.ones_like(z))
    if name == "erf":
        return np.vectorize(math.erf), (lambda z: 2.0 / math.sqrt(math.pi) * np.exp(-z * z))
    raise ValueError(name)


def forward(Ws, bs, X, act):
    """theory.md §1.1: h_0 = x, z_l = W_l h_l (+ b_l), h_{l+1} = φ(z_l), f = z_H. Rows of X are examples.
    Returns (pre-activations z_0..z_H, layer inputs h_0..h_H); the logits are z_H, shape (B, k)."""
    phi, _ = activation(act)
    hs, zs = [X], []
    for l, W in enumerate(Ws):
        z = hs[-1] @ W.T
        if bs is not None:
            z = z + bs[l]
        zs.append(z)
        if l < len(Ws) - 1:
            hs.append(phi(z))
    return zs, hs


def logits(Ws, bs, X, act):
    return forward(Ws, bs, X, act)[0][-1]


def loss_and_dlogits(f, y, loss):
    """Mean over the batch (theory.md §1.1). logistic: y ∈ {−1, +1}, ℓ = log(1 + e^{−y f}) (= BCEWithLogits on 0/1 labels),
    ℓ' = −y·s(−y f). cross-entropy: y = class ids, softmax cross-entropy. mse: ½‖f − y‖² (theory.md §1.1; widthlab
    has one output, the gradient check also takes two)."""
    B = f.shape[0]
    if loss == "logistic":
        m = y * f[:, 0]
        value = np.mean(np.logaddexp(0.0, -m))
        g = np.zeros_like(f)
        g[:, 0] = -y * 0.5 * (1.0 - np.tanh(m / 2)) / B       # s(−m) = (1 − tanh(m/2))/2, stable for any m
        return value, g
    if loss == "cross-entropy":
        mx = f.max(axis=1, keepdims=True)
        lse = mx[:, 0] + np.log(np.exp(f - mx).sum(axis=1))
        value = np.mean(lse - f[np.arange(B), y])
        p = np.exp(f - lse[:, None])
        p[np.arange(B), y] -= 1.0
        return value, p / B
    if loss == "mse":
        r = f - y.reshape(B, -1)
        return 0.5 * np.mean(np.sum(r * r, axis=1)), r / B
    raise ValueError(loss)


def gradients(Ws, bs, X, y, loss, act, offset=None):
    """Loss and its gradients in every W_l (and b_l) by backprop. ``offset`` (B, k) is added to the logits and gets
    no gradient (the frozen IC-MF terms, theory.md §3.5)."""
    _, dphi = activation(act)
    zs, hs = forward(Ws, bs, X, act)
    f = zs[-1] if offset is None else zs[-1] + offset
    value, delta = loss_and_dlogits(f, y, loss)
    gW, gb = [None] * len(Ws), [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        gW[l] = delta.T @ hs[l]
        gb[l] = delta.sum(axis=0)
        if l > 0:
            delta = (delta @ Ws[l]) * dphi(zs[l - 1])
    return value, gW, (gb if bs is not None else None)


def optimizer_step(p, g, v, lr, optimizer, eps=RMS_EPS):
    """One update of a tensor p with gradient g: gd / sgd p − lr·g; rmsprop torch's RMSprop (theory.md §3.7) with its
    running mean v of g². Returns (p, v)."""
    if optimizer in ("gd", "sgd"):
        return p - lr * g, v
    if optimizer == "rmsprop":
        v = RMS_ALPHA * v + (1.0 - RMS_ALPHA) * g * g
        return p - lr * g / (np.sqrt(v) + eps), v
    raise ValueError(optimizer)


def train_reference(W0, b0, X, y, *, lrs, optimizer, steps, loss, act, offset=None, eps=None, batches=None):
    """Train the effective weights: SGD/GD W −= lr_l·g, or torch RMSProp per tensor (theory.md §3.7; v starts at 0).
    ``lrs``: one lr per layer (its bias shares it); ``eps``: per layer (default RMS_EPS everywhere); ``batches``:
    per step the rows of the mini-batch whose mean loss it descends (default: all rows). Returns (weights, biases,
    the loss on all rows at steps 0..steps, each before that step's update)."""
    Ws = [w.copy() for w in W0]
    bs = None if b0 is None else [b.copy() for b in b0]
    eps = [RMS_EPS] * len(Ws) if eps is None else eps
    vW = [np.zeros_like(w) for w in Ws]
    vb = None if bs is None else [np.zeros_like(b) for b in bs]
    losses = []
    for t in range(steps):
        value, gW, gb = gradients(Ws, bs, X, y, loss, act, offset)
        losses.append(value)
        if batches is not None:
            rows = np.asarray(batches[t])
            _, gW, gb = gradients(Ws, bs, X[rows], y[rows], loss, act, None if offset is None else offset[rows])
        for l in range(len(Ws)):
            pairs = [(Ws, gW, vW)] + ([(bs, gb, vb)] if bs is not None else [])
            for P, G, V in pairs:
                P[l], V[l] = optimizer_step(P[l], G[l], V[l], lrs[l], optimizer, eps[l])
    losses.append(gradients(Ws, bs, X, y, loss, act, offset)[0])
    return Ws, bs, losses


def train_raw(theta0, braw0, alphas, X, y, *, lrs_theta, optimizer, steps, loss, act):
    """The same net written with forward multipliers, z_l = α_l(θ_l h + b_l), training the raw θ_l, b_l (as widthlab
    documents its layers) — used only to check the effective-parameter equivalences derived in the tests."""
    theta = [t.copy() for t in theta0]
    braw = None if braw0 is None else [b.copy() for b in braw0]
    vT = [np.zeros_like(t) for t in theta]
    vB = None if braw is None else [np.zeros_like(b) for b in braw]
    for _ in range(steps):
        Ws = [a * t for a, t in zip(alphas, theta)]
        bs = None if braw is None else [a * b for a, b in zip(alphas, braw)]
        _, gW, gb = gradients(Ws, bs, X, y, loss, act)
        for l in range(len(theta)):
            pairs = [(theta, gW, vT)] + ([(braw, gb, vB)] if braw is not None else [])
            for P, G, V in pairs:
                g = alphas[l] * G[l]            # ∂L/∂θ = α ∂L/∂W
                P[l], V[l] = optimizer_step(P[l], g, V[l], lrs_theta[l], optimizer)
    return theta, braw


# --------------------------------------------------------------------------------------------------------------------
# theory.md §1.5 recipes: the weight factor of each layer (input: 1) and the lr of each layer's effective weights.
# --------------------------------------------------------------------------------------------------------------------

def spec_recipe(scaling, width, depth, optimizer, eta):
    """(weight factors [l = 0..H], effective lrs [l = 0..H]) of theory.md §1.5 for a named scaling.

    ``scaling``: "sp" / "default", "mf" / "mean_field" / "ic-mf" (IC-MF trains the MF net, §1.4, §3.5), "ntk",
    ("intermediate", q), ("dev", q_sigma, q_lr[, q_lr_in]) — the `dev` tuple point (depth 1; the asymmetric form reads
    lr_in = ηω^{q_lr_in}, lr_out = ηω^{q_lr + 2 q_sigma}, i.e. §1.5's dict form with q̃_w = q_lr_in, q̃_a = q_lr),
    "sym-default" = dev (−1/2, 1/2), and "mup" (§1.4's deep muP row made exact by §1.2's rule that every scheme is the
    reference net at d = d*: hidden factor 1, output ω^{-1/2}; SGD lrs ηω, η, ηω^{-1})."""
    w = width / D_REF
    rms = optimizer == "rmsprop"
    if isinstance(scaling, tuple) and scaling[0] == "intermediate":
        q = scaling[1]
        factor = w ** (0.5 - q)
        lr = (w ** (q - 1), w ** (q - 2), w ** -1.0) if rms else (w ** (2 * q - 1), w ** (2 * q - 2), w ** -1.0)
        hid_factor = out_factor = factor
    elif isinstance(scaling, tuple) and scaling[0] == "dev" or scaling == "sym-default":
        if rms:
            raise ValueError("the dev tuple recipe is SGD only (theory.md §1.5)")
        qs, qlr, *rest = (-0.5, 0.5) if scaling == "sym-default" else scaling[1:]
        qin = rest[0] if rest else qlr
        hid_factor = out_factor = w ** (qs + 0.5)
        lr = (w ** qin, w ** (qlr + qs), w ** (qlr + 2 * qs))
    elif scaling in ("sp", "default"):
        hid_factor = out_factor = 1.0
        lr = (1.0, 1.0, 1.0)
    elif scaling in ("mf", "mean_field", "ic-mf"):
        hid_factor = out_factor = w ** -0.5
        lr = (1.0, w ** -1.0, w ** -1.0) if rms else (w, 1.0, w ** -1.0)
    elif scaling == "ntk":
        hid_factor = out_factor = 1.0
        lr = (w ** -0.5, w ** -1.5, w ** -1.0) if rms else (1.0, w ** -1.0, w ** -1.0)
    elif scaling == "mup":
        if rms:
            raise ValueError("no RMSProp recipe for muP in theory.md")
        hid_factor, out_factor = 1.0, w ** -0.5
        lr = (w, 1.0, w ** -1.0)
    else:
        raise ValueError(scaling)
    factors = [1.0] + [hid_factor] * (depth - 1) + [out_factor]
    lrs = [eta * lr[0]] + [eta * lr[1]] * (depth - 1) + [eta * lr[2]]
    return factors, lrs


def spec_init(rng, n0, width, depth, k, factors, bias):
    """theory.md §1.5: PyTorch nn.Linear U(±1/√fan_in) for every weight (and bias), times the layer's weight factor."""
    dims = [n0] + [width] * depth + [k]
    Ws = [factors[l] * rng.uniform(-1, 1, size=(dims[l + 1], dims[l])) / math.sqrt(dims[l]) for l in range(depth + 1)]
    bs = ([factors[l] * rng.uniform(-1, 1, size=dims[l + 1]) / math.sqrt(dims[l]) for l in range(depth + 1)]
          if bias else None)
    return Ws, bs


def ic_offset(W0, b0, X, act, factors):
    """theory.md §3.5: f_IC = f(θ) − f(θ_0^MF) + f(θ_0^SP): the frozen part f(θ_0^SP; x) − f(θ_0^MF; x), where θ_0^SP is the
    same draw before the MF weight factors were applied."""
    W_sp = [w / a for w, a in zip(W0, factors)]
    b_sp = None if b0 is None else [b / a for b, a in zip(b0, factors)]
    return logits(W_sp, b_sp, X, act) - logits(W0, b0, X, act)


# ====================================================================================================================
# Tests of the reference itself (no widthlab needed).
# ====================================================================================================================

def small_problem(rng, n=7, n0=4, k=1, loss="logistic"):
    X = rng.normal(size=(n, n0))
    if loss == "logistic":
        y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    elif loss == "cross-entropy":
        y = rng.integers(0, k, size=n)
    else:
        y = rng.normal(size=(n, k))
    return X, y


@pytest.mark.parametrize("loss,k", [("logistic", 1), ("cross-entropy", 3), ("mse", 2)])
@pytest.mark.parametrize("depth", [1, 3])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("act", ["tanh", "leaky_relu:0.1"])
def test_reference_gradients_match_central_differences(loss, k, depth, bias, act):
    rng = np.random.default_rng(depth * 100 + k * 10 + bias)
    X, y = small_problem(rng, k=k, loss=loss)
    Ws, bs = spec_init(rng, X.shape[1], 5, depth, k, [1.0] * (depth + 1), bias)
    offset = rng.normal(size=(X.shape[0], k)) * 0.3     # an IC-MF-like frozen offset: no gradient through it
    _, gW, gb = gradients(Ws, bs, X, y, loss, act, offset)
    zs, _ = forward(Ws, bs, X, act)
    h = 1e-7
    if act.startswith("leaky"):   # a kink within reach of a perturbation would spoil the difference quotient
        assert min(np.abs(z).min() for z in zs[:-1]) > 100 * h
    params = [(Ws, gW)] + ([(bs, gb)] if bias else [])
    for P, G in params:
        for l in range(len(P)):
            num = np.zeros_like(P[l])
            for idx in np.ndindex(P[l].shape):
                keep = P[l][idx]
                P[l][idx] = keep + h
                up = gradients(Ws, bs, X, y, loss, act, offset)[0]
                P[l][idx] = keep - h
                down = gradients(Ws, bs, X, y, loss, act, offset)[0]
                P[l][idx] = keep
                num[idx] = (up - down) / (2 * h)
            # central differences: truncation O(h²·f''') ≈ 1e-14, cancellation ≈ u·L/h ≈ 1e-9
            np.testing.assert_allclose(G[l], num, rtol=1e-6, atol=1e-8)


def test_reference_losses_are_the_spec_formulas():
    f = np.array([[2.0], [-1.0], [0.3], [4.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    value, _ = loss_and_dlogits(f, y, "logistic")
    # BCEWithLogits on 0/1 labels t: −t log s(f) − (1 − t) log(1 − s(f))
    t, s = (y + 1) / 2, 1 / (1 + np.exp(-f[:, 0]))
    bce = np.mean(-t * np.log(s) - (1 - t) * np.log1p(-s))
    assert value == pytest.approx(np.mean(np.log1p(np.exp(-y * f[:, 0]))), rel=1e-14)
    assert value == pytest.approx(bce, rel=1e-12)
    big, g = loss_and_dlogits(np.array([[800.0], [-800.0]]), np.array([-1.0, -1.0]), "logistic")
    assert big == pytest.approx(400.0, rel=1e-14) and g[:, 0] == pytest.approx([0.5, 0.0], abs=1e-300)
    f3 = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    value, _ = loss_and_dlogits(f3, np.array([2, 0]), "cross-entropy")
    want = (-np.log(np.exp(3) / np.exp([1, 2, 3]).sum()) + np.log(3)) / 2
    assert value == pytest.approx(want, rel=1e-14)


def test_recipes_coincide_with_the_reference_net_at_d_ref():
    # theory.md §1.2: every scheme is the reference net at d = d*.
    for opt in ("gd", "rmsprop"):
        for depth in (1, 3):
            names = ["sp", "mf", "ntk", ("intermediate", 0.75)] + (["mup"] if opt == "gd" else [])
            if opt == "gd" and depth == 1:
                names += ["sym-default", ("dev", -1.0, 1.0), ("dev", -0.75, 0.5, 0.25)]
            for name in names:
                assert spec_recipe(name, D_REF, depth, opt, 0.3) == ([1.0] * (depth + 1), [0.3] * (depth + 1)), name


def test_recipe_tables_agree_with_their_exponents():
    # §1.5's dev tuples reproduce the camera_ready rows at depth 1 (MF = (−1, 1), NTK = (−1/2, 0)) and §1.4's
    # sym-default row (lr_in ∝ d^{1/2}, lr_out ∝ d^{-1/2}).
    for width in (256, 1024):
        for point, name in (((-1.0, 1.0), "mf"), ((-0.5, 0.0), "ntk"), ((-0.75, 0.5), ("intermediate", 0.75))):
            assert spec_recipe(("dev", *point), width, 1, "gd", 1.0) == pytest.approx(
                spec_recipe(name, width, 1, "gd", 1.0)), point
        w = width / D_REF
        assert spec_recipe("sym-default", width, 1, "gd", 1.0) == pytest.approx(([1.0, 1.0], [w ** 0.5, w ** -0.5]))


@pytest.mark.parametrize("bias", [False, True])
def test_multiplier_equivalences(bias):
    """theory.md §1.2: with z = α(θh + b), plain GD on θ with lr_θ is GD on W = αθ with lr α²·lr_θ. RMSProp (derived here):
    g_θ = α g_W, v_θ = α² v_W, so Δθ = −lr_θ α g_W / (α(√v_W + eps/α)), i.e. RMSProp on W with lr α·lr_θ and eps/α."""
    rng = np.random.default_rng(5)
    X, y = small_problem(rng, n=9, n0=3)
    alphas = [0.5, 3.0, 0.01]
    theta, braw = spec_init(rng, 3, 6, 2, 1, [1.0] * 3, bias)
    lrs_theta = [0.2, 0.05, 30.0]
    W0 = [a * t for a, t in zip(alphas, theta)]
    b0 = None if braw is None else [a * b for a, b in zip(alphas, braw)]
    for opt in ("gd", "rmsprop"):
        t_fin, b_fin = train_raw(theta, braw, alphas, X, y, lrs_theta=lrs_theta, optimizer=opt, steps=4,
                                 loss="logistic", act="tanh")
        if opt == "gd":
            lrs, eps = [a * a * lr for a, lr in zip(alphas, lrs_theta)], None
        else:
            lrs, eps = [a * lr for a, lr in zip(alphas, lrs_theta)], [RMS_EPS / a for a in alphas]
        W, b, _ = train_reference(W0, b0, X, y, lrs=lrs, optimizer=opt, steps=4, loss="logistic", act="tanh", eps=eps)
        for l in range(3):
            np.testing.assert_allclose(alphas[l] * t_fin[l], W[l], rtol=1e-12, atol=1e-14)
            if bias:
                np.testing.assert_allclose(alphas[l] * b_fin[l], b[l], rtol=1e-12, atol=1e-14)


# ====================================================================================================================
# widthlab against the reference.
# ====================================================================================================================

ACT = "leaky_relu:0.1"    # theory.md's activation (§6.0: leaky ReLU, slope 0.1); widthlab's default
N_TRAIN, N_TEST, N_IN = 24, 12, 6
ETA = 0.2                 # base lr of the GD/SGD cases: weights move by 1e-2..1 of their size in STEPS steps
ETA_RMS = 0.002           # RMSProp's first step is ≈ 10·lr·sign(g): a base lr this small keeps it a perturbation
STEPS = 5


def base_lr(optimizer):
    return ETA_RMS if optimizer == "rmsprop" else ETA


needs_train_net = pytest.mark.skipif(not hasattr(widthlab, "train_net") or not hasattr(widthlab._core, "train_net"),
                                     reason="widthlab.train_net is not built yet")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Two small npy tasks whose exact inputs the reference sees too (standardize = none, train_size = n, test_size
    = m: no subsetting, file order kept — architecture.md §6): binary 0/1 labels (1 → +1) and 10 classes (ids 0..9)."""
    rng = np.random.default_rng(2024)
    tasks = {}
    for name, k, n in (("binary", 2, N_TRAIN), ("ten", 10, 30)):
        d = tmp_path_factory.mktemp(name)
        X, Xt = rng.normal(size=(n, N_IN)), rng.normal(size=(N_TEST, N_IN))
        y = np.arange(n) % k
        rng.shuffle(y)
        yt = rng.integers(0, k, size=N_TEST)
        yt[:k] = np.arange(k)[:N_TEST]
        np.save(d / "X_train.npy", X)
        np.save(d / "y_train.npy", y.astype(np.int64))
        np.save(d / "X_test.npy", Xt)
        np.save(d / "y_test.npy", yt.astype(np.int64))
        tasks[name] = dict(path=str(d), X=X, Xt=Xt, y=y, yt=yt, k=k, n=n)
    return tasks


def make_config(task, *, preset="sp", q=None, depth=1, optimizer="gd", loss="logistic", bias=False, width=256,
                seed=0, lr=None, steps=STEPS, batch=None):
    cfg = {
        "data": {"dataset": "npy", "path": task["path"], "train_size": task["n"], "test_size": N_TEST,
                 "standardize": "none"},
        "model": {"depth": depth, "activation": ACT, "bias": bias, "init": "uniform"},
        "scaling": {"presets": [] if q is not None else [preset], "reference_width": D_REF},
        "train": {"optimizer": optimizer, "lr": base_lr(optimizer) if lr is None else lr, "steps": steps,
                  "loss": loss, "precision": "float64", "batch": batch or ("full" if optimizer == "gd" else task["n"]),
                  "log_every": 1},
        "sweep": {"widths": [width], "seeds": [seed]},
        "limits": {"compute": []},
        "study": {"threads": 1},
    }
    if q is not None:
        cfg["scaling"]["q"] = [list(q)]
    return cfg


def effective(run, which="init"):
    """widthlab's effective weights and biases α_l θ_l, α_l b_l (theory.md §1.2; train_net's documented layer law)."""
    alphas = run["multipliers"]
    params = run[f"{which}_parameters"]
    Ws = [a * np.asarray(t, dtype=np.float64) for a, t in zip(alphas, params["weights"])]
    biases = params.get("biases")
    bs = None if not biases or all(b is None or np.size(b) == 0 for b in biases) else \
        [a * np.asarray(b, dtype=np.float64) for a, b in zip(alphas, biases)]
    return Ws, bs


def labels(task, loss, which="y"):
    y = task[which]
    return (2.0 * y - 1.0) if loss in ("logistic", "mse") else y   # binary tasks train on ±1 labels


def reference_run(run, task, *, scaling, depth, optimizer, loss, width, steps=STEPS, lr_scale=None, batches=None):
    """Train widthlab's init with theory.md's recipe (on ``batches``' rows per step when given); returns (weights, biases,
    train losses, test logits, lrs)."""
    factors, lrs = spec_recipe(scaling, width, depth, optimizer, base_lr(optimizer))
    if lr_scale is not None:
        lrs = [a * s for a, s in zip(lrs, lr_scale)]
    W0, b0 = effective(run)
    X, Xt, y = task["X"], task["Xt"], labels(task, loss)
    off = off_t = None
    if scaling == "ic-mf":
        off, off_t = ic_offset(W0, b0, X, ACT, factors), ic_offset(W0, b0, Xt, ACT, factors)
    W, b, losses = train_reference(W0, b0, X, y, lrs=lrs, optimizer=optimizer, steps=steps, loss=loss, act=ACT,
                                   offset=off, batches=batches)
    f_t = logits(W, b, Xt, ACT) + (0.0 if off_t is None else off_t)
    return W, b, losses, f_t, lrs


def discrepancies(run, ref, task, loss):
    """Relative differences: per layer max|ΔW| / max|W| (and biases), the test logits (by their largest), the train
    loss curve at steps 0..STEPS and the final test loss of the record."""
    W, b, losses, f_t, _ = ref
    Wf, bf = effective(run, "final")
    out = {f"W{l}": np.abs(Wf[l] - W[l]).max() / np.abs(W[l]).max() for l in range(len(W))}
    if b is not None:
        out.update({f"b{l}": np.abs(bf[l] - b[l]).max() / np.abs(b[l]).max() for l in range(len(b))})
    ft = np.asarray(run["test_logits"], dtype=np.float64).reshape(f_t.shape)
    out["test_logits"] = np.abs(ft - f_t).max() / np.abs(f_t).max()
    curve = np.asarray(run["curve"]["train_loss"], dtype=np.float64)
    out["train_loss_curve"] = np.abs(curve - np.asarray(losses)).max() / max(losses)
    test_loss = loss_and_dlogits(f_t, labels(task, loss, "yt"), loss)[0]
    out["test_loss"] = abs(run["test_loss"] - test_loss) / test_loss
    return out


CASES = [
    # (id, scaling for the reference, widthlab preset or q point, depth, optimizer, loss, bias, width)
    ("d1-gd-sp-256", "sp", "sp", 1, "gd", "logistic", False, 256),
    ("d1-gd-mf-256", "mf", "mf", 1, "gd", "logistic", False, 256),
    ("d1-gd-mf-512", "mf", "mean_field", 1, "gd", "logistic", False, 512),
    ("d1-gd-ntk-512", "ntk", "ntk", 1, "gd", "logistic", False, 512),
    ("d1-gd-intermediate-512", ("intermediate", 0.75), "intermediate:0.75", 1, "gd", "logistic", False, 512),
    ("d1-gd-sym-default-512", "sym-default", "sym-default", 1, "gd", "logistic", False, 512),
    ("d1-gd-q(-1,1)-256", ("dev", -1.0, 1.0), ("q", -1.0, 1.0), 1, "gd", "logistic", False, 256),
    ("d1-gd-q(-3/4,1/2)-512", ("dev", -0.75, 0.5), ("q", -0.75, 0.5), 1, "gd", "logistic", False, 512),
    ("d1-gd-q(-1/2,1,0)-512", ("dev", -0.5, 1.0, 0.0), ("q", -0.5, 1.0, 0.0), 1, "gd", "logistic", False, 512),
    ("d1-sgd-full-mf-256", "mf", "mf", 1, "sgd", "logistic", False, 256),
    ("d1-gd-mf-bias-256", "mf", "mf", 1, "gd", "logistic", True, 256),
    ("d1-gd-ntk-ce10-256", "ntk", "ntk", 1, "gd", "cross-entropy", False, 256),
    ("d1-gd-mf-ce10-bias-512", "mf", "mf", 1, "gd", "cross-entropy", True, 512),
    ("d2-gd-sp-256", "sp", "sp", 2, "gd", "logistic", False, 256),
    ("d2-gd-mf-256", "mf", "mf", 2, "gd", "logistic", False, 256),
    ("d2-gd-ntk-512", "ntk", "ntk", 2, "gd", "logistic", False, 512),
    ("d2-gd-mup-512", "mup", "mup", 2, "gd", "logistic", False, 512),
    # Multipliers α ≠ 1 (theory.md §1.2: SGD on θ with lr_θ is SGD on W = αθ with α²·lr_θ). improved SP's §1.4 row
    # (hidden/output std (sN)^{-1/2}, lr η/s; s = ω, input 1, η) is the ntk SGD recipe in effective terms; the custom
    # scalings write MF's readout as an output multiplier ω^{-1} on a raw init ω^{1/2} and raw lr ηω, and train with
    # MF's effective lrs. At depth 2 the custom hidden layer keeps init factor 1 where MF's is ω^{-1/2}: the reference
    # starts from widthlab's init, so these cases check the lrs and the training, not MF's init.
    ("d2-gd-improved-sp-512", "ntk", "improved-sp", 2, "gd", "logistic", False, 512),
    ("d1-gd-custom-mf-512", "mf", "custom:init=0,0.5;multiplier=0,-1;lr=1,1", 1, "gd", "logistic", False, 512),
    ("d2-gd-custom-mf-bias-256", "mf", "custom:init=0,0,0.5;multiplier=0,0,-1;lr=1,0,1", 2, "gd", "logistic", True,
     256),
    ("d3-gd-sp-256", "sp", "sp", 3, "gd", "logistic", False, 256),
    ("d3-gd-mf-512", "mf", "mf", 3, "gd", "logistic", False, 512),
    ("d3-gd-ntk-256", "ntk", "ntk", 3, "gd", "logistic", True, 256),
    ("d3-gd-mf-ce10-256", "mf", "mf", 3, "gd", "cross-entropy", False, 256),
    ("d1-rms-sp-256", "sp", "sp", 1, "rmsprop", "logistic", False, 256),
    ("d1-rms-mf-512", "mf", "mf", 1, "rmsprop", "logistic", False, 512),
    ("d1-rms-ntk-512", "ntk", "ntk", 1, "rmsprop", "logistic", False, 512),
    ("d1-rms-intermediate-512", ("intermediate", 0.75), "intermediate:0.75", 1, "rmsprop", "logistic", False, 512),
    ("d3-rms-sp-256", "sp", "sp", 3, "rmsprop", "logistic", False, 256),
    ("d3-rms-mf-512", "mf", "mf", 3, "rmsprop", "logistic", False, 512),
    ("d3-rms-ntk-256", "ntk", "ntk", 3, "rmsprop", "logistic", True, 256),
    ("d1-gd-icmf-512", "ic-mf", "ic-mf", 1, "gd", "logistic", False, 512),
    ("d1-gd-icmf-bias-256", "ic-mf", "ic-mf", 1, "gd", "logistic", True, 256),
    ("d2-gd-icmf-256", "ic-mf", "ic-mf", 2, "gd", "logistic", False, 256),
    ("d1-gd-icmf-ce10-256", "ic-mf", "ic-mf", 1, "gd", "cross-entropy", False, 256),
    # Squared error, ½(f − y)² on the ±1 labels (theory.md §1.1).
    ("d1-gd-ntk-mse-256", "ntk", "ntk", 1, "gd", "mse", False, 256),
    ("d2-gd-mf-mse-bias-512", "mf", "mf", 2, "gd", "mse", True, 512),
    ("d1-rms-sp-mse-256", "sp", "sp", 1, "rmsprop", "mse", False, 256),
]


def run_case(data, preset, depth, optimizer, loss, bias, width, seed=0):
    task = data["ten" if loss == "cross-entropy" else "binary"]
    q = preset[1:] if isinstance(preset, tuple) else None
    cfg = make_config(task, preset=None if q else preset, q=q, depth=depth, optimizer=optimizer, loss=loss,
                      bias=bias, width=width, seed=seed)
    return widthlab.train_net(cfg), task


@needs_train_net
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_training_matches_the_spec_recipe(data, case):
    name, scaling, preset, depth, optimizer, loss, bias, width = case
    run, task = run_case(data, preset, depth, optimizer, loss, bias, width)
    assert run["status"] == "ok" and run["final_parameters"] is not None
    alphas = np.asarray(run["multipliers"], dtype=np.float64)
    if optimizer == "rmsprop":
        # theory.md's recipe trains the raw tensors with no multiplier; with α ≠ 1 widthlab's effective eps would be
        # eps/α (test_multiplier_equivalences). Say so if it happens rather than assume it away.
        assert np.all(alphas == 1.0), f"RMSProp with multipliers {alphas}: the effective eps differs from theory.md's"
    ref = reference_run(run, task, scaling=scaling, depth=depth, optimizer=optimizer, loss=loss, width=width)
    # The lrs themselves: effective SGD lr α²·lr_θ (theory.md §1.2), RMSProp α·lr_θ (derived; α = 1 asserted above).
    power = 1 if optimizer == "rmsprop" else 2
    eff = alphas ** power * np.asarray(run["layer_lrs"], dtype=np.float64)
    np.testing.assert_allclose(eff, ref[4], rtol=1e-12, err_msg=f"{name}: effective lrs vs theory.md §1.5")
    diff = discrepancies(run, ref, task, loss)
    bad = {k: v for k, v in diff.items() if not v <= RTOL}
    assert not bad, f"{name}: relative differences above {RTOL}: {bad}"


MINIBATCH_CASES = [
    # (id, scaling for the reference, widthlab preset, depth, loss, bias, width, batch). The binary task has 24 training
    # examples: batches of 5 end the first epoch with a short one (5, 5, 5, 5, 4) at step 5; batches of 7 (7, 7, 7, 3)
    # reach into the second, reshuffled epoch. The ten-class task has 30: 7, 7, 7, 7, 2.
    ("d1-sgd-b5-mf-256", "mf", "mf", 1, "logistic", False, 256, 5),
    ("d2-sgd-b7-ntk-bias-512", "ntk", "ntk", 2, "logistic", True, 512, 7),
    ("d1-sgd-b7-icmf-256", "ic-mf", "ic-mf", 1, "logistic", False, 256, 7),
    ("d1-sgd-b5-sp-mse-256", "sp", "sp", 1, "mse", False, 256, 5),
    ("d1-sgd-b7-mf-ce10-512", "mf", "mf", 1, "cross-entropy", False, 512, 7),
]


def assert_epoch_permutations(batches, n, batch):
    """theory.md §6.0's order: each epoch a permutation of the n examples in batches of ``batch``, the last one
    short (n mod batch rows), drawn anew every epoch."""
    sizes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    epochs = [batches[i:i + len(sizes)] for i in range(0, len(batches), len(sizes))]
    for e, epoch in enumerate(epochs):
        assert [len(b) for b in epoch] == sizes[:len(epoch)], f"epoch {e}: batch sizes {[len(b) for b in epoch]}"
        rows = np.concatenate(epoch)
        assert len(set(rows.tolist())) == len(rows) and rows.min() >= 0 and rows.max() < n, f"epoch {e} repeats rows"
        if len(epoch) == len(sizes):
            assert not np.array_equal(rows, np.arange(n)), f"epoch {e} is not shuffled"


@needs_train_net
@pytest.mark.parametrize("case", MINIBATCH_CASES, ids=[c[0] for c in MINIBATCH_CASES])
def test_minibatch_sgd_matches_the_spec_recipe(data, case):
    """Mini-batch SGD on the batches widthlab reports drawing: the mean loss over each batch's own rows (theory.md §1.1;
    the short batch too), the recipe's lrs. The order itself is widthlab's convention (§6.0), checked for its form."""
    name, scaling, preset, depth, loss, bias, width, batch = case
    task = data["ten" if loss == "cross-entropy" else "binary"]
    cfg = make_config(task, preset=preset, depth=depth, optimizer="sgd", loss=loss, bias=bias, width=width,
                      batch=batch)
    run = widthlab.train_net(cfg)
    assert run["status"] == "ok"
    batches = [np.asarray(b) for b in run["batches"]]
    assert len(batches) == STEPS
    assert_epoch_permutations(batches, task["n"], batch)
    ref = reference_run(run, task, scaling=scaling, depth=depth, optimizer="sgd", loss=loss, width=width,
                        batches=batches)
    diff = discrepancies(run, ref, task, loss)
    bad = {k: v for k, v in diff.items() if not v <= RTOL}
    assert not bad, f"{name}: relative differences above {RTOL}: {bad}"
    # Power: the same steps on all rows miss by far more than the tolerance.
    full = discrepancies(run, reference_run(run, task, scaling=scaling, depth=depth, optimizer="sgd", loss=loss,
                                            width=width), task, loss)
    assert max(full.values()) > 1e3 * RTOL, f"{name}: full batch is indistinguishable: {full}"


@needs_train_net
def test_minibatch_short_batch_is_averaged_over_its_own_rows(data):
    """The last batch of an epoch (4 rows of 24 in batches of 5) is a mean over its 4 rows: scaling its gradient by
    4/5, as a mean over the nominal batch size would, moves the final weights by far more than the tolerance."""
    task = data["binary"]
    run = widthlab.train_net(make_config(task, preset="mf", optimizer="sgd", width=256, batch=5))
    batches = [np.asarray(b) for b in run["batches"]]
    assert len(batches[4]) == 4
    W0, b0 = effective(run)
    factors, lrs = spec_recipe("mf", 256, 1, "sgd", ETA)
    X, y = task["X"], labels(task, "logistic")
    # The nominal-size mean: the short step's lr times 4/5 (the same as summing its 4 rows and dividing by 5).
    W, _, _ = train_reference(W0, b0, X, y, lrs=lrs, optimizer="sgd", steps=4, loss="logistic", act=ACT,
                              batches=batches)
    _, gW, _ = gradients(W, None, X[batches[4]], y[batches[4]], "logistic", ACT)
    W = [w - 0.8 * lr * g for w, lr, g in zip(W, lrs, gW)]
    Wf, _ = effective(run, "final")
    assert max(np.abs(Wf[l] - W[l]).max() / np.abs(W[l]).max() for l in range(len(W))) > 1e3 * RTOL


@needs_train_net
def test_multiplier_cases_really_have_multipliers(data):
    for preset, depth in (("improved-sp", 2), ("custom:init=0,0.5;multiplier=0,-1;lr=1,1", 1)):
        run, _ = run_case(data, preset, depth, "gd", "logistic", False, 512)
        assert min(run["multipliers"]) <= 0.5, (preset, run["multipliers"])


RMS_MULTIPLIER_CASES = [("improved-sp", 2, False, 512), ("custom:init=0,0.5;multiplier=0,-1;lr=1,1", 1, True, 512)]


@needs_train_net
@pytest.mark.parametrize("preset,depth,bias,width", RMS_MULTIPLIER_CASES)
def test_rmsprop_with_multipliers_is_torch_rmsprop_on_the_raw_parameters(data, preset, depth, bias, width):
    """theory.md has no RMSProp recipe for these scalings, so this checks only the optimizer: RMSProp on the raw θ_l
    with widthlab's own α_l and lr_θ is RMSProp on W = αθ with lr α·lr_θ and eps/α (test_multiplier_equivalences)."""
    run, task = run_case(data, preset, depth, "rmsprop", "logistic", bias, width)
    alphas = np.asarray(run["multipliers"], dtype=np.float64)
    assert alphas.min() < 1.0
    W0, b0 = effective(run)
    lrs = list(alphas * np.asarray(run["layer_lrs"], dtype=np.float64))
    y = labels(task, "logistic")
    ref = train_reference(W0, b0, task["X"], y, lrs=lrs, optimizer="rmsprop", steps=STEPS, loss="logistic", act=ACT,
                          eps=[RMS_EPS / a for a in alphas])
    ref = (*ref, logits(ref[0], ref[1], task["Xt"], ACT), lrs)
    diff = discrepancies(run, ref, task, "logistic")
    assert max(diff.values()) <= RTOL, diff


@needs_train_net
def test_initial_logits_of_ic_mf_are_the_sp_nets(data):
    # theory.md §3.5: at step 0, f_IC equals the output of the SP net of the same draw. That draw is the sp run of the same
    # seed when widthlab pairs inits across scalings (at d = d*: test_every_scaling_is_the_reference_net_at_d_ref).
    task = data["binary"]
    ic, _ = run_case(data, "ic-mf", 1, "gd", "logistic", False, 512)
    sp, _ = run_case(data, "sp", 1, "gd", "logistic", False, 512)
    W_sp, _ = effective(sp)
    f0 = logits(W_sp, None, task["X"], ACT)
    want = loss_and_dlogits(f0, labels(task, "logistic"), "logistic")[0]
    assert ic["curve"]["train_loss"][0] == pytest.approx(want, rel=1e-12)
    assert sp["curve"]["train_loss"][0] == pytest.approx(want, rel=1e-12)


INIT_CASES = [("sp", 1, 512), ("mf", 1, 512), ("ntk", 2, 512), ("mf", 3, 256), ("intermediate:0.75", 1, 512),
              ("sym-default", 1, 512), ("mup", 2, 512), ("ic-mf", 1, 256)]
SPEC_NAME = {"intermediate:0.75": ("intermediate", 0.75)}


@needs_train_net
@pytest.mark.parametrize("preset,depth,width", INIT_CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_init_law_is_the_spec_recipe(data, preset, depth, width, bias):
    """theory.md §1.5: each effective weight (and bias) tensor is factor·U(±1/√fan_in): inside the bound, with the
    uniform law's second moment factor²/(3 fan_in) (5 standard errors: var(u²)/E[u²]² = 4/5 for a uniform u)."""
    run, _ = run_case(data, preset, depth, "gd", "logistic", bias, width)
    factors, _ = spec_recipe(SPEC_NAME.get(preset, preset), width, depth, "gd", ETA)
    W0, b0 = effective(run)
    dims = [N_IN] + [width] * depth + [1]
    assert [w.shape for w in W0] == [(dims[l + 1], dims[l]) for l in range(depth + 1)]
    tensors = [(f"W{l}", W0[l], l) for l in range(depth + 1)] + ([(f"b{l}", b0[l], l) for l in range(depth + 1)]
                                                                 if bias else [])
    assert (b0 is not None) == bias
    for what, T, l in tensors:
        bound = factors[l] / math.sqrt(dims[l])
        assert np.abs(T).max() <= bound * (1 + 1e-12), (what, np.abs(T).max(), bound)
        ratio = np.mean(T * T) / (bound * bound / 3)
        assert abs(ratio - 1) <= 5 * math.sqrt(0.8 / T.size), (what, ratio, T.size)


@needs_train_net
@pytest.mark.parametrize("depth", [1, 2])
def test_every_scaling_is_the_reference_net_at_d_ref(data, depth):
    """theory.md §1.2 / §1.5: at d = d* = 128 every scaling's effective init and effective lrs are the default's."""
    names = ["sp", "ntk", "mf", "ic-mf", "mup", "intermediate:0.75"]
    names += ["sym-default", ("q", -1.0, 1.0), ("q", -0.75, 0.5, 0.25)] if depth == 1 else []
    base, _ = run_case(data, "sp", depth, "gd", "logistic", True, D_REF)
    W_sp, b_sp = effective(base)
    for name in names:
        run, _ = run_case(data, name, depth, "gd", "logistic", True, D_REF)
        W, b = effective(run)
        for l in range(depth + 1):
            np.testing.assert_allclose(W[l], W_sp[l], rtol=1e-15, atol=0, err_msg=f"{name} W{l}")
            np.testing.assert_allclose(b[l], b_sp[l], rtol=1e-15, atol=0, err_msg=f"{name} b{l}")
        eff = np.asarray(run["multipliers"]) ** 2 * np.asarray(run["layer_lrs"])
        np.testing.assert_allclose(eff, ETA, rtol=1e-15, err_msg=f"{name}: effective lrs at d*")


POWER_CASES = [("d2-gd-mf-256", "mf", 2, "gd", 256), ("d3-rms-ntk-256", "ntk", 3, "rmsprop", 256),
               ("d1-gd-intermediate-512", ("intermediate", 0.75), 1, "gd", 512)]


@needs_train_net
@pytest.mark.parametrize("name,scaling,depth,optimizer,width", POWER_CASES, ids=[c[0] for c in POWER_CASES])
def test_power_an_lr_factor_off_by_two_is_caught(data, name, scaling, depth, optimizer, width):
    """The comparison has power: doubling (or halving) any single layer's lr in the reference puts it ≥ 10⁴·RTOL
    away from widthlab in that layer's weights and in the test logits."""
    preset = {"mf": "mf", "ntk": "ntk"}.get(scaling, "intermediate:0.75")
    run, task = run_case(data, preset, depth, optimizer, "logistic", False, width)
    right = discrepancies(run, reference_run(run, task, scaling=scaling, depth=depth, optimizer=optimizer,
                                             loss="logistic", width=width), task, "logistic")
    assert max(right.values()) <= RTOL, right
    for l in range(depth + 1):
        for s in (2.0, 0.5):
            scale = [1.0] * (depth + 1)
            scale[l] = s
            wrong = discrepancies(run, reference_run(run, task, scaling=scaling, depth=depth, optimizer=optimizer,
                                                     loss="logistic", width=width, lr_scale=scale),
                                 task, "logistic")
            assert wrong[f"W{l}"] > 1e4 * RTOL and wrong["test_logits"] > 1e4 * RTOL, (l, s, wrong)
