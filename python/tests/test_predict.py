"""widthlab.predict against independent numpy references (theory.md §3.2; neural-tangents predict conventions).

Kernels come from widthlab.kernel (itself checked against numpy in test_kernel.py) or, in one case, from a
closed-form depth-1 ReLU NTK written out here; the prediction formulas are re-derived in numpy: the linear solve at
t = ∞, the eigendecomposition of the MSE gradient flow at finite t, the GP posterior for kernel="nngp", and an
explicit function-space gradient-descent loop for logistic and cross-entropy losses.
"""
import math
import os

import numpy as np
import pytest

import widthlab


def data(n=9, m=5, d=4, k=None, seed=0):
    rng = np.random.default_rng(seed)
    x, xt = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    y = rng.normal(size=(n,) if k is None else (n, k))
    return x, y, xt


def kernels(x, xt, **net):
    dd = widthlab.kernel(x, **net)
    td = widthlab.kernel(xt, x, **net)
    tt = widthlab.kernel(xt, **net)
    return dd, td, tt


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def relu_ntk_depth1(x1, x2):
    """Closed-form NTK of Dense(ntk) → ReLU → Dense(ntk), W_std = 1, no bias (Jacot et al.; arc-cosine kernel)."""
    d = x1.shape[1]
    n1, n2 = np.linalg.norm(x1, axis=1)[:, None], np.linalg.norm(x2, axis=1)[None, :]
    dot = x1 @ x2.T
    theta = np.arccos(np.clip(dot / (n1 * n2), -1.0, 1.0))
    nngp = n1 * n2 / d / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
    return nngp + (np.pi - theta) / (2 * np.pi) * dot / d


def test_mse_infinite_time_is_the_kernel_regression_solve():
    x, y, xt = data(k=2)
    net = dict(depth=2, activation="erf", W_std=1.3, b_std=0.2)
    dd, td, _ = kernels(x, xt, **net)
    got = widthlab.predict(x, y, xt, **net)
    want = td["ntk"] @ np.linalg.solve(dd["ntk"], y)
    assert got["mean"].shape == (5, 2) and set(got) == {"mean", "summary"}
    assert rel_err(got["mean"], want) < 1e-9
    s = got["summary"]
    assert s["outputs"] == 2 and s["reg"] == 0.0 and s["steps"] == 0
    eig = np.linalg.eigvalsh(dd["ntk"])
    assert s["eig_min"] == pytest.approx(eig[0], rel=1e-8) and s["eig_max"] == pytest.approx(eig[-1], rel=1e-10)


def test_mse_one_layer_relu_matches_a_hand_written_closed_form_ntk():
    x, y, xt = data(n=7, m=4, d=3, seed=1)
    got = widthlab.predict(x, y, xt, depth=1, activation="relu")  # defaults: depth 1, relu, ntk parameterization, W_std 1, no bias
    theta_dd = relu_ntk_depth1(x, x)
    np.fill_diagonal(theta_dd, np.sum(x * x, axis=1) / x.shape[1])  # θ = 0 on the diagonal: T + Ṫ·K = K/2 + K/2
    want = relu_ntk_depth1(xt, x) @ np.linalg.solve(theta_dd, y)
    assert got["mean"].shape == (4, 1)
    assert rel_err(got["mean"][:, 0], want) < 1e-9


@pytest.mark.parametrize("kernel", ["ntk", "nngp"])
@pytest.mark.parametrize("diag_reg,absolute", [(0.0, False), (0.1, False), (0.05, True)])
def test_mse_finite_time_is_the_gradient_flow_in_the_eigenbasis(kernel, diag_reg, absolute):
    x, y, xt = data(n=8, m=6, d=5, k=3, seed=2)
    net = dict(depth=2, activation="relu", W_std=1.2, b_std=0.1)
    dd, td, _ = kernels(x, xt, **net)
    t, lr = 7.5, 0.3
    got = widthlab.predict(x, y, xt, t=t, lr=lr, kernel=kernel, diag_reg=diag_reg,
                           diag_reg_absolute_scale=absolute, **net)
    K = dd[kernel]
    reg = diag_reg if absolute else diag_reg * np.trace(K) / len(K)
    lam, V = np.linalg.eigh(K + reg * np.eye(len(K)))
    # df/dτ = −K (f − y)/N with τ = lr·t and N = y.size  ⇒  f_train-weights = V diag((1 − e^{−λτ/N})/λ) Vᵀ y.
    f = -np.expm1(-lam * lr * t / y.size) / lam
    want = td[kernel] @ (V @ (f[:, None] * (V.T @ y)))
    assert rel_err(got["mean"], want) < 1e-9
    assert got["summary"]["reg"] == pytest.approx(reg, rel=1e-12)


