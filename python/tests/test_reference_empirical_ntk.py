"""The empirical tangent kernel of finite nets checked against an independent numpy float64 reference.

Written from the documentation only — theory.md §1.1 (networks, losses), §1.2 (z = α(θh + b): effective weight αθ,
effective SGD lr α²·lr_θ), §1.5 (the recipes' per-layer lrs), §3.5 (IC-MF: gradients flow through f(θ; x) only),
§3.8 ("per-layer learning rates multiply each layer's direct term", Θ = Σ_l η_l ⟨∂f/∂W^l, ∂f/∂W^l⟩, and the float32
kink note), §3.9 (finite layered nets), §6.3 R21, §8.3 — README (the `lr` / `plain` / `nt` normalizations,
"Architectures and convolutional nets"), architecture.md (ntk-empirical, entk.npy), `widthlab ntk-empirical --help`,
the docstrings of ``widthlab.empirical_ntk`` and ``widthlab.train_net`` and the header comments of empirical_ntk.h,
empirical_ntk_run.h, mlp.h, conv_net.h, architecture.h and train_run.h. It never reads widthlab's C++ (src/).

The reference. ``train_net`` hands over the raw θ_l, b_l (init and final), α_l and layer_lrs of the same run that
``empirical_ntk`` evaluates (both docstrings: same init, batches, optimizer, IC-MF offsets). The reference rebuilds
the net (layer l: z_l = α_l(θ_l h + b_l)), computes by hand-written backprop the per-example gradient of logit o in
every θ_l and b_l — the Jacobian route, where widthlab documents Gram / Hadamard products — and forms
Θ_o(x, x') = Σ_l w_l (⟨∂f_o/∂θ_l(x), ∂f_o/∂θ_l(x')⟩ + ⟨∂f_o/∂b_l(x), ∂f_o/∂b_l(x')⟩), w_l = layer_lrs[l] ("lr": one
lr for θ_l and b_l, mlp.h / conv_net.h) or 1 ("plain"); output = −1 is (1/k)Σ_o Θ_o (empirical_ntk.h: the mean of
the diagonal blocks, cross-output blocks not used), output = o is Θ_o. Layered nets use test_reference_conv.py's
forward / backward one example and one output at a time. The "lr" weights are tied to the recipes: α_l²·layer_lrs[l]
must be theory.md §1.5's effective lr (test_reference_training.py's spec_recipe; improved-sp is ntk's recipe;
custom scalings η·ω^{lr+2m}), so the kernel is §3.8's Σ_l η_l ⟨∂f/∂W^l, ∂f/∂W^l⟩ in effective weights.
Self-checks: the Jacobians equal float64 central differences, and the dense and the layered reference agree on a
dense-only architecture.

Cases: dense nets of depth 1–3; relu, erf, tanh, leaky_relu:0.1; with and without bias; sp, ntk, mf, mup,
improved-sp (α = ω^{-1/2} ≠ 1), a custom scaling with an output multiplier, ic-mf; one logit (logistic) and 10
(cross-entropy; the mean and single outputs); at init and trained (gd, and sgd on mini-batches); on the config's test
inputs and on a given x; layered nets (conv SAME / VALID / stride 2 / CIRCULAR, gap / flatten); float64 and float32.
Also: the kernel is exactly symmetric, its diagonal is train_net's kernel_diag_init/final (train_run.h), the CLI's
entk.npy equals the Python kernel, and `nt` is §3.8's NTK parameterization of the same net.

Tolerances (relative to max|Θ|, the largest diagonal entry: Θ is PSD, so |Θ(x, x')| ≤ √(Θ(x, x)Θ(x', x'))).
  float64 (u = 1.1e-16): an entry is Σ_l w_l Σ_i J_i(x)J_i(x') over ≤ 64·64 + 64 = 4160 terms per layer, whose error
  is ≤ γ_n Σ|J_i(x)J_i(x')| ≤ 4160·u·√(Θ(x, x)Θ(x', x')) ≈ 4.6e-13·max|Θ| (Cauchy–Schwarz, w_l ≥ 0); the J's come
  from ≤ 8 chained sums of ≤ 64 terms (forward and backward, depth 3), ≤ 8·64·u ≈ 5.7e-14 each, twice in a product.
  Both sides err, so the bound is ≈ 1.2e-12. The trained nets are the same run on both sides (bit-identical
  parameters are documented, not assumed: a rounding-level difference of a few GD steps, ≲ 1e-12, would fit too).
  RTOL64 = 1e-10 is ≈ 80× that bound. Measured: ≤ 4.1e-16 (d3-erf-sp-bias-trained).
  float32 (u = 6e-8): widthlab computes in float32 from its float32 parameters (train_net returns them exactly), its
  α_l and inputs rounded to float32 (mlp.h); the reference takes those same numbers in float64, so only float32
  arithmetic is measured. The typical error of an n-term sum is √n·u: √4160·u ≈ 3.9e-6 for the Gram sums, 8·√64·u ≈
  3.8e-6 for the chained forward / backward sums, ≈ 8e-6 together; RTOL32 = 1e-4 is ≈ 12× that (the worst case
  n·u ≈ 2.5e-4 is not reached by random-walk sums). A φ' jump (relu, leaky_relu) at a pre-activation within rounding
  of 0 can move an entry by O(1/d) (theory.md §3.8): the dense float32 cases assert every pre-activation is
  ≥ KINK_MARGIN = 1e-4 of its layer's largest (measured ≥ 1.4e-3), ≥ 9× the worst float32 error of a pre-activation
  (≤ 3 chained sums of ≤ 64 terms, 3·64·u ≈ 1.1e-5); the float32 conv case is tanh. Measured: ≤ 1.5e-7.

Power (test_power_*): on a net with α = (1, 1, 4), per-layer lrs (0.075, 0.3, 0.075), biases and 10 outputs, after 4
GD steps, each plausible mistake — plain for lr weighting and the converse, α applied once (λα) or not at all (λ, the
gradient in αθ), bias terms dropped or weighted 1, the sum over outputs or output 0 for the mean, the init net for the
trained one — misses widthlab by ≥ POWER_MIN = 1e-3 relative (≥ 1e7·RTOL64, ≥ 10·RTOL32). Measured misses: 0.15
(output 0 for the mean, bias dropped, init for trained) to 7.9 (lr for plain). IC-MF's kernel at init is the MF
θ-net's, not that of the SP copy whose output f_IC equals at step 0: that mistake misses by 1.3e-2.

Findings (documentation gaps, settled by probing; the comparisons then confirm them):
  * An IC-MF kernel: no document says what ``empirical_ntk`` returns for ic-mf. Derived from §3.5 (the frozen terms
    carry no gradient): the tangent kernel of f(θ) alone, at init the MF net's, not the SP net's that f_IC equals.
  * ``x`` of a layered net: the docstring says "(N, input_dim)"; for images that is (N, H·W·C) with C fastest (the
    npy rows' layout, README "Data"); a 4-D (N, H, W, C) array is refused ("expected a 2-D (N, d) array"). Not stated
    in the docstring or in --help.
  * Layered nets are supported by the empirical NTK (`--arch` in README's list, empirical_ntk.h's ConvNet overload),
    but ``widthlab.empirical_ntk``'s docstring and theory.md §3.9 / §8.3 do not say so.
  * The docstring's "each layer's gradient weighted by its learning rate" does not say which lr; empirical_ntk.h
    (λ_l = lr·factors[l].lr) and mlp.h (the bias shares its layer's lr) do: it is train_net's layer_lrs, for θ_l and
    b_l alike. The docstring's "mean over the outputs" is the mean of Θ_oo (empirical_ntk.h), not of the full k × k
    block.
"""
import math

