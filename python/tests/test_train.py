"""widthlab.train on a tiny config: the runs come back as dicts with the runs.jsonl keys (architecture.md §4)."""
import json

import pytest

import widthlab

RUNS_KEYS = {"scaling", "width", "seed", "depth", "optimizer", "lr", "steps", "status", "train_loss", "train_acc",
             "test_loss", "test_acc", "seconds"}

TINY = {
    "data": {"dataset": "gaussians", "train_size": 16, "test_size": 8, "gaussians_dim": 5},
    "model": {"depth": 1, "activation": "relu"},
    "scaling": {"presets": ["ntk", "mf"], "reference_width": 8},
    "train": {"optimizer": "gd", "lr": 0.05, "steps": 3, "precision": "float64"},
    "sweep": {"widths": [8, 16], "seeds": [0, 1]},
    "study": {"threads": 1},
}


def test_tiny_grid_returns_one_dict_per_run():
    runs = widthlab.train(TINY)
    assert len(runs) == 2 * 2 * 2
    assert {(r["scaling"], r["width"], r["seed"]) for r in runs} == {
        (s, w, seed) for s in ("ntk", "mf") for w in (8, 16) for seed in (0, 1)}
    for r in runs:
        assert RUNS_KEYS <= set(r)
        assert r["status"] == "ok" and r["steps"] == 3 and r["depth"] == 1 and r["optimizer"] == "gd"
        assert 0.0 <= r["train_acc"] <= 1.0 and r["train_loss"] > 0


def test_out_directory_matches_the_returned_runs_and_resume_skips(tmp_path):
    out = tmp_path / "train"
    runs = widthlab.train(TINY, out=out, overrides=["sweep.seeds=[0]"])
    lines = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert lines == [without_curve(r) for r in runs] and len(runs) == 4
    assert (out / "config.toml").exists()
    with pytest.raises(ValueError, match="already holds widthlab results"):
        widthlab.train(TINY, out=out, overrides=["sweep.seeds=[0]"])
    again = widthlab.train(TINY, out=out, overrides=["sweep.seeds=[0]"], resume=True)
    assert again == runs  # nothing new to run: the same records


def without_curve(run):
    return {k: v for k, v in run.items() if k != "curve"}


def test_resume_with_a_changed_config_is_refused_as_on_the_command_line(tmp_path):
    # Issue: Python re-implemented the directory logic and silently overwrote config.toml on resume.
    out = tmp_path / "train"
    widthlab.train(TINY, out=out, overrides=["sweep.seeds=[0]"])
    before = (out / "config.toml").read_text()
    with pytest.raises(ValueError, match="different config"):
        widthlab.train(TINY, out=out, overrides=["sweep.seeds=[0]", "train.lr=0.1"], resume=True)
    assert (out / "config.toml").read_text() == before


def test_foreign_files_in_out_are_never_touched(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="did not write"):
        widthlab.train(TINY, out=out)
    widthlab.train(TINY, out=out, force=True)
    widthlab.train(TINY, out=out, force=True)
    assert (out / "notes.txt").read_text() == "keep me"


def test_curves_come_back_in_memory_without_out():
    # Issue: train() without out= lost the curves with its temporary directory.
    runs = widthlab.train(dict(TINY, train=dict(TINY["train"], log_every=1)))
    for r in runs:
        assert r["curve"]["step"] == [0, 1, 2, 3], r["curve"]["step"]
        assert len(r["curve"]["train_loss"]) == 4 and r["curve"]["train_loss"][-1] == pytest.approx(r["train_loss"])


def test_progress_callback_sees_every_run():
    seen = []
    widthlab.train(TINY, progress=lambda label, done, total, note: seen.append((label, done, total)))
    assert [d for _, d, _ in seen] == list(range(1, 9)) and all(t == 8 for _, _, t in seen), seen
    with pytest.raises(TypeError, match="progress"):
        widthlab.train(TINY, progress="yes")


def test_two_threads_each_see_only_their_own_progress():
    """Progress defaults are process-wide: long calls from two threads take turns (progress_scope.h), so neither
    callback hears of the other's runs."""
    import threading
    seen = {"a": [], "b": []}
    small = dict(TINY, sweep={"widths": [8], "seeds": [0]})  # 2 runs beside TINY's 8
    calls = [threading.Thread(target=lambda key=key, config=config: widthlab.train(
        config, progress=lambda label, done, total, note: seen[key].append(total))) for key, config in
        (("a", TINY), ("b", small))]
    for call in calls:
        call.start()
    for call in calls:
        call.join()
    assert seen == {"a": [8] * 8, "b": [2] * 2}, seen


def test_same_seed_same_numbers():
    cfg = dict(TINY, sweep={"widths": [8], "seeds": [3]})
    a, b = widthlab.train(cfg), widthlab.train(cfg)
    key = lambda r: r["scaling"]
    for ra, rb in zip(sorted(a, key=key), sorted(b, key=key)):
        assert ra["train_loss"] == rb["train_loss"] and ra["test_acc"] == rb["test_acc"]


def test_bad_config_raises_value_error():
    with pytest.raises(ValueError, match=r"sweep.widths"):
        widthlab.train(dict(TINY, sweep={"widths": [0], "seeds": [0]}))


def test_lr_axis_multiplies_the_grid_and_bad_lrs_name_the_key():
    # sweep.lrs (issue 22, theory.md §10): one run per (scaling, width, lr, seed), the run's lr is the swept one.
    runs = widthlab.train(TINY, overrides=["sweep.lrs=[0.01, 0.1]", "sweep.seeds=[0]"])
    assert len(runs) == 2 * 2 * 2
    assert {(r["scaling"], r["width"], r["lr"]) for r in runs} == {
        (s, w, lr) for s in ("ntk", "mf") for w in (8, 16) for lr in (0.01, 0.1)}
    with pytest.raises(ValueError, match="sweep.lrs"):
        widthlab.train(TINY, overrides=["sweep.lrs=[0.1, -1]"])
    assert "lrs" not in widthlab.config(TINY)["sweep"]


