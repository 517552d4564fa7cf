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
