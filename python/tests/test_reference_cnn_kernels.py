"""Analytic NNGP / NTK kernels of convolutional architectures checked against an independent numpy float64 reference.

The reference below is written from the documentation only — theory.md §3.8 (the fully connected recursion, the
Gaussian duals of ReLU, leaky ReLU / ABReLU and erf, the diagonal shortcuts; the standard parameterization's
N_l·T + [1 if biases]) and §3.9 (the pixel-pair state K[p, q] = E[z_p(x) z_q(x')] with K⁰ = x_p·x'_q / C and Θ⁰ = 0;
the box filter A(K)[p, q] = (1/(k_h k_w)) Σ_t K[ps + t − π, qs + t − π], the same tap t on both sides, zero outside
the image for SAME / VALID and wrapped for CIRCULAR; lax's output sizes and padding offsets ⌊total/2⌋ before; the
NTK update of the ntk and standard parameterizations with n = k_h k_w C_in; activations pixel-pair-wise with K_x[p, p]
of the pair (x, x) and the exact diagonal duals on p = q of one image; Flatten = (1/P) Σ_p K[p, p], GlobalAvgPool =
(1/P²) Σ_{p,q} K[p, q]), README "Architectures and convolutional nets" (the stax table), the header comments of
architecture.h (grammar, shapes), cnn_kernel.h (the recursion, dense = a 1×1 conv, fan-in H·W·C after flatten),
kernel.h and dual.h, `widthlab kernel --help` and the docstring of `widthlab.kernel` (x1, x2 = None, arch=,
parameterization=, W_std=, b_std=; b_std = 0 means no bias). It never reads src/ or tests/kernels/cnn_reference.h.

The reference is the direct recursion over all pixel pairs (p, q) of every pair of images, vectorised over the image
pairs only: the images x1 and x2 are stacked and every pair of the stack is propagated, so one run gives the
(x1, x2) block, the (x1, x1) block (widthlab's symmetric call x2 = None) and the self variances K_x[p, p] the duals
need. It always keeps the full P × P state, also for Flatten readouts (which need only the diagonal): that checks
widthlab's "diagonal mode" against the full recursion.

widthlab's side: `widthlab.kernel(x1, x2, arch=…)` and `widthlab.kernel(x1, arch=…)` on (N, H, W, C) images, for 16
architectures (CASES: 1×1, 2×2, 3×3, 3×2, 2×3, 4×3 and 4×4 filters; strides 1, 2, 3 and 2×1; SAME, VALID, CIRCULAR; 1–3
conv layers; relu, erf, leaky_relu:0.1, abs; with and without bias; flatten, gap, a single-pixel output and a readout-
less gap; hidden dense layers on pixels and after the readout), each in the ntk and the standard parameterization.

Tolerance (per case, relative to max |entry| of the matrix compared): (a) rounding. Every entry is built from sums of
≤ C input products, ≤ k_h k_w taps per conv, ≤ P² terms of gap, each ≤ n·u relative to the sum of |terms|
(u = 2⁻⁵³), and each dual is a short chain of correctly rounded operations (≤ DUAL_ULPS). The bound
2u(C + Σ_conv(k_h k_w + DUAL_ULPS) + P²) of the two implementations together is ≤ 7.8e-14 for every case, and
RTOL = 1e-12 is ≥ 12× it (test_rounding_bound_is_far_below_rtol: the margin covers terms larger than the largest
entry). (b) the angle of the ABReLU duals: θ = atan2(√(K11K22 − K12²), K12) has condition 1/sin θ, so an ulp-level
error c·u in K moves θ by ≤ min(c·u/sin θ, √(2c·u)) (c = ANGLE_C = 64) and Ṫ by (a − b)²/(2π) of that. It matters
only where the angle degenerates: a 1×1 first conv on one input channel without bias gives every pixel pair the
correlation ±1 exactly (K[p, q] = x_p x'_q), and so, with C = 1, does a SAME 2×2 filter at the corner pixel whose
patch holds one image pixel. The reference records the smallest sin θ of each activation layer and adds
4·(a − b)²/(2π)·δθ per layer (4: a safety factor for later layers, which scale Θ by ≤ W_std²·max Ṫ while adding
K ≥ 0). This is 3.0e-7 in the degenerate case (abs, (a − b)² = 4) and ≤ 3e-13 elsewhere. Measured (32 case ×
parameterization tests, 4 matrices each): ≤ 8.3e-16 everywhere except the degenerate case, 3.3e-10 (ntk) and
2.8e-11 (standard) in its NTK: both sides carry the √u error of a zero angle there, so they cannot agree better.

Monte Carlo (test_reference_nngp_is_the_logit_covariance_of_sampled_finite_nets): the reference's own conventions are
checked against finite nets sampled in numpy: conv(2x2,same,256)-relu-conv(3x3,circular,256,stride=2)-relu-gap-
dense(256) in the NTK parameterization (W, b ~ N(0, 1), z = W_std/√(k_h k_w C_in)·Σ W·patch + b_std·b), with the
padding done by np.pad (constant / wrap, ⌊total/2⌋ before) and the stride by slicing, not by the reference's index
map. 200 nets on three 4×3×2 images; per net the mean over its 256 iid logits of f(x)f(x') estimates the NNGP, and
the standard error is that of the 200 per-net estimates (≈ 1 % relative). Z_MAX = 4.5 on the 6 entries (false alarm
≤ 6·6.8e-6 for a correct reference; fixed seed). The law is exact for the first hidden layer and biased by O(1/C) from
the second one (E[T(K̂)] ≠ T(K)): 1000 nets with 64 first-layer channels did not resolve it (every entry within 0.55 %,
standard error 0.65 %), so at 256 channels it is ≲ (0.55 + 2·0.65) %·64/256 ≈ 0.5 %, ≤ 0.5 standard errors here.
Measured max |z| = 2.3 (1.4 s).

Power: widthlab's kernels against the reference with one plausible mistake (test_power_*): SAME treated as VALID,
the stride ignored, flatten and gap swapped, gap by the pixel-diagonal recursion only, the bias variance added at the
first layer only, the ntk and standard parameterizations swapped, SAME's odd padding put before instead of after,
CIRCULAR treated as SAME: each misses by ≥ POWER × its tolerance (POWER = 1e9; measured misses 0.22 … 20 relative,
≥ 2.2e11 tolerances). The Monte Carlo law rejects SAME-as-VALID, diagonal-only gap, bias once, the
padding offset and the ignored stride by ≥ POWER_Z = 8 standard errors (measured 64, 64, 37, 10.4, 10.4).

Exact special cases of §3.9 not in test_kernel.py (which has the 1×1-conv + flatten identity in the ntk
parameterization only): a VALID filter covering the image is a Dense layer on the flattened image (both
parameterizations), and in the standard parameterization the 1×1-conv + flatten net is the pixel mean of the dense
kernel plus the readout's fan-in term (P − 1)N(NNGP − σ_b²)/σ_w². The dense side is conftest's §3.8 reference.

What the docs leave open (probed; widthlab agrees with the reading given here):
  * An architecture may end without a dense readout ("conv(3x3,same,4)-relu-gap"): the kernel is then that of the
    pooled features (the NTK of the last affine layer passed through Ṫ), with no readout appended — unlike training,
    which appends dense(k). Only architecture.h's "must end in a vector" implies it.
  * A CIRCULAR filter wider than its image (4×4 on 3×3: pad 1 before, 2 after) wraps modulo the image size; the
    docs say only "pads the same amounts by wrapping".
  * A conv whose output is one pixel may be followed by dense(1) without flatten or gap ("single pixel" in
    architecture_shapes_to_vector); the kernel is that pixel's.
No disagreement with widthlab was found.
"""
import functools
import math
import re

