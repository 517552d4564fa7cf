"""Argument checks of the public functions (architecture.md §10: bad input is one line naming it and what was
expected; nothing silently ignored or coerced).

Every public function of ``widthlab`` is wrapped by :func:`checked`, which states a kind for each of its arguments
(and, for the keywords it passes on to ``_core``, each of those). Before the function runs, the wrapper refuses an
unknown keyword (``TypeError``, with a did-you-mean), a value of the wrong type (``TypeError``: ``1.7`` for an int,
``"False"`` or ``1`` for a bool, a str for a list) and, where the Python layer owns the range (``threads``,
``region``, ``bootstrap``, …), a value outside it (``ValueError``) — one line each: ``f(): name = value: expected …``.
Ranges that the C++ library checks (the CLI's flags) are left to it, so the message stays the CLI's word for word.
numpy integers count as ints and numpy bools as bools; ints are passed on as Python ints (pybind11 and the C++ side
see one type). Without these checks pybind11 answered a wrong keyword or type with its multi-line signature dump, and
``int()`` / ``bool()`` silently truncated 1.7 and read "False" as True.
"""
import difflib
import functools
import inspect
import math
import numbers
import operator
import os
import tomllib

import numpy

from ._config import toml_value

INT32 = 2**31 - 1
INT64 = 2**63 - 1


def brief(value):
    """repr(value) when it is one short line, else its type (a large array's repr spans many lines)."""
    text = repr(value)
    return text if len(text) <= 80 and "\n" not in text else f"<{type(value).__name__}>"


def _fail(error, fn, name, value, what):
    raise error(f"{fn}(): {name} = {brief(value)}: expected {what}")


class Any:
    """Checked elsewhere (arrays by the C++ bridge, configs by ``_config_source``, …): passed on as given."""

    def __call__(self, fn, name, value):
        return value


class Int:
    """An int (bool refused, numpy integers accepted) fitting a C int of ``limit``; ``lo`` / ``hi`` are checked here
    when given (else the C++ side checks the range and ``what`` only describes it). ``none``: what None means, when
    None is allowed."""

    def __init__(self, lo=None, hi=None, none=None, what=None, limit=INT32):
        self.lo, self.hi, self.none, self.limit = lo, hi, none, limit
        if what is None:
            what = ("an int" if lo is None and hi is None else f"an int ≥ {lo}" if hi is None else
                    f"an int ≤ {hi}" if lo is None else f"an int in [{lo}, {hi}]")
        self.what = what if none is None else f"None ({none}) or {what}"
        self.fast = (max(-limit - 1, lo if lo is not None else -limit - 1), min(limit, hi if hi is not None else limit))

    def __call__(self, fn, name, value):
        if type(value) is int and self.fast[0] <= value <= self.fast[1]:  # the common case, first (kernel's budget)
            return value
        if value is None and self.none is not None:
            return None
        if type(value) is not int and (isinstance(value, (bool, numpy.bool_)) or
                                       not isinstance(value, numbers.Integral)):
            _fail(TypeError, fn, name, value, self.what)
        v = operator.index(value)
        if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
            _fail(ValueError, fn, name, value, self.what)
        if not -self.limit - 1 <= v <= self.limit:  # the C type's bound, stated
            _fail(ValueError, fn, name, value, f"{self.what}, at most {self.limit}" if v > 0 else
                  f"{self.what}, at least {-self.limit - 1}")
        return v


class Bool:
    """True or False (numpy bools too); not a str, number or None — "False" and 0 would otherwise be read as a
    truth value. ``none``: what None means, when allowed."""

    def __init__(self, none=None):
        self.none = none
        self.what = "True or False" if none is None else f"True, False or None ({none})"

    def __call__(self, fn, name, value):
        if value is None and self.none is not None:
            return None
        if not isinstance(value, (bool, numpy.bool_)):
            _fail(TypeError, fn, name, value, self.what)
        return bool(value)


class Real:
    """A real number (int, float or numpy scalar; bool refused). Its range is the C++ side's to check."""

    what = "a number"

    def __call__(self, fn, name, value):
        if type(value) is float or (isinstance(value, numbers.Real) and not isinstance(value, (bool, numpy.bool_))):
            return value
        _fail(TypeError, fn, name, value, self.what)


class Str:
    """A str; ``none``: what None means, when allowed; ``what``: how to describe it."""

    def __init__(self, none=None, what="a str"):
        self.none = none
        self.what = what if none is None else f"None ({none}) or {what}"

    def __call__(self, fn, name, value):
        if isinstance(value, str):
            return _utf8(fn, name, value, "a str")
        if value is None and self.none is not None:
            return value
        _fail(TypeError, fn, name, value, self.what)


class Path:
    """A str or os.PathLike, or None (``none`` says what None means)."""

    def __init__(self, none):
        self.what = f"None ({none}) or a path (str or os.PathLike)"

    def __call__(self, fn, name, value):
        if value is None:
            return value
        if isinstance(value, (str, os.PathLike)):
            return _utf8(fn, name, value, "a path")
        _fail(TypeError, fn, name, value, self.what)