import numpy as np
import pytest

import widthlab
from test_reference_conv import backward as conv_backward, forward as conv_forward, parse_arch, raw_parameters
from test_reference_conv import custom_recipe, recipe as conv_recipe
from test_reference_training import activation, spec_recipe

D_REF = 128                     # theory.md §1.5: d* = 128, ω = d/d*
RTOL64 = 1e-10                  # see the module docstring
RTOL32 = 1e-4
KINK_MARGIN = 1e-4
POWER_MIN = 1e-3
ETA, STEPS = 0.3, 4             # base lr and GD steps of the trained cases
N_TEST, N_IN = 6, 5
CUSTOM = "custom:init=0,0,0.5;multiplier=0,0,-1;lr=1,0,1"   # MF's readout as an output multiplier ω^{-1}

needs_entk = pytest.mark.skipif(not hasattr(widthlab, "empirical_ntk") or not hasattr(widthlab, "train_net"),
                                reason="widthlab.empirical_ntk / train_net are not built")


# ====================================================================================================================
# The reference: per-example Jacobians by backprop, per-layer Gram matrices, the weighted sum.
# ====================================================================================================================

def dense_forward(thetas, biases, alphas, X, act):
    """mlp.h / train_net: z_l = α_l(θ_l h_{l−1} + b_l), h_l = φ(z_l) for l < H, f = z_H. Returns (inputs h, z)."""
    phi, _ = activation(act)
    hs, zs = [X], []
    for l, theta in enumerate(thetas):
        zs.append(alphas[l] * (hs[-1] @ theta.T + (0.0 if biases is None else biases[l])))
        if l < len(thetas) - 1:
            hs.append(phi(zs[-1]))
    return hs, zs


