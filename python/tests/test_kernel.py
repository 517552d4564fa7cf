"""widthlab.kernel against an independent numpy implementation of the theory.md §3.8 recursion (closed-form duals)."""
import numpy as np
import pytest

import widthlab
from conftest import erf_dual, reference_kernels, relu_dual


def inputs(n, d, seed):
    return np.random.default_rng(seed).normal(size=(n, d))


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("W_std,b_std", [(1.0, 0.0), (1.5, 0.3)])
def test_relu_ntk_parameterization_matches_numpy(depth, W_std, b_std):
    x1, x2 = inputs(7, 5, 1), inputs(4, 5, 2)
    got = widthlab.kernel(x1, x2, depth=depth, activation="relu", W_std=W_std, b_std=b_std)
    nngp, ntk = reference_kernels(x1, x2, depth, relu_dual, W_std=W_std, b_std=b_std)
    assert got["nngp"].shape == (7, 4) and got["ntk"].shape == (7, 4)
    assert rel_err(got["nngp"], nngp) < 1e-12
    assert rel_err(got["ntk"], ntk) < 1e-12


@pytest.mark.parametrize("depth", [1, 2])
def test_relu_standard_parameterization_matches_numpy(depth):
    x1, x2 = inputs(6, 3, 3), inputs(5, 3, 4)
    got = widthlab.kernel(x1, x2, depth=depth, parameterization="standard", W_std=1.2, b_std=0.1, width=64, activation="relu")
    nngp, ntk = reference_kernels(x1, x2, depth, relu_dual, W_std=1.2, b_std=0.1, parameterization="standard",
                                  width=64)
    assert rel_err(got["nngp"], nngp) < 1e-12
    assert rel_err(got["ntk"], ntk) < 1e-12


def test_erf_matches_numpy():
    x1 = inputs(6, 4, 5)
    got = widthlab.kernel(x1, depth=2, activation="erf", W_std=1.3, b_std=0.2)
    nngp, ntk = reference_kernels(x1, x1, 2, erf_dual, W_std=1.3, b_std=0.2)
    assert rel_err(got["nngp"], nngp) < 1e-12
    assert rel_err(got["ntk"], ntk) < 1e-12


def test_numpy_relu_dual_matches_monte_carlo():
    # The reference itself: T, Ṫ against a Monte Carlo average over 400 000 Gaussian pairs (tolerance ~5 sigma).
    rng = np.random.default_rng(0)
    cov = np.array([[1.3, 0.4], [0.4, 0.7]])
    uv = rng.multivariate_normal([0, 0], cov, size=400_000)
    relu = np.maximum(uv, 0)
    prod, dprod = relu[:, 0] * relu[:, 1], (uv[:, 0] > 0) & (uv[:, 1] > 0)
    t, tdot = relu_dual(cov[0, 0], cov[0, 1], cov[1, 1])
    assert abs(prod.mean() - t) < 5 * prod.std() / np.sqrt(len(prod))
    assert abs(dprod.mean() - tdot) < 5 * dprod.std() / np.sqrt(len(prod))


def test_x2_none_equals_x1():
    x = inputs(9, 4, 6)
    sym = widthlab.kernel(x, depth=2, b_std=0.5, activation="relu")
    cross = widthlab.kernel(x, x, depth=2, b_std=0.5, activation="relu")
    off = ~np.eye(len(x), dtype=bool)
    for key in ("nngp", "ntk"):
        np.testing.assert_array_equal(sym[key], sym[key].T)
        np.testing.assert_allclose(sym[key][off], cross[key][off], rtol=1e-12, atol=0)
        # On the diagonal the cross path evaluates arccos at a correlation of 1 (error ~ sqrt(eps)); the symmetric
        # path uses the exact diagonal recursion, so the two agree to ~1e-8 there.
        np.testing.assert_allclose(np.diag(sym[key]), np.diag(cross[key]), rtol=1e-7, atol=0)


def test_outputs_are_owned_c_ordered_and_only_what_was_asked():
    x = inputs(5, 3, 7)
    out = widthlab.kernel(x, ntk=False, depth=1, activation="relu")
    assert set(out) == {"nngp"}
    k = out["nngp"]
    assert k.dtype == np.float64 and k.flags["C_CONTIGUOUS"] and k.flags["WRITEABLE"]
    assert k.base is not None  # the C++ buffer, handed over without a copy
    del out
    k += 1.0  # still valid after the dict is gone
    assert set(widthlab.kernel(x, nngp=False, depth=1, activation="relu")) == {"ntk"}


