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
