"""Finite convolutional (layered) nets checked against an independent numpy float64 reference of their documented law.

The reference below is written from the documented contracts only — include/widthlab/conv_net.h's and
architecture.h's header comments, theory.md §1.1 (losses averaged over the batch), §1.2 (z = α(θh + b), effective
weight αθ), §1.5 (the exact recipes: PyTorch's U(±1/√fan_in) init, per-layer weight and lr factors, ω = d/128), §3.7
(RMSProp), §3.9 (stax / lax conv semantics; "Finite layered nets under a scaling": fan_in = KH·KW·C_in, the scalings'
exponents on channel counts, the appended readout dense(k)) and §6.0 (the batch order), README "Architectures and
convolutional nets" and `widthlab.train_net`'s docstring. It never reads widthlab's C++ for the maths. It is the
convolutional sibling of test_reference_training.py (dense nets) and follows its plan and tolerance derivation.

The contract in one place (conv_net.h, architecture.h):
  * every tensor is (sample, H, W, C) with C fastest; the npy inputs (n, H, W, C) or (n, H, W) (C = 1) are flattened
    to rows in that order and "carry their own shape" (README, Data) — the only way the image shape reaches the net
    here, so no `model.input_shape` is set;
  * affine layer l: z = α_l(θ_l · patch + b_l), θ_l of shape C_out × (KH·KW·C_in) with columns ordered (kh, kw, c_in),
    c_in fastest: a cross-correlation (no filter flip), as lax;
  * output sizes: SAME / CIRCULAR ⌈H/s⌉, VALID ⌈(H − K + 1)/s⌉; SAME pads zeros, ⌊total/2⌋ before and the rest after
    (total = max((out − 1)·s + K − H, 0)); CIRCULAR pads the same amounts by wrapping;
  * dense(N) on a spatial input is a 1×1 conv, flatten is free (the (H, W, C) layout is already flat), gap is the mean
    over pixels; widthlab appends the readout dense(k), so `model.depth` = the dense / conv layers of `model.arch`;
  * a bias is drawn like its layer's weights, times the same init factor, enters under α_l, gets the same lr;
  * init: raw U(±1/√fan_in), fan_in = KH·KW·C_in, times the scaling's init factor; with the multiplier the effective
    weight α_l θ_l is the §1.5 weight factor (input 1; hidden and readout the scaling's) times U(±1/√fan_in);
  * optimizers on the raw θ_l, b_l with lr `layer_lrs[l]` (gd/sgd: θ −= lr·g; rmsprop: torch RMSprop, v = 0.99 v +
    0.01 g², θ −= lr·g/(√v + 1e-8)); ∂L/∂θ_l = α_l Σ δ_lᵀ·patch. For SGD the effective lr is α²·lr_θ (§1.2) and it
    must be the §1.5 recipe's; RMSProp on θ is NOT RMSProp on W = αθ with that lr (it is with lr α·lr_θ and eps/α),
    so the reference runs the optimizer on the raw parameters, as documented.

widthlab's side is ``widthlab.train_net``: its init parameters θ_l, b_l and its α_l, lr_l (after checking them against
the recipe) are handed to the reference, which trains them for the same steps on the same rows (``run["batches"]``);
final θ_l, b_l, the test logits, the train-loss curve (all training rows, before each update, plus the final point)
and the test loss must agree.

Tolerances.
  float64 (u = 1.1e-16 unit roundoff): the longest sum in a pass has n ≤ 576 terms (the fan-in 3·3·64 of a second
  conv at d = 64; a weight gradient sums batch × output pixels ≤ 20·25 = 500 terms, a flatten readout's fan-in is
  ≤ 25·16 = 400), so one sum errs by ≤ n·u ≈ 6.4e-14 relative to its summands (Higham's γ_n; typically √n·u ≈
  2.7e-15). A chain of ≤ 3 layers forward and back is ≤ 6 such sums (3.8e-13), and a stable step (Jacobian ≲ 1 +
  lr·‖Hessian‖ ≲ 2) doubles an inherited error at most, so ≤ 5 steps give ≲ 32 × 3.8e-13 ≈ 1.2e-11. RTOL64 = 1e-9
  is that bound times 80, relative to the tensor's largest entry (weights and biases per layer, logits, the largest
  loss of the curve). Measured: ≤ 1.2e-12 (RMSProp), ≤ 2.3e-14 for GD/SGD.
  float32 (u = 6e-8; widthlab rounds data and parameters to float32 and may run oneDNN's direct convolutions, which
  sum in another order): the float32 run is compared with this file's float64 reference started from the float32
  run's own init parameters (and its α rounded to float32, ≤ u away), so only float32 arithmetic is measured. The
  worst-case bound of the float64 paragraph scaled to u = 6e-8 (≈ 5e-3) would be too loose to see an lr off by 2, so
  this one uses the typical error of a length-n sum, √n·u relative (rounding errors add like a random walk): n ≤ 576
  gives 1.4e-6 per sum, a step chains ≤ 6 sums (8.6e-6) and 5 steps add up to ≈ 4.3e-5; RTOL32 = 2e-4 is that times
  ≈ 5, room for inherited errors growing by ≲ 2 per step and for sums that are not random walks. Measured: ≤ 5e-6
  (a readout bias; weights ≤ 4e-6, test logits ≤ 2e-6), so the tolerance holds with a margin of 40, and an lr off by
  2 in any layer misses by ≥ 10·RTOL32.

Power: test_power_* show that a transposed column order (c_in slowest), a flipped filter (a convolution), the
wrong SAME split (⌈total/2⌉ before), zero instead of circular padding, gap as a sum, flatten with the channel
slowest, an lr off by 2 in any layer, full batch instead of the reported mini-batches, and RMSProp on W with the
SGD-equivalent lr each miss widthlab by orders of magnitude more than the tolerance.
"""
import math
import re

import numpy as np
import pytest

import widthlab
from test_reference_training import RMS_EPS, activation, optimizer_step   # the dense reference's, shared

D_REF = 128                       # theory.md §1.2 / §1.5: d* = 128, ω = d/128
RTOL64 = 1e-9                     # see the module docstring
RTOL32 = 2e-4


# ====================================================================================================================
# The reference net: layers on (B, H, W, C) arrays, float64, hand-written backprop.
# ====================================================================================================================

