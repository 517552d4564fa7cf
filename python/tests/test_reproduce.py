"""widthlab.reproduce / reproductions: the CLI's cases and claims come back (README "Paper reproductions")."""
import json

import pytest

import widthlab


def test_reproductions_are_the_clis_list(cli):
    r = cli("reproduce", "--list")
    assert r.returncode == 0, r.stderr
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    cases = widthlab.reproductions()
    assert [c["name"] for c in cases] == listed
    assert all(c["paper"] and c["spec"].startswith("theory.md §") and c["description"] for c in cases)


def test_smoke_reproduction_writes_claims_and_judges_nothing(tmp_path):
    out = tmp_path / "g"
    res = widthlab.reproduce("nguyen2019-gaussians", out=out, smoke=True, plots=False, threads=1)
    s = res["summary"]
    assert s["name"] == "nguyen2019-gaussians" and s["holds"] == 0 and s["fails"] == 0  # a smoke run judges nothing
    assert res["claims"] == json.loads((out / "claims.json").read_text())["claims"]
    assert res["claims"] and all(c["verdict"] == "inconclusive" for c in res["claims"] if not c["sanity"])
    assert all(isinstance(c["uninformative"], bool) for c in res["claims"])
    assert res["report"] == str(out / "report.md") and "## Claims" in (out / "report.md").read_text()
    with pytest.raises(ValueError, match="already holds widthlab results"):
        widthlab.reproduce("nguyen2019-gaussians", out=out, smoke=True, plots=False)
    again = widthlab.reproduce("nguyen2019-gaussians", out=out, smoke=True, plots=False, force=True)
    assert [c["id"] for c in again["claims"]] == [c["id"] for c in res["claims"]]


def test_reproduce_without_out_returns_the_report_text():
    res = widthlab.reproduce("nguyen2019-gaussians", smoke=True, plots=False, overrides=["sweep.seeds=[0, 1]"])
    assert res["out"] is None and "nguyen2019-gaussians" in res["report"]


def test_without_out_the_brief_says_the_results_were_not_kept():
    """Issue: summary["brief"] named the temporary directory's report.md, already removed when the call returned."""
    res = widthlab.reproduce("nguyen2019-gaussians", smoke=True, plots=False, threads=1)
    brief = res["summary"]["brief"]
    assert brief.endswith("→ report not kept (out=None)") and "widthlab-reproduce-" not in brief, brief


def test_bad_reproductions_are_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="golikov2020-width"):  # the message lists the known names
        widthlab.reproduce("no-such-case", out=tmp_path / "a", smoke=True)
    with pytest.raises(ValueError, match="no_such_key"):
        widthlab.reproduce("nguyen2019-gaussians", out=tmp_path / "b", smoke=True, overrides=["train.no_such_key=1"])
    with pytest.raises(ValueError, match="study.device"):
        widthlab.reproduce("nguyen2019-gaussians", out=tmp_path / "c", smoke=True, device="tpu")
    with pytest.raises(ValueError, match="smoke and full"):
        widthlab.reproduce("nguyen2019-gaussians", out=tmp_path / "d", smoke=True, full=True)
    with pytest.raises(ValueError, match="threads = -1"):
        widthlab.reproduce("nguyen2019-gaussians", out=tmp_path / "e", smoke=True, threads=-1)
    assert not any((tmp_path / d).exists() for d in "abcde")


def test_every_reproduction_has_an_entry_in_the_plot_script():
    """`widthlab plot DIR` on any case's directory finds its figures (an empty list where the case draws none)."""
    import importlib.util
    import pathlib
    import sys
    script = pathlib.Path(__file__).resolve().parents[1] / "plots" / "reproduce_plots.py"
    sys.path.insert(0, str(script.parent))  # its helpers (plot_data, plot_outputs) sit beside it
    spec = importlib.util.spec_from_file_location("reproduce_plots", script)
    plots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plots)
    assert sorted(plots.CASES) == sorted(c["name"] for c in widthlab.reproductions())