def test_mse_long_time_approaches_the_infinite_time_solve():
    x, y, xt = data(seed=3)
    inf = widthlab.predict(x, y, xt, depth=2, activation="relu")["mean"]
    late = widthlab.predict(x, y, xt, depth=2, t=1e9, activation="relu")["mean"]
    assert rel_err(late, inf) < 1e-6


def test_nngp_covariance_is_the_gp_posterior():
    x, y, xt = data(n=10, m=6, d=3, seed=4)
    net = dict(depth=2, activation="relu", W_std=1.4, b_std=0.3)
    dd, td, tt = kernels(x, xt, **net)
    got = widthlab.predict(x, y, xt, kernel="nngp", cov=True, **net)
    K, Ktd, Ktt = dd["nngp"], td["nngp"], tt["nngp"]
    mean = Ktd @ np.linalg.solve(K, y)
    cov = Ktt - Ktd @ np.linalg.solve(K, Ktd.T)
    assert rel_err(got["mean"][:, 0], mean) < 1e-9
    assert got["cov"].shape == (6, 6)
    assert np.abs(got["cov"] - cov).max() < 1e-9 * np.abs(Ktt).max()


def test_ntk_covariance_at_infinite_time():
    # neural-tangents' gradient_descent_mse_ensemble at t = ∞ (all layers trained): with Θ⁻¹,
    #   cov = K_tt + Θ_td Θ⁻¹ K_dd Θ⁻¹ Θ_tdᵀ − (Θ_td Θ⁻¹ K_tdᵀ + transpose).
    x, y, xt = data(n=8, m=5, d=3, seed=5)
    dd, td, tt = kernels(x, xt, depth=1, activation="relu")
    got = widthlab.predict(x, y, xt, cov=True, depth=1, activation="relu")
    A = np.linalg.solve(dd["ntk"], td["ntk"].T).T  # Θ_td Θ⁻¹
    cross = A @ td["nngp"].T
    cov = tt["nngp"] + A @ dd["nngp"] @ A.T - cross - cross.T
    assert np.abs(got["cov"] - cov).max() < 1e-8 * np.abs(tt["nngp"]).max()
    np.testing.assert_allclose(got["cov"], got["cov"].T, atol=1e-12 * np.abs(cov).max())


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def function_space_gd(theta_all_train, grad, y, lr, steps, outputs):
    u = np.zeros((theta_all_train.shape[0], outputs))
    n = len(y)
    for _ in range(steps):
        u = u - lr * theta_all_train @ (grad(u[:n], y) / n)
    return u


def test_logistic_is_function_space_gradient_descent():
    x, _, xt = data(n=10, m=4, d=3, seed=6)
    y = np.where(np.arange(10) % 2 == 0, 1.0, -1.0)
    net = dict(depth=2, activation="tanh", W_std=1.1, b_std=0.2)
    got = widthlab.predict(x, y, xt, loss="logistic", t=25, lr=0.7, init_sample=False, **net)
    xa = np.vstack([x, xt])
    theta = widthlab.kernel(xa, x, **net)["ntk"]
    u = function_space_gd(theta, lambda f, yy: -yy[:, None] * sigmoid(-yy[:, None] * f), y, 0.7, 25, 1)
    assert got["mean"].shape == (4, 1)
    assert rel_err(got["mean"], u[10:]) < 1e-9
    assert got["summary"]["steps"] == 25 and got["summary"]["jitter"] == 0.0


def test_cross_entropy_is_function_space_gradient_descent_with_the_nngp():
    x, _, xt = data(n=9, m=3, d=4, seed=7)
    y = np.arange(9) % 3
    got = widthlab.predict(x, y, xt, loss="cross-entropy", t=12, lr=0.5, kernel="nngp", init_sample=False, depth=2, activation="relu")
    xa = np.vstack([x, xt])
    k = widthlab.kernel(xa, x, depth=2, activation="relu")["nngp"]

    def grad(f, yy):
        p = np.exp(f - f.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True) - np.eye(3)[yy]

    u = function_space_gd(k, grad, y, 0.5, 12, 3)
    assert got["mean"].shape == (3, 3) and got["summary"]["outputs"] == 3
    assert rel_err(got["mean"], u[9:]) < 1e-9