import numpy as np
import pytest

import widthlab
from conftest import reference_kernels, relu_dual

U = np.finfo(float).eps / 2
RTOL = 1e-12        # rounding (module docstring)
DUAL_ULPS = 16      # ulps of one dual evaluation (a few correctly rounded operations)
ANGLE_C = 64        # K's relative error in ulps for the angle bound
ANGLE_SAFETY = 4.0
Z_MAX = 4.5         # Monte Carlo comparisons
POWER = 1e9         # an exact power check must miss by this many tolerances
POWER_Z = 8.0       # a Monte Carlo power check must miss by this many standard errors
ABRELU = {"relu": (0.0, 1.0), "abs": (-1.0, 1.0)}


# ====================================================================================================================
# The reference (theory.md §3.8, §3.9)
# ====================================================================================================================

def slopes(name):
    """(a, b) of φ(z) = a·min(z, 0) + b·max(z, 0), or None for erf."""
    if name.startswith("leaky_relu:"):
        return float(name.split(":")[1]), 1.0
    return ABRELU.get(name)


def dual(name, k11, k22, k12, same):
    """T, Ṫ of §3.8 and sin θ (1 where no angle enters); `same`: one pixel of one image with itself (exact diagonal)."""
    if name == "erf":
        a = (1 + 2 * k11) * (1 + 2 * k22)
        t = 2 / np.pi * np.arcsin(2 * k12 / np.sqrt(a))
        return t, 4 / np.pi / np.sqrt(a - 4 * k12 ** 2), np.ones_like(t)
    a, b = slopes(name)
    disc = np.sqrt(np.maximum(k11 * k22 - k12 ** 2, 0.0))
    theta = np.arctan2(disc, k12)
    tdot = (a * a + b * b) / 2 - (a - b) ** 2 * theta / (2 * np.pi)
    t = (a - b) ** 2 / (2 * np.pi) * disc + tdot * k12
    sin = np.where(same, 1.0, disc / np.sqrt(k11 * k22))
    return np.where(same, (a * a + b * b) / 2 * k11, t), np.where(same, (a * a + b * b) / 2, tdot), sin


