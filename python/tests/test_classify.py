"""widthlab.classify: the classify verb's JSON as a dict (architecture.md §4 classify contract)."""
import json

import pytest

import widthlab

CONTRACT_KEYS = {"A", "B", "C", "stable", "regime", "region", "model", "finite_init_logits", "finite_kernel",
                 "feature_learning"}


def test_mean_field_is_region_1():
    c = widthlab.classify("mf")
    assert CONTRACT_KEYS <= set(c)
    assert c["region"] == 1 and c["model"] == "mf"
    assert c["stable"] is True and c["regime"] == "stable"
    assert c["feature_learning"] is True and c["finite_init_logits"] is False


def test_golikov_point_equals_its_preset():
    # MF is (q_sigma, q_lr) = (-1, 1) in Golikov's variables (theory.md §1.3, §2.2).
    by_q = widthlab.classify(q_sigma=-1.0, q_lr=1.0)
    mf = widthlab.classify("mf")
    assert (by_q["A"], by_q["B"], by_q["C"], by_q["region"]) == (mf["A"], mf["B"], mf["C"], mf["region"])


def test_config_dict_and_overrides():
    [c] = widthlab.classify(config={"scaling": {"presets": ["ntk"]}})
    assert c["model"] == "ntk" and c["feature_learning"] is False
    [o] = widthlab.classify(config={"scaling": {"presets": ["ntk"]}}, overrides=["scaling.presets=['mf']"])
    assert o["model"] == "mf"


def test_config_classifies_every_scaling():
    both = widthlab.classify(config={"scaling": {"presets": ["sp", "mf"]}})
    assert [c["scaling"] for c in both] == ["sp", "mf"]


def test_tuples_and_fractions_as_on_the_command_line():
    # Issue: classify((-0.75, 0.5)) raised a pybind TypeError; fractions were refused.
    assert widthlab.classify((-0.75, 0.5))["region"] == 4
    assert widthlab.classify(("-3/4", "1/2"))["region"] == 4
    assert widthlab.classify(q_sigma="-3/4", q_lr="1/2")["region"] == 4
    assert widthlab.classify(q_sigma=-0.6, q_lr=0.5)["C"] == -0.1


def test_unstable_point():
    c = widthlab.classify(q_sigma=0.0, q_lr=1.0)
    assert c["stable"] is False and c["regime"] == "diverges" and c["region"] is None


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"preset": "mf", "q_sigma": 0.0, "q_lr": 0.0}, "expected exactly one of"),
        ({"q_sigma": 0.0}, "q_sigma and q_lr go together"),
        ({"preset": "nope"}, "scaling = 'nope': unknown preset"),
        ({"preset": "mf", "optimizer": "lbfgs"}, "lbfgs"),
        ({"config": {"train": {"lr": -1.0}}}, "<dict config>:2:6: train.lr = -1.0: expected a finite number > 0"),
    ],
)
def test_bad_input_raises_value_error(kwargs, message):
    with pytest.raises(ValueError, match=None) as err:
        widthlab.classify(**kwargs)
    assert message in str(err.value)


def test_same_json_and_same_error_message_as_cli(cli):
    r = cli("classify", "--preset", "ic-mf", "--optimizer", "rmsprop")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == widthlab.classify("ic-mf", optimizer="rmsprop")
    r = cli("classify", "--preset", "nope")
    assert r.returncode == 2
    with pytest.raises(ValueError) as err:
        widthlab.classify("nope")
    assert r.stderr.strip() == f"widthlab classify: {err.value}"
