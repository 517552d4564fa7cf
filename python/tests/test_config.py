"""widthlab.config: dicts, TOML text and files resolve like --config/--set."""
import pytest

import widthlab
from conftest import one_line


def test_default_round_trips_through_a_dict():
    d = widthlab.config()
    assert set(d) >= {"data", "model", "scaling", "train", "sweep", "limits"}
    assert widthlab.config(d) == d
    assert widthlab.config(widthlab.config(as_toml=True)) == d


def test_dict_text_path_and_overrides_agree(tmp_path):
    cfg = {"train": {"lr": 0.25, "steps": 3}, "sweep": {"widths": [8, 16], "seeds": [0]}}
    path = tmp_path / "c.toml"
    path.write_text(widthlab.to_toml(cfg))
    by_dict, by_path, by_str = widthlab.config(cfg), widthlab.config(path), widthlab.config(str(path))
    by_text = widthlab.config(widthlab.to_toml(cfg))
    by_set = widthlab.config(overrides=["train.lr=0.25", "train.steps=3", "sweep.widths=[8, 16]", "sweep.seeds=[0]"])
    assert by_dict == by_path == by_str == by_text == by_set
    assert by_dict["train"]["lr"] == 0.25 and by_dict["sweep"]["widths"] == [8, 16]



@pytest.mark.parametrize("cfg,error,needle", [
    ({"train": {"lr = 0.5\nsteps": 7}}, ValueError, "key 'lr = 0.5\\nsteps' in [train]: expected a config key"),
    ({"train": {"lr": 0.5, "x]\n[model": {"depth": 3}}}, ValueError, "key 'x]\\n[model' in [train]"),
    ({"a b": {"lr": 0.5}}, ValueError, "key 'a b' at the top level"),
    ({"train": {"": 1}}, ValueError, "key '' in [train]"),
    ({"train": {5: 1}}, TypeError, "key 5 in [train]: expected a str"),
])
def test_dict_keys_that_are_not_config_keys_are_refused_not_written_into_the_toml(cfg, error, needle):
    """A key was written unquoted: {"train": {"lr = 0.5\\nsteps": 7}} set train.lr = 0.5 and train.steps = 7."""
    one_line(error, lambda: widthlab.config(cfg), needle)
    one_line(error, lambda: widthlab.to_toml(cfg), needle)
    assert widthlab.config({"train": {"lr": 0.5}, "scaling": {"reference_width": 16}})["train"]["lr"] == 0.5


@pytest.mark.parametrize("source", ["", "   ", "\n"])
def test_an_empty_str_is_refused_rather_than_the_default_config(tmp_path, source):
    one_line(ValueError, lambda: widthlab.config(source), "config(): source = ", "not an empty str")
    one_line(ValueError, lambda: widthlab.train(source, out=tmp_path / "o"), "train(): config = ")
    assert not (tmp_path / "o").exists()


def test_a_str_without_newline_or_equals_is_a_path_that_must_exist(tmp_path):
    one_line(ValueError, lambda: widthlab.config(str(tmp_path / "missing[1].toml")), "missing[1].toml: cannot open")
    named = tmp_path / "lr=0.5[1].toml"  # an existing file is a path, whatever its name holds
    named.write_text("[train]\nlr = 0.5\n")
    assert widthlab.config(str(named))["train"]["lr"] == 0.5
    assert widthlab.config("train.lr = 0.5")["train"]["lr"] == 0.5  # TOML text: it has an '='
    assert widthlab.config("[train]\nlr = 0.5")["train"]["lr"] == 0.5


@pytest.mark.parametrize("source", [5, 1.5, ["train.lr=0.1"], b"[train]"])
def test_a_source_of_another_type_is_a_type_error_naming_it(source):
    one_line(TypeError, lambda: widthlab.config(source), "config(): source = ", "a dict, TOML text or a path")
    one_line(TypeError, lambda: widthlab.train(source), "train(): config = ")
