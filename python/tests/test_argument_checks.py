"""The public functions check their arguments before they run (python/widthlab/_args.py; architecture.md §10): an
unknown keyword or a value of the wrong type is a one-line TypeError naming the function, the argument and what was
expected; a value outside a range the Python layer owns is a one-line ValueError; nothing is silently coerced
(int(1.7), bool("False")) or dropped (a None in a config dict, an empty get=), and nothing is written."""
import math
import re

import numpy as np
import pytest

import widthlab
from conftest import one_line
from widthlab import _args

TINY = {
    "data": {"dataset": "gaussians", "train_size": 16, "test_size": 8, "gaussians_dim": 5},
    "model": {"depth": 1, "activation": "relu"},
    "scaling": {"presets": ["sp"], "reference_width": 8},
    "train": {"optimizer": "gd", "lr": 0.05, "steps": 2, "precision": "float64"},
    "sweep": {"widths": [8], "seeds": [0]},
    "limits": {"compute": ["mf", "ntk"], "mf_particles": 16, "seeds": [0]},
    "study": {"threads": 1, "plots": False},
}
X = np.ones((3, 2))
Y = np.array([1.0, -1.0, 1.0])
NET = dict(depth=1, activation="relu")



# ---- F10: keyword and type errors of the calls into _core were pybind11's multi-line signature dump ---------------


@pytest.mark.parametrize("call,error,needles", [
    (lambda: widthlab.kernel(X, depth=2, activation="relu", W_sdt=2.0), TypeError,
     ["kernel() got an unexpected keyword argument 'W_sdt'; did you mean 'W_std'?"]),
    (lambda: widthlab.predict(X, Y, X, diagreg=1, **NET), TypeError,
     ["predict() got an unexpected keyword argument 'diagreg'; did you mean 'diag_reg'?"]),
    (lambda: widthlab.train_net(TINY, width=16.5), TypeError, ["train_net(): width = 16.5: expected", "an int ≥ 1"]),
    (lambda: widthlab.classify("sp", depth=1.5), TypeError, ["classify(): depth = 1.5: expected", "an int ≥ 1"]),
    (lambda: widthlab.config(overrides="train.lr=0.1"), TypeError,
     ["config(): overrides: expected a list of 'key=value' strings, got str"]),
    (lambda: widthlab.config(overrides=["train.lr=0.1", 3]), TypeError, ["config(): overrides:", "3"]),
    (lambda: widthlab.kernel(X, depth=1, activation="relu", nngp=None), TypeError,
     ["kernel(): nngp = None: expected True or False"]),
    (lambda: widthlab.kernel(X, depth=1, activation="relu", threads=1.5), TypeError, ["kernel(): threads = 1.5"]),
    (lambda: widthlab.kernel(X, depth="2", activation="relu"), TypeError, ["kernel(): depth = '2'"]),
    (lambda: widthlab.kernel(X, depth=1, activation="relu", W_std="1"), TypeError,
     ["kernel(): W_std = '1': expected a number"]),
    (lambda: widthlab.kernel(X, depth=1, activation="relu", banana=1), TypeError,
     ["kernel() got an unexpected keyword argument 'banana' (expected one of:", "W_std"]),
    (lambda: widthlab.predict(X, Y, X, seed=-1, loss="logistic", t=2, **NET), ValueError, ["predict(): seed = -1"]),
    (lambda: widthlab.predict(X, Y, X, cov=1, **NET), TypeError, ["predict(): cov = 1: expected True or False"]),
    (lambda: widthlab.predict(X, Y, X, lr=True, **NET), TypeError, ["predict(): lr = True: expected a number"]),
    (lambda: widthlab.train_net(TINY, width=10**12), ValueError, ["train_net(): width = 1000000000000"]),
    (lambda: widthlab.train_net(TINY, scaling=3), TypeError, ["train_net(): scaling = 3"]),
    (lambda: widthlab.empirical_ntk(TINY, output=0.5), TypeError, ["empirical_ntk(): output = 0.5"]),
    (lambda: widthlab.empirical_ntk(TINY, trained="yes"), TypeError, ["empirical_ntk(): trained = 'yes'"]),
    (lambda: widthlab.classify(q_sigma=True, q_lr=0.5), TypeError, ["classify(): q_sigma = True"]),
    (lambda: widthlab.config(as_toml="yes"), TypeError, ["config(): as_toml = 'yes': expected True or False"]),
    (lambda: widthlab.config(sauce=None), TypeError, ["config() got an unexpected keyword argument 'sauce'; did you "
                                                      "mean 'source'?"]),
    (lambda: widthlab.limit(TINY, modle="mf"), TypeError, ["did you mean 'model'?"]),
    (lambda: widthlab.activations(verbose=True), TypeError, ["activations() got an unexpected keyword argument"]),
])
def test_a_bad_keyword_or_type_is_one_line_naming_it(call, error, needles):
    one_line(error, call, *needles)