def dense_jacobians(thetas, biases, alphas, X, act, o):
    """Per example, ∂f_o/∂θ_l (rows of fan_out·fan_in) and ∂f_o/∂b_l (None without bias), l = 0..H."""
    _, dphi = activation(act)
    hs, zs = dense_forward(thetas, biases, alphas, X, act)
    delta = np.zeros_like(zs[-1])
    delta[:, o] = 1.0                                        # ∂f_o/∂z_H
    out = []
    for l in reversed(range(len(thetas))):
        g = alphas[l] * delta                                # ∂f_o/∂(θ_l h + b_l)
        out.append((np.einsum("ni,nj->nij", g, hs[l]).reshape(len(X), -1), None if biases is None else g))
        if l:
            delta = (g @ thetas[l]) * dphi(zs[l - 1])
    return out[::-1]


def conv_jacobians(net, thetas, biases, alphas, X, o):
    """The layered reference of test_reference_conv.py, one example at a time with ∂(loss)/∂logits = e_o."""
    rows = []
    for i in range(len(X)):
        f, cache = conv_forward(net, thetas, biases, alphas, X[i:i + 1])
        e = np.zeros_like(f)
        e[0, o] = 1.0
        gT, gB = conv_backward(cache, thetas, alphas, e, biases is not None)
        rows.append([(t.ravel(), None if gB is None else gB[l]) for l, t in enumerate(gT)])
    return [(np.array([r[l][0] for r in rows]), None if biases is None else np.array([r[l][1] for r in rows]))
            for l in range(len(thetas))]


def gram_parts(jacobians, k, output):
    """Per layer the Gram matrices of the θ and the b gradients, averaged over the outputs used (all k for −1)."""
    outs = range(k) if output < 0 else [output]
    G_t, G_b = 0.0, 0.0
    for o in outs:
        J = jacobians(o)
        G_t = G_t + np.array([Jt @ Jt.T for Jt, _ in J])
        G_b = G_b + np.array([np.zeros((len(Jt),) * 2) if Jb is None else Jb @ Jb.T for Jt, Jb in J])
    return G_t / len(outs), G_b / len(outs)