def test_every_run_of_an_lr_sweep_gets_its_own_curve_and_never_a_users_file(tmp_path):
    """Issue: with sweep.lrs the curve files are SCALING_wWIDTH_lrLR_sSEED.csv; the runs got no curve, and a user's
    file under the name without _lr (SCALING_wWIDTH_sSEED.csv) became every lr's curve."""
    cfg = dict(TINY, train=dict(TINY["train"], log_every=1), scaling={"presets": ["ntk"], "reference_width": 8})
    sets = ["sweep.lrs=[1e-05, 0.1, 2]", "sweep.seeds=[0]", "sweep.widths=[8]"]
    out = tmp_path / "t"
    runs = widthlab.train(cfg, out=out, overrides=sets)
    assert sorted(p.name for p in (out / "curves").iterdir()) == [
        "ntk_w8_lr0.1_s0.csv", "ntk_w8_lr1e-05_s0.csv", "ntk_w8_lr2_s0.csv"]
    assert len(runs) == 3 and all(r["curve"]["step"] == [0, 1, 2, 3] for r in runs)
    for r in runs:
        assert r["curve"]["train_loss"][-1] == pytest.approx(r["train_loss"])
    assert len({r["curve"]["train_loss"][-1] for r in runs}) == 3  # three lrs, three curves
    (out / "curves" / "ntk_w8_s0.csv").write_text("step,train_loss\n0,99\n")  # the user's, not widthlab's
    again = widthlab.train(cfg, out=out, overrides=sets, resume=True)
    assert [r["curve"] for r in again] == [r["curve"] for r in runs]
    without_lrs = widthlab.train(cfg, out=tmp_path / "u", overrides=sets[1:])
    assert without_lrs[0]["curve"]["train_loss"][-1] == pytest.approx(without_lrs[0]["train_loss"])


def test_a_users_file_under_a_runs_curve_name_is_not_taken_for_its_curve(tmp_path):
    out = tmp_path / "t"
    cfg = dict(TINY, sweep={"widths": [8], "seeds": [0]}, scaling={"presets": ["ntk"], "reference_width": 8})
    runs = widthlab.train(dict(cfg, train=dict(cfg["train"], log_every=0)), out=out)
    assert "curve" not in runs[0] and not (out / "curves" / "ntk_w8_s0.csv").exists()
    (out / "curves").mkdir(exist_ok=True)
    (out / "curves" / "ntk_w8_s0.csv").write_text("step,train_loss\n0,99\n")
    again = widthlab.train(dict(cfg, train=dict(cfg["train"], log_every=0)), out=out, resume=True)
    assert "curve" not in again[0]


def test_convolutional_net_from_model_arch():
    """model.arch trains a layered net (width word d = each run's width; the readout dense(1) is appended)."""
    cnn = {**TINY, "model": {"depth": 1, "activation": "relu", "arch": "conv(3x3,same,d)-relu-gap",
                             "input_shape": "5,1,1"}}
    runs = widthlab.train(cnn)
    assert len(runs) == 2 * 2 * 2
    for r in runs:
        assert r["status"] == "ok"
        assert r["arch"] == f"conv(3x3,same,{r['width']})-relu-gap-dense(1)"
    with pytest.raises(ValueError, match="model.arch"):
        widthlab.train({**cnn, "model": {**cnn["model"], "arch": "conv(3x3,same,16)-relu-gap"}})


def test_train_net_is_the_sweep_run_with_its_parameters(tmp_path):
    # train_net trains the run `train` trains (same record and curve) and hands back θ_l, b_l and α_l that reproduce
    # its test logits through z_l = α_l (θ_l h + b_l) (mlp.h) in a plain numpy forward pass.
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    x_train, x_test = rng.standard_normal((16, 5)), rng.standard_normal((8, 5))
    for name, arr in (("X_train", x_train), ("X_test", x_test), ("y_train", np.sign(x_train[:, 0])),
                      ("y_test", np.sign(x_test[:, 0]))):
        np.save(tmp_path / f"{name}.npy", arr)
    cfg = dict(TINY, data={"dataset": "npy", "path": str(tmp_path), "standardize": "none", "train_size": 16,
                           "test_size": 8},
               model={"depth": 2, "activation": "relu", "bias": True})
    runs = {(r["scaling"], r["width"], r["seed"]): r for r in widthlab.train(cfg)}
    net = widthlab.train_net(cfg, scaling="mf", width=16, seed=1)
    same = runs[("mf", 16, 1)]
    for key in ("train_loss", "test_loss", "train_acc", "test_acc", "layer_lrs", "kernel_diag_final"):
        assert net[key] == same[key], key
    assert net["curve"] == same["curve"] and net["status"] == "ok"
    assert len(net["multipliers"]) == 3 and len(net["init_parameters"]["weights"]) == 3

    def forward(params):
        h = x_test
        for l, (w, b, a) in enumerate(zip(params["weights"], params["biases"], net["multipliers"])):
            z = a * (h @ w.T + b)
            h = np.maximum(z, 0) if l < 2 else z
        return h

    assert np.allclose(forward(net["final_parameters"]), net["test_logits"], rtol=1e-12, atol=1e-12)
    assert np.abs(forward(net["final_parameters"]) - forward(net["init_parameters"])).max() > 1e-3  # it trained
    with pytest.raises(ValueError, match="width 0: expected ≥ 1"):
        widthlab.train_net(cfg, width=0)