def test_every_public_function_checks_its_arguments_and_names_every_keyword_core_takes():
    for name in widthlab.__all__:
        f = getattr(widthlab, name)
        assert not callable(f) or hasattr(f, "argument_kinds"), f"{name} is not wrapped by _args.checked"

    def core_keywords(f):  # pybind11's first docstring line: "kernel(x1: object, x2: object = None, *, …) -> dict"
        return set(re.findall(r"(\w+): ", f.__doc__.splitlines()[0]))

    assert set(widthlab.kernel.argument_kinds) == core_keywords(widthlab._core.kernel)
    assert set(widthlab.predict.argument_kinds) == core_keywords(widthlab._core.predict) | {"get"}


# ---- F9: integers: no truncation, no bool, and None (not any negative number) is the config's default -------------


@pytest.mark.parametrize("call,error,needles", [
    (lambda o: widthlab.train(TINY, out=o, threads=-2), ValueError,
     ["train(): threads = -2: expected None (the config's study.threads) or an int in [0, 4096] (0 = all cores)"]),
    # threads above the CLI's bound (--threads, study.threads: kMaxThreads = 4096) were accepted
    (lambda o: widthlab.train(TINY, out=o, threads=4097), ValueError, ["train(): threads = 4097", "[0, 4096]"]),
    (lambda o: widthlab.study(TINY, out=o, threads=10**6), ValueError, ["study(): threads = 1000000", "[0, 4096]"]),
    (lambda o: widthlab.transfer(TINY, out=o, threads=4097), ValueError, ["transfer(): threads = 4097"]),
    (lambda o: widthlab.reproduce("nguyen2019-gaussians", out=o, smoke=True, threads=4097), ValueError,
     ["reproduce(): threads = 4097", "[0, 4096]"]),
    (lambda o: widthlab.train(TINY, out=o, threads=1.7), TypeError, ["train(): threads = 1.7: expected"]),
    (lambda o: widthlab.train(TINY, out=o, threads=True), TypeError, ["train(): threads = True: expected"]),
    (lambda o: widthlab.study(TINY, out=o, threads=-1), ValueError, ["study(): threads = -1"]),
    (lambda o: widthlab.transfer(TINY, out=o, threads=-1), ValueError, ["transfer(): threads = -1"]),
    (lambda o: widthlab.transfer(TINY, out=o, bootstrap=2.9), TypeError,
     ["transfer(): bootstrap = 2.9: expected an int in [0, 1000000]"]),
    (lambda o: widthlab.transfer(TINY, out=o, coord_steps=2.5), TypeError, ["transfer(): coord_steps = 2.5"]),
    (lambda o: widthlab.reproduce("nguyen2019-gaussians", out=o, smoke=True, threads=2.0), TypeError,
     ["reproduce(): threads = 2.0"]),
])
def test_integer_arguments_are_ints_in_range_and_nothing_is_written(tmp_path, call, error, needles):
    out = tmp_path / "out"
    one_line(error, lambda: call(out), *needles)
    assert not out.exists()


