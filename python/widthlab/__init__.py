"""widthlab — infinite-width limits of neural networks, from Python (DESIGN §2, STYLE 17).

A thin layer over the compiled ``widthlab._core``: numpy arrays in, numpy arrays / dicts out, the same names and
defaults as the CLI and the TOML config. Bad input raises ``ValueError`` with the CLI's one-line message.
"""
from . import _core

__version__ = _core.__version__


def activations():
    """The activation registry: a list of ``{"name", "parameter", "description"}`` dicts."""
    return _core.activations()


__all__ = ["__version__", "activations"]