def combine(parts, w_theta, w_bias=None):
    """Θ = Σ_l w_θ,l G_θ,l + w_b,l G_b,l (w_b = w_θ: a bias shares its layer's lr)."""
    G_t, G_b = parts
    w_bias = w_theta if w_bias is None else w_bias
    return np.einsum("l,lij->ij", np.asarray(w_theta, float), G_t) + np.einsum("l,lij->ij", np.asarray(w_bias, float),
                                                                                G_b)


def rel(K, R):
    return float(np.abs(np.asarray(K, dtype=np.float64) - R).max() / np.abs(R).max())


# ====================================================================================================================
# Tests of the reference itself (no widthlab needed).
# ====================================================================================================================

def tiny_net(rng, dims, bias):
    thetas = [rng.normal(size=(dims[l + 1], dims[l])) / math.sqrt(dims[l]) for l in range(len(dims) - 1)]
    biases = [rng.normal(size=dims[l + 1]) * 0.3 for l in range(len(dims) - 1)] if bias else None
    return thetas, biases


def test_reference_jacobians_match_central_differences():
    rng = np.random.default_rng(3)
    thetas, biases = tiny_net(rng, [3, 4, 4, 3], True)
    alphas, X, h = [0.7, 1.3, 2.0], rng.normal(size=(3, 3)), 1e-6
    for o in range(3):
        J = dense_jacobians(thetas, biases, alphas, X, "tanh", o)
        for l in range(3):
            for P, col in ((thetas, 0), (biases, 1)):
                num = np.zeros((3, P[l].size))
                for idx in range(P[l].size):
                    keep = P[l].flat[idx]
                    vals = []
                    for step in (h, -h):
                        P[l].flat[idx] = keep + step
                        vals.append(dense_forward(thetas, biases, alphas, X, "tanh")[1][-1][:, o])
                    P[l].flat[idx] = keep
                    num[:, idx] = (vals[0] - vals[1]) / (2 * h)
                # truncation h²·f''' ≈ 1e-12, cancellation u·|f|/h ≈ 1e-10
                np.testing.assert_allclose(J[l][col], num, rtol=1e-7, atol=1e-9)


def test_reference_dense_and_layered_jacobians_agree_on_a_dense_architecture():
    rng = np.random.default_rng(4)
    thetas, biases = tiny_net(rng, [3, 4, 4, 2], True)
    alphas, X = [1.0, 0.5, 3.0], rng.normal(size=(4, 3))
    net = parse_arch("dense(d)-erf-dense(d)-erf", 4, 2)
    dense = gram_parts(lambda o: dense_jacobians(thetas, biases, alphas, X, "erf", o), 2, -1)
    layered = gram_parts(lambda o: conv_jacobians(net, thetas, biases, alphas, X.reshape(4, 1, 1, 3), o), 2, -1)
    for a, b in zip(dense, layered):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_tolerances_cover_the_derived_rounding_bounds():
    u64, u32 = 2.0 ** -53, 2.0 ** -24
    bound64 = 2 * (4160 * u64 + 2 * 8 * 64 * u64)
    typical32 = math.sqrt(4160) * u32 + 8 * math.sqrt(64) * u32
    assert 50 * bound64 <= RTOL64 and 10 * typical32 <= RTOL32
    assert POWER_MIN >= 1e7 * RTOL64 and POWER_MIN >= 10 * RTOL32


# ====================================================================================================================
# widthlab against the reference.
# ====================================================================================================================

@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """npy tasks whose exact inputs the reference sees (standardize = none, all rows, file order): binary and ten
    classes on R⁵; images binary (10, 5, 4, 2) (H ≠ W) and ten classes (20, 4, 4, 1)."""
    rng = np.random.default_rng(2026)
    tasks = {}
    for name, k, n, shape in (("vec2", 2, 12, (N_IN,)), ("vec10", 10, 20, (N_IN,)), ("img2", 2, 10, (5, 4, 2)),
                              ("img10", 10, 20, (4, 4, 1))):
        d = tmp_path_factory.mktemp(name)
        X, Xt = rng.normal(size=(n, *shape)), rng.normal(size=(N_TEST, *shape))
        y = np.arange(n) % k
        rng.shuffle(y)
        for f, arr in (("X_train", X), ("y_train", y), ("X_test", Xt), ("y_test", np.arange(N_TEST) % k)):
            np.save(d / f"{f}.npy", arr)
        tasks[name] = dict(path=str(d), Xt=Xt, n=n, k=k, shape=shape, x=rng.normal(size=(4, *shape)))
    return tasks