def test_limit_region_refuses_a_bool_and_a_float():
    one_line(TypeError, lambda: widthlab.limit(TINY, region=True), "limit(): region = True: expected",
             "an int in [1, 13]")
    one_line(TypeError, lambda: widthlab.limit(TINY, region=2.0), "limit(): region = 2.0")
    one_line(ValueError, lambda: widthlab.limit(TINY, region=14), "limit(): region = 14")


# ---- F9: booleans are bools ("False" and "no" were read as True) -----------------------------------------------


@pytest.mark.parametrize("call,needle", [
    (lambda o: widthlab.reproduce("golikov2020-width", out=o, smoke="False", plots=False), "smoke = 'False'"),
    (lambda o: widthlab.reproduce("golikov2020-width", out=o, smoke=True, plots="False"), "plots = 'False'"),
    (lambda o: widthlab.reproduce("golikov2020-width", out=o, full=0), "full = 0"),
    (lambda o: widthlab.train(TINY, out=o, resume="no"), "resume = 'no'"),
    (lambda o: widthlab.train(TINY, out=o, force=1), "force = 1"),
    (lambda o: widthlab.study(TINY, out=o, plots="no"), "plots = 'no'"),
    (lambda o: widthlab.transfer(TINY, out=o, plots=0), "plots = 0"),
    (lambda o: widthlab.train(TINY, out=o, progress="yes"), "progress = 'yes'"),
])
def test_boolean_arguments_are_bools_and_nothing_is_written(tmp_path, call, needle):
    out = tmp_path / "out"
    text = one_line(TypeError, lambda: call(out), needle)
    assert "expected" in text and "True" in text
    assert not out.exists()


def test_progress_false_is_silent_as_none():
    # _core's ProgressScope treats any bool as "enabled" (shown on a terminal); False must mean no progress line.
    assert _args.Progress()("train", "progress", False) is None
    assert _args.Progress()("train", "progress", np.bool_(False)) is None
    assert _args.Progress()("train", "progress", np.bool_(True)) is True


# ---- F9: nothing is dropped silently ----------------------------------------------------------------------------


def test_a_none_in_a_config_dict_is_refused_rather_than_hiding_the_key():
    one_line(ValueError, lambda: widthlab.config({"train": {"lrr": None}}),
             "train.lrr = None: expected a value; omit the key to use the default")
    one_line(ValueError, lambda: widthlab.config({"train": {"lr": None}}), "train.lr = None")
    one_line(ValueError, lambda: widthlab.to_toml({"train": None}), "train = None")
    assert widthlab.config({"train": {"lr": 0.5}})["train"]["lr"] == 0.5


@pytest.mark.parametrize("get,error", [((), ValueError), ([], ValueError), (("ntk", "ntk"), ValueError),
                                       (("ntk", "x"), ValueError), (5, TypeError)])
def test_predict_and_kernel_refuse_an_empty_or_bad_get(get, error):
    one_line(error, lambda: widthlab.predict(X, Y, X, get=get, **NET), "predict(): get = ", "'nngp', 'ntk'")
    one_line(error, lambda: widthlab.kernel(X, get=get, **NET), "kernel(): get = ", "'nngp', 'ntk'")


# ---- valid calls keep working: numpy integers and bools, ints for floats, tuples for lists ----------------------


def test_numpy_integers_and_bools_are_accepted():
    k = widthlab.kernel(X, depth=np.int64(2), activation="relu", nngp=np.bool_(False), threads=np.int32(1),
                        W_std=np.float32(1.5), b_std=0)
    np.testing.assert_array_equal(k["ntk"], widthlab.kernel(X, depth=2, activation="relu", W_std=1.5, threads=1,
                                                            get="ntk")["ntk"])
    assert set(k) == {"ntk"}
    p = widthlab.predict(X, Y, X, depth=np.int16(1), activation="relu", cov=np.bool_(True), t=np.float64(3), lr=1)
    assert p["cov"].shape == (3, 3)
    both = widthlab.predict(X, Y, X, get=["nngp", "ntk"], **NET)
    assert set(both) == {"nngp", "ntk"}
    assert widthlab.classify("sp", depth=np.int64(2))["A"] == widthlab.classify("sp", depth=2)["A"]
    assert widthlab.config(overrides=("train.steps=7",), as_toml=np.bool_(False))["train"]["steps"] == 7
    net = widthlab.train_net(TINY, width=np.int64(8), seed=np.uint8(0))
    assert net["width"] == 8 and net["seed"] == 0