def parse_arch(text, d, k):
    """architecture.h's text form (the subset used here) with the width word `d` set, plus the appended readout
    dense(k) (README: widthlab appends it). Layers: dicts with kind affine / act / flatten / gap."""
    layers = []
    for part in re.split(r"-(?![^()]*\))(?![0-9])", text):
        part = part.strip()
        m = re.fullmatch(r"conv\((\d+)(?:x(\d+))?,(same|valid|circular),(d|\d+)(?:,stride=(\d+)(?:x(\d+))?)?\)", part)
        if m:
            kh = int(m[1])
            kw = int(m[2]) if m[2] else kh
            sh = int(m[5]) if m[5] else 1
            sw = int(m[6]) if m[6] else sh
            cout = d if m[4] == "d" else int(m[4])
            layers.append(dict(kind="affine", kh=kh, kw=kw, sh=sh, sw=sw, pad=m[3], cout=cout))
            continue
        m = re.fullmatch(r"dense\((d|\d+)\)", part)
        if m:   # per pixel on a spatial input, the ordinary Linear on a (1, 1, C) one: a 1×1 VALID conv either way
            cout = d if m[1] == "d" else int(m[1])
            layers.append(dict(kind="affine", kh=1, kw=1, sh=1, sw=1, pad="valid", cout=cout))
        elif part in ("flatten", "gap"):
            layers.append(dict(kind=part))
        else:
            activation(part)
            layers.append(dict(kind="act", name=part))
    layers.append(dict(kind="affine", kh=1, kw=1, sh=1, sw=1, pad="valid", cout=k))
    return layers


