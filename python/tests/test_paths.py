"""Paths and config text the C++ side cannot take (not UTF-8) are refused with the one-line ValueError of every other
bad argument, naming the argument; pybind11 raised a multi-line TypeError listing the binding's signature."""
import pathlib

import pytest

import widthlab

BAD = "/tmp/widthlab-\udcff"  # a lone surrogate: what os.fsdecode gives for a non-UTF-8 byte


@pytest.mark.parametrize("call,name", [
    (lambda: widthlab.train({"sweep": {"widths": [8], "seeds": [0]}}, out=BAD), "train(): out = "),
    (lambda: widthlab.train({"sweep": {"widths": [8], "seeds": [0]}}, out=pathlib.Path(BAD)), "train(): out = "),
    (lambda: widthlab.study(pathlib.Path(BAD)), "study(): config = "),
    (lambda: widthlab.limit(BAD), "limit(): config = "),
    (lambda: widthlab.reproduce("nguyen2019-gaussians", out=BAD), "reproduce(): out = "),
    (lambda: widthlab.reproduce("nguyen2019-gaussians", data=BAD), "reproduce(): data = "),
])
def test_a_path_that_is_not_utf8_is_one_line_value_error(call, name):
    with pytest.raises(ValueError) as e:
        call()
    message = str(e.value)
    assert message.startswith(name) and "valid UTF-8" in message and "\n" not in message, message


@pytest.mark.parametrize("call,message", [
    (lambda out: widthlab.train({"sweep": {"widths": [8], "seeds": [0]}}, out=str(out / "a\0b")),
     "train(): out = '{}': expected a path without NUL characters"),
    (lambda out: widthlab.reproduce("x\0y"), "reproduce(): name = 'x\\x00y': expected a str without NUL characters"),
    (lambda out: widthlab.classify("m\0f"), "classify(): preset = 'm\\x00f': expected a preset name or spec without NUL"),
    (lambda out: widthlab.train({"data": {"dataset": "npy", "path": str(out / "a\0b")}}, out=out / "o"),
     "data.path = "),
])
def test_a_nul_character_is_refused_before_anything_is_written(tmp_path, call, message):
    """Audit: out="DIR/a\\0b" created DIR/a (the system ends a C string there) and then failed; a name with a NUL gave
    a message cut at it ("scaling = 'm"). Refused up front, naming the argument or key, nothing created."""
    with pytest.raises(ValueError) as e:
        call(tmp_path)
    expected = message.format(f"{tmp_path}/a\\x00b") if "{}" in message else message
    assert expected in str(e.value), str(e.value)
    assert list(tmp_path.iterdir()) == []