def test_threads_none_and_zero_are_valid(tmp_path):
    runs = widthlab.train(TINY, threads=np.int64(0), resume=np.bool_(False), progress=False)
    assert len(runs) == 1 and runs[0]["status"] == "ok"
    assert len(widthlab.train(TINY, out=tmp_path / "o", threads=None)) == 1


def test_the_wrappers_keep_the_documented_signatures_and_docstrings():
    import inspect

    assert list(inspect.signature(widthlab.train).parameters)[:3] == ["config", "out", "overrides"]
    assert widthlab.kernel.__doc__ == widthlab._core.kernel.__doc__
    assert widthlab.train.__name__ == "train" and "Finite-width runs" in widthlab.train.__doc__


@pytest.mark.parametrize("call, needle", [
    (lambda X, y: widthlab.kernel(X, depth=1, activation="relu", width=7), "only used with parameterization='standard'"),
    (lambda X, y: widthlab.predict(X, y, X, depth=1, activation="relu", width=7), "parameterization='standard'"),
    (lambda X, y: widthlab.predict(X, y, X, depth=1, activation="relu", parameterization="standard", width=7,
                                   kernel="nngp"), "not used with kernel='nngp'"),
    (lambda X, y: widthlab.predict(X, y, X, depth=1, activation="relu", lr=5.0), "not used at t = inf"),
    (lambda X, y: widthlab.predict(X, y, X, depth=1, activation="relu", lr=5.0, t=[math.inf]), "not used at t = inf"),
    # re-audit N5: mse by its alias, and a width with only the NNGP asked for
    (lambda X, y: widthlab.predict(X, y, X, depth=1, activation="relu", loss="squared", lr=5.0), "not used at t = inf"),
    (lambda X, y: widthlab.kernel(X, depth=1, activation="relu", parameterization="standard", width=7, get="nngp"),
     "which this call does not compute"),
    (lambda X, y: widthlab.kernel(X, depth=1, activation="relu", parameterization="standard", width=7, ntk=False),
     "which this call does not compute"),
])
def test_keywords_the_computation_would_not_read_are_refused_as_on_the_cli(call, needle):
    """Issue (audit F8): --width with the ntk parameterization and --lr at t = ∞ did nothing; the CLI refuses them now
    and so does Python, with the same reasons."""
    X, y = np.ones((3, 2)), np.array([1.0, -1.0, 1.0])
    with pytest.raises(ValueError) as err:
        call(X, y)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_the_same_keywords_are_accepted_where_they_are_read():
    X, y = np.random.default_rng(0).normal(size=(4, 2)), np.array([1.0, -1.0, 1.0, -1.0])
    a = widthlab.kernel(X, depth=1, activation="relu", parameterization="standard", width=7)
    b = widthlab.kernel(X, depth=1, activation="relu", parameterization="standard", width=70)
    assert not np.allclose(a["ntk"], b["ntk"])  # the standard NTK depends on the width
    f1 = widthlab.predict(X, y, X, depth=1, activation="relu", lr=0.5, t=3.0)["mean"]
    f2 = widthlab.predict(X, y, X, depth=1, activation="relu", lr=5.0, t=3.0)["mean"]
    assert not np.allclose(f1, f2)  # at a finite time the step size matters
    assert widthlab.predict(X, y, X, depth=1, activation="relu", lr=0.5, t=0.0)["mean"].shape == (4, 1)