def parse(arch):
    """The layers of an architecture.h text: ("conv", kh, kw, pad, sh, sw, width), ("act", name), ("flatten",),
    ("gap",); dense(N) is the 1×1 conv (on a non-spatial input the 1 × 1 image of its features)."""
    layers = []
    for text in arch.split("-"):
        m = re.fullmatch(r"conv\((\d+)(?:x(\d+))?,(\w+),(\d+)(?:,stride=(\d+)(?:x(\d+))?)?\)", text)
        if m:
            sh = int(m[5] or 1)
            layers.append(("conv", int(m[1]), int(m[2] or m[1]), m[3], sh, int(m[6] or sh), int(m[4])))
        elif text.startswith("dense("):
            layers.append(("conv", 1, 1, "valid", 1, 1, int(text[6:-1])))
        elif text in ("flatten", "gap"):
            layers.append((text,))
        else:
            layers.append(("act", text))
    return layers


def sources(n_in, k, s, pad, pad_after=False):
    """Per output position o and tap t the input index o·s + t − before (None: zero padding), lax's conventions."""
    if pad == "valid":
        n_out, before = -(-(n_in - k + 1) // s), 0
    else:
        n_out = -(-n_in // s)
        total = max((n_out - 1) * s + k - n_in, 0)
        before = total - total // 2 if pad_after else total // 2
    src = [[o * s + t - before for t in range(k)] for o in range(n_out)]
    if pad == "circular":
        return [[i % n_in for i in row] for row in src]
    return [[i if 0 <= i < n_in else None for i in row] for row in src]


def box(state, sh, sw):
    """A(K)[p, q] = (1/(kh kw)) Σ_t K[ps + t − π, qs + t − π]: one loop over output pixel pairs and taps."""
    kh, kw = len(sh[0]), len(sw[0])
    out = np.zeros(state.shape[:2] + (len(sh), len(sw), len(sh), len(sw)))
    for ph, pw, qh, qw in np.ndindex(out.shape[2:]):
        for th in range(kh):
            for tw in range(kw):
                src = (sh[ph][th], sw[pw][tw], sh[qh][th], sw[qw][tw])
                if None not in src:
                    out[:, :, ph, pw, qh, qw] += state[(slice(None), slice(None)) + src]
    return out / (kh * kw)


def activation(name, k, th):
    """K[p, q] ← T(K_x[p, p], K_x'[q, q], K[p, q]), Θ ← Ṫ·Θ over all image pairs (i, j) and pixel pairs."""
    n, h, w = k.shape[0], k.shape[2], k.shape[3]
    var = np.einsum("iipp->ip", k.reshape(n, n, h * w, h * w)).reshape(n, h, w)
    same = np.einsum("ij,pq->ijpq", np.eye(n), np.eye(h * w)).reshape(k.shape) > 0
    t, tdot, sin = dual(name, var[:, None, :, :, None, None], var[None, :, None, None, :, :], k, same)
    return t, tdot * th, float(sin.min())


def readout(kind, k, th, channels, bugs):
    """Flatten: mean of the pixel diagonal (fan-in P·C); gap: mean over all pixel pairs (fan-in C)."""
    n, p = k.shape[0], k.shape[2] * k.shape[3]
    k, th = k.reshape(n, n, p, p), th.reshape(n, n, p, p)
    if kind == "flatten":
        out, channels = [np.einsum("ijpp->ij", a) / p for a in (k, th)], channels * p
    elif "gap_diag_only" in bugs:  # the mistake: only the pixel diagonal propagated, off-diagonal pairs taken as 0
        out = [np.einsum("ijpp->ij", a) / p ** 2 for a in (k, th)]
    else:
        out = [a.sum(axis=(2, 3)) / p ** 2 for a in (k, th)]
    return out[0].reshape(n, n, 1, 1, 1, 1), out[1].reshape(n, n, 1, 1, 1, 1), channels


def reference(x, arch, parameterization="ntk", W_std=1.0, b_std=0.0, bugs=()):
    """NNGP and NTK (N, N) of every pair of the images x (N, H, W, C), and the angle term of the tolerance."""
    w2, b2, beta = W_std ** 2, b_std ** 2, float(b_std > 0)
    channels = x.shape[3]
    k = np.einsum("iabc,jdec->ijabde", x, x) / channels
    th, angle, first = np.zeros_like(k), 0.0, True
    for layer in parse(arch):
        if layer[0] == "conv":
            _, kh, kw, pad, s1, s2, width = layer
            sh = sources(k.shape[2], kh, s1, pad, "pad_after" in bugs)
            sw = sources(k.shape[3], kw, s2, pad, "pad_after" in bugs)
            ak, at = box(k, sh, sw), box(th, sh, sw)
            k = w2 * ak + (0.0 if "bias_once" in bugs and not first else b2)
            th = w2 * at + (k if parameterization == "ntk" else kh * kw * channels * ak + beta)
            channels, first = width, False
        elif layer[0] == "act":
            k, th, sin = activation(layer[1], k, th)
            if slopes(layer[1]) is not None:
                a, b = slopes(layer[1])
                dtheta = min(ANGLE_C * U / max(sin, 1e-300), math.sqrt(2 * ANGLE_C * U))
                angle += ANGLE_SAFETY * (a - b) ** 2 / (2 * np.pi) * dtheta
        else:
            k, th, channels = readout(layer[0], k, th, channels, bugs)
    assert k.shape[2:] == (1, 1, 1, 1), "the architecture must end in one pixel"
    return k[:, :, 0, 0, 0, 0], th[:, :, 0, 0, 0, 0], angle


def rounding_bound(arch, shape):
    """(a) of the module docstring: 2u(C + Σ_conv(kh kw + DUAL_ULPS) + P²)."""
    convs = [l for l in parse(arch) if l[0] == "conv"]
    return 2 * U * (shape[2] + sum(l[1] * l[2] + DUAL_ULPS for l in convs) + (shape[0] * shape[1]) ** 2)


# ====================================================================================================================
# Cases and the comparison with widthlab
# ====================================================================================================================

# (id, arch, (H, W, C), W_std, b_std)
CASES = [
    ("same3x3-relu-gap", "conv(3x3,same,8)-relu-gap-dense(1)", (4, 4, 2), 1.0, 0.0),
    ("same3x3-relu-flatten-bias", "conv(3x3,same,8)-relu-flatten-dense(1)", (4, 4, 2), 1.0, 0.3),
    ("valid3x2-leaky-flatten-c1", "conv(3x2,valid,6)-leaky_relu:0.1-flatten-dense(1)", (5, 3, 1), 1.3, 0.0),
    ("same2x2-stride2-erf-circular-gap",
     "conv(2x2,same,4,stride=2)-erf-conv(3x3,circular,4)-erf-gap-dense(1)", (5, 3, 3), 1.3, 0.2),
    ("1x1-c1-abs-degenerate-then-strided-gap",
     "conv(1x1,same,4)-abs-conv(3x3,same,4,stride=2)-relu-gap-dense(1)", (4, 4, 1), 1.0, 0.0),
    ("depth3-circular-stride2x1-valid-gap",
     "conv(2x2,circular,5,stride=2x1)-relu-conv(2x2,valid,5)-relu-conv(1x1,same,3)-relu-gap-dense(1)",
     (4, 4, 2), 1.2, 0.1),
    ("depth3-same3x3-relu-flatten",
     "conv(3x3,same,7)-relu-conv(3x3,same,7)-relu-conv(3x3,same,7)-relu-flatten-dense(1)", (4, 4, 3), 1.4, 0.0),
    ("depth3-same3x3-relu-gap-bias",
     "conv(3x3,same,5)-relu-conv(3x3,same,5)-relu-conv(3x3,same,5)-relu-gap-dense(1)", (5, 3, 2), 1.0, 0.2),
    ("stride2-2x3-erf-flatten-hidden-dense",
     "conv(2x3,same,3,stride=2)-erf-flatten-dense(16)-erf-dense(1)", (5, 3, 2), 0.9, 0.5),
    ("dense-on-pixels-then-conv-gap", "dense(6)-relu-conv(2x2,same,6)-relu-gap-dense(1)", (4, 4, 3), 1.0, 0.2),
    ("gap-then-hidden-dense-abs", "conv(3x3,circular,4)-relu-gap-dense(8)-abs-dense(1)", (4, 4, 2), 1.1, 0.1),
    ("strided-1x1-valid-then-circular-flatten",
     "conv(1,valid,4,stride=2)-relu-conv(2,circular,4)-relu-flatten-dense(1)", (5, 3, 2), 1.1, 0.2),
    ("circular-filter-wider-than-image", "conv(4,circular,4)-relu-gap-dense(1)", (3, 3, 2), 1.0, 0.0),
    ("same-stride3-leaky-gap", "conv(3,same,4,stride=3)-leaky_relu:0.1-gap-dense(1)", (5, 3, 2), 1.2, 0.3),
    ("no-readout-gap", "conv(3x3,same,4)-relu-gap", (4, 4, 2), 1.0, 0.1),
    ("valid-to-one-pixel-no-flatten", "conv(4x3,valid,5)-erf-dense(1)", (4, 3, 2), 1.2, 0.0),
]
CASE = {c[0]: c for c in CASES}
N1, N2 = 5, 3


def images(n, shape, seed):
    return np.random.default_rng(seed).normal(size=(n,) + shape)


def case_inputs(case):
    seed = sum(map(ord, case[0]))
    return images(N1, case[2], seed), images(N2, case[2], seed + 1)


def reference_blocks(x1, x2, arch, parameterization, W_std, b_std, bugs=()):
    """{"pair": (x1, x2) block, "self": (x1, x1) block} of NNGP and NTK, and the angle term."""
    nngp, ntk, angle = reference(np.concatenate([x1, x2]), arch, parameterization, W_std, b_std, bugs)
    n = len(x1)
    return {"pair": {"nngp": nngp[:n, n:], "ntk": ntk[:n, n:]},
            "self": {"nngp": nngp[:n, :n], "ntk": ntk[:n, :n]}}, angle


def widthlab_blocks(x1, x2, arch, parameterization, W_std, b_std):
    kw = dict(arch=arch, parameterization=parameterization, W_std=W_std, b_std=b_std)
    return {"pair": widthlab.kernel(x1, x2, **kw), "self": widthlab.kernel(x1, **kw)}


def rel_max(got, want):
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


def worst_miss(got, want):
    return max(rel_max(got[f][key], want[f][key]) for f in ("pair", "self") for key in ("nngp", "ntk"))


def test_reference_duals_match_quadrature():
    """The §3.8 closed forms as transcribed (θ = 0 included) against direct integration: ABReLUs are positively
    homogeneous, so with (u, v) = A(r cos α, r sin α), AAᵀ = Λ: T = 2·mean_α φφ, Ṫ = mean_α φ'φ' (midpoint rule, 2·10⁵
    nodes, ≤ 4 nodes per jump of Ṫ); erf: 2-D Gauss–Hermite of order 80."""
    alpha = (np.arange(200000) + 0.5) * 2 * np.pi / 200000
    zs, ws = np.polynomial.hermite_e.hermegauss(80)
    ws = ws / ws.sum()
    erf = np.vectorize(math.erf)
    for name in ("relu", "leaky_relu:0.1", "abs", "erf"):
        for k11, k22, k12 in ((0.7, 1.3, 0.4), (0.5, 0.5, -0.45), (1.1, 1.1, 1.1), (0.3, 2.0, 0.0)):
            rho = k12 / math.sqrt(k11 * k22)
            A = np.array([[math.sqrt(k11), 0.0], [math.sqrt(k22) * rho, math.sqrt(k22 * max(1 - rho * rho, 0.0))]])
            t, tdot, _ = dual(name, np.float64(k11), np.float64(k22), np.float64(k12), np.bool_(False))
            if name == "erf":
                z1, z2 = np.meshgrid(zs, zs, indexing="ij")
                u, v, w = A[0, 0] * z1, A[1, 0] * z1 + A[1, 1] * z2, ws[:, None] * ws[None, :]
                want = np.sum(w * erf(u) * erf(v)), np.sum(w * 4 / np.pi * np.exp(-u * u - v * v))
                tol = (1e-9, 1e-9)
            else:
                a, b = slopes(name)
                u, v = A @ np.stack([np.cos(alpha), np.sin(alpha)])
                phi = lambda z: a * np.minimum(z, 0) + b * np.maximum(z, 0)  # noqa: E731
                dphi = lambda z: np.where(z > 0, b, a)  # noqa: E731
                want, tol = (2 * np.mean(phi(u) * phi(v)), np.mean(dphi(u) * dphi(v))), (1e-8, 4 * 4 / 200000)
            assert t == pytest.approx(want[0], rel=tol[0], abs=tol[0]), (name, k11, k22, k12)
            assert tdot == pytest.approx(want[1], rel=tol[1], abs=tol[1]), (name, k11, k22, k12)


def test_rounding_bound_is_far_below_rtol():
    worst = max(rounding_bound(c[1], c[2]) for c in CASES)
    assert worst <= RTOL / 10, worst


@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_widthlab_kernel_matches_reference_on_pairs_and_symmetric_call(case, parameterization):
    _, arch, _, W_std, b_std = case
    x1, x2 = case_inputs(case)
    want, angle = reference_blocks(x1, x2, arch, parameterization, W_std, b_std)
    got = widthlab_blocks(x1, x2, arch, parameterization, W_std, b_std)
    tol = RTOL + angle
    for form in ("pair", "self"):
        for key in ("nngp", "ntk"):
            assert got[form][key].shape == want[form][key].shape
            err = rel_max(got[form][key], want[form][key])
            assert err <= tol, (form, key, err, tol, got[form][key], want[form][key])
    assert np.array_equal(got["self"]["nngp"], got["self"]["nngp"].T)


# ====================================================================================================================
# Power: plausible mistakes miss by far more than the tolerance
# ====================================================================================================================

def no_stride(arch):
    return re.sub(r",stride=[\dx]+", "", arch)


def swap_readout(arch):
    return arch.replace("flatten", "@").replace("gap", "flatten").replace("@", "gap")


# (mistake, case, parameterization, how the mistaken reference is made: (arch edit, parameterization edit, bugs))
MISTAKES = [
    ("same-as-valid", "same3x3-relu-gap", "ntk", (lambda a: a.replace("same", "valid"), None, ())),
    ("same-as-valid", "same3x3-relu-flatten-bias", "standard", (lambda a: a.replace("same", "valid"), None, ())),
    ("stride-ignored", "same2x2-stride2-erf-circular-gap", "ntk", (no_stride, None, ())),
    ("stride-ignored", "stride2-2x3-erf-flatten-hidden-dense", "standard", (no_stride, None, ())),
    ("flatten-gap-swapped", "same3x3-relu-gap", "ntk", (swap_readout, None, ())),
    ("flatten-gap-swapped", "same3x3-relu-flatten-bias", "standard", (swap_readout, None, ())),
    ("gap-pixel-diagonal-only", "depth3-same3x3-relu-gap-bias", "ntk", (None, None, ("gap_diag_only",))),
    ("bias-once-not-per-layer", "depth3-same3x3-relu-gap-bias", "ntk", (None, None, ("bias_once",))),
    ("bias-once-not-per-layer", "stride2-2x3-erf-flatten-hidden-dense", "standard", (None, None, ("bias_once",))),
    ("parameterization-swapped", "same3x3-relu-flatten-bias", "ntk", (None, "standard", ())),
    ("parameterization-swapped", "depth3-circular-stride2x1-valid-gap", "standard", (None, "ntk", ())),
    ("same-padding-before", "same2x2-stride2-erf-circular-gap", "ntk", (None, None, ("pad_after",))),
    ("circular-as-same", "circular-filter-wider-than-image", "ntk", (lambda a: a.replace("circular", "same"), None,
                                                                      ())),
]


@pytest.mark.parametrize("mistake,name,parameterization,how", MISTAKES, ids=[f"{m[0]}:{m[1]}" for m in MISTAKES])
def test_power_plausible_mistake_misses_widthlab_by_far_more_than_the_tolerance(mistake, name, parameterization, how):
    _, arch, _, W_std, b_std = CASE[name]
    edit_arch, wrong_param, bugs = how
    x1, x2 = case_inputs(CASE[name])
    _, angle = reference_blocks(x1, x2, arch, parameterization, W_std, b_std)
    wrong, _ = reference_blocks(x1, x2, edit_arch(arch) if edit_arch else arch, wrong_param or parameterization,
                                W_std, b_std, bugs)
    got = widthlab_blocks(x1, x2, arch, parameterization, W_std, b_std)
    miss = worst_miss(got, wrong)
    assert miss >= POWER * (RTOL + angle), (mistake, miss)


# ====================================================================================================================
# Exact special cases of §3.9 (conftest's dense §3.8 reference on the other side)
# ====================================================================================================================

@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
def test_valid_filter_covering_the_image_is_a_dense_layer_on_the_flattened_image(parameterization):
    x1, x2 = images(5, (4, 3, 2), 31), images(3, (4, 3, 2), 32)
    got = widthlab.kernel(x1, x2, arch="conv(4x3,valid,16)-relu-dense(16)-relu-dense(1)",
                          parameterization=parameterization, W_std=1.2, b_std=0.3)
    nngp, ntk = reference_kernels(x1.reshape(5, -1), x2.reshape(3, -1), 2, relu_dual, W_std=1.2, b_std=0.3,
                                  parameterization=parameterization, width=16.0)
    assert rel_max(got["nngp"], nngp) <= RTOL and rel_max(got["ntk"], ntk) <= RTOL


def test_standard_one_by_one_conv_flatten_adds_the_readout_fan_in_term():
    """§3.9: NNGP = (1/P) Σ_p K_dense(x_p, x'_p); NTK = the same pixel mean + (P − 1)N(NNGP − σ_b²)/σ_w²."""
    (h, w, c), n, W_std, b_std = (3, 2, 5), 16, 1.3, 0.1
    x1, x2 = images(4, (h, w, c), 41), images(3, (h, w, c), 42)
    got = widthlab.kernel(x1, x2, arch=f"conv(1,same,{n})-relu-dense({n})-relu-flatten-dense(1)",
                          parameterization="standard", W_std=W_std, b_std=b_std)
    p = h * w
    kd, td = reference_kernels(x1.reshape(-1, c), x2.reshape(-1, c), 2, relu_dual, W_std=W_std, b_std=b_std,
                               parameterization="standard", width=float(n))
    nngp = np.einsum("ipjp->ij", kd.reshape(4, p, 3, p)) / p
    ntk = np.einsum("ipjp->ij", td.reshape(4, p, 3, p)) / p + (p - 1) * n * (nngp - b_std ** 2) / W_std ** 2
    assert rel_max(got["nngp"], nngp) <= RTOL and rel_max(got["ntk"], ntk) <= RTOL


# ====================================================================================================================
# Monte Carlo: the reference's conventions against sampled finite conv nets
# ====================================================================================================================

MC_ARCH = "conv(2x2,same,8)-relu-conv(3x3,circular,8,stride=2)-relu-gap-dense(1)"  # widths: NNGP-independent
MC_W, MC_B, MC_CHANNELS, MC_OUT, MC_NETS = 1.2, 0.3, 256, 256, 200


def pad_like_lax(h, k, s, axis, mode):
    """Pad one axis for SAME / CIRCULAR: ⌈n/s⌉ outputs, total = max((out − 1)s + k − n, 0), ⌊total/2⌋ before."""
    n = h.shape[axis]
    total = max((-(-n // s) - 1) * s + k - n, 0)
    widths = [(0, 0)] * h.ndim
    widths[axis] = (total // 2, total - total // 2)
    return np.pad(h, widths, mode="wrap" if mode == "circular" else "constant")


def finite_conv(h, rng, k, s, pad, width):
    """NTK parameterization: W_std/√(k·k·C_in)·Σ_t W_t·h_{os+t} + b_std·b, W, b ~ N(0, 1); then relu."""
    cin = h.shape[3]
    if pad != "valid":
        h = pad_like_lax(pad_like_lax(h, k, s, 1, pad), k, s, 2, pad)
    oh, ow = (h.shape[1] - k) // s + 1, (h.shape[2] - k) // s + 1
    w = rng.standard_normal((k, k, cin, width))
    z = sum(h[:, a:a + s * (oh - 1) + 1:s, b:b + s * (ow - 1) + 1:s, :] @ w[a, b] for a in range(k) for b in range(k))
    return np.maximum(MC_W / np.sqrt(k * k * cin) * z + MC_B * rng.standard_normal(width), 0.0)


def sampled_second_moment(x, rng):
    """One finite net of MC_ARCH with MC_OUT iid logits: the mean over the logits of f(x_i) f(x_j)."""
    h = finite_conv(x, rng, 2, 1, "same", MC_CHANNELS)
    h = finite_conv(h, rng, 3, 2, "circular", MC_CHANNELS).mean(axis=(1, 2))
    f = MC_W / np.sqrt(MC_CHANNELS) * h @ rng.standard_normal((MC_CHANNELS, MC_OUT))
    f = f + MC_B * rng.standard_normal(MC_OUT)
    return f @ f.T / MC_OUT


@functools.lru_cache(maxsize=1)
def monte_carlo():
    """(x, mean, standard error) of the second moment over MC_NETS independent nets."""
    x = images(3, (4, 3, 2), 5)
    rng = np.random.default_rng(7)
    c = np.array([sampled_second_moment(x, rng) for _ in range(MC_NETS)])
    return x, c.mean(axis=0), c.std(axis=0, ddof=1) / np.sqrt(MC_NETS)


def mc_z(nngp):
    _, mean, se = monte_carlo()
    iu = np.triu_indices(3)
    return np.abs((mean - nngp) / se)[iu]


def test_reference_nngp_is_the_logit_covariance_of_sampled_finite_nets():
    x, _, se = monte_carlo()
    nngp, _, _ = reference(x, MC_ARCH, "ntk", MC_W, MC_B)
    assert np.max(se / np.abs(nngp)) < 0.02  # the sample is informative (≈ 1 % relative)
    assert np.max(mc_z(nngp)) <= Z_MAX, mc_z(nngp)


MC_MISTAKES = [
    ("same-as-valid", MC_ARCH.replace("same", "valid"), ()),
    ("gap-pixel-diagonal-only", MC_ARCH, ("gap_diag_only",)),
    ("bias-once-not-per-layer", MC_ARCH, ("bias_once",)),
    ("same-padding-before", MC_ARCH, ("pad_after",)),
    ("stride-ignored", no_stride(MC_ARCH), ()),
]


@pytest.mark.parametrize("mistake,arch,bugs", MC_MISTAKES, ids=[m[0] for m in MC_MISTAKES])
def test_power_monte_carlo_rejects_a_plausible_mistake(mistake, arch, bugs):
    x, _, _ = monte_carlo()
    wrong, _, _ = reference(x, arch, "ntk", MC_W, MC_B, bugs)
    assert np.max(mc_z(wrong)) >= POWER_Z, (mistake, mc_z(wrong))
