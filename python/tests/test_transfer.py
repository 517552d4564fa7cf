"""widthlab.transfer on a tiny lr x width grid: the CLI's files and numbers come back (theory.md §10, architecture.md §4)."""
import json

import pytest

import widthlab

TINY_TRANSFER = {
    "data": {"dataset": "gaussians", "train_size": 32, "test_size": 32, "gaussians_dim": 5},
    "model": {"depth": 1, "activation": "relu"},
    "scaling": {"presets": ["mup"], "reference_width": 16},
    "train": {"optimizer": "gd", "lr": 0.2, "steps": 4, "log_every": 0, "precision": "float64"},
    "sweep": {"widths": [16, 32], "seeds": [0, 1], "lrs": [0.05, 0.2, 0.8]},
    "limits": {"compute": []},
    "study": {"threads": 1, "plots": False},
}


def test_transfer_returns_what_the_cli_writes(tmp_path, cli):
    res = widthlab.transfer(TINY_TRANSFER, out=tmp_path / "py", bootstrap=50)
    s = res["summary"]
    assert s["runs"] == 2 * 3 * 2 and s["runs_failed"] == 0, s["errors"]
    assert s["holds"] + s["fails"] + s["inconclusive"] == 1  # one optimal-lr verdict (train loss) per scaling
    assert [r["scaling"] for r in res["exponents"]] == ["mup", "mup"]
    assert {r["width"] for r in res["optimum"]} == {16, 32}
    assert res["report"] == str(tmp_path / "py" / "report.md") and "## mup" in (tmp_path / "py" / "report.md").read_text()
    # The same config through the CLI gives the same numbers, file for file.
    (tmp_path / "c.toml").write_text(widthlab.to_toml(TINY_TRANSFER))
    r = cli("transfer", "--quiet", "--no-plots", "--bootstrap", "50", "--config", str(tmp_path / "c.toml"),
            "--out", str(tmp_path / "cli"))
    assert r.returncode == 0, r.stderr
    assert without_seconds(res["transfer"]) == without_seconds(json.loads((tmp_path / "cli" / "transfer.json").read_text()))
    for name in ("runs.jsonl", "losses.csv", "optimum.csv", "exponents.csv", "coord_fit.csv"):
        py_text, cli_text = ((tmp_path / d / name).read_text() for d in ("py", "cli"))
        if name == "runs.jsonl":  # run times differ
            py_text, cli_text = ([{k: v for k, v in json.loads(l).items() if k != "seconds"} for l in t.splitlines()]
                                 for t in (py_text, cli_text))
        assert py_text == cli_text, name


def without_seconds(value):
    """A JSON value with every "seconds" key (run and invocation times) dropped, recursively."""
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value


def test_transfer_without_out_returns_the_report_text():
    res = widthlab.transfer(TINY_TRANSFER, overrides=["sweep.seeds=[0]"], bootstrap=0)
    assert res["out"] is None and "mup" in res["report"]


def test_transfer_refuses_a_config_without_an_lr_axis_before_writing(tmp_path):
    cfg = {k: v for k, v in TINY_TRANSFER.items() if k != "sweep"}
    with pytest.raises(ValueError, match="sweep.lrs"):
        widthlab.transfer(cfg, out=tmp_path / "o")
    assert not (tmp_path / "o").exists()
    with pytest.raises(ValueError, match="coord_steps"):
        widthlab.transfer(TINY_TRANSFER, out=tmp_path / "o", coord_steps=0)
    assert not (tmp_path / "o").exists()


def test_plots_true_sets_study_plots_for_the_call(tmp_path):
    """Issue: transfer(plots=True) drew nothing when the config said study.plots = false."""
    cfg = dict(TINY_TRANSFER, sweep=dict(TINY_TRANSFER["sweep"], seeds=[0]))
    res = widthlab.transfer(cfg, out=tmp_path / "on", plots=True, bootstrap=0)
    assert "Plots: plots off" not in (tmp_path / "on" / "report.md").read_text()
    assert "plots = true" in (tmp_path / "on" / "config.toml").read_text() and res["summary"]["runs_failed"] == 0


def test_resume_with_another_config_names_the_config_first_as_the_cli(tmp_path, cli):
    """Issue: the resume's coordinate-check problem was reported before the config comparison, so a directory made
    with another config was refused for the wrong reason (the CLI compares the configs first)."""
    other = dict(TINY_TRANSFER, sweep={"widths": [16], "seeds": [0]})
    widthlab.train(other, out=tmp_path / "o")
    before = sorted(p.name for p in (tmp_path / "o").iterdir())
    with pytest.raises(ValueError) as err:
        widthlab.transfer(TINY_TRANSFER, out=tmp_path / "o", resume=True, bootstrap=0)
    assert "--resume with a different config" in str(err.value) and "sweep.lrs" in str(err.value), err.value
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == before
    (tmp_path / "c.toml").write_text(widthlab.to_toml(TINY_TRANSFER))
    r = cli("transfer", "--quiet", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "o"), "--resume")
    assert r.returncode == 2 and str(err.value) in r.stderr, r.stderr


def test_a_users_file_under_a_name_transfer_writes_is_refused_before_any_run(tmp_path):
    out = tmp_path / "o"
    widthlab.train(dict(TINY_TRANSFER, sweep={"widths": [16], "seeds": [0]}), out=out)
    (out / "optimum.csv").write_text("mine\n")
    runs = (out / "runs.jsonl").read_text()
    with pytest.raises(ValueError, match="optimum.csv"):
        widthlab.transfer(TINY_TRANSFER, out=out, force=True, bootstrap=0)
    assert (out / "optimum.csv").read_text() == "mine\n" and (out / "runs.jsonl").read_text() == runs
