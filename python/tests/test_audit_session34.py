"""Findings of the Python audit (session 34): --force kept a user's file but first removed the earlier results (the CLI
refuses first); a progress callback was read by another thread's kernel() workers (a segfault) and a widthlab call made
from inside a callback deadlocked; strings and objects were parsed into numbers; predict's seed was recorded beside
init_sample=False, where it changes nothing."""
import threading

import numpy as np
import pytest

import widthlab

TINY = {
    "data": {"dataset": "gaussians", "train_size": 16, "test_size": 8, "gaussians_dim": 5},
    "model": {"depth": 1, "activation": "relu"},
    "scaling": {"presets": ["ntk"], "reference_width": 16},
    "train": {"lr": 0.05, "steps": 2, "precision": "float64"},
    "sweep": {"widths": [16], "seeds": [0]},
    "limits": {"compute": [], "mf_particles": 16, "seeds": [0]},
    "study": {"threads": 1, "plots": False},
}
X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.sign(X[:, 0])


def _grown(config):
    return dict(config, sweep={"widths": [16, 32], "seeds": [0]})


@pytest.mark.parametrize("verb,user_file", [("study", "logits/ntk_w32_s0.npy"), ("train", "curves/ntk_w32_s0.csv")])
def test_force_refuses_a_user_file_before_removing_the_results(tmp_path, verb, user_file):
    out = tmp_path / "d"
    getattr(widthlab, verb)(TINY, out=str(out))
    before = sorted(p.name for p in out.iterdir())
    (out / user_file).parent.mkdir(exist_ok=True)
    (out / user_file).write_text("mine")
    with pytest.raises(ValueError, match="exists and was not written by widthlab"):
        getattr(widthlab, verb)(_grown(TINY), out=str(out), force=True)
    assert (out / user_file).read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == before  # runs.jsonl and the rest are still there


def test_a_widthlab_call_inside_a_progress_callback_is_refused_not_a_deadlock():
    raised = []

    def callback(*_):
        try:
            widthlab.kernel(X, depth=1, activation="relu")
        except RuntimeError as e:
            raised.append(str(e))

    widthlab.train(TINY, progress=callback)
    assert raised and "called from inside a progress callback" in raised[0]


def test_kernel_workers_never_call_another_calls_progress_callback():
    labels, stop = [], threading.Event()

    def kernels():
        xs = np.random.default_rng(1).normal(size=(48, 4))
        while not stop.is_set():
            widthlab.kernel(xs, depth=1, activation="relu", block=8)

    t = threading.Thread(target=kernels)
    t.start()
    try:
        for _ in range(10):
            widthlab.train(TINY, progress=lambda label, *_: labels.append(label))
    finally:
        stop.set()
        t.join()
    assert labels and set(labels) == {"train"}, set(labels)


@pytest.mark.parametrize("x", [np.array([["1", "2"], ["3", "4"]]), np.array([[b"1", b"2"]]),
                               np.array([[1, 2]], dtype=object), [["1", "2"]]])
def test_strings_and_objects_are_no_numbers(x):
    with pytest.raises(ValueError, match="x1: expected an array of real numbers, got dtype"):
        widthlab.kernel(x, depth=1, activation="relu")


def test_predict_seed_beside_init_sample_false_is_refused():
    with pytest.raises(ValueError, match="seed: seeds the GP sample that init_sample=False turns off"):
        widthlab.predict(X, Y, X[:2], loss="logistic", t=3, init_sample=False, seed=7, depth=1, activation="relu")
    widthlab.predict(X, Y, X[:2], loss="logistic", t=3, seed=7, depth=1, activation="relu")