def make_config(task, c, precision="float64"):
    cfg = {
        "data": {"dataset": "npy", "path": task["path"], "train_size": task["n"], "test_size": N_TEST,
                 "standardize": "none"},
        "model": {"depth": c["depth"], "activation": c["act"], "bias": c["bias"], "init": c.get("init", "uniform")},
        "scaling": {"presets": [c["preset"]], "reference_width": D_REF},
        "train": {"optimizer": c.get("opt", "gd"), "lr": ETA, "steps": STEPS, "loss": c["loss"],
                  "precision": precision, "batch": c.get("batch", "full")},
        "sweep": {"widths": [c["width"]], "seeds": [c.get("seed", 1)]},
        "limits": {"compute": []},
        "study": {"threads": 1},
    }
    if "arch" in c:
        cfg["model"]["arch"] = c["arch"]
    return cfg


def case(name, preset, depth, act, bias, loss="logistic", trained=True, x="test", width=32, **extra):
    return dict(name=name, preset=preset, depth=depth, act=act, bias=bias, loss=loss, trained=trained, x=x,
                width=width, **extra)


CE = "cross-entropy"
DENSE = [
    case("d1-relu-sp-init", "sp", 1, "relu", False, trained=False),
    case("d1-erf-ntk-bias-trained", "ntk", 1, "erf", True, width=64),
    case("d1-leaky-mf-trained-given-x", "mf", 1, "leaky_relu:0.1", False, x="given"),
    case("d1-relu-mup-bias-ce10-init", "mup", 1, "relu", True, loss=CE, trained=False),
    case("d2-tanh-mup-bias-trained", "mup", 2, "tanh", True, width=64),
    case("d2-relu-improved-sp-bias-trained", "improved-sp", 2, "relu", True),
    case("d2-erf-custom-alpha4-bias-init-given-x", CUSTOM, 2, "erf", True, trained=False, x="given"),
    case("d2-leaky-sp-sgd-batch5-trained", "sp", 2, "leaky_relu:0.1", False, opt="sgd", batch=5),
    case("d2-relu-icmf-ce10-trained", "ic-mf", 2, "relu", False, loss=CE),
    case("d1-tanh-icmf-bias-trained", "ic-mf", 1, "tanh", True),
    case("d3-leaky-ntk-bias-ce10-trained", "ntk", 3, "leaky_relu:0.1", True, loss=CE),
    case("d3-tanh-mf-ce10-init-given-x", "mf", 3, "tanh", False, loss=CE, trained=False, x="given"),
    case("d3-erf-sp-bias-trained", "sp", 3, "erf", True, width=64),
]
CONV = [
    case("conv-same-valid-stride2-gap-tanh-mf-bias-trained", "mf", 2, "tanh", True, width=8,
         arch="conv(3x3,same,d)-tanh-conv(2x2,valid,d,stride=2)-tanh-gap"),
    case("conv-circular-flatten-relu-improved-sp-bias-init-given-x", "improved-sp", 1, "relu", True, width=8,
         trained=False, x="given", arch="conv(3x3,circular,d)-relu-flatten"),
    case("conv-same-gap-erf-sp-ce10-trained", "sp", 1, "erf", False, loss=CE, width=8, arch="conv(3,same,d)-erf-gap"),
]
FLOAT32 = [
    case("d3-tanh-mf-bias-trained", "mf", 3, "tanh", True, width=64),
    case("d2-relu-sp-ce10-init", "sp", 2, "relu", False, loss=CE, trained=False),
    case("d2-leaky-improved-sp-bias-trained-given-x", "improved-sp", 2, "leaky_relu:0.1", True, x="given"),
    DENSE[8],
    CONV[0],
]
ALL = {c["name"]: c for c in DENSE + CONV}


