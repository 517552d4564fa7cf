"""widthlab.config: dicts, TOML text and files resolve like --config/--set."""
import widthlab


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