def test_float32_and_converted_inputs():
    x = inputs(8, 4, 8)
    ref = widthlab.kernel(x, depth=2, activation="relu")
    f32 = widthlab.kernel(x.astype(np.float32), depth=2, precision="float32", activation="relu")
    assert f32["ntk"].dtype == np.float32
    assert rel_err(f32["ntk"].astype(np.float64), ref["ntk"]) < 1e-5
    fortran = widthlab.kernel(np.asfortranarray(x), depth=2, activation="relu")
    np.testing.assert_array_equal(fortran["ntk"], ref["ntk"])
    as_list = widthlab.kernel(x.tolist(), depth=2, activation="relu")
    np.testing.assert_array_equal(as_list["nngp"], ref["nngp"])


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda x: widthlab.kernel(x, depth=0, activation="relu"), "kernel options: depth = 0: expected an integer in [1, 10000]"),
        (lambda x: widthlab.kernel(x, np.ones((2, 4)), depth=1, activation="relu"), "x2: expected 3 columns (as x1), got 4"),
        (lambda x: widthlab.kernel(x, activation="swish", depth=1), "swish"),
        (lambda x: widthlab.kernel(x, parameterization="mup", depth=1, activation="relu"), "parameterization 'mup': unknown"),
        (lambda x: widthlab.kernel(x, precision="float16", depth=1, activation="relu"), "precision = 'float16': expected float32 or float64"),
        (lambda x: widthlab.kernel(x[0], depth=1, activation="relu"), "x1: expected a 2-D (N, d) array, got 1 dimensions"),
        (lambda x: widthlab.kernel(np.where(np.eye(4, 3) > 0, np.nan, 1.0), depth=1, activation="relu"), "x1: row 0 holds a non-finite value"),
        # 10⁶ × 10⁶ outputs of 8 bytes, twice: refused before anything is allocated (memory_guard.h)
        (lambda x: widthlab.kernel(np.zeros((10**6, 3)), depth=1, activation="relu"),
         "x1 (1000000 rows): the nngp and ntk (float64) need at least 1.49e+04 GiB, more than this machine's"),
        (lambda x: widthlab.kernel(np.zeros((10**5, 3)), np.zeros((10**6, 3)), get="ntk", precision="float32",
                                   depth=1, activation="relu"),
         "x1 (100000 rows) and x2 (1000000 rows): the ntk (float32) need at least 373 GiB"),
    ],
)
def test_bad_input_raises_value_error_with_message(call, message):
    with pytest.raises(ValueError) as err:
        call(inputs(4, 3, 9))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def leaky_dual(alpha):
    """AB-ReLU dual with a = alpha, b = 1 (theory.md §3.8)."""
    def dual(k11, k12, k22):
        det = np.maximum(k11 * k22 - k12**2, 0.0)
        theta = np.arccos(np.clip(k12 / np.sqrt(k11 * k22), -1.0, 1.0))
        tdot = (alpha**2 + 1) / 2 - (alpha - 1) ** 2 * theta / (2 * np.pi)
        return (alpha - 1) ** 2 / (2 * np.pi) * np.sqrt(det) + tdot * k12, tdot
    return dual


def test_leaky_relu_matches_numpy():
    x1, x2 = inputs(5, 6, 10), inputs(3, 6, 11)
    got = widthlab.kernel(x1, x2, depth=2, activation="leaky_relu:0.1", W_std=1.4, b_std=0.1)
    nngp, ntk = reference_kernels(x1, x2, 2, leaky_dual(0.1), W_std=1.4, b_std=0.1)
    assert rel_err(got["nngp"], nngp) < 1e-12
    assert rel_err(got["ntk"], ntk) < 1e-12


def test_gil_is_released_during_the_computation():
    # While a long kernel runs in a worker thread, the main thread keeps executing Python. With the GIL held it
    # could not run at all between the call's start and end; we count its steps in the middle half of the call.
    import threading
    import time

    x = inputs(700, 50, 12)
    span = {}

    def work():
        span["t0"] = time.perf_counter()
        widthlab.kernel(x, depth=3, activation="erf", threads=1)
        span["t1"] = time.perf_counter()

    worker = threading.Thread(target=work)
    stamps = []
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
    worker.join()
    t0, t1 = span["t0"], span["t1"]
    inside = [t for t in stamps if t0 + 0.25 * (t1 - t0) < t < t1 - 0.25 * (t1 - t0)]
    assert t1 - t0 > 0.01, "the call is too short for this test"
    assert len(inside) > 100


# ---- architectures (arch=, theory.md §3.9) ----------------------------------------------------------------------