def task_of(data, c):
    return data[("img" if "arch" in c else "vec") + ("10" if c["loss"] == CE else "2")]


class Net:
    """One train_net run of a case and the reference kernels of its init or final parameters."""

    def __init__(self, data, c, precision="float64"):
        self.c, self.task = c, task_of(data, c)
        self.cfg = make_config(self.task, c, precision)
        self.run = widthlab.train_net(self.cfg)
        assert self.run["status"] == "ok", c["name"]
        self.f32 = precision == "float32"
        alphas = np.asarray(self.run["multipliers"], dtype=np.float64)
        self.alphas = alphas.astype(np.float32).astype(np.float64) if self.f32 else alphas
        self.lrs = np.asarray(self.run["layer_lrs"], dtype=np.float64)
        self.k = self.task["k"] if c["loss"] == CE else 1
        self.x = None if c["x"] == "test" else self.task["x"].reshape(4, -1)

    def inputs(self):
        X = self.task["Xt"] if self.x is None else self.x
        return X.astype(np.float32).astype(np.float64) if self.f32 else X

    def parts(self, which=None, output=-1):
        which = which or ("final" if self.c["trained"] else "init")
        thetas, biases = raw_parameters(self.run, which)
        X = self.inputs()
        layered = parse_arch(self.c["arch"], self.c["width"], self.k) if "arch" in self.c else None

        def jacobians(o):
            if layered:
                return conv_jacobians(layered, thetas, biases, self.alphas, X.reshape(len(X), *self.task["shape"]), o)
            return dense_jacobians(thetas, biases, self.alphas, X, self.c["act"], o)
        return gram_parts(jacobians, self.k, output)

    def widthlab(self, weighting="lr", output=-1, trained=None):
        trained = self.c["trained"] if trained is None else trained
        return widthlab.empirical_ntk(self.cfg, x=self.x, trained=trained, weighting=weighting, output=output)

    def reference(self, weighting="lr", output=-1):
        return combine(self.parts(output=output), self.lrs if weighting == "lr" else np.ones_like(self.lrs))


def check_kernel(net, rtol, weighting="lr", output=-1):
    K = net.widthlab(weighting, output)
    assert K.dtype == (np.float32 if net.f32 else np.float64)
    assert np.array_equal(K, K.T), f"{net.c['name']}: not exactly symmetric"
    R = net.reference(weighting, output)
    assert K.shape == R.shape == (len(net.inputs()),) * 2
    err = rel(K, R)
    assert err <= rtol, f"{net.c['name']} weighting={weighting} output={output}: rel. error {err:.3g} > {rtol}"


@needs_entk
@pytest.mark.parametrize("c", DENSE + CONV, ids=[c["name"] for c in DENSE + CONV])
def test_float64_kernel_matches_the_reference(data, c):
    net = Net(data, c)
    for weighting in ("lr", "plain"):
        check_kernel(net, RTOL64, weighting)
    if net.k > 1:
        for o in (0, net.k - 1):
            check_kernel(net, RTOL64, "lr", o)
    else:
        assert np.array_equal(net.widthlab(output=0), net.widthlab(output=-1))


def expected_effective_lrs(c, layers):
    """theory.md §1.5's effective SGD lr per layer (improved-sp: ntk's recipe in effective terms; custom: η·ω^{lr+2m};
    layered nets: test_reference_conv's recipe on their affine layers)."""
    name = {"improved-sp": "ntk"}.get(c["preset"], c["preset"])
    if name.startswith("custom:"):
        return custom_recipe(name, c["width"], ETA)[1]
    if "arch" in c:
        return conv_recipe(name, c["width"], layers, "gd", ETA)[1]
    return spec_recipe(name, c["width"], c["depth"], "gd", ETA)[1]


