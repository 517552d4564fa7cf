"""Configs as the public functions take them (``config=``: a dict, TOML text or a path) → what ``_core`` takes, and
:func:`to_toml`, the inverse of ``widthlab.config()`` (architecture.md §5)."""
import json
import math
import os
import re

# The keys a config dict may hold: TOML bare keys, as every key of architecture.md §5 is. Another key written
# unquoted would change the TOML's structure ("lr = 0.5\nsteps" would set train.lr).
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def config_source(cfg):
    """The ``config_path`` / ``config_toml`` keywords of a ``_core`` call for ``cfg`` (checked by _args.ConfigSource).

    A str is TOML text when it contains a newline or an '=' and names no existing path; any other str is a path,
    which must name a readable file ("missing[1].toml" is a file that cannot be opened, not a TOML error)."""
    if cfg is None:
        return {}
    if isinstance(cfg, dict):
        return {"config_toml": to_toml(cfg), "config_name": "<dict config>"}
    if isinstance(cfg, os.PathLike):
        return {"config_path": os.fspath(cfg)}
    if not isinstance(cfg, str):
        raise TypeError(f"config = {type(cfg).__name__}: expected None, a dict, TOML text or a path to a TOML file")
    if not cfg.strip():
        raise ValueError(f"config = {cfg!r}: expected TOML text or a path to a TOML file, not an empty str")
    if ("\n" in cfg or "=" in cfg) and not os.path.exists(cfg):
        return {"config_toml": cfg, "config_name": "<toml string>"}
    return {"config_path": cfg}


def toml_value(v, where):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x, where) for x in v) + "]"
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        return toml_value(v.tolist(), where)
    raise ValueError(f"{where} = {v!r}: expected a bool, number, string or list")


def to_toml(cfg):
    """A config dict ``{section: {key: value, subsection: {...}}}`` as TOML text (the inverse of ``config()``).

    A None value is refused rather than left out: leaving it out would also hide a misspelt key (``{"train": {"lrr":
    None}}`` would configure nothing and raise nothing); omit a key to get its default."""
    lines = []

    def table(name, d):
        for k in d:
            _check_key(name, k)
        scalars = [(k, v) for k, v in d.items() if not isinstance(v, dict)]
        tables = [(k, v) for k, v in d.items() if isinstance(v, dict)]
        if name and (scalars or not tables):
            lines.append(f"[{name}]")
        for k, v in scalars:
            where = f"{name}.{k}" if name else k
            if v is None:
                raise ValueError(f"{where} = None: expected a value; omit the key to use the default")
            lines.append(f"{k} = {toml_value(v, where)}")
        for k, v in tables:
            table(f"{name}.{k}" if name else k, v)

    if not isinstance(cfg, dict):
        raise ValueError(f"config: expected a dict of sections, got {type(cfg).__name__}")
    table("", cfg)
    return "\n".join(lines) + "\n"


def _check_key(table, key):
    """A TypeError for a key that is not a str, a ValueError for one that is not a TOML bare key."""
    where = f"in [{table}]" if table else "at the top level"
    if not isinstance(key, str):
        raise TypeError(f"config: key {key!r} {where}: expected a str")
    if not _BARE_KEY.fullmatch(key):
        raise ValueError(f"config: key {key!r} {where}: expected a config key (letters, digits, '_' and '-')")
