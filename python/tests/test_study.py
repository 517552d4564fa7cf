"""widthlab.study on a tiny config: runs, limits, rates, distances and the report come back (architecture.md §4, §8)."""
import csv
import json
import math

import widthlab
from test_train import RUNS_KEYS

TINY_STUDY = {
    "data": {"dataset": "gaussians", "train_size": 16, "test_size": 8, "gaussians_dim": 5},
    "model": {"depth": 1, "activation": "relu"},
    "scaling": {"presets": ["ntk", "mf"], "reference_width": 8},
    "train": {"optimizer": "gd", "lr": 0.05, "steps": 3, "precision": "float64"},
    "sweep": {"widths": [8, 16], "seeds": [0, 1]},
    "limits": {"compute": ["ntk", "mf"], "mf_particles": 256, "seeds": [0, 1]},
    "study": {"threads": 1, "plots": False},
}


def test_tiny_study(tmp_path):
    out = tmp_path / "study"
    res = widthlab.study(TINY_STUDY, out=out)
    s = res["summary"]
    assert s["runs_failed"] == 0 and s["limits_failed"] == 0, s["errors"]
    assert len(res["runs"]) == 2 * 2 * 2 and all(RUNS_KEYS <= set(r) for r in res["runs"])
    assert res["runs"] == [json.loads(l) for l in (out / "runs.jsonl").read_text().splitlines()]
    assert {r["scaling"] for r in res["limits"]} == {"ntk", "mf"}
    assert res["report"] == str(out / "report.md") and (out / "report.md").read_text().strip()
    assert res["rates"] is not None and res["distances"]
    assert_distances_read_as_written(res["distances"], out / "distances.csv")


def assert_distances_read_as_written(rows, path):
    """Each cell as the file has it: an empty cell (a distance that does not apply, e.g. the NTK kernel's KL) is None,
    a number its float (or int), a word itself."""
    with open(path, newline="", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert len(rows) == len(written)
    empty = 0
    for got, cells in zip(rows, written):
        assert set(got) == set(cells)
        for k, text in cells.items():
            if text == "":
                empty += 1
                assert got[k] is None, (k, got)
            else:
                try:
                    assert got[k] == float(text) or (math.isnan(got[k]) and text == "nan"), (k, got)
                except ValueError:
                    assert got[k] == text, (k, got)
    assert empty > 0, "the tiny study's distances.csv has no empty cell to check"


def test_study_without_out_returns_the_report_text():
    cfg = dict(TINY_STUDY, sweep={"widths": [8, 16], "seeds": [0]}, scaling={"presets": ["mf"], "reference_width": 8},
               limits={"compute": ["mf"], "mf_particles": 256, "seeds": [0]})
    res = widthlab.study(cfg)
    assert res["out"] is None and "mf" in res["report"]
    assert len(res["runs"]) == 2


SMALL_STUDY = dict(TINY_STUDY, sweep={"widths": [8, 16], "seeds": [0]},
                   scaling={"presets": ["mf"], "reference_width": 8},
                   limits={"compute": ["mf"], "mf_particles": 64, "seeds": [0]})


def test_plots_true_or_false_sets_study_plots_for_the_call(tmp_path):
    """Issue: study(plots=True) drew nothing when the config said study.plots = false (both had to be on)."""
    res = widthlab.study(SMALL_STUDY, out=tmp_path / "on", plots=True)  # the config says plots = false
    assert res["summary"]["plot_message"] != "plots off (study.plots = false)", res["summary"]
    assert "plots = true" in (tmp_path / "on" / "config.toml").read_text()
    on = dict(SMALL_STUDY, study={"threads": 1, "plots": True})
    res = widthlab.study(on, out=tmp_path / "off", plots=False)
    assert res["summary"]["plot_message"].startswith("plots off"), res["summary"]
    assert not list((tmp_path / "off").glob("*.png"))
    assert widthlab.study(SMALL_STUDY)["summary"]["plot_message"].startswith("plots off")  # None: the config's


def test_without_a_config_it_is_the_clis_reduced_default_study(tmp_path):
    """Audit: widthlab.study() without a config ran the full default grid (widths to 8192, 65 536 particles) while
    `widthlab study` without --config runs it reduced to ~10 minutes, though the README says names and defaults are the
    CLI's. Both apply the same reductions (study.h default_study_budget), the caller's overrides win, and the note is
    in summary["notes"] and the report."""
    tiny = ["data.dataset=gaussians", "data.train_size=16", "data.test_size=8", "data.gaussians_dim=5",
            'scaling.presets=["mf"]', "scaling.reference_width=8", "sweep.widths=[8,16]", "sweep.seeds=[0]",
            "train.steps=2", 'limits.compute=["mf"]', "limits.mf_particles=64", "limits.seeds=[0]",
            "study.threads=1", "study.plots=false"]
    res = widthlab.study(out=tmp_path / "s", overrides=tiny)
    config = (tmp_path / "s" / "config.toml").read_text()
    assert "log_every = 5" in config and "coupled_particles_per_width = 4" in config  # the reductions applied
    assert "widths = [8, 16]" in config  # the caller's overrides won
    assert "mf_particles = 64" in config
    notes = res["summary"]["notes"]
    assert len(notes) == 1 and notes[0].startswith("Built-in default study, reduced to fit ~10 minutes"), notes
    assert "Built-in default study" in (tmp_path / "s" / "report.md").read_text()
    res = widthlab.study(dict(TINY_STUDY, sweep={"widths": [8, 16], "seeds": [0]}), out=tmp_path / "given")
    assert res["summary"]["notes"] == []  # a given config runs as it is