def test_logistic_gp_sample_start_depends_on_the_seed_only():
    x, _, xt = data(n=6, m=3, d=2, seed=8)
    y = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    a = widthlab.predict(x, y, xt, loss="logistic", t=3, seed=11, depth=1, activation="relu")["mean"]
    b = widthlab.predict(x, y, xt, loss="logistic", t=3, seed=11, depth=1, activation="relu")["mean"]
    c = widthlab.predict(x, y, xt, loss="logistic", t=3, seed=12, depth=1, activation="relu")["mean"]
    zero = widthlab.predict(x, y, xt, loss="logistic", t=3, init_sample=False, depth=1, activation="relu")["mean"]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3 and np.abs(a - zero).max() > 1e-3


def test_same_numbers_as_the_cli(cli, tmp_path):
    x, y, xt = data(n=8, m=5, d=3, k=2, seed=9)
    for name, arr in (("x", x), ("y", y), ("t", xt)):
        np.save(tmp_path / f"{name}.npy", arr)
    r = cli("predict", "--train", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.npy"), "--test",
            str(tmp_path / "t.npy"), "--time", "4", "--lr", "0.5", "--depth", "2", "--activation", "erf", "--b-std",
            "0.1", "--cov", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    got = widthlab.predict(x, y, xt, t=4, lr=0.5, depth=2, activation="erf", b_std=0.1, cov=True)
    np.testing.assert_array_equal(got["mean"], np.load(tmp_path / "out" / "mean.npy"))
    np.testing.assert_array_equal(got["cov"], np.load(tmp_path / "out" / "cov.npy"))


def bad_calls():
    x, y, xt = data(n=5, m=3, d=3, seed=10)
    pm = np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    return [
        (lambda: widthlab.predict(x, y, xt, loss="hinge", depth=1, activation="relu"), "loss 'hinge': unknown (allowed: "),
        (lambda: widthlab.predict(x, pm, xt, loss="logistic", t=5, cov=True, depth=1, activation="relu"),
         "cov: only available for loss mse, not logistic"),
        (lambda: widthlab.predict(x, y, np.ones((2, 4)), depth=1, activation="relu"), "x_test: expected 3 columns (as x_train), got 4"),
        (lambda: widthlab.predict(x, y[:4], xt, depth=1, activation="relu"), "y_train: expected 5 rows (one per x_train row), got 4"),
        (lambda: widthlab.predict(x, y, xt, kernel="gp", depth=1, activation="relu"), "kernel = 'gp': expected ntk or nngp"),
        (lambda: widthlab.predict(x, y, xt, t=-1.0, depth=1, activation="relu"), "t = -1: expected a number of steps ≥ 0 or inf"),
        (lambda: widthlab.predict(x, pm, xt, loss="logistic", depth=1, activation="relu"),
         "time = inf: loss logistic has no t = ∞ prediction; give a finite step count"),
        (lambda: widthlab.predict(x, y, xt, loss="logistic", t=3, depth=1, activation="relu"), "expected −1 or +1 for loss logistic"),
        (lambda: widthlab.predict(x, y, xt, depth=0, activation="relu"), "depth = 0"),
        (lambda: widthlab.predict(np.where(np.eye(5, 3) > 0, np.nan, 1.0), y, xt, depth=1, activation="relu"),
         "x_train: row 0 holds a non-finite value (NaN or inf)"),
        (lambda: widthlab.predict(x, y, xt, lr=0.0, t=3, depth=1, activation="relu"), "lr = 0: expected > 0"),
        # kernels past physical memory (memory_guard.h): ≥ 3·(10⁶)² float64 entries
        (lambda: widthlab.predict(np.zeros((10**6, 3)), np.ones(10**6), xt, depth=1, activation="relu"),
         "train inputs (1000000 rows) and test inputs (3 rows): the kernel matrices of predict need at least"),
    ]


@pytest.mark.parametrize("case", range(len(bad_calls())))
def test_bad_input_raises_value_error_with_one_line(case):
    call, message = bad_calls()[case]
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_error_messages_are_the_clis(cli, tmp_path):
    # Errors of predict() itself reach Python word for word as the CLI prints them after "widthlab predict: ".
    x, _, xt = data(n=5, m=3, d=3, seed=11)
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    for name, arr in (("x", x), ("y", y), ("t", xt)):
        np.save(tmp_path / f"{name}.npy", arr)
    base = ["predict", "--train", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.npy"), "--test",
            str(tmp_path / "t.npy"), "--depth", "1", "--activation", "relu"]
    for i, (flags, kwargs) in enumerate([(["--loss", "hinge", "--time", "inf"], dict(loss="hinge")),
                                         (["--loss", "logistic", "--time", "5", "--cov"],
                                          dict(loss="logistic", t=5, cov=True))]):
        r = cli(*base, *flags, "--out", str(tmp_path / f"o{i}"))
        assert r.returncode == 2
        with pytest.raises(ValueError) as err:
            widthlab.predict(x, y, xt, depth=1, activation="relu", **kwargs)
        assert r.stderr.strip() == f"widthlab predict: {err.value}"


def test_signature_defaults():
    x, y, xt = data(seed=12)
    a = widthlab.predict(x, y, xt, depth=1, activation="relu")
    b = widthlab.predict(x, y, xt, depth=1, activation="relu", parameterization="ntk", W_std=1.0, b_std=0.0,
                         loss="mse", t=math.inf, diag_reg=0.0, diag_reg_absolute_scale=False, cov=False, kernel="ntk")
    # (width and lr are not read by this prediction and are refused: test_argument_checks.py)
    np.testing.assert_array_equal(a["mean"], b["mean"])
    for unused in ({"seed": 0}, {"init_sample": True}, {"seed": 0, "loss": "squared"}):  # mse (or its alias)
        with pytest.raises(ValueError, match="only used with loss='logistic' or 'cross-entropy'"):  # starts from no
            widthlab.predict(x, y, xt, depth=1, activation="relu", **unused)  # GP sample: not ignored
    logistic = dict(depth=1, activation="relu", loss="logistic", t=5)
    np.testing.assert_array_equal(widthlab.predict(x, np.sign(y), xt, **logistic)["mean"],
                                  widthlab.predict(x, np.sign(y), xt, seed=0, init_sample=True, **logistic)["mean"])
    assert "predict" in widthlab.__all__ and widthlab.predict.__doc__


def test_neural_tangents_forms_of_t_and_get():
    # Issue: t=np.array([...]) and t="inf" raised a pybind TypeError; neural-tangents users pass arrays of times and
    # get=("nngp", "ntk").
    x, y, xt = data(seed=13)
    net = dict(depth=2, activation="relu")
    times = np.array([1.0, 10.0, 100.0])
    many = widthlab.predict(x, y, xt, t=times, **net)
    assert many["mean"].shape == (3,) + widthlab.predict(x, y, xt, t=1.0, **net)["mean"].shape
    for i, ti in enumerate(times):
        np.testing.assert_array_equal(many["mean"][i], widthlab.predict(x, y, xt, t=ti, **net)["mean"])
    np.testing.assert_array_equal(widthlab.predict(x, y, xt, t="inf", **net)["mean"],
                                  widthlab.predict(x, y, xt, **net)["mean"])
    both = widthlab.predict(x, y, xt, get=("nngp", "ntk"), **net)
    np.testing.assert_array_equal(both["nngp"]["mean"], widthlab.predict(x, y, xt, kernel="nngp", **net)["mean"])
    np.testing.assert_array_equal(both["ntk"]["mean"], widthlab.predict(x, y, xt, kernel="ntk", **net)["mean"])
    with pytest.raises(ValueError, match="t = 'soon'"):
        widthlab.predict(x, y, xt, t="soon", **net)


def test_net_must_be_stated_as_on_the_command_line():
    # Issue: Python defaulted depth=1, activation="relu" where the CLI requires --depth and --activation.
    x, y, xt = data(seed=14)
    with pytest.raises(TypeError):
        widthlab.predict(x, y, xt)
    with pytest.raises(TypeError):
        widthlab.kernel(x)
    k = widthlab.kernel(x, depth=1, activation="relu", get="nngp")
    assert set(k) == {"nngp"}


# ---- architectures (arch=, theory.md §3.9) ----------------------------------------------------------------------


def test_dense_architecture_equals_the_dense_net():
    x, y, xt = data(n=7, m=4, d=3, k=2, seed=15)
    for opts in (dict(cov=True, diag_reg=0.01, b_std=0.2), dict(t=3.5, lr=0.5, kernel="nngp", cov=True),
                 dict(loss="logistic", t=4, y=np.sign(y[:, 0]), seed=2)):
        opts = dict(opts)
        yy = opts.pop("y", y)
        dense = widthlab.predict(x, yy, xt, depth=2, activation="erf", **opts)
        arch = widthlab.predict(x, yy, xt, arch="dense(64)-erf-dense(64)-erf-dense(1)", **opts)
        np.testing.assert_allclose(arch["mean"], dense["mean"], rtol=0, atol=1e-10)
        if "cov" in dense:
            np.testing.assert_allclose(arch["cov"], dense["cov"], rtol=0, atol=1e-10)


def test_cnn_is_the_closed_form_on_widthlab_kernels():
    rng = np.random.default_rng(16)
    x, xt, y = rng.normal(size=(6, 4, 3, 2)), rng.normal(size=(3, 4, 3, 2)), rng.normal(size=(6, 2))
    net = dict(arch="conv(3,same,8)-relu-conv(2,valid,4)-erf-gap-dense(1)", b_std=0.1)
    dd, td, tt = kernels(x, xt, **net)
    # NTK at t = ∞: Θ_td Θ⁻¹ y; NNGP at t = ∞: the GP posterior.
    a = np.linalg.solve(dd["ntk"], td["ntk"].T)
    got = widthlab.predict(x, y, xt, cov=True, **net)
    np.testing.assert_allclose(got["mean"], a.T @ y, rtol=0, atol=1e-8)
    cross = a.T @ td["nngp"].T
    np.testing.assert_allclose(got["cov"], tt["nngp"] + a.T @ dd["nngp"] @ a - cross - cross.T, rtol=0, atol=1e-8)
    b = np.linalg.solve(dd["nngp"], td["nngp"].T)
    gp = widthlab.predict(x.reshape(6, -1), y, xt.reshape(3, -1), kernel="nngp", cov=True, input_shape=(4, 3, 2), **net)
    np.testing.assert_allclose(gp["mean"], b.T @ y, rtol=0, atol=1e-8)
    np.testing.assert_allclose(gp["cov"], tt["nngp"] - td["nngp"] @ b, rtol=0, atol=1e-8)


def test_architecture_argument_errors():
    rng = np.random.default_rng(17)
    img, y = rng.normal(size=(4, 4, 3, 2)), rng.normal(size=4)
    gap = "conv(3,same,4)-relu-gap-dense(1)"
    for call, message in [
        (lambda: widthlab.predict(img, y, img, arch=gap, depth=2), "not used with an architecture"),
        (lambda: widthlab.predict(img, y, img, depth=1, activation="relu"), "4-D images need arch"),
        (lambda: widthlab.predict(img, y, img[:, :2], arch=gap), "x_test: images of shape (2, 3, 2)"),
        (lambda: widthlab.predict(img, y, img, arch="conv(5,valid,4)-gap-dense(1)"), "does not fit the 4x3 input"),
        (lambda: widthlab.predict(img.reshape(4, -1), y, img.reshape(4, -1), depth=1, activation="relu",
                                  input_shape=(4, 3, 2)), "input_shape: only used with arch"),
    ]:
        with pytest.raises(ValueError) as err:
            call()
        assert message in str(err.value)
        assert "\n" not in str(err.value)


def test_device_choice_and_the_gpu_agrees_with_the_cpu():
    # device= as the CLI's --device: the float64 kernels on the GPU, the solves on the CPU. Without a GPU, "cuda" is
    # a ValueError naming why and the comparison is skipped.
    rng = np.random.default_rng(5)
    x, t, y = rng.normal(size=(12, 4)), rng.normal(size=(5, 4)), rng.normal(size=12)
    args = dict(depth=2, activation="relu", b_std=0.1, diag_reg=0.01, cov=True)
    with pytest.raises(ValueError, match="device 'gpu': expected cpu, cuda or auto"):
        widthlab.predict(x, y, t, device="gpu", **args)
    cpu = widthlab.predict(x, y, t, device="cpu", **args)
    try:
        gpu = widthlab.predict(x, y, t, device="cuda", **args)
    except ValueError as e:
        assert "CUDA is not available" in str(e)
        pytest.skip(str(e))
    # kernel entries within ~1e-15 relative, times the regularized solve's cond ≤ 100·n + 1 (PredictCli's bound)
    for name in ("mean", "cov"):
        np.testing.assert_allclose(gpu[name], cpu[name], rtol=0, atol=1e-9 * max(1.0, np.abs(cpu[name]).max()))