@needs_entk
@pytest.mark.parametrize("c", DENSE + CONV, ids=[c["name"] for c in DENSE + CONV])
def test_lr_weighting_uses_the_recipes_effective_lr_of_every_layer(data, c):
    """λ_l α_l² (the factor of layer l's Gram in effective weights) is the §1.5 effective lr, so the "lr" kernel is
    §3.8's Σ_l η_l ⟨∂f/∂W^l, ∂f/∂W^l⟩ whatever the split between α, init and lr."""
    net = Net(data, c)
    np.testing.assert_allclose(net.alphas ** 2 * net.lrs, expected_effective_lrs(c, len(net.lrs)), rtol=1e-12)


def assert_away_from_kinks(net):
    """theory.md §3.8: a float32 φ' flip at a pre-activation within rounding of 0 is not rounding; rule it out."""
    if not net.c["act"].startswith(("relu", "leaky")) or "arch" in net.c:
        return
    which = "final" if net.c["trained"] else "init"
    thetas, biases = raw_parameters(net.run, which)
    zs = dense_forward(thetas, biases, net.alphas, net.inputs(), net.c["act"])[1][:-1]
    margin = min(float(np.abs(z).min() / np.abs(z).max()) for z in zs)
    assert margin >= KINK_MARGIN, f"{net.c['name']}: a pre-activation at {margin:.2g} of its layer's largest"


@needs_entk
@pytest.mark.parametrize("c", FLOAT32, ids=[c["name"] for c in FLOAT32])
def test_float32_kernel_matches_the_float64_reference(data, c):
    net = Net(data, c, "float32")
    assert_away_from_kinks(net)
    for weighting in ("lr", "plain"):
        check_kernel(net, RTOL32, weighting)
    if net.k > 1:
        check_kernel(net, RTOL32, "lr", 3)


@needs_entk
@pytest.mark.parametrize("name", ["d3-leaky-ntk-bias-ce10-trained", "d1-tanh-icmf-bias-trained",
                                  "conv-same-valid-stride2-gap-tanh-mf-bias-trained"])
def test_kernel_diagonal_is_the_runs_kernel_diag_at_init_and_end(data, name):
    """empirical_ntk.h: the lr-weighted Θ(x, x) "equals TrainResult's kernel_diag"; train_run.h: K(x, x) on the first
    kernel_points (10) test inputs, the mean over outputs, at init and end."""
    net = Net(data, ALL[name])
    net.x = None
    for trained, key in ((False, "kernel_diag_init"), (True, "kernel_diag_final")):
        diag = np.diag(net.widthlab(trained=trained))[:10]
        np.testing.assert_allclose(diag, net.run[key], rtol=RTOL64, err_msg=key)


@needs_entk
def test_cli_entk_npy_is_the_python_kernel(data, cli, tmp_path):
    """The docstring: the numbers the CLI writes to entk.npy for the same config and flags (--trained, --x,
    --normalization, --output)."""
    net = Net(data, ALL["d3-leaky-ntk-bias-ce10-trained"])
    (tmp_path / "c.toml").write_text(widthlab.to_toml(net.cfg))
    x = data["vec10"]["x"]
    np.save(tmp_path / "x.npy", x)
    r = cli("ntk-empirical", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "o"), "--trained", "--x",
            str(tmp_path / "x.npy"), "--normalization", "plain", "--output", "3", "--quiet")
    assert r.returncode == 0, r.stderr
    K = np.load(tmp_path / "o" / "entk.npy")
    assert K.dtype == np.float64 and K.shape == (4, 4)       # architecture.md: N × N, the config's precision
    net.x = x
    assert np.array_equal(K, net.widthlab("plain", 3))
    assert rel(K, net.reference("plain", 3)) <= RTOL64