def _utf8(fn, name, value, kind):
    """A str or path the C++ side can take: UTF-8 (pybind11 raised a multi-line TypeError for anything else) and no NUL
    (a C string ends there: a path "a\\0b" created "a", a message stopped at it)."""
    text = os.fspath(value)
    try:
        text.encode("utf-8") if isinstance(text, str) else text.decode("utf-8")
    except UnicodeError:
        _fail(ValueError, fn, name, value, f"{kind} of valid UTF-8")
    if ("\0" if isinstance(text, str) else b"\0") in text:  # the system would end a path there ("a\0b" made "a")
        _fail(ValueError, fn, name, value, f"{kind} without NUL characters")
    return value


class ConfigSource:
    """A config: None (the built-in default), a dict, TOML text or a path (str or os.PathLike). An empty str is
    refused: it names no file, and as TOML text it would silently be the built-in default."""

    what = "None (the built-in default), a dict, TOML text or a path to a TOML file"

    def __call__(self, fn, name, value):
        if value is None or isinstance(value, dict):
            return value
        if isinstance(value, os.PathLike):
            return _utf8(fn, name, value, "a path")
        if not isinstance(value, str):
            _fail(TypeError, fn, name, value, self.what)
        if not value.strip():
            _fail(ValueError, fn, name, value, "TOML text or a path to a TOML file, not an empty str")
        return _utf8(fn, name, value, "TOML text or a path")


class Preset:
    """classify's preset: None, a name, alias or "custom:..." spec, or a (q_sigma, q_lr[, q_lr_in]) tuple or list of
    numbers or fraction strings (the C++ side parses them)."""

    what = ("None, a preset name, a 'custom:...' spec or a (q_sigma, q_lr[, q_lr_in]) tuple of numbers or fraction "
            "strings")

    def __call__(self, fn, name, value):
        if value is None:
            return None
        if isinstance(value, str):
            if not value.strip():
                _fail(ValueError, fn, name, value, "a preset name, a 'custom:...' spec or a tuple, not an empty str")
            return _utf8(fn, name, value, "a preset name or spec")
        if not isinstance(value, (tuple, list)) or not all(_is_fraction(q) for q in value):
            _fail(TypeError, fn, name, value, self.what)
        return value


def _is_fraction(q):
    return isinstance(q, str) or (isinstance(q, numbers.Real) and not isinstance(q, (bool, numpy.bool_)))


class Fraction:
    """None, a real number or a str such as "-3/4" (Golikov's exponents; the C++ side parses it)."""

    what = "None, a number or a fraction string such as '-3/4'"

    def __call__(self, fn, name, value):
        if value is None or isinstance(value, str):
            return value
        return Real.__call__(self, fn, name, value)


class Overrides:
    """A list (or tuple) of "key.path=value" strings, as --set; a lone str is refused (it is not a list of one)."""

    def __call__(self, fn, name, value):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{fn}(): {name}: expected a list of 'key=value' strings, got {type(value).__name__}")
        for item in value:
            if not isinstance(item, str):
                raise TypeError(f"{fn}(): {name}: expected a list of 'key=value' strings, got an item {item!r}")
        return list(value)


class Progress:
    """None or False (silent), True (the CLI's progress line on stderr) or a callable. False becomes None: _core's
    ProgressScope would otherwise show the line whenever stderr is a terminal."""

    def __call__(self, fn, name, value):
        if value is None or isinstance(value, (bool, numpy.bool_)):
            return True if value else None
        if callable(value):
            return value
        _fail(TypeError, fn, name, value, "None, True, False or a callable progress(label, done, total, note)")


class Get:
    """neural-tangents' ``get``: "nngp" or "ntk", or a non-empty tuple of them without repeats; None when allowed."""

    NAMES = ("nngp", "ntk")
    what = "'nngp', 'ntk' or a non-empty tuple of them"

    def __init__(self, none=None):
        self.none = none

    def __call__(self, fn, name, value):
        if value is None and self.none is not None:
            return None
        if isinstance(value, str):
            items, one = [value], True
        elif isinstance(value, (list, tuple)):
            items, one = list(value), False
        else:
            _fail(TypeError, fn, name, value, self.what)
        if not items:
            _fail(ValueError, fn, name, value, "one or more of 'nngp', 'ntk'")
        for g in items:
            if not isinstance(g, str) or g not in self.NAMES or items.count(g) > 1:
                _fail(ValueError, fn, name, value, self.what)
        return value if one else tuple(items)


def refuse_keyword_conflicts(fn, overrides, **keywords):
    """A ValueError (one line naming both) when an override gives a config key another value than a keyword that
    stands for it — ``keywords``: name=(key, value), value None when not given — as the CLI refuses ``--set
    study.threads=2`` beside ``--threads 1``: applied in order, the later would win silently. The same value in both
    is fine (compared as TOML values, as the CLI does: 2 and 2.0 differ)."""
    for name, (key, value) in keywords.items():
        if value is None:
            continue
        for item in overrides:
            set_key, eq, text = item.partition("=")
            if eq and set_key.strip() == key and not _same(_override_value(text), value):
                raise ValueError(f"{fn}(): overrides {item!r}: {name} = {value!r} sets {key} = "
                                 f"{toml_value(value, key)}; expected the key given once, or the same value in both")


