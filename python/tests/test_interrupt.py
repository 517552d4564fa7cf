"""Ctrl-C (SIGINT) stops a long call between steps with KeyboardInterrupt (include/widthlab/interrupt.h), with or
without a progress callback, and the next call runs normally. Each case runs in a child interpreter that is sent
SIGINT once the long call has started; the bound on the time to stop is generous (a loaded machine), but the calls
would run for minutes without the interrupt."""
import os
import signal
import subprocess
import sys
import time

import pytest
import widthlab

CHILD = r"""
import sys, time, numpy as np, widthlab as w
config = {"data": {"dataset": "gaussians", "train_size": 64, "test_size": 16, "gaussians_dim": 8},
          "scaling": {"presets": ["mf"]}, "train": {"lr": 0.01, "steps": 50000000, "precision": "float64"},
          "sweep": {"widths": [16, 32], "seeds": [0]}, "limits": {"compute": []}, "study": {"plots": False}}
x = np.random.default_rng(0).standard_normal((8, 3))
calls = {
    "train": lambda: w.train(config, out=sys.argv[2]),
    "train with a callback": lambda: w.train(config, out=sys.argv[2], progress=lambda *a: None),
    "predict": lambda: w.predict(x, np.sign(x[:, 0]), x, depth=1, activation="relu", loss="logistic", t=1e9),
    "kernel": lambda: w.kernel(np.random.default_rng(0).standard_normal((3000, 20)), depth=3, activation="tanh",
                               W_std=2.0),
    # one 512 × 512 block of full-covariance pairs (~1.5 ms each here): minutes, so the poll must be inside the block
    "cnn kernel": lambda: w.kernel(np.random.default_rng(0).standard_normal((600, 20, 20, 1)), threads=1,
                                   arch="conv(3x3,same,8)-relu-conv(3x3,same,8)-relu-gap"),
}
print("started", flush=True)
try:
    calls[sys.argv[1]]()
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
print("next call", w.kernel(np.eye(3), depth=1, activation="relu")["ntk"].shape, flush=True)
"""


@pytest.mark.parametrize("call", ["train", "train with a callback", "predict", "kernel", "cnn kernel"])
def test_sigint_stops_a_long_call_with_keyboard_interrupt(call, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(widthlab.__file__)))
    child = subprocess.Popen([sys.executable, "-c", CHILD, call, str(tmp_path / "out")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.0)  # inside the call
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.split("\n")[0] == "interrupted", out + err
    assert "next call (3, 3)" in out
    assert time.monotonic() - sent < 60, "stopped only after the call"
