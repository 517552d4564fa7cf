"""widthlab.limit: the limit models the CLI's `limit` simulates, with the same numbers (theory.md §3)."""
import json
import re
import warnings

import numpy as np
import pytest

import widthlab

TINY_LIMIT = {
    "data": {"dataset": "gaussians", "train_size": 16, "test_size": 8, "gaussians_dim": 5},
    "model": {"depth": 1, "activation": "relu"},
    "scaling": {"presets": ["mf", "ntk", "sp"], "reference_width": 8},
    "train": {"optimizer": "gd", "lr": 0.05, "steps": 3, "precision": "float64"},
    "limits": {"compute": ["mf", "ntk"], "mf_particles": 64, "seeds": [0, 1]},
}


def test_limit_returns_the_records_the_cli_writes(tmp_path, cli):
    with pytest.warns(UserWarning, match="scaling 'sp'") as warned:  # SP has no stable limit: left out, saying why
        records = widthlab.limit(TINY_LIMIT)
    assert warned[0].filename == __file__, "the warning points at the caller's line, not widthlab's"
    assert [(r["model"], r["seed"]) for r in records] == [("mf", 0), ("mf", 1), ("ntk", 0), ("ntk", 1)]
    for r in records:
        assert r["status"] == "ok" and r["test_logits"].shape == (8, 1) and np.isfinite(r["test_logits"]).all()
        assert r["curve"]["step"][-1] == 3
    (tmp_path / "c.toml").write_text(widthlab.to_toml(TINY_LIMIT))
    p = cli("limit", "--quiet", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "o"))
    assert p.returncode == 0, p.stderr
    lines = [json.loads(line) for line in (tmp_path / "o" / "limit.jsonl").read_text().splitlines()]
    assert len(lines) == len(records)
    for line, r in zip(lines, records):
        for key in ("model", "region", "seed", "test_loss", "test_acc", "curve", "test_classes", "selected_by"):
            assert line[key] == r[key], key
        np.testing.assert_array_equal(np.asarray(line["test_logits"], dtype=float).reshape(-1, 1), r["test_logits"])


def test_one_model_or_region_by_name():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # picking a model skips no scaling
        (ic,) = widthlab.limit(TINY_LIMIT, model="ic-mf", overrides=["limits.seeds=[3]"])
        by_region = widthlab.limit(TINY_LIMIT, region=4, overrides=["limits.seeds=[0]"])
    assert ic["model"] == "ic-mf" and ic["seed"] == 3 and ic["selected_by"] == "--model"
    assert by_region[0]["model"] == "intermediate" and by_region[0]["region"] == 4


def test_a_diverged_seed_is_a_record_not_an_error():
    (r,) = widthlab.limit(TINY_LIMIT, model="mf", overrides=["limits.seeds=[0]", "train.lr=1e8",
                                                               "train.precision=\"float32\""])
    assert r["status"] == "diverged" and r["test_logits"].size == 0


def test_bad_limit_requests_raise_value_error():
    with pytest.raises(ValueError, match="at most one"):
        widthlab.limit(TINY_LIMIT, model="mf", region=1)
    with pytest.raises(ValueError, match="no-such-model"):
        widthlab.limit(TINY_LIMIT, model="no-such-model")
    with pytest.raises(ValueError, match="region = 0"):
        widthlab.limit(TINY_LIMIT, region=0)
    with pytest.raises(ValueError, match="no limit to simulate"):
        widthlab.limit(TINY_LIMIT, overrides=['scaling.presets=["sp"]'])


def test_overrides_limit_would_not_read_are_refused_as_by_the_cli(tmp_path, cli):
    """[sweep] (the finite sweep's) and limits.compute beside model= / region= would change nothing: refused, as the
    CLI refuses the same --set (audit: Python ran them)."""
    (tmp_path / "c.toml").write_text(widthlab.to_toml(TINY_LIMIT))
    for kwargs, override, needle in ((dict(model="ntk"), "sweep.widths=[7]", "does not read [sweep]"),
                                     (dict(model="ntk"), "limits.compute=[]", "not used with model="),
                                     (dict(region=2), 'limits.compute=["mf"]', "not used with region=")):
        with pytest.raises(ValueError, match=re.escape(needle)):
            widthlab.limit(TINY_LIMIT, overrides=[override], **kwargs)
        flag = ["--model", kwargs["model"]] if "model" in kwargs else ["--region", str(kwargs["region"])]
        p = cli("limit", "--quiet", "--config", str(tmp_path / "c.toml"), *flag, "--set", override, "--out",
                str(tmp_path / "o"))
        assert p.returncode == 2 and override in p.stderr, p.stderr
    assert not (tmp_path / "o").exists()


def test_advice_names_the_python_keywords_not_the_cli_flags():
    with pytest.raises(ValueError) as err:
        widthlab.limit(TINY_LIMIT, overrides=['scaling.presets=["sp"]'])
    assert "pick one with model=NAME or region=N" in str(err.value) and "--" not in str(err.value)
    deep = dict(TINY_LIMIT, model={"depth": 2, "activation": "relu"}, limits=dict(TINY_LIMIT["limits"], seeds=[0]))
    with pytest.warns(UserWarning, match="scaling 'ntk' \\(depth 2\\)") as warned:
        widthlab.limit(deep, overrides=['scaling.presets=["mf", "ntk"]'])
    assert 'only \'mf\' is simulated (theory.md §3.6): pass model="mf"' in str(warned[0].message)


def test_labels_and_sizes_are_checked_as_in_the_cli():
    # Cross-entropy on a binary task reads the ±1 labels as class ids 0/1 (it failed on label −1): one logit per class.
    (r,) = widthlab.limit(TINY_LIMIT, model="ntk", overrides=['train.loss="cross-entropy"', "limits.seeds=[0]"])
    assert r["status"] == "ok" and r["test_logits"].shape == (8, 2)
    # A particle system no machine holds (2^24 particles at depth 2: 2^48 weights) is refused before it runs.
    with pytest.raises(ValueError, match="limits.mf_particles = 16777216 at model.depth = 2: the particle system's"):
        widthlab.limit(TINY_LIMIT, model="mf", overrides=["model.depth=2", "limits.mf_particles=16777216"])