def test_an_int_beyond_its_c_type_names_the_bound():
    """Issue (re-audit N6): train_net(seed=2**63) said "expected ... an int ≥ 0"; the bound is 2**63 − 1."""
    with pytest.raises(ValueError, match=r"at most 9223372036854775807") as err:
        widthlab.train_net(seed=2**63)
    assert "\n" not in str(err.value)


def test_threads_at_the_clis_bound_are_accepted():
    assert len(widthlab.train(TINY, threads=4096)) == 1


# ---- a keyword and an override of the config key it stands for (the CLI refuses --threads 1 --set study.threads=2)


@pytest.mark.parametrize("call,needles", [
    (lambda o: widthlab.train(TINY, out=o, threads=1, overrides=["study.threads=2"]),
     ["train(): overrides 'study.threads=2': threads = 1 sets study.threads = 1"]),
    (lambda o: widthlab.study(TINY, out=o, threads=1, overrides=["study.threads = 0"]), ["study(): ", "threads = 1"]),
    (lambda o: widthlab.study(TINY, out=o, plots=True, overrides=["study.plots=false"]),
     ["study(): overrides 'study.plots=false': plots = True sets study.plots = true"]),
    (lambda o: widthlab.transfer(TINY, out=o, plots=False, overrides=["study.plots=true"]), ["plots = False"]),
    (lambda o: widthlab.transfer(TINY, out=o, threads=2, overrides=["study.threads=2.0"]), ["threads = 2"]),
    (lambda o: widthlab.reproduce("nguyen2019-gaussians", out=o, smoke=True, device="cuda",
                                  overrides=["study.device=cpu"]),
     ["reproduce(): overrides 'study.device=cpu': device = 'cuda' sets study.device = \"cuda\""]),
    (lambda o: widthlab.reproduce("nguyen2019-gaussians", out=o, smoke=True, threads=1,
                                  overrides=["study.threads=3"]), ["reproduce(): ", "threads = 1"]),
    (lambda o: widthlab.classify(config=TINY, depth=2, overrides=["model.depth=3"]),
     ["classify(): overrides 'model.depth=3': depth = 2 sets model.depth = 2"]),
    (lambda o: widthlab.classify(config=TINY, activation="relu", overrides=["model.activation=erf"]),
     ["activation = 'relu'"]),
    (lambda o: widthlab.classify(config=TINY, optimizer="sgd", overrides=['train.optimizer="adam"']),
     ["optimizer = 'sgd'"]),
])
def test_a_keyword_and_an_override_giving_its_key_another_value_are_refused(tmp_path, call, needles):
    out = tmp_path / "out"
    text = one_line(ValueError, lambda: call(out), *needles)
    assert "expected the key given once, or the same value in both" in text
    assert not out.exists()


def test_the_cli_refuses_the_same_pair(cli, tmp_path):
    (tmp_path / "c.toml").write_text(widthlab.to_toml(TINY))
    r = cli("train", "--config", str(tmp_path / "c.toml"), "--threads", "1", "--set", "study.threads=2", "--out",
            str(tmp_path / "o"))
    assert r.returncode == 2 and "expected the key given once, or the same value in both" in r.stderr, r.stderr


def test_a_keyword_and_an_override_with_the_same_value_agree(tmp_path):
    assert len(widthlab.train(TINY, threads=1, overrides=["study.threads=1"])) == 1
    res = widthlab.reproduce("nguyen2019-gaussians", out=tmp_path / "r", smoke=True, plots=False, device="cpu",
                             threads=1, overrides=["study.device=cpu", "study.threads = 1"])
    assert res["claims"]
    written = (tmp_path / "r" / "config.toml").read_text()
    assert 'device = "cpu"' in written and "threads = 1" in written  # as --device / --threads: set in the config
    assert widthlab.classify(config=TINY, depth=2, overrides=["model.depth=2"])[0]["depth"] == 2


# ---- classify's preset and predict's t: a value of the wrong type is a TypeError naming the argument