NT_CASES = [("sp", "uniform", 1), ("mf", "gaussian", 2), ("improved-sp", "uniform", 2), ("mup", "gaussian", 3)]


@needs_entk
@pytest.mark.parametrize("preset,init,depth", NT_CASES)
def test_nt_weighting_is_the_ntk_parameterization_of_the_same_net(data, preset, init, depth):
    """README / empirical_ntk.h: W_l = α_lθ_l = (σ_l/√fan_in)·ω_l, gradient in ω: Σ_l (σ_l²/fan_in_l) ⟨∂f/∂W_l, ∂f/∂W_l⟩
    with σ_l the effective weight std × √fan_in — the §1.5 weight factor times 1/√3 (uniform) or 1 (gaussian)."""
    c = case(f"nt-{preset}", preset, depth, "tanh", False, trained=False, width=64, init=init)
    net = Net(data, c)
    factors = spec_recipe({"improved-sp": "ntk"}.get(preset, preset), 64, depth, "gd", ETA)[0]
    unit2 = 1.0 / 3.0 if init == "uniform" else 1.0
    fan_in = [N_IN] + [64] * depth
    w = [f * f * unit2 / n / a ** 2 for f, n, a in zip(factors, fan_in, net.alphas)]   # per θ_l: (σ²/n)/α²
    assert rel(net.widthlab("nt"), combine(net.parts(), w)) <= RTOL64


# --------------------------------------------------------------------------------------------------------------------
# Power.
# --------------------------------------------------------------------------------------------------------------------

POWER_CASE = case("power-custom-alpha4-bias-ce10-trained", CUSTOM, 2, "tanh", True, loss=CE)


def mistakes(net):
    """Each plausible mistake as (widthlab's kernel it would be compared with, the mistaken reference)."""
    lam, a, ones = net.lrs, net.alphas, np.ones_like(net.lrs)
    P, K = net.parts(), net.widthlab()
    return {
        "plain-for-lr": (K, combine(P, ones)),
        "lr-for-plain": (net.widthlab("plain"), combine(P, lam)),
        "alpha-once": (K, combine(P, lam / a)),
        "alpha-never": (K, combine(P, lam / a ** 2)),
        "bias-dropped": (K, combine(P, lam, 0 * lam)),
        "bias-weighted-1": (K, combine(P, lam, ones)),
        "output-sum": (K, net.k * combine(P, lam)),
        "output-0-for-mean": (K, combine(net.parts(output=0), lam)),
        "init-for-trained": (K, combine(net.parts("init"), lam)),
    }


@needs_entk
def test_power_plausible_mistakes_miss_by_far_more_than_the_tolerance(data):
    net = Net(data, POWER_CASE)
    assert sorted(set(np.round(net.alphas, 12))) == [1.0, 4.0] and len(set(net.lrs)) == 2 and net.k == 10
    assert rel(net.widthlab(), net.reference()) <= RTOL64
    misses = {name: rel(K, R) for name, (K, R) in mistakes(net).items()}
    weak = {name: m for name, m in misses.items() if not m >= POWER_MIN}
    assert not weak, f"mistakes within {POWER_MIN}: {weak} (all: {misses})"


@needs_entk
def test_power_icmf_kernel_is_not_the_kernel_of_the_sp_copy(data):
    """At step 0 f_IC equals the SP net's output (theory.md §3.5), but its kernel is the MF θ-net's: the SP copy
    (the same seed's sp preset, paired init: mlp.h) weighted with the MF lrs misses by far more than the tolerance."""
    c = case("d1-tanh-icmf-bias-init", "ic-mf", 1, "tanh", True, trained=False)
    net = Net(data, c)
    sp = Net(data, dict(c, preset="sp"))
    K = net.widthlab()
    assert rel(K, net.reference()) <= RTOL64
    assert rel(K, combine(sp.parts(), net.lrs)) >= POWER_MIN