def axis_sources(n, k, s, pad):
    """Along one axis of n positions: the output size and, per (output position, tap), the input position or −1 in
    zero padding (architecture.h: SAME / CIRCULAR ⌈n/s⌉ outputs, VALID ⌈(n − k + 1)/s⌉; SAME pads ⌊total/2⌋ before,
    CIRCULAR the same amounts wrapped)."""
    if pad == "valid":
        out = -(-(n - k + 1) // s)
        before = 0
    else:
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        before = (total + 1) // 2 if pad == "same-ceil" else total // 2   # same-ceil: a wrong split (power tests)
    src = np.arange(out)[:, None] * s + np.arange(k)[None, :] - before
    if pad == "circular":
        src = src % n
    elif pad in ("same", "same-ceil"):
        src = np.where((src >= 0) & (src < n), src, -1)
    assert out >= 1 and src.max() < n
    return out, src


def patch_index(layer, H, W):
    """Index arrays into the input padded by one zero row and column at the end (position H / W): −1 → that zero."""
    oh, sh = axis_sources(H, layer["kh"], layer["sh"], layer["pad"])
    ow, sw = axis_sources(W, layer["kw"], layer["sw"], layer["pad"])
    ih = np.where(sh < 0, H, sh)[:, None, :, None]      # (OH, 1, KH, 1)
    iw = np.where(sw < 0, W, sw)[None, :, None, :]      # (1, OW, 1, KW)
    return oh, ow, ih, iw


def patches(h, layer):
    """(B, OH, OW, KH·KW·C): each output pixel's (KH, KW, C) input block, in the input's own layout (c fastest)."""
    B, H, W, C = h.shape
    oh, ow, ih, iw = patch_index(layer, H, W)
    hp = np.pad(h, ((0, 0), (0, 1), (0, 1), (0, 0)))
    return hp[:, ih, iw, :].reshape(B, oh, ow, -1)      # (B, OH, OW, KH, KW, C) → columns (kh, kw, c)


def patches_transposed(dP, layer, shape):
    """The adjoint of `patches` (col2im): scatter-add patch gradients back onto the input pixels."""
    B, H, W, C = shape
    oh, ow, ih, iw = patch_index(layer, H, W)
    dhp = np.zeros((B, H + 1, W + 1, C))
    np.add.at(dhp, (slice(None), ih, iw, slice(None)), dP.reshape(B, oh, ow, layer["kh"], layer["kw"], C))
    return dhp[:, :H, :W, :]


def forward(net, thetas, biases, alphas, X):
    """X: (B, H, W, C). Returns the logits (B, k) and the cache backward needs. ``biases`` None: no bias."""
    h = X
    cache = []
    l = 0
    for layer in net:
        kind = layer["kind"]
        if kind == "affine":
            P = patches(h, layer)
            z = P @ thetas[l].T
            if biases is not None:
                z = z + biases[l]
            z = alphas[l] * z
            cache.append((layer, h.shape, P, l))
            h, l = z, l + 1
        elif kind == "act":
            phi, dphi = activation(layer["name"])
            cache.append((layer, dphi(h), None, None))
            h = phi(h)
        elif kind == "flatten":
            cache.append((layer, h.shape, None, None))
            h = h.reshape(h.shape[0], 1, 1, -1)             # (H, W, C) row-major: C fastest, as widthlab's layout
        elif kind == "gap":
            cache.append((layer, h.shape, None, None))
            h = h.mean(axis=(1, 2), keepdims=True)
    assert h.shape[1:3] == (1, 1), f"the readout is not a vector: {h.shape}"
    return h.reshape(h.shape[0], -1), cache


def backward(cache, thetas, alphas, dlogits, with_bias):
    """∂L/∂θ_l = α_l Σ δ_lᵀ·patch and ∂L/∂b_l = α_l Σ δ_l (conv_net.h), δ_l = ∂L/∂z_l."""
    g = dlogits.reshape(dlogits.shape[0], 1, 1, -1)
    gT = [None] * len(thetas)
    gB = [None] * len(thetas) if with_bias else None
    for layer, a, P, l in reversed(cache):
        kind = layer["kind"]
        if kind == "affine":
            d = alphas[l] * g                                # ∂L/∂(θ·patch + b)
            gT[l] = np.einsum("bhwo,bhwi->oi", d, P)
            if with_bias:
                gB[l] = d.sum(axis=(0, 1, 2))
            if l > 0:
                g = patches_transposed(d @ thetas[l], layer, a)
        elif kind == "act":
            g = g * a
        elif kind == "flatten":
            g = g.reshape(a)
        elif kind == "gap":
            g = np.broadcast_to(g, a) / (a[1] * a[2])
    return gT, gB


def loss_and_dlogits(f, y, loss):
    """Mean over the batch (theory.md §1.1, loss.h). logistic: y ∈ {−1, +1}, ℓ = log(1 + e^{−y f}); cross-entropy:
    y = class ids, softmax CE."""
    B = f.shape[0]
    if loss == "logistic":
        m = y * f[:, 0]
        g = np.zeros_like(f)
        g[:, 0] = -y * 0.5 * (1.0 - np.tanh(m / 2)) / B       # −y·s(−m), stable for any m
        return np.mean(np.logaddexp(0.0, -m)), g
    if loss == "cross-entropy":
        mx = f.max(axis=1, keepdims=True)
        lse = mx[:, 0] + np.log(np.exp(f - mx).sum(axis=1))
        p = np.exp(f - lse[:, None])
        p[np.arange(B), y] -= 1.0
        return np.mean(lse - f[np.arange(B), y]), p / B
    raise ValueError(loss)


def loss_value(net, thetas, biases, alphas, X, y, loss):
    return loss_and_dlogits(forward(net, thetas, biases, alphas, X)[0], y, loss)[0]


def gradients(net, thetas, biases, alphas, X, y, loss):
    f, cache = forward(net, thetas, biases, alphas, X)
    value, df = loss_and_dlogits(f, y, loss)
    gT, gB = backward(cache, thetas, alphas, df, biases is not None)
    return value, gT, gB


def train_reference(net, theta0, bias0, alphas, lrs, X, y, *, loss, optimizer, steps, batches=None):
    """The documented optimizers on the raw θ_l, b_l (lr lrs[l] for both; torch RMSprop with v starting at 0).
    ``batches``: per step the rows whose mean loss it descends (default: all). Returns (θ, b, the loss on all rows
    at steps 0..steps, each before that step's update)."""
    thetas = [t.copy() for t in theta0]
    biases = None if bias0 is None else [b.copy() for b in bias0]
    groups = [thetas] + ([biases] if biases is not None else [])
    state = [[np.zeros_like(p) for p in group] for group in groups]
    losses = []
    for t in range(steps):
        value, gT, gB = gradients(net, thetas, biases, alphas, X, y, loss)
        losses.append(value)
        if batches is not None:
            rows = np.asarray(batches[t])
            _, gT, gB = gradients(net, thetas, biases, alphas, X[rows], y[rows], loss)
        for group, grads, vs in zip(groups, [gT, gB], state):
            for l in range(len(group)):
                group[l], vs[l] = optimizer_step(group[l], grads[l], vs[l], lrs[l], optimizer)
    losses.append(loss_value(net, thetas, biases, alphas, X, y, loss))
    return thetas, biases, losses


def affine_shapes(net, image):
    """(C_out, KH·KW·C_in) of every affine layer on an (H, W, C) input, by the reference's own shape rules."""
    H, W, C = image
    out = []
    for layer in net:
        if layer["kind"] == "affine":
            H = axis_sources(H, layer["kh"], layer["sh"], layer["pad"])[0]
            W = axis_sources(W, layer["kw"], layer["sw"], layer["pad"])[0]
            out.append((layer["cout"], layer["kh"] * layer["kw"] * C))
            C = layer["cout"]
        elif layer["kind"] == "flatten":
            H, W, C = 1, 1, H * W * C
        elif layer["kind"] == "gap":
            H, W = 1, 1
    return out


# --------------------------------------------------------------------------------------------------------------------
# theory.md §1.5 recipes in effective terms (weight factor of α_l θ_l, effective lr), on the net's L + 1 affine layers.
# --------------------------------------------------------------------------------------------------------------------

def recipe(scaling, width, layers, optimizer, eta):
    """(effective weight factors, effective lrs) per affine layer (input, hidden…, readout) of §1.5's camera_ready
    table, ω = d/128 with d the channel count (theory.md §3.9). Scalings with multipliers are given by the recipe they
    equal in effective terms: improved-sp is ntk's (README / `widthlab list`: NTK exponents via a 1/√s multiplier),
    the custom MF below is mf's. For SGD the effective lr is α²·lr_θ; RMSProp is compared for α = 1 only."""
    w = width / D_REF
    rms = optimizer == "rmsprop"
    if scaling == "sp":
        factor, lr = 1.0, (1.0, 1.0, 1.0)
    elif scaling == "mf":
        factor, lr = w ** -0.5, ((1.0, w ** -1, w ** -1) if rms else (w, 1.0, w ** -1))
    elif scaling == "ntk":
        factor, lr = 1.0, ((w ** -0.5, w ** -1.5, w ** -1) if rms else (1.0, w ** -1, w ** -1))
    else:
        raise ValueError(scaling)
    factors = [1.0] + [factor] * (layers - 1)
    lrs = [eta * lr[0]] + [eta * lr[1]] * (layers - 2) + [eta * lr[2]]
    return factors, lrs


def custom_recipe(text, width, eta):
    """A custom scaling "custom:init=…;multiplier=…;lr=…": per layer the exponents of ω on the raw init, the forward
    multiplier α and the (SGD) lr (architecture.md §3, `widthlab list`). Returns (effective weight factors ω^{i+m},
    effective SGD lrs η·ω^{lr+2m}, multipliers ω^m)."""
    w = width / D_REF
    e = {k: [float(v) for v in vals.split(",")] for k, vals in (part.split("=") for part in text[7:].split(";"))}
    return ([w ** (i + m) for i, m in zip(e["init"], e["multiplier"])],
            [eta * w ** (r + 2 * m) for r, m in zip(e["lr"], e["multiplier"])], [w ** m for m in e["multiplier"]])


# ====================================================================================================================
# Tests of the reference itself (no widthlab needed).
# ====================================================================================================================

def naive_conv(x, theta, layer):
    """The documented formula by plain loops: z[o_h, o_w, c'] = Σ_{kh, kw, c} θ[c', (kh·KW + kw)·C + c] ·
    x[o_h·s + kh − ⌊total/2⌋, o_w·s + kw − ⌊total/2⌋, c] (zero outside for SAME, wrapped for CIRCULAR)."""
    H, W, C = x.shape
    KH, KW, S1, S2 = layer["kh"], layer["kw"], layer["sh"], layer["sw"]
    if layer["pad"] == "valid":
        OH, OW, ph, pw = (H - KH) // S1 + 1, (W - KW) // S2 + 1, 0, 0
    else:
        OH, OW = math.ceil(H / S1), math.ceil(W / S2)
        ph, pw = max((OH - 1) * S1 + KH - H, 0) // 2, max((OW - 1) * S2 + KW - W, 0) // 2
    z = np.zeros((OH, OW, theta.shape[0]))
    for oh in range(OH):
        for ow in range(OW):
            for kh in range(KH):
                for kw in range(KW):
                    i, j = oh * S1 + kh - ph, ow * S2 + kw - pw
                    if layer["pad"] == "circular":
                        i, j = i % H, j % W
                    elif not (0 <= i < H and 0 <= j < W):
                        continue
                    for c in range(C):
                        z[oh, ow] += theta[:, (kh * KW + kw) * C + c] * x[i, j, c]
    return z


@pytest.mark.parametrize("spec,shape", [
    ("conv(3x3,same,4)", (6, 5, 2)), ("conv(3x2,valid,4)", (6, 5, 2)), ("conv(3,same,4,stride=2)", (6, 5, 2)),
    ("conv(2x2,same,3)", (5, 5, 1)), ("conv(3x3,circular,4)", (5, 6, 3)), ("conv(3,circular,4,stride=2)", (5, 6, 2)),
    ("conv(4x3,same,3,stride=2x1)", (6, 5, 2)), ("conv(3,valid,3,stride=2)", (6, 5, 2)), ("dense(4)", (3, 2, 3))])
def test_reference_conv_is_the_documented_cross_correlation(spec, shape):
    rng = np.random.default_rng(len(spec) + shape[0])
    layer = parse_arch(spec, 4, 1)[0]
    X = rng.normal(size=(3, *shape))
    theta = rng.normal(size=(layer["cout"], layer["kh"] * layer["kw"] * shape[2]))
    z = patches(X, layer) @ theta.T
    for b in range(3):
        np.testing.assert_allclose(z[b], naive_conv(X[b], theta, layer), rtol=1e-13, atol=1e-13)


def test_reference_shapes_follow_architecture_h():
    # SAME / CIRCULAR ⌈H/s⌉, VALID ⌈(H − K + 1)/s⌉; SAME's total padding split ⌊total/2⌋ before.
    assert axis_sources(6, 3, 2, "same")[0] == 3 and axis_sources(6, 3, 2, "same")[1][0].tolist() == [0, 1, 2]
    assert axis_sources(5, 2, 1, "same")[1][-1].tolist() == [4, -1]      # total 1: nothing before, one after
    assert axis_sources(5, 3, 1, "same")[1][0].tolist() == [-1, 0, 1]
    assert axis_sources(5, 3, 1, "circular")[1][0].tolist() == [4, 0, 1]
    assert axis_sources(6, 3, 2, "valid")[0] == 2 and axis_sources(7, 3, 2, "valid")[0] == 3


def test_reference_valid_conv_covering_the_image_is_a_dense_layer():
    # conv_net.h: a VALID conv whose filter covers its input equals a dense layer on the flattened image, same matrix.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 3, 2, 3))
    theta = [rng.normal(size=(5, 18)), rng.normal(size=(1, 5))]
    conv = parse_arch("conv(3x2,valid,5)-tanh", 5, 1)
    dense = parse_arch("flatten-dense(5)-tanh", 5, 1)
    f1 = forward(conv, theta, None, [0.7, 1.3], X)[0]
    f2 = forward(dense, theta, None, [0.7, 1.3], X)[0]
    np.testing.assert_allclose(f1, f2, rtol=1e-14)


GRAD_NETS = [
    ("conv(3x3,same,3)-tanh-conv(3,same,3,stride=2)-tanh-gap", (6, 5, 2)),
    ("conv(3x2,valid,3)-erf-dense(3)-erf-flatten", (5, 4, 2)),
    ("conv(3,circular,3,stride=2)-tanh-flatten", (5, 6, 1)),
    ("dense(3)-tanh-gap", (3, 3, 2)),
]


@pytest.mark.parametrize("arch,shape", GRAD_NETS)
@pytest.mark.parametrize("loss,k", [("logistic", 1), ("cross-entropy", 3)])
def test_reference_gradients_match_central_differences(arch, shape, loss, k):
    rng = np.random.default_rng(len(arch) + k)
    net = parse_arch(arch, 3, k)
    X = rng.normal(size=(4, *shape))
    y = np.where(rng.random(4) < 0.5, -1.0, 1.0) if loss == "logistic" else rng.integers(0, k, size=4)
    thetas = [rng.normal(size=s) / math.sqrt(s[1]) for s in affine_shapes(net, shape)]
    biases = [rng.normal(size=s[0]) * 0.3 for s in affine_shapes(net, shape)]
    alphas = [0.8, 1.7, 0.6][:len(thetas)]
    _, gT, gB = gradients(net, thetas, biases, alphas, X, y, loss)
    h = 1e-6
    for P, G in ((thetas, gT), (biases, gB)):
        for l in range(len(P)):
            num = np.zeros_like(P[l])
            for idx in np.ndindex(P[l].shape):
                keep = P[l][idx]
                P[l][idx] = keep + h
                up = loss_value(net, thetas, biases, alphas, X, y, loss)
                P[l][idx] = keep - h
                down = loss_value(net, thetas, biases, alphas, X, y, loss)
                P[l][idx] = keep
                num[idx] = (up - down) / (2 * h)
            # central differences: truncation O(h²) ≈ 1e-12, cancellation ≈ u·L/h ≈ 1e-10
            np.testing.assert_allclose(G[l], num, rtol=1e-6, atol=1e-8)


def test_reference_rmsprop_on_raw_parameters_is_rmsprop_on_w_with_lr_alpha_and_eps_over_alpha():
    """The derivation behind the module docstring's RMSProp remark, checked on one step of the reference."""
    rng = np.random.default_rng(8)
    net = parse_arch("conv(3,same,3)-tanh-gap", 3, 1)
    X, y = rng.normal(size=(5, 4, 4, 2)), np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    thetas = [rng.normal(size=s) / 3 for s in affine_shapes(net, (4, 4, 2))]
    alphas, lrs = [0.5, 4.0], [0.01, 0.002]
    raw, _, _ = train_reference(net, thetas, None, alphas, lrs, X, y, loss="logistic", optimizer="rmsprop", steps=1)
    _, gT, _ = gradients(net, thetas, None, alphas, X, y, "logistic")
    for l, a in enumerate(alphas):
        gW = gT[l] / a                                   # ∂L/∂W, W = αθ
        W = a * thetas[l] - a * lrs[l] * gW / (np.sqrt(0.01 * gW * gW) + RMS_EPS / a)
        np.testing.assert_allclose(a * raw[l], W, rtol=1e-13)


# ====================================================================================================================
# widthlab against the reference.
# ====================================================================================================================

STEPS = 5
ETA = 0.2          # GD/SGD base lr: each layer moves by 7e-3 to 10 times its largest init entry in STEPS steps
ETA_RMS = 0.002    # RMSProp's first step is ≈ 10·lr·sign(g): a base lr this small keeps it a perturbation
N_TEST = 8

needs_train_net = pytest.mark.skipif(not hasattr(widthlab, "train_net") or not hasattr(widthlab._core, "train_net"),
                                     reason="widthlab.train_net is not built yet")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Small npy image tasks whose exact inputs the reference sees too (standardize = none, train_size = n,
    test_size = m: no subsetting, file order kept). binary: (16, 6, 5, 2) images (H ≠ W, so a swapped axis shows),
    0/1 labels (1 → +1); rgb: (12, 5, 5, 3), 0/1 labels; ten: (20, 5, 5) single-channel images saved 3-D (the (n, H, W)
    form, C = 1), classes 0..9 twice each."""
    rng = np.random.default_rng(2025)
    tasks = {}
    for name, k, n, shape in (("binary", 2, 16, (6, 5, 2)), ("rgb", 2, 12, (5, 5, 3)), ("ten", 10, 20, (5, 5))):
        d = tmp_path_factory.mktemp(name)
        X, Xt = rng.normal(size=(n, *shape)), rng.normal(size=(N_TEST, *shape))
        y = np.arange(n) % k
        rng.shuffle(y)
        yt = rng.integers(0, k, size=N_TEST)
        yt[:2] = [0, 1]
        np.save(d / "X_train.npy", X)
        np.save(d / "y_train.npy", y.astype(np.int64))
        np.save(d / "X_test.npy", Xt)
        np.save(d / "y_test.npy", yt.astype(np.int64))
        image = shape if len(shape) == 3 else (*shape, 1)
        tasks[name] = dict(path=str(d), X=X.reshape(n, *image), Xt=Xt.reshape(N_TEST, *image), y=y, yt=yt, k=k, n=n,
                           image=image)
    return tasks


def make_config(task, arch, act, *, preset="sp", optimizer="gd", loss="logistic", bias=False, width=16, seed=0,
                lr=None, steps=STEPS, batch=None, precision="float64"):
    depth = sum(1 for layer in parse_arch(arch, width, 1) if layer["kind"] == "affine") - 1
    return {
        "data": {"dataset": "npy", "path": task["path"], "train_size": task["n"], "test_size": N_TEST,
                 "standardize": "none"},
        "model": {"depth": depth, "activation": act, "bias": bias, "init": "uniform", "arch": arch},
        "scaling": {"presets": [preset], "reference_width": D_REF},
        "train": {"optimizer": optimizer, "lr": (ETA_RMS if optimizer == "rmsprop" else ETA) if lr is None else lr,
                  "steps": steps, "loss": loss, "precision": precision,
                  "batch": batch or ("full" if optimizer == "gd" else task["n"]), "log_every": 1},
        "sweep": {"widths": [width], "seeds": [seed]},
        "limits": {"compute": []},
        "study": {"threads": 1},
    }


def labels(task, loss, which="y"):
    y = task[which]
    return (2.0 * y - 1.0) if loss == "logistic" else y     # two labels {0 < 1}: 1 is +1 (architecture.md, Data)


def raw_parameters(run, which="init"):
    """θ_l, b_l as float64 arrays (None when the run has no bias)."""
    params = run[f"{which}_parameters"]
    thetas = [np.asarray(t, dtype=np.float64) for t in params["weights"]]
    biases = params.get("biases")
    if not biases or all(b is None or np.size(b) == 0 for b in biases):
        return thetas, None
    return thetas, [np.asarray(b, dtype=np.float64) for b in biases]


def reference_run(run, task, case, *, lr_scale=None, batches=None, net=None, alphas=None):
    """Train widthlab's init parameters with widthlab's α_l and lr_l (checked against the recipe elsewhere) by the
    documented law; returns (θ, b, train losses, test logits)."""
    net = net or parse_arch(case.arch, case.width, task["k"] if case.loss == "cross-entropy" else 1)
    alphas = list(np.asarray(run["multipliers"], dtype=np.float64)) if alphas is None else alphas
    lrs = np.asarray(run["layer_lrs"], dtype=np.float64)
    if lr_scale is not None:
        lrs = lrs * np.asarray(lr_scale)
    theta0, bias0 = raw_parameters(run)
    y = labels(task, case.loss)
    T, b, losses = train_reference(net, theta0, bias0, alphas, lrs, task["X"], y, loss=case.loss,
                                   optimizer=case.optimizer, steps=STEPS, batches=batches)
    f_t = forward(net, T, b, alphas, task["Xt"])[0]
    return T, b, losses, f_t


def discrepancies(run, ref, task, loss, alphas=None):
    """Relative differences: per layer max|Δ(αθ)| / max|αθ| (and biases), the test logits (by their largest), the
    train-loss curve at steps 0..STEPS (by its largest) and the test loss."""
    T, b, losses, f_t = ref
    alphas = np.asarray(run["multipliers"], dtype=np.float64) if alphas is None else alphas
    Tf, bf = raw_parameters(run, "final")
    out = {f"W{l}": np.abs(alphas[l] * (Tf[l] - T[l])).max() / np.abs(alphas[l] * T[l]).max() for l in range(len(T))}
    if b is not None:
        out.update({f"b{l}": np.abs(bf[l] - b[l]).max() / np.abs(b[l]).max() for l in range(len(b))})
    ft = np.asarray(run["test_logits"], dtype=np.float64).reshape(f_t.shape)
    out["test_logits"] = np.abs(ft - f_t).max() / np.abs(f_t).max()
    curve = np.asarray(run["curve"]["train_loss"], dtype=np.float64)
    assert curve.shape == (STEPS + 1,)
    out["train_loss_curve"] = np.abs(curve - np.asarray(losses)).max() / max(losses)
    test_loss = loss_and_dlogits(f_t, labels(task, loss, "yt"), loss)[0]
    out["test_loss"] = abs(run["test_loss"] - test_loss) / test_loss
    return out


class Case:
    def __init__(self, name, task, arch, act, scaling, preset, optimizer, loss, bias, width, batch=None):
        self.name, self.task, self.arch, self.act = name, task, arch, act
        self.scaling, self.preset, self.optimizer, self.loss = scaling, preset, optimizer, loss
        self.bias, self.width, self.batch = bias, width, batch

    def config(self, data, **kw):
        return make_config(data[self.task], self.arch, self.act, preset=self.preset, optimizer=self.optimizer,
                           loss=self.loss, bias=self.bias, width=self.width, batch=self.batch, **kw)

    def net(self, data):
        return parse_arch(self.arch, self.width, data[self.task]["k"] if self.loss == "cross-entropy" else 1)


# Scalings with multipliers. CUSTOM_MF_1 is MF (§1.5) written with an output multiplier ω^{-1} on a raw init ω^{1/2}
# and raw lr ηω; CUSTOM_MF_2 is MF's lrs with the same readout but a hidden layer at init factor 1 (MF's is ω^{-1/2}).
CUSTOM_MF_1 = "custom:init=0,0.5;multiplier=0,-1;lr=1,1"
CUSTOM_MF_2 = "custom:init=0,0,0.5;multiplier=0,0,-1;lr=1,0,1"

CASES = [
    # (id, task, arch, activation, recipe, widthlab preset, optimizer, loss, bias, width)
    Case("same-gap-relu-mf", "binary", "conv(3x3,same,d)-relu-gap", "relu", "mf", "mf", "gd", "logistic", False, 16),
    Case("same-gap-relu-sp-bias", "binary", "conv(3x3,same,d)-relu-gap", "relu", "sp", "sp", "gd", "logistic", True,
         16),
    Case("valid3x2-flatten-leaky-ntk", "binary", "conv(3x2,valid,d)-leaky_relu:0.1-flatten", "leaky_relu:0.1",
         "ntk", "ntk", "gd", "logistic", False, 16),
    Case("same-stride2-two-conv-tanh-mf", "binary", "conv(3x3,same,d)-tanh-conv(3,same,d,stride=2)-tanh-gap", "tanh",
         "mf", "mf", "gd", "logistic", False, 16),
    Case("circular-erf-flatten-sp-bias", "rgb", "conv(3x3,circular,d)-erf-flatten", "erf", "sp", "sp", "gd",
         "logistic", True, 8),
    Case("circular-stride2-valid-ntk-bias", "binary",
         "conv(3,circular,d,stride=2)-relu-conv(2x2,valid,d)-relu-flatten", "relu", "ntk", "ntk", "gd", "logistic",
         True, 16),
    Case("valid-1x1dense-gap-mf-bias", "binary", "conv(3x3,valid,d)-relu-dense(d)-relu-gap", "relu", "mf", "mf", "gd",
         "logistic", True, 16),
    Case("1x1dense-flatten-tanh-ntk", "rgb", "dense(d)-tanh-flatten", "tanh", "ntk", "ntk", "gd", "logistic", False,
         16),
    Case("same2x2-stride2x1-leaky-sp", "rgb", "conv(2x2,same,d,stride=2x1)-leaky_relu:0.1-gap", "leaky_relu:0.1", "sp",
         "sp", "gd", "logistic", False, 16),
    Case("ce10-same-gap-mf-bias", "ten", "conv(3x3,same,d)-relu-gap", "relu", "mf", "mf", "gd", "cross-entropy", True,
         32),
    Case("ce10-two-conv-flatten-sp", "ten", "conv(3,same,d)-tanh-conv(3,valid,d,stride=2)-tanh-flatten", "tanh", "sp",
         "sp", "gd", "cross-entropy", False, 8),
    # multipliers α ≠ 1 (§1.2: SGD on θ with lr_θ is SGD on αθ with α²·lr_θ)
    Case("improved-sp-two-conv-relu", "binary", "conv(3x3,same,d)-relu-conv(3x3,same,d)-relu-gap", "relu", "ntk",
         "improved-sp", "gd", "logistic", False, 64),
    Case("custom-mf-same-gap-bias", "binary", "conv(3x3,same,d)-relu-gap", "relu", "mf", CUSTOM_MF_1, "gd",
         "logistic", True, 32),
    Case("custom-mf-1x1-ce10", "ten", "conv(3,same,d)-erf-dense(d)-erf-gap", "erf", "mf", CUSTOM_MF_2, "gd",
         "cross-entropy", False, 16),
    # RMSProp on the raw parameters (α = 1 recipes, and multipliers)
    Case("rms-same-gap-sp", "binary", "conv(3x3,same,d)-relu-gap", "relu", "sp", "sp", "rmsprop", "logistic", False,
         16),
    Case("rms-two-conv-mf-bias", "binary", "conv(3x3,same,d)-tanh-conv(3,same,d,stride=2)-tanh-gap", "tanh", "mf",
         "mf", "rmsprop", "logistic", True, 16),
    Case("rms-circular-ce10-ntk", "ten", "conv(3,circular,d)-leaky_relu:0.1-flatten", "leaky_relu:0.1", "ntk", "ntk",
         "rmsprop", "cross-entropy", False, 16),
    Case("rms-custom-mf-bias", "binary", "conv(3x3,same,d)-relu-gap", "relu", None, CUSTOM_MF_1, "rmsprop",
         "logistic", True, 32),
    Case("rms-improved-sp-two-conv", "rgb", "conv(3x3,same,d)-relu-conv(3x3,valid,d)-relu-gap", "relu", None,
         "improved-sp", "rmsprop", "logistic", False, 64),
]
CASE_BY_NAME = {c.name: c for c in CASES}


def run_case(data, case, **kw):
    run = widthlab.train_net(case.config(data, **kw))
    assert run["status"] == "ok" and run["final_parameters"] is not None, run["status"]
    return run


def check_recipe(run, case):
    """α_l, lr_l against §1.5 (effective SGD lr α²·lr_θ; RMSProp's α·lr_θ for α = 1, i.e. lr_θ itself)."""
    alphas = np.asarray(run["multipliers"], dtype=np.float64)
    lrs = np.asarray(run["layer_lrs"], dtype=np.float64)
    if case.preset.startswith("custom:"):
        _, want, mult = custom_recipe(case.preset, case.width, float(run["lr"]))
        np.testing.assert_allclose(alphas, mult, rtol=1e-15, err_msg=f"{case.name}: multipliers")
        if case.optimizer != "rmsprop":
            np.testing.assert_allclose(alphas ** 2 * lrs, want, rtol=1e-12, err_msg=f"{case.name}: effective lrs")
    if case.scaling is None:          # no §1.5 RMSProp recipe for a multiplier scaling: only the optimizer is checked
        assert alphas.min() < 1.0 or alphas.max() > 1.0, alphas
        return
    _, want = recipe(case.scaling, case.width, len(alphas), case.optimizer, float(run["lr"]))
    if case.optimizer == "rmsprop":
        assert np.all(alphas == 1.0), alphas
        np.testing.assert_allclose(lrs, want, rtol=1e-12, err_msg=f"{case.name}: RMSProp lrs vs §1.5")
    else:
        np.testing.assert_allclose(alphas ** 2 * lrs, want, rtol=1e-12, err_msg=f"{case.name}: effective lrs vs §1.5")


@needs_train_net
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_float64_training_matches_the_reference(data, case):
    task = data[case.task]
    run = run_case(data, case)
    net = case.net(data)
    theta0, bias0 = raw_parameters(run)
    assert [t.shape for t in theta0] == affine_shapes(net, task["image"])
    assert (bias0 is not None) == case.bias
    check_recipe(run, case)
    # init: curve[0] is the loss of the reference's forward on widthlab's init parameters
    alphas = list(np.asarray(run["multipliers"], dtype=np.float64))
    want0 = loss_value(net, theta0, bias0, alphas, task["X"], labels(task, case.loss), case.loss)
    assert run["curve"]["train_loss"][0] == pytest.approx(want0, rel=RTOL64)
    diff = discrepancies(run, reference_run(run, task, case), task, case.loss)
    bad = {k: v for k, v in diff.items() if not v <= RTOL64}
    assert not bad, f"{case.name}: relative differences above {RTOL64}: {bad}"
    # the run really trained: the weights moved by far more than the tolerance
    Tf, _ = raw_parameters(run, "final")
    moved = max(np.abs(Tf[l] - theta0[l]).max() / np.abs(theta0[l]).max() for l in range(len(Tf)))
    assert moved > 1e4 * RTOL64, moved


@needs_train_net
@pytest.mark.parametrize("name", ["same-gap-relu-sp-bias", "circular-stride2-valid-ntk-bias",
                                  "ce10-two-conv-flatten-sp", "custom-mf-1x1-ce10", "same-stride2-two-conv-tanh-mf"])
def test_init_logits_are_the_reference_forward(data, name):
    """steps = 0: widthlab's test logits are the reference's forward of its init parameters."""
    case = CASE_BY_NAME[name]
    task = data[case.task]
    run = run_case(data, case, steps=0)
    theta0, bias0 = raw_parameters(run)
    f = forward(case.net(data), theta0, bias0, list(run["multipliers"]), task["Xt"])[0]
    got = np.asarray(run["test_logits"], dtype=np.float64).reshape(f.shape)
    assert np.abs(got - f).max() / np.abs(f).max() <= RTOL64


def assert_epoch_permutations(batches, n, batch):
    """theory.md §6.0: each epoch a permutation of the n examples in batches of ``batch``, the last one short."""
    sizes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    for e, start in enumerate(range(0, len(batches), len(sizes))):
        epoch = batches[start:start + len(sizes)]
        assert [len(b) for b in epoch] == sizes[:len(epoch)], f"epoch {e}: {[len(b) for b in epoch]}"
        rows = np.concatenate(epoch)
        assert len(set(rows.tolist())) == len(rows) and rows.min() >= 0 and rows.max() < n
        if len(epoch) == len(sizes):
            assert not np.array_equal(rows, np.arange(n)), f"epoch {e} is not shuffled"


SGD_CASES = [
    # binary: 16 rows in batches of 6 → 6, 6, 4 then a reshuffled epoch; ten: 20 rows in batches of 7 → 7, 7, 6, 7, 7
    Case("sgd-b6-same-stride2-mf", "binary", "conv(3x3,same,d)-tanh-conv(3,same,d,stride=2)-tanh-gap", "tanh", "mf",
         "mf", "sgd", "logistic", True, 16, batch=6),
    Case("sgd-b7-ce10-circular-sp", "ten", "conv(3,circular,d)-relu-flatten", "relu", "sp", "sp", "sgd",
         "cross-entropy", False, 16, batch=7),
    Case("sgd-b5-custom-mf-1x1", "rgb", "conv(3,valid,d)-leaky_relu:0.1-dense(d)-leaky_relu:0.1-gap", "leaky_relu:0.1",
         "mf", CUSTOM_MF_2, "sgd", "logistic", False, 32, batch=5),
]


@needs_train_net
@pytest.mark.parametrize("case", SGD_CASES, ids=[c.name for c in SGD_CASES])
def test_minibatch_sgd_matches_the_reference(data, case):
    task = data[case.task]
    run = run_case(data, case)
    batches = [np.asarray(b) for b in run["batches"]]
    assert len(batches) == STEPS
    assert_epoch_permutations(batches, task["n"], case.batch)
    check_recipe(run, case)
    diff = discrepancies(run, reference_run(run, task, case, batches=batches), task, case.loss)
    assert max(diff.values()) <= RTOL64, diff
    # power: the same steps on all rows miss by far more than the tolerance
    full = discrepancies(run, reference_run(run, task, case), task, case.loss)
    assert max(full.values()) > 1e4 * RTOL64, full


# --------------------------------------------------------------------------------------------------------------------
# float32: widthlab's float32 run (oneDNN or im2col) against the float64 reference from its own init parameters.
# --------------------------------------------------------------------------------------------------------------------

FLOAT32_CASES = ["same-gap-relu-sp-bias", "same-stride2-two-conv-tanh-mf", "circular-stride2-valid-ntk-bias",
                 "valid-1x1dense-gap-mf-bias", "ce10-same-gap-mf-bias", "improved-sp-two-conv-relu",
                 "rms-two-conv-mf-bias", "rms-custom-mf-bias", "sgd-b6-same-stride2-mf"]
ALL_CASES = {c.name: c for c in CASES + SGD_CASES}


@needs_train_net
@pytest.mark.parametrize("name", FLOAT32_CASES)
def test_float32_training_matches_the_float64_reference(data, name):
    case = ALL_CASES[name]
    task = data[case.task]
    run = run_case(data, case, precision="float32")
    run64 = run_case(data, case)
    # float32 and float64 nets start from the same draws up to rounding (mlp.h / conv_net.h: drawn in float64)
    for a, b in zip(raw_parameters(run)[0], raw_parameters(run64)[0]):
        np.testing.assert_allclose(a, b, rtol=6e-8, atol=0)
    # α as the float32 net holds it (conv_net.h: multiplier(l) is factors[l].multiplier cast to T; improved-sp's √2
    # is rounded, ≤ u away): the reference uses that number
    alphas = [float(np.float32(a)) for a in run["multipliers"]]
    batches = [np.asarray(b) for b in run["batches"]] if case.optimizer == "sgd" else None
    ref = reference_run(run, task, case, batches=batches, alphas=alphas)
    diff = discrepancies(run, ref, task, case.loss, alphas=np.asarray(alphas))
    assert max(diff.values()) <= RTOL32, diff


# --------------------------------------------------------------------------------------------------------------------
# The init law.
# --------------------------------------------------------------------------------------------------------------------

INIT_CASES = [("sp", "sp"), ("mf", "mf"), ("ntk", "improved-sp"), (None, CUSTOM_MF_2)]
INIT_ARCH = "conv(3x3,same,d)-relu-conv(3x2,same,d,stride=2)-relu-flatten"


@needs_train_net
@pytest.mark.parametrize("scaling,preset", INIT_CASES, ids=[p for _, p in INIT_CASES])
def test_init_law_is_pytorch_default_times_the_factor(data, scaling, preset):
    """Effective α_l θ_l (and α_l b_l) = factor_l · U(±1/√fan_in), fan_in = KH·KW·C_in (a readout after flatten:
    P·d), for 3 affine layers at d = 64. Per tensor of N entries: inside the bound; its largest entry within a factor
    1 − 10/N of it (P(max < (1 − ε)·bound) = (1 − ε)^N ≤ e^{−10}) when N ≥ 100; the second moment bound²/3 and the
    fraction below bound/2 (1/2) within 5 standard errors (var(u²)/E[u²]² = 4/5; binomial 1/4)."""
    task = data["binary"]
    width = 64
    run = widthlab.train_net(make_config(task, INIT_ARCH, "relu", preset=preset, bias=True, width=width, steps=0))
    alphas = np.asarray(run["multipliers"], dtype=np.float64)
    factors = (custom_recipe(preset, width, ETA)[0] if preset.startswith("custom:") else
               recipe(scaling, width, 3, "gd", ETA)[0])
    thetas, biases = raw_parameters(run)
    fans = [3 * 3 * 2, 3 * 2 * width, 3 * 3 * width]          # input 6×5×2; conv 2 on 6×5×d → 3×3×d before flatten
    assert [t.shape for t in thetas] == [(width, fans[0]), (width, fans[1]), (1, fans[2])]
    for l in range(3):
        for what, T in ((f"W{l}", alphas[l] * thetas[l]), (f"b{l}", alphas[l] * biases[l])):
            N = T.size
            bound = factors[l] / math.sqrt(fans[l])
            a = np.abs(T)
            assert a.max() <= bound * (1 + 1e-12), (what, a.max(), bound)
            if N >= 100:
                assert a.max() >= bound * (1 - 10 / N), (what, a.max(), bound)
            ratio = np.mean(T * T) / (bound * bound / 3)
            assert abs(ratio - 1) <= 5 * math.sqrt(0.8 / N), (what, ratio, N)
            assert abs(np.mean(a < bound / 2) - 0.5) <= 5 * math.sqrt(0.25 / N), what


@needs_train_net
def test_paired_init_across_scalings_and_bias(data):
    """conv_net.h: the raw draws come first (all weights, then all biases) and only then the init factor, so sp and
    mf of one seed differ by the factors only, and a net without bias has the same weights."""
    task = data["binary"]
    arch = "conv(3x3,same,d)-relu-gap"
    runs = {(p, b): widthlab.train_net(make_config(task, arch, "relu", preset=p, bias=b, width=32, steps=0))
            for p in ("sp", "mf") for b in (False, True)}
    factors, _ = recipe("mf", 32, 2, "gd", ETA)
    sp, mf = raw_parameters(runs["sp", True]), raw_parameters(runs["mf", True])
    for l in range(2):
        np.testing.assert_allclose(mf[0][l], factors[l] * sp[0][l], rtol=1e-15)
        np.testing.assert_allclose(mf[1][l], factors[l] * sp[1][l], rtol=1e-15)
        np.testing.assert_array_equal(raw_parameters(runs["sp", False])[0][l], sp[0][l])


@needs_train_net
def test_valid_conv_covering_the_image_is_the_dense_net(data):
    """conv_net.h: a VALID conv covering its input equals a dense layer on the flattened image with the same matrix,
    and the paired init makes the layered net the Mlp of the same seed: same init, same training."""
    task = data["binary"]
    conv = make_config(task, "conv(6x5,valid,d)-tanh-flatten", "tanh", preset="mf", width=16, bias=True)
    dense = make_config(task, "dense(d)-tanh-flatten", "tanh", preset="mf", width=16, bias=True)
    del dense["model"]["arch"]
    a, b = widthlab.train_net(conv), widthlab.train_net(dense)
    for x, y in zip(raw_parameters(a)[0] + raw_parameters(a)[1], raw_parameters(b)[0] + raw_parameters(b)[1]):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(raw_parameters(a, "final")[0], raw_parameters(b, "final")[0]):
        np.testing.assert_allclose(x, y, rtol=0, atol=RTOL64 * np.abs(y).max())
    np.testing.assert_allclose(a["test_logits"], b["test_logits"], rtol=0,
                               atol=RTOL64 * np.abs(b["test_logits"]).max())


# --------------------------------------------------------------------------------------------------------------------
# Power: plausible wrong conventions miss widthlab by far more than the tolerance.
# --------------------------------------------------------------------------------------------------------------------

def forward_variant(net, thetas, biases, alphas, X, variant):
    """The reference forward with one wrong convention: "cin-slowest" (columns (c_in, kh, kw)), "flipped" (a true
    convolution: the filter reversed in both axes), "same-ceil" (SAME pads ⌈total/2⌉ before), "zero-pad" (CIRCULAR
    padded with zeros), "gap-sum" (gap sums the pixels), "flatten-c-slowest" (flatten in (C, H, W) order)."""
    h = X
    l = 0
    for layer in net:
        kind = layer["kind"]
        if kind == "affine":
            th = thetas[l]
            KH, KW = layer["kh"], layer["kw"]
            C = h.shape[3]
            if variant == "cin-slowest":      # θ read as columns (c, kh, kw) → reorder to the true (kh, kw, c)
                th = th.reshape(-1, C, KH, KW).transpose(0, 2, 3, 1).reshape(th.shape)
            elif variant == "flipped":
                th = th.reshape(-1, KH, KW, C)[:, ::-1, ::-1, :].reshape(th.shape)
            lay = dict(layer)
            if variant == "zero-pad" and lay["pad"] == "circular":
                lay["pad"] = "same"
            if variant == "same-ceil" and lay["pad"] == "same":
                lay["pad"] = "same-ceil"
            z = patches(h, lay) @ th.T
            if biases is not None:
                z = z + biases[l]
            h, l = alphas[l] * z, l + 1
        elif kind == "act":
            h = activation(layer["name"])[0](h)
        elif kind == "flatten":
            h = (h.transpose(0, 3, 1, 2) if variant == "flatten-c-slowest" else h).reshape(h.shape[0], 1, 1, -1)
        elif kind == "gap":
            h = h.sum(axis=(1, 2), keepdims=True) if variant == "gap-sum" else h.mean(axis=(1, 2), keepdims=True)
    return h.reshape(h.shape[0], -1)


POWER_FORWARD = [
    ("cin-slowest", "same-gap-relu-sp-bias"), ("cin-slowest", "ce10-two-conv-flatten-sp"),
    ("flipped", "same-gap-relu-sp-bias"), ("flipped", "valid3x2-flatten-leaky-ntk"),
    ("same-ceil", "same-stride2-two-conv-tanh-mf"), ("same-ceil", "same2x2-stride2x1-leaky-sp"),
    ("zero-pad", "circular-erf-flatten-sp-bias"), ("zero-pad", "circular-stride2-valid-ntk-bias"),
    ("gap-sum", "same-gap-relu-mf"), ("flatten-c-slowest", "valid3x2-flatten-leaky-ntk"),
    ("flatten-c-slowest", "1x1dense-flatten-tanh-ntk"),
]


@needs_train_net
@pytest.mark.parametrize("variant,name", POWER_FORWARD)
def test_power_a_wrong_convention_moves_the_init_logits(data, variant, name):
    """At init (steps = 0) the right forward matches widthlab's test logits to RTOL64 and its float32 run to RTOL32;
    the wrong convention misses both by ≥ 10× RTOL32 (≥ 1e7 × RTOL64)."""
    case = ALL_CASES[name]
    task = data[case.task]
    run = run_case(data, case, steps=0)
    theta0, bias0 = raw_parameters(run)
    alphas = list(np.asarray(run["multipliers"], dtype=np.float64))
    net = case.net(data)
    got = np.asarray(run["test_logits"], dtype=np.float64).reshape(N_TEST, -1)
    right = forward_variant(net, theta0, bias0, alphas, task["Xt"], None)
    np.testing.assert_allclose(right, forward(net, theta0, bias0, alphas, task["Xt"])[0], rtol=1e-14, atol=1e-15)
    scale = np.abs(got).max()
    assert np.abs(got - right).max() / scale <= RTOL64
    wrong = forward_variant(net, theta0, bias0, alphas, task["Xt"], variant)
    miss = np.abs(got - wrong).max() / scale
    assert miss > 10 * RTOL32, (variant, name, miss)


@needs_train_net
@pytest.mark.parametrize("name", ["same-stride2-two-conv-tanh-mf", "custom-mf-1x1-ce10", "rms-circular-ce10-ntk"])
def test_power_an_lr_factor_off_by_two_is_caught(data, name):
    case = ALL_CASES[name]
    task = data[case.task]
    run = run_case(data, case)
    L = len(run["multipliers"])
    for l in range(L):
        for s in (2.0, 0.5):
            scale = [1.0] * L
            scale[l] = s
            wrong = discrepancies(run, reference_run(run, task, case, lr_scale=scale), task, case.loss)
            assert wrong[f"W{l}"] > 10 * RTOL32 and wrong["test_logits"] > 10 * RTOL32, (l, s, wrong)


@needs_train_net
@pytest.mark.parametrize("name", ["rms-custom-mf-bias", "rms-improved-sp-two-conv"])
def test_power_rmsprop_on_w_with_the_sgd_lr_is_caught(data, name):
    """RMSProp on W = αθ with the SGD-equivalent lr α²·lr_θ moves W by α·(the raw RMSProp step on θ)·α, i.e. it is the
    raw RMSProp with lr α·lr_θ (up to eps): it misses widthlab in the layers with α ≠ 1."""
    case = ALL_CASES[name]
    task = data[case.task]
    run = run_case(data, case)
    alphas = np.asarray(run["multipliers"], dtype=np.float64)
    wrong = discrepancies(run, reference_run(run, task, case, lr_scale=alphas), task, case.loss)
    for l in np.flatnonzero(alphas != 1.0):
        assert wrong[f"W{l}"] > 1e4 * RTOL64, (l, wrong)
    assert wrong["test_logits"] > 10 * RTOL32, wrong