@pytest.mark.parametrize("preset,error", [(5, TypeError), ({"a": 1}, TypeError), (0, TypeError), (True, TypeError),
                                          (("-1/2", None), TypeError), ((0.5, True), TypeError), ("", ValueError)])
def test_classify_refuses_a_preset_of_another_type_naming_it(preset, error):
    one_line(error, lambda: widthlab.classify(preset), "classify(): preset = ", "expected")


@pytest.mark.parametrize("t,error", [(True, TypeError), (np.bool_(False), TypeError), ([1, True], TypeError),
                                     (np.array([True, False]), TypeError), ({"a": 1}, TypeError),
                                     (object(), TypeError), (["soon"], ValueError), ("soon", ValueError)])
def test_predict_refuses_a_bool_or_another_type_for_t_naming_it(t, error):
    one_line(error, lambda: widthlab.predict(X, Y, X, t=t, **NET), "predict(): t = ", "number of steps")


def test_predict_t_still_takes_numbers_inf_and_arrays():
    assert widthlab.predict(X, Y, X, t=np.int64(2), lr=0.5, **NET)["mean"].shape == (3, 1)
    assert widthlab.predict(X, Y, X, t="inf", **NET)["mean"].shape == (3, 1)
    assert widthlab.predict(X, Y, X, t=[1, 2.5], lr=0.5, **NET)["mean"].shape == (2, 3, 1)


# ---- kernel: get= beside an nngp= / ntk= that contradicts it was resolved silently in get's favour


@pytest.mark.parametrize("kwargs,needle", [(dict(get="nngp", ntk=True), "get = 'nngp' and ntk = True"),
                                           (dict(get="ntk", nngp=True), "get = 'ntk' and nngp = True"),
                                           (dict(get=("nngp",), nngp=False), "nngp = False")])
def test_kernel_refuses_get_beside_a_contradicting_nngp_or_ntk(kwargs, needle):
    one_line(ValueError, lambda: widthlab.kernel(X, **NET, **kwargs), needle)
    one_line(ValueError, lambda: widthlab._core.kernel(X, **NET, **kwargs), needle)


def test_kernel_accepts_get_beside_an_nngp_or_ntk_that_agrees():
    assert set(widthlab.kernel(X, get="nngp", ntk=False, **NET)) == {"nngp"}
    assert set(widthlab.kernel(X, get="nngp", nngp=True, **NET)) == {"nngp"}
    assert set(widthlab.kernel(X, get=("nngp", "ntk"), ntk=True, **NET)) == {"nngp", "ntk"}
    assert set(widthlab.kernel(X, ntk=False, **NET)) == {"nngp"}


LOSSY_ARRAYS = [
    (np.ones((4, 3)) * (1 + 2j), "expected an array of real numbers, got dtype complex128"),
    (np.arange(12).reshape(4, 3).astype("datetime64[D]"), "expected an array of real numbers, got dtype datetime64"),
    (np.ma.masked_array(np.ones((4, 3)), mask=np.eye(4, 3)), "a masked array; expected a plain array"),
]


@pytest.mark.parametrize("array, message", LOSSY_ARRAYS)
def test_arrays_numpy_would_convert_with_a_loss_are_refused_naming_the_argument(array, message):
    """numpy's conversion would drop the imaginary part (a warning at most), read dates as day counts, or ignore the
    mask; each is refused instead, naming the argument."""
    x = np.random.default_rng(0).standard_normal((4, 3))
    y = np.array([1.0, -1.0, 1.0, -1.0])
    calls = [
        ("x1", lambda: widthlab.kernel(array, depth=1, activation="relu")),
        ("x_test", lambda: widthlab.predict(x, y, array, depth=1, activation="relu")),
        ("x", lambda: widthlab.empirical_ntk(TINY, x=array, width=8)),
    ]
    for name, call in calls:
        with pytest.raises(ValueError, match=re.escape(message)) as error:
            call()
        assert name in str(error.value) and "\n" not in str(error.value), str(error.value)
