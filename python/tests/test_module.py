"""The package imports from the build tree and exposes the registries."""
import widthlab


def test_version_is_the_projects():
    parts = widthlab.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_activation_registry_has_closed_form_and_quadrature_entries():
    names = [a["name"] for a in widthlab.activations()]
    for expected in ("relu", "leaky_relu", "erf", "tanh"):
        assert expected in names
    assert len(names) == len(set(names))


def test_loss_registry_is_the_clis(cli):
    """widthlab.losses() is the registry `widthlab list` prints: every name, alias and description."""
    listed = cli("list").stdout
    rows = widthlab.losses()
    assert [r["name"] for r in rows] == ["logistic", "mse", "cross-entropy"]
    for r in rows:
        assert r["description"] in listed and all(a in listed for a in r["aliases"])
    assert "squared" in next(r for r in rows if r["name"] == "mse")["aliases"]


def test_a_closed_form_loss_is_one_predict_solves_without_a_seed():
    """The registry's closed_form is what predict() reads: a seed (of the GP sample function-space GD starts from) is
    refused for a closed-form loss, under its name and every alias, and taken by the others."""
    import numpy as np
    import pytest
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    for row in widthlab.losses():
        assert isinstance(row["closed_form"], bool) and isinstance(row["saturates"], bool)
        y = np.array([0, 1, 1, 0]) if row["name"] == "cross-entropy" else np.array([-1.0, 1.0, 1.0, -1.0])
        for name in [row["name"], *row["aliases"]]:
            call = lambda: widthlab.predict(x, y, x[:2], depth=1, activation="relu", t=2, loss=name, seed=3,
                                                  lr=0.5)
            if row["closed_form"]:
                with pytest.raises(ValueError, match="seed: only used with"):
                    call()
            else:
                assert np.isfinite(call()["mean"]).all(), name


def test_provenance_is_what_an_output_directory_records(tmp_path):
    import json
    import sys
    record = widthlab.provenance()
    assert record["widthlab"] == widthlab.__version__
    assert record["command"] == ["python", *sys.argv]
    assert record["openblas_core"] and record["hardware_threads"] >= 1
    out = tmp_path / "run"
    widthlab.train(None, str(out), overrides=["data.train_size=32", "data.test_size=32", "sweep.widths=[8]",
                                              "sweep.seeds=[0]", "train.steps=1", "study.device=cpu"])
    lines = (out / "provenance.jsonl").read_text().splitlines()
    assert len(lines) == 1
    written = json.loads(lines[0])
    written.pop("started"), record.pop("started")
    assert written == record