def keyword_overrides(fn, overrides, **keywords):
    """``overrides`` after the ``key=value`` strings of the keywords given (see refuse_keyword_conflicts), as the CLI
    applies --threads, --device, … before the --set ones; a conflicting override is refused."""
    refuse_keyword_conflicts(fn, overrides, **keywords)
    sets = [f"{key}={toml_value(value, key)}" for key, value in keywords.values() if value is not None]
    return sets + list(overrides)


def _override_value(text):
    """An override's value as the C++ side reads it: TOML, else (a bare word) the text itself."""
    text = text.strip()
    try:
        parsed = tomllib.loads("v = " + text)
    except tomllib.TOMLDecodeError:
        return text
    return parsed["v"] if list(parsed) == ["v"] else text


def _same(a, b):
    return type(a) is type(b) and a == b


def unexpected_keyword(fn, name, known):
    """Python's own message, plus the closest valid name or the list of them."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (expected one of: {', '.join(sorted(known))})"
    return f"{fn}() got an unexpected keyword argument {name!r}{hint}"


def checked(**kinds):
    """Wraps a public function so that its arguments are checked by their kinds before it runs. Every named
    parameter must have a kind (``Any()`` where another layer checks it); a function with ``**options`` passes on
    exactly the keywords given a kind beyond its parameters. The wrapper keeps the function's name, docstring and
    signature (functools.wraps)."""

    def wrap(f):
        params = inspect.signature(f).parameters.values()
        named = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        options = any(p.kind is p.VAR_KEYWORD for p in params)
        missing = set(named) - set(kinds)
        extra = set(kinds) - set(named) if not options else set()
        assert not missing and not extra, f"{f.__name__}: kinds missing for {missing}, unknown {extra}"
        fn = f.__name__
        by_position = [None if isinstance(kinds[n], Any) else kinds[n] for n in positional]
        by_name = {n: None if isinstance(k, Any) else k for n, k in kinds.items()}
        check_positional = any(by_position)

        @functools.wraps(f)
        def call(*args, **kwargs):
            if check_positional:
                args = [a if k is None else k(fn, n, a) for a, k, n in zip(args, by_position, positional)] + \
                    list(args[len(positional):])
            for name, value in kwargs.items():
                if name not in by_name:
                    raise TypeError(unexpected_keyword(fn, name, by_name))
                kind = by_name[name]
                if kind is not None:
                    kwargs[name] = kind(fn, name, value)
            return f(*args, **kwargs)

        call.argument_kinds = dict(kinds)  # for the tests: every keyword passed on to _core has a kind
        return call

    return wrap


def _closed_form_loss(loss):
    """``loss`` (a name or an alias) has a closed-form gradient flow (the loss registry's ``closed_form``, as the CLI's
    predict reads it): its prediction is the GP mean at every t and reads no lr at t = ∞, no seed, no GP sample."""
    from . import _core
    return any(row["closed_form"] and loss in [row["name"], *row["aliases"]] for row in _core.losses())


def refuse_unread_network_keywords(fn, options, time=None, ntk=True):
    """Keywords the kernel or the prediction would not read are refused, as the CLI refuses the same flags
    (apps/widthlab/kernel_flags.cpp, predict.cpp): ``width`` with the ntk parameterization (its kernels have no width,
    theory.md §3.8) or with kernel="nngp" (the NNGP has no width), and ``lr`` at t = ∞ with mse (f*(∞) involves no
    step size), ``diag_reg_absolute_scale`` with diag_reg 0 (nothing to scale). ``time``: the prediction's time (math.inf for t = ∞), None for a kernel; ``ntk``: whether the NTK is
    computed (the standard parameterization's NNGP has no width either)."""
    if "width" in options and not ntk:
        raise ValueError(f"{fn}(): width = {options['width']!r}: only read by the standard parameterization's NTK, "
                         "which this call does not compute")
    if "width" in options and options.get("parameterization", "ntk") == "ntk":
        raise ValueError(f"{fn}(): width = {options['width']!r}: only used with parameterization='standard' (the ntk "
                         "parameterization's kernels have no width)")
    if "width" in options and options.get("kernel") == "nngp":
        raise ValueError(f"{fn}(): width = {options['width']!r}: not used with kernel='nngp' (the NNGP has no width; "
                         "theory.md §3.8)")
    if options.get("diag_reg_absolute_scale") and options.get("diag_reg", 0.0) == 0:
        raise ValueError(f"{fn}(): diag_reg_absolute_scale = True: not used with diag_reg = 0 (no regularizer to "
                         "scale); give diag_reg > 0 or leave diag_reg_absolute_scale out")
    if time == math.inf and "lr" in options and _closed_form_loss(options.get("loss", "mse")):
        raise ValueError(f"{fn}(): lr = {options['lr']!r}: not used at t = inf (the t = ∞ prediction does not depend "
                         "on the step size); give a finite t or leave lr out")