def test_dense_arch_equals_depth_kernel():
    x1, x2 = inputs(6, 5, 11), inputs(3, 5, 12)
    for p in ("ntk", "standard"):
        width = dict(width=32) if p == "standard" else {}  # the ntk parameterization's kernel has no width
        want = widthlab.kernel(x1, x2, depth=2, activation="erf", parameterization=p, b_std=0.2, **width)
        got = widthlab.kernel(x1, x2, arch="dense(32)-erf-dense(32)-erf-dense(1)", parameterization=p, b_std=0.2)
        assert rel_err(got["ntk"], want["ntk"]) < 1e-12 and rel_err(got["nngp"], want["nngp"]) < 1e-12


def test_one_by_one_conv_flatten_is_pixel_mean_of_dense_kernel():
    # NTK parameterization: (1/P) Σ_p K_dense(x_p, x'_p) for the NNGP and the NTK (theory.md §3.9).
    rng = np.random.default_rng(13)
    x = rng.normal(size=(4, 3, 2, 5))
    got = widthlab.kernel(x, arch="conv(1,same,16)-relu-dense(16)-relu-flatten-dense(1)", W_std=1.3, b_std=0.1)
    pix = x.reshape(4 * 6, 5)
    dense = widthlab.kernel(pix, depth=2, activation="relu", W_std=1.3, b_std=0.1)
    for key in ("nngp", "ntk"):
        want = np.einsum("ipjp->ij", dense[key].reshape(4, 6, 4, 6)) / 6
        assert rel_err(got[key], want) < 1e-12


def test_images_and_rows_with_input_shape_agree_and_gap_by_hand():
    x = np.array([[1.0, -2.0], [3.0, 1.0]])  # two 1×2 images with one channel
    got = widthlab.kernel(x.reshape(2, 1, 2, 1), arch="dense(8)-relu-gap-dense(1)")
    rows = widthlab.kernel(x, arch="dense(8)-relu-gap-dense(1)", input_shape=(1, 2, 1))
    assert np.array_equal(got["nngp"], rows["nngp"])
    # products x_p x'_q = 3, 1, −6, −2 → relu T = max(·, 0)/2, mean 0.5; NTK = 2·NNGP (tests/kernels has the derivation)
    assert got["nngp"][0, 1] == pytest.approx(0.5, abs=1e-14)
    assert got["ntk"][0, 1] == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(arch="conv(3x3,sam,4)-relu-gap-dense(1)"), "padding 'sam'"),
    (dict(arch="conv(3,same,4)-relu"), "expected a vector"),
    (dict(arch="dense(4)-relu-dense(1)", depth=2), "not used with an architecture"),
    (dict(arch="conv(3,same,4)-gap-dense(1)", input_shape=(2, 2)), "input_shape"),
    (dict(arch="conv(3,same,4)-gap-dense(1)", input_shape=(2, 5, 1)), "input_shape = (2, 5, 1)"),
    (dict(depth=1, activation="relu"), "(N, d) array"),
])
def test_bad_arch_raises_value_error(kwargs, needle):
    x = np.zeros((2, 2, 3, 1))
    with pytest.raises(ValueError) as e:
        widthlab.kernel(x, **kwargs)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_missing_depth_without_arch_is_a_type_error():
    with pytest.raises(TypeError, match="required \\(or give arch\\)"):
        widthlab.kernel(np.zeros((2, 3)), activation="relu")


def test_device_choice_and_the_gpu_agrees_with_the_cpu():
    # device= as the CLI's --device (kernel_cuda.h choose_kernel_device); on a machine without a GPU, "cuda" is a
    # ValueError naming why, and the GPU comparison is skipped.
    x = np.random.default_rng(3).normal(size=(30, 6))
    with pytest.raises(ValueError, match="device 'gpu': expected cpu, cuda or auto"):
        widthlab.kernel(x, depth=1, activation="relu", device="gpu")
    with pytest.raises(ValueError, match="device cuda: not supported for activation tanh"):
        widthlab.kernel(x, depth=1, activation="tanh", device="cuda")
    cpu = widthlab.kernel(x, depth=2, activation="relu", b_std=0.1, device="cpu")
    auto = widthlab.kernel(x, depth=2, activation="relu", b_std=0.1)
    try:
        gpu = widthlab.kernel(x, depth=2, activation="relu", b_std=0.1, device="cuda")
    except ValueError as e:
        assert "CUDA is not available" in str(e)
        np.testing.assert_array_equal(auto["ntk"], cpu["ntk"])  # auto fell back to the CPU
        pytest.skip(str(e))
    # float64 kernel entries agree to ~1e-15 relative (tests/cuda/kernel_cuda_test.cpp derives 1e-11 as the bound)
    for name in ("nngp", "ntk"):
        np.testing.assert_allclose(gpu[name], cpu[name], rtol=0, atol=1e-11 * np.abs(cpu[name]).max())
