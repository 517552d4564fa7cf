"""Shared helpers: numpy references and the CLI binary (WIDTHLAB_CLI, set by CTest) for message comparisons."""
import os
import subprocess

import numpy as np
import pytest


def relu_dual(k11, k12, k22):
    """ReLU arc-cosine kernel (Cho & Saul; theory.md §3.8): T and Ṫ of a 2x2 covariance, numpy float64."""
    norm = np.sqrt(k11 * k22)
    theta = np.arccos(np.clip(k12 / norm, -1.0, 1.0))
    t = norm / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
    tdot = (np.pi - theta) / (2 * np.pi)
    return t, tdot


def erf_dual(k11, k12, k22):
    """erf dual (Williams 1997; theory.md §3.8)."""
    a = (1 + 2 * k11) * (1 + 2 * k22)
    t = 2 / np.pi * np.arcsin(2 * k12 / np.sqrt(a))
    tdot = 4 / np.pi / np.sqrt(a - 4 * k12**2)
    return t, tdot


def reference_kernels(x1, x2, depth, dual, W_std=1.0, b_std=0.0, parameterization="ntk", width=1.0):
    """NNGP and NTK of the architecture.md §4 network by the theory.md §3.8 recursion, written independently in numpy."""
    w2, b2 = W_std**2, b_std**2
    beta = 1.0 if b_std > 0 else 0.0
    n0 = x1.shape[1]
    k12 = w2 * (x1 @ x2.T) / n0 + b2
    k11 = (w2 * np.sum(x1 * x1, axis=1) / n0 + b2)[:, None]
    k22 = (w2 * np.sum(x2 * x2, axis=1) / n0 + b2)[None, :]
    theta = k12.copy() if parameterization == "ntk" else x1 @ x2.T + beta
    for _ in range(depth):
        t, tdot = dual(k11, k12, k22)
        t11, _ = dual(k11, k11, k11)
        t22, _ = dual(k22, k22, k22)
        new_k12 = w2 * t + b2
        if parameterization == "ntk":
            theta = new_k12 + w2 * tdot * theta
        else:
            theta = width * t + beta + w2 * tdot * theta
        k12, k11, k22 = new_k12, w2 * t11 + b2, w2 * t22 + b2
    return k12, theta


@pytest.fixture
def cli():
    """Runs the widthlab binary; skips when it was not built."""
    path = os.environ.get("WIDTHLAB_CLI", "")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("widthlab CLI binary not built (WIDTHLAB_CLI)")

    def run(*args):
        return subprocess.run([path, *args], capture_output=True, text=True, timeout=120)

    return run


def one_line(error, call, *needles):
    """call() raises `error` with a one-line message holding every needle; returns the message."""
    with pytest.raises(error) as err:
        call()
    text = str(err.value)
    assert "\n" not in text, text
    for needle in needles:
        assert needle in text, text
    return text
