"""widthlab — infinite-width limits of neural networks, from Python (architecture.md §2, STYLE 17).

A thin layer over the compiled ``widthlab._core``: numpy arrays in, numpy arrays / dicts out, the same names and
defaults as the CLI and the TOML config (architecture.md §4, §5). Bad input raises ``ValueError`` carrying the one-line
message the CLI prints (``widthlab VERB: <message>``, exit code 2).

Configs (``config=`` arguments) are a dict ``{"train": {"lr": 0.1}, ...}`` (sections and keys of architecture.md §5, missing
keys take their defaults), TOML text, or a path to a TOML file; ``overrides`` are ``"key.path=value"`` strings, as
``--set``.

Every function checks its arguments before it runs (``_args.py``): an unknown keyword or a value of the wrong type
(1.7 for an int, "False" for a bool, a str for ``overrides``) is a one-line ``TypeError``, a value outside the range
this layer owns a one-line ``ValueError``.
"""
import csv
import json
import math
import os
import tempfile
import tomllib
import warnings

from . import _core
from ._args import Any, Bool, ConfigSource, Fraction, Get, Int, Overrides, Path, Preset, Progress, Real, Str, checked
from ._args import INT64, _closed_form_loss, brief as _brief, keyword_overrides as _keyword_overrides
from ._args import refuse_keyword_conflicts as _refuse_keyword_conflicts
from ._args import refuse_unread_network_keywords as _refuse_unread
from ._config import config_source as _config_source, to_toml as _to_toml

__version__ = _core.__version__


@checked()
def activations():
    """The activation registry: a list of ``{"name", "parameter", "description"}`` dicts."""
    return _core.activations()


@checked()
def losses():
    """The loss registry: a list of ``{"name", "aliases", "description", "closed_form", "saturates"}`` dicts
    (``closed_form``: the kernel's gradient flow has a closed form, so predict needs no steps, seed or GP sample;
    ``saturates``: the loss has the L_inf limit that diverging-logit limit models use, theory.md §3.1)."""
    return _core.losses()


@checked()
def scaling_presets():
    """The scaling preset registry: a list of ``{"name", "aliases", "parameter", "description"}`` dicts."""
    return _core.scaling_presets()


@checked()
def provenance():
    """What this process would record in an output directory's ``provenance.jsonl``: widthlab's version and git
    commit, build, compiler, the OpenBLAS kernel chosen for this CPU, oneDNN, the CUDA status, the CPU, hardware
    threads, the thread/kernel environment variables and ``command`` (``["python", *sys.argv]``) — for notebooks that
    log where their numbers came from."""
    return _core.provenance()


# What the public functions share: the source of the grid's config, its --set strings and the output directory.
_CONFIG = dict(config=ConfigSource(), overrides=Overrides())
_MAX_THREADS = _core.MAX_THREADS  # the CLI's --threads bound and study.threads' (kMaxThreads)
_THREADS = Int(lo=0, hi=_MAX_THREADS, none="the config's study.threads",
               what=f"an int in [0, {_MAX_THREADS}] (0 = all cores)")
_RUN_DIR = dict(out=Path(none="a temporary directory, removed afterwards"), resume=Bool(), force=Bool(),
                progress=Progress())
# The network of kernel() and predict() (their C++ side, network_args.h, checks the values, as the CLI does).
_NETWORK = dict(depth=Int(none="arch= gives the net", what="an int ≥ 1"), activation=Str(none="arch= gives the net"),
                parameterization=Str(), W_std=Real(), b_std=Real(), width=Real(), arch=Any(), input_shape=Any(),
                device=Str())


@checked(x1=Any(), x2=Any(), precision=Str(), nngp=Bool(), ntk=Bool(), threads=Int(), block=Int(limit=INT64),
         get=Get(none="nngp= and ntk= decide"), **_NETWORK)
def kernel(x1, x2=None, **options):
    # A thin wrapper for the argument checks (its docstring is _core.kernel's, python/src/bind_kernel.cpp): about
    # 1.5 µs per call, ≈ 2 % of a 100 × 100 kernel (bench/RESULTS.md, "Python-call overhead").
    get = options.get("get")
    ntk = ("ntk" in ((get,) if isinstance(get, str) else get)) if get is not None else options.get("ntk", True)
    _refuse_unread("kernel", options, ntk=ntk)
    return _core.kernel(x1, x2, **options)


kernel.__doc__ = _core.kernel.__doc__


@checked(x_train=Any(), y_train=Any(), x_test=Any(), t=Any(), get=Get(none="kernel= decides"), loss=Str(), lr=Real(),
         diag_reg=Real(), diag_reg_absolute_scale=Bool(), cov=Bool(), kernel=Str(), seed=Int(lo=0, limit=2**64 - 1),
         init_sample=Bool(), **_NETWORK)
def predict(x_train, y_train, x_test, *, depth=None, activation=None, t=None, get=None, **options):
    """Predictions of the infinite-width net on x_test (theory.md §3.2; ``widthlab predict``), in neural-tangents' forms.

    ``depth`` and ``activation`` are required, as the CLI's --depth and --activation, unless ``arch=`` gives an
    architecture instead (e.g. ``arch="conv(3,same,64)-relu-gap-dense(1)"``, as ``widthlab.kernel``; x_train and x_test
    may then be (N, H, W, C) images, or rows with ``input_shape=(H, W, C)``). ``t``: None or "inf" (the
    t = ∞ solution), a number of gradient-descent steps, or an array of them — then every array in the result gains a
    leading time axis (one prediction per time; each time is solved on its own). ``get``: "ntk" or "nngp" (the kernel
    that drives training; the same as ``kernel=``), or a tuple of them — then the result is a dict keyed by kernel.
    Other keywords: see ``widthlab._core.predict`` (parameterization, W_std, b_std, width, loss, lr, diag_reg,
    diag_reg_absolute_scale, cov, kernel, seed, init_sample, arch, input_shape).

    Returns {"mean": (m, k), "cov": (m, m) with cov=True, "summary": {...}} (per time and per kernel as above).
    """
    unused = [k for k in ("seed", "init_sample") if k in options]
    if _closed_form_loss(options.get("loss", "mse")) and unused:  # as the CLI: mse (or an alias) does not read
        raise ValueError(f"{unused[0]}: only used with loss='logistic' or 'cross-entropy' (their function-space GD "
                         "starts from a GP sample); mse predicts the GP mean and needs no seed")
    if "seed" in options and options.get("init_sample", True) is False:  # as the CLI: GD from 0 draws nothing
        raise ValueError("seed: seeds the GP sample that init_sample=False turns off; expected one of them")
    if isinstance(get, tuple):
        return {g: predict(x_train, y_train, x_test, depth=depth, activation=activation, t=t, get=g, **options)
                for g in get}
    if get is not None:
        if "kernel" in options and options["kernel"] != get:
            raise ValueError(f"get = {get!r} and kernel = {options['kernel']!r}: give one of them")
        options["kernel"] = get
    times = _times(t)
    each = times if isinstance(times, list) else [math.inf if times is None else times]
    _refuse_unread("predict", options, time=math.inf if all(ti == math.inf for ti in each) else None)
    if not isinstance(times, list):  # one time (None: the default, t = ∞)
        if times is not None:
            options["t"] = times
        return _core.predict(x_train, y_train, x_test, depth=depth, activation=activation, **options)
    runs = [_core.predict(x_train, y_train, x_test, depth=depth, activation=activation, t=ti, **options)
            for ti in times]
    out = {key: _np().stack([r[key] for r in runs]) for key in runs[0] if key != "summary"}
    out["summary"] = [r["summary"] for r in runs]
    return out


def _np():
    import numpy
    return numpy


_TIMES = "None or 'inf' (t = ∞), a number of steps ≥ 0, or a 1-D array of them"


def _times(t):
    """None (t = ∞, the default), one float, or a list of floats for an array of times. A bool is refused (True is
    not one step), and any other type is a TypeError naming ``t``."""
    if t is None:
        return None
    if isinstance(t, str):
        if t.strip().lower() in ("inf", "infinity", "∞"):
            return math.inf
        raise ValueError(f"predict(): t = {t!r}: expected {_TIMES}")
    np = _np()
    if isinstance(t, (bool, np.bool_)) or (isinstance(t, (list, tuple)) and
                                           any(isinstance(x, (bool, np.bool_)) for x in t)):
        raise TypeError(f"predict(): t = {_brief(t)}: expected {_TIMES}, not a bool")
    try:
        raw = np.asarray(t)
        arr = raw.astype(float)
    except (TypeError, ValueError) as e:
        raise type(e)(f"predict(): t = {_brief(t)}: expected {_TIMES}") from None
    if raw.dtype.kind == "b":
        raise TypeError(f"predict(): t = {_brief(t)}: expected {_TIMES}, not bools")
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"predict(): t: expected a scalar or a 1-D array of times, got shape {arr.shape}")
    return [float(x) for x in arr]


@checked(x=Any(), width=Int(none="the config's first sweep.widths", what="an int ≥ 1"),
         seed=Int(none="the config's first sweep.seeds", what="an int ≥ 0", limit=INT64),
         scaling=Str(none="the config's first scaling"), trained=Bool(), weighting=Str(),
         output=Int(what="a logit index ≥ 0, or -1"), **_CONFIG)
def empirical_ntk(config=None, x=None, width=None, seed=None, scaling=None, trained=False, weighting="lr", output=-1,
                  overrides=()):
    """Empirical NTK of a finite net of the config (theory.md §3.8, §6.3 R21; ``widthlab ntk-empirical``).

    The net is the config's run for ``scaling`` / ``width`` / ``seed`` (default: the first of the config's scalings,
    sweep.widths and sweep.seeds; a scaling not in the config is built as a preset), dense or convolutional
    (``model.arch``), at init or — ``trained=True`` — after the config's [train] run (same init, batches, optimizer
    and IC-MF offsets as ``train``). The kernel is evaluated on the config's test inputs or on ``x`` (an
    (N, input_dim) array; for a conv net input_dim = H·W·C, channels fastest, the npy row layout). ``weighting``
    (the CLI's --normalization): "lr" (each layer's θ_l and b_l gradients weighted by its learning rate,
    ``train_net``'s ``layer_lrs``: Golikov's kernel), "plain" (the gradient in the stored parameters) or "nt"
    (neural-tangents' Θ: the same net in NTK parameterization, which tends to :func:`kernel` with W_std = the net's
    effective σ; needs model.bias = false); ``output``: a logit index, or -1 for the mean of the outputs' kernels
    Θ_oo. For ic-mf it is the kernel of f(θ) alone (the frozen offset has no gradient; theory.md §8.3).

    Returns the (N, N) kernel as a numpy array of the config's train.precision — the numbers the CLI writes to
    entk.npy for the same config and flags. Raises RuntimeError when the training run diverges.
    """
    return _core.empirical_ntk(x=x, width=width, seed=seed, scaling=scaling or "", trained=trained,
                               weighting=weighting, output=output, overrides=overrides,
                               **_config_source(config))


@checked(preset=Preset(), q_sigma=Fraction(), q_lr=Fraction(), q_lr_out=Fraction(),
         depth=Int(none="the config's, else 1", what="an int ≥ 1"),
         activation=Str(none="the config's, else leaky_relu:0.1"), optimizer=Str(none="the config's, else gd"),
         **_CONFIG)
def classify(preset=None, q_sigma=None, q_lr=None, q_lr_out=None, depth=None, activation=None, optimizer=None,
             config=None, overrides=()):
    """Classify a scaling's infinite-width limit (theory.md §2; ``widthlab classify``).

    Exactly one of ``preset`` (name, alias, a ``(q_sigma, q_lr[, q_lr_in])`` tuple — of numbers or of strings such
    as "-3/4" — or a "custom:..." spec), ``q_sigma`` + ``q_lr`` (+ ``q_lr_out``; Golikov's exponents, theory.md §1.3;
    numbers or fraction strings) or ``config`` (every scaling it names). ``depth`` (default 1), ``activation``
    (default "leaky_relu:0.1") and ``optimizer`` (default "gd") override the config's values (an ``overrides`` entry
    giving the same key another value is refused, as on the CLI).

    Returns the CLI's JSON object as a dict: ``A``, ``B``, ``C``, ``stable``, ``regime``, ``region``, ``model``,
    ``finite_init_logits``, ``finite_kernel``, ``feature_learning`` and the extras; for a config, a list of them,
    one per scaling.
    """
    _refuse_keyword_conflicts("classify", overrides, depth=("model.depth", depth),
                              activation=("model.activation", activation), optimizer=("train.optimizer", optimizer))
    if isinstance(preset, (tuple, list)):
        preset = "(" + ", ".join(str(q) for q in preset) + ")"
    q_sigma, q_lr, q_lr_out = (None if q is None else str(q) for q in (q_sigma, q_lr, q_lr_out))
    return _core.classify(preset="" if preset is None else preset, q_sigma=q_sigma, q_lr=q_lr, q_lr_out=q_lr_out,
                          depth=depth, activation=activation or "", optimizer=optimizer or "",
                          overrides=overrides, **_config_source(config))


@checked(source=ConfigSource(), overrides=Overrides(), as_toml=Bool())
def config(source=None, overrides=(), as_toml=False):
    """The resolved, validated config (defaults filled in) as a dict with architecture.md §5's sections and keys, or as TOML
    text with ``as_toml=True``. ``source``: None (the built-in default), a dict (its keys are config keys: letters,
    digits, '_' and '-'), TOML text or a path (str or os.PathLike). A str is TOML text when it contains a newline or
    an '=' and names no existing path; any other str is a path to a TOML file, which must exist; an empty str is
    refused. The same holds for every function's ``config=``."""
    return _core.config(overrides=overrides, as_toml=as_toml, **_config_source(source))


@checked(threads=_THREADS, **_CONFIG, **_RUN_DIR)
def train(config=None, out=None, overrides=(), threads=None, resume=False, force=False, progress=None):
    """Finite-width runs over the config's widths x seeds x scalings grid (``widthlab train``; architecture.md §4).

    Writes ``out/runs.jsonl``, ``out/curves/*.csv`` and ``out/config.toml`` like the CLI, by the CLI's rules
    (``out`` must be new or empty unless ``resume`` — skip the runs already there; the config must be the one they
    were made with — or ``force`` — replace the results widthlab wrote there; other files are never touched);
    without ``out`` the runs go to a temporary directory that is removed afterwards. ``threads``: None = the config's
    study.threads, 0 = all cores (it sets study.threads, as --threads: an ``overrides`` entry giving that key another
    value is refused). ``progress``: None (silent), True (the CLI's progress line on stderr) or a callable
    ``progress(label, done, total, note)`` called after each run.

    Returns the runs as a list of dicts with the runs.jsonl keys (``scaling``, ``width``, ``seed``, ``depth``,
    ``optimizer``, ``lr``, ``steps``, ``status``, ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc``,
    ``seconds`` and the extras), each with its per-step ``curve`` (a dict of lists: ``step``, ``train_loss``, …, the
    columns of its own curves/*.csv — SCALING_wWIDTH_sSEED.csv, or SCALING_wWIDTH_lrLR_sSEED.csv with sweep.lrs)
    when the config saves curves. Raises RuntimeError when runs failed (their errors are in ``out/errors.jsonl``).
    """
    overrides = _keyword_overrides("train", overrides, threads=("study.threads", threads))
    kwargs = dict(overrides=overrides, threads=-1 if threads is None else threads, mode=_output_mode(resume, force),
                  progress=progress, **_config_source(config))
    if out is None:
        with tempfile.TemporaryDirectory(prefix="widthlab-train-") as tmp:
            return _with_curves(_core.train(os.path.join(tmp, "out"), **kwargs), os.path.join(tmp, "out"))
    return _with_curves(_core.train(os.fspath(out), **kwargs), os.fspath(out))


@checked(scaling=Str(none="the config's first scaling"),
         width=Int(none="the config's first sweep.widths", what="an int ≥ 1"),
         seed=Int(none="the config's first sweep.seeds", what="an int ≥ 0", limit=INT64), **_CONFIG)
def train_net(config=None, scaling=None, width=None, seed=None, overrides=()):
    """One run of the config's grid with its parameters: the net ``widthlab train`` trains for ``scaling`` /
    ``width`` / ``seed`` (default: the first of the config's scalings, sweep.widths and sweep.seeds; a scaling not in
    the config is built as a preset), trained the same way (same init, batches, optimizer), nothing written.

    Returns a dict: the runs.jsonl record's keys (``scaling``, ``width``, ``seed``, ``status``, ``train_loss``, …),
    ``curve`` (a dict of lists, the columns of curves/*.csv, when the config saves curves), ``multipliers`` (α_l,
    l = 0..H), ``layer_lrs`` (the learning rate of θ_l and b_l), ``init_parameters`` and ``final_parameters``
    (``{"weights": [θ_l], "biases": [b_l]}``: raw float64 arrays, θ_l of shape (fan_out, fan_in) like torch's
    ``nn.Linear.weight``; ``final_parameters`` is None when the run diverged),
    ``test_logits`` ((m, k), None when diverged) and ``batches`` (per planned step, the int array of the training
    examples it uses: the identity for full batch, else mini-batches of a permutation drawn anew every epoch, the
    last batch of an epoch short; theory.md §6.0). Layer l computes z_l = α_l (θ_l h + b_l), so α_l θ_l is its
    effective weight (theory.md §1.2).
    """
    return _core.train_net(scaling=scaling or "", width=width, seed=seed, overrides=overrides,
                           **_config_source(config))


def _with_curves(runs, out):
    """Each run dict gains its curve from its own out/curves/STEM.csv: the file widthlab wrote for that run (listed
    in the directory's manifest; never a user's file under a similar name)."""
    swept = _swept_lrs(out)
    for r in runs:
        stem = _core.run_stem(str(r["scaling"]), r["width"], r["seed"], float(r["lr"]) if swept else None)
        path = os.path.join(out, "curves", stem + ".csv")
        if _core.listed_output(path) and os.path.isfile(path):
            with open(path, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            r["curve"] = {k: [_number(row[k]) for row in rows] for k in (rows[0] if rows else {})}
    return runs


def _swept_lrs(out):
    """Whether out/config.toml, the config the runs were made with, sweeps lrs (sweep.lrs): then the stems carry
    the run's lr."""
    path = os.path.join(out, "config.toml")
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as f:
        return bool(tomllib.load(f).get("sweep", {}).get("lrs"))


@checked(threads=_THREADS, plots=Bool(none="the config's study.plots"), **_CONFIG, **_RUN_DIR)
def study(config=None, out=None, overrides=(), threads=None, resume=False, force=False, plots=None, progress=None):
    """The main job (``widthlab study``; architecture.md §1, §4, §8): the finite sweep, the d = ∞ limits, distances, fitted
    convergence rates, report and plots, in ``out`` (same rules as :func:`train`; without ``out`` a temporary
    directory, removed afterwards — then ``report`` is its text rather than a path). ``plots``: None = the config's
    study.plots; True or False sets study.plots for this call. ``threads``: as for :func:`train`; an ``overrides``
    entry giving study.threads or study.plots another value than ``threads`` or ``plots`` is refused.
    ``progress``: as for :func:`train`.

    Without ``config``, the built-in default study of ``widthlab study`` without --config: the default config
    reduced to fit about 10 minutes on 2 cores (widths to 2048, 8192 MF particles, 3 limit seeds; ``overrides`` win
    over these), said in ``summary["notes"]`` and the report; pass ``"configs/default.toml"`` for the full grid.

    Returns a dict: ``summary`` (counts, seconds, errors, ``brief``, ``notes``), ``runs`` (runs.jsonl lines), ``limits``
    (limits.jsonl lines), ``rates`` (rates.json), ``distances`` (distances.csv rows as dicts; an empty cell, where a
    distance does not apply, is None), ``report`` (path of report.md, or its text), ``out``.
    """
    overrides = _keyword_overrides("study", overrides, threads=("study.threads", threads),
                                   plots=("study.plots", plots))
    kwargs = dict(overrides=overrides, threads=-1 if threads is None else threads, mode=_output_mode(resume, force),
                  plots=plots, progress=progress, **_config_source(config))
    return _in_out_dir(out, "study", lambda d: _core.study(d, **kwargs), _study_files)


@checked(model=Str(none="the config's scalings decide"),
         region=Int(lo=1, hi=13, none="the config's scalings decide", what="an int in [1, 13] (theory.md §2.2)"),
         progress=Progress(), **_CONFIG)
def limit(config=None, model=None, region=None, overrides=(), progress=None):
    """Simulate d = ∞ limit models on the config's data (``widthlab limit``; theory.md §3): ``model`` (a name of
    ``widthlab limit --help``: mf, ntk, sym-default, ic-mf, …) or ``region`` (1..13, theory.md §2.2) picks one;
    otherwise the limit that each of the config's scalings reaches (its region's model, IC-MF for ic-mf, the
    multilayer MF particle system for mf at depth >= 2, with the config's depth and optimizer) whose model
    limits.compute lists — scalings without a simulated limit are left out with a ``UserWarning`` saying why, and a
    ``ValueError`` says why when none is left. Seeds, particles and training are the config's
    (limits.seeds, limits.mf_particles, [train]); nothing is written.

    Returns a list of dicts, one per model and limit seed — the lines ``widthlab limit`` writes to limit.jsonl:
    ``model``, ``region``, ``state`` (particles | kernel), ``rule_first`` / ``rule_later``, ``seed``, the options,
    ``status``, train/test loss and accuracy, ``curve`` (a dict of lists), ``test_logits`` (a numpy (m, k) array of
    the normalised test logits; (0, 0) for a seed whose ``status`` is "diverged"), ``test_classes``, ``selected_by``,
    ``seconds``.

    ``region=`` runs that region's model with the config's d*, lr, steps and seeds and both layers' kernel terms (the
    normalised models do not depend on the region's example point); a scaling whose layers have unequal lr exponents
    keeps only the dominant layer's term (limit_run.h, LimitOptions). A GP sample g, where the model uses one, is one
    joint draw on the training and test inputs (theory.md §3.2).
    """
    if model is not None and region is not None:
        raise ValueError("model and region: expected at most one of them")
    result = _core.limit(model=model or "", region=0 if region is None else region, overrides=overrides,
                         progress=progress, **_config_source(config))
    for why in result["skipped"]:
        warnings.warn(f"widthlab.limit: skipped {why}", stacklevel=3)  # the caller, above the argument checks
    for r in result["records"]:
        if isinstance(r.get("test_logits"), list):  # limit.jsonl: m numbers for one logit, else m lists of k
            logits = _np().asarray(r["test_logits"], dtype=float)  # [] for a diverged seed
            r["test_logits"] = logits.reshape(len(logits), -1) if logits.size else _np().empty((0, 0))
    return result["records"]


@checked(threads=_THREADS, plots=Bool(none="the config's study.plots"), bootstrap=Int(what="an int in [0, 1000000]"),
         coord_steps=Int(what="an int in [1, 1000]", none="min(3, train.steps), as the CLI"), **_CONFIG, **_RUN_DIR)
def transfer(config=None, out=None, overrides=(), threads=None, resume=False, force=False, plots=None, bootstrap=1000,
             coord_steps=None, progress=None):
    """Will the learning rate transfer across width? (``widthlab transfer``; theory.md §10.) Trains the grid widths x
    sweep.lrs x seeds per scaling, finds the optimal lr per width with a seed-bootstrap interval, fits its exponent vs
    width and judges it against the classifier's prediction e* = -max(B, C) +- 0.25; a coordinate check after
    t = 1..``coord_steps`` steps (None: min(3, train.steps); at most train.steps) gets fitted exponents and verdicts
    too. ``config``: as for :func:`train`, with
    sweep.lrs (>= 3) and >= 2 widths; None = the default configs/transfer.toml. ``out``, ``resume``, ``force``,
    ``threads``, ``plots``, ``progress``: as for :func:`study`. ``bootstrap``: resamples of the intervals.

    Returns a dict: ``summary`` (run counts; ``holds`` / ``fails`` / ``inconclusive``: the optimal-lr verdicts on
    the train loss, one per scaling; seconds, errors, ``brief``),
    ``transfer`` (transfer.json: per scaling the prediction, the optima per width, the fitted exponents with their
    intervals and verdicts), ``optimum``, ``exponents``, ``coord_fit`` (the CSVs' rows as dicts; a quantity with no
    value, null in transfer.json, is written "nan" there and read as float nan), ``report`` (path of report.md, or its
    text without ``out``), ``out``.
    """
    overrides = _keyword_overrides("transfer", overrides, threads=("study.threads", threads),
                                   plots=("study.plots", plots))
    kwargs = dict(overrides=overrides, threads=-1 if threads is None else threads, mode=_output_mode(resume, force),
                  plots=plots, bootstrap=bootstrap, coord_steps=coord_steps, progress=progress,
                  **_config_source(config))
    return _in_out_dir(out, "transfer", lambda d: _core.transfer(d, **kwargs), _transfer_files)


@checked()
def reproductions():
    """The built-in paper experiments (``widthlab reproduce --list``): a list of ``{"name", "paper", "spec",
    "description"}`` dicts."""
    return _core.reproductions()


@checked(name=Str(), smoke=Bool(), full=Bool(), overrides=Overrides(), data=Path(none="no CIFAR-10 directory"),
         config=Path(none="configs/reproduce/NAME.toml"), device=Str(none="the config's study.device"),
         threads=_THREADS, plots=Bool(), **_RUN_DIR)
def reproduce(name, out=None, smoke=False, full=False, overrides=(), data=None, config=None, threads=None,
              resume=False, force=False, plots=True, device=None, progress=None):
    """Run a built-in paper experiment and judge its claims (``widthlab reproduce NAME``; README "Paper
    reproductions", theory.md §8.7): each claim is an estimate with a 95 % interval against a region fixed in code,
    and *holds*, *fails* or is *inconclusive*. ``smoke``: seconds-sized (judges nothing); ``full``: the paper's sizes;
    ``overrides``: "key=value" strings applied after them (``--set``); ``data``: a CIFAR-10 binary directory (image
    cases on cifar-2); ``config``: a path replacing configs/reproduce/NAME.toml; ``device``: "cpu", "cuda" or "auto"
    (``--device``; sets study.device); ``threads``: None = the config's study.threads, 0 = all cores (sets
    study.threads); an ``overrides`` entry giving study.device or study.threads another value is refused, as on the
    CLI. ``out``, ``resume``, ``force``, ``progress``: as for :func:`study` (``resume`` reuses the recorded runs; the
    grid may grow).

    Returns a dict: ``summary`` (``holds``, ``fails``, ``inconclusive``, seconds, ``brief``), ``claims`` (claims.json's
    claims: ``id``, ``claim``, ``published``, ``measured``, ``verdict``, ``sanity``, ``uninformative``), ``report``
    (path of report.md, or its text without ``out``), ``out``.
    """
    if smoke and full:
        raise ValueError("smoke and full: expected at most one of them")
    sets = _keyword_overrides("reproduce", overrides, device=("study.device", device),
                              threads=("study.threads", threads))
    kwargs = dict(smoke=smoke, full=full, data_dir=os.fspath(data) if data is not None else "",
                  config_path=os.fspath(config) if config is not None else "", overrides=sets,
                  threads=0 if threads is None else threads, mode=_output_mode(resume, force), plots=plots,
                  progress=progress)
    return _in_out_dir(out, "reproduce", lambda d: _core.reproduce(name, d, **kwargs), _reproduce_files)


def _in_out_dir(out, verb, run, read_files):
    """run(dir) in ``out``, or in a temporary directory removed afterwards (the report then comes back as text)."""
    if out is None:
        with tempfile.TemporaryDirectory(prefix=f"widthlab-{verb}-") as tmp:
            d = os.path.join(tmp, "out")
            result = read_files(run(d), d)
            result["report"] = _read_text(result["report"])
            result["out"] = None
            result["summary"] = _not_kept(result["summary"], d)
            return result
    return read_files(run(os.fspath(out)), os.fspath(out))


def _not_kept(value, d):
    """The summary without the paths of the temporary directory ``d``, removed when the call returns: they say that
    the results were not kept."""
    if isinstance(value, str):
        return value.replace(os.path.join(d, "report.md"), "report not kept (out=None)").replace(
            d, "<not kept (out=None)>")
    if isinstance(value, list):
        return [_not_kept(v, d) for v in value]
    if isinstance(value, dict):
        return {k: _not_kept(v, d) for k, v in value.items()}
    return value


def _csv_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _json_file(path):
    return json.loads(_read_text(path)) if os.path.exists(path) else None


def _report_path(out):
    report = os.path.join(out, "report.md")
    return report if os.path.exists(report) else None


def _transfer_files(result, out):
    result["transfer"] = _json_file(os.path.join(out, "transfer.json"))
    for name in ("optimum", "exponents", "coord_fit"):
        result[name] = _csv_rows(os.path.join(out, f"{name}.csv"))
    result["report"] = _report_path(out)
    result["out"] = out
    return result


def _reproduce_files(result, out):
    claims = _json_file(os.path.join(out, "claims.json"))
    result["claims"] = claims["claims"] if claims else []
    result["report"] = _report_path(out)
    result["out"] = out
    return result


def _read_text(path):
    if path is None:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def _study_files(result, out):
    result["rates"] = _json_file(os.path.join(out, "rates.json"))
    result["distances"] = _csv_rows(os.path.join(out, "distances.csv"))
    result["report"] = _report_path(out)
    result["out"] = out
    return result


def _number(text):
    """A CSV cell as a value: int, float ("nan" and "inf" as written), or None for an empty cell, which widthlab
    writes where a quantity does not apply (its JSON files hold null there); any other text as it is."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


@checked()
def default_config_toml():
    """configs/default.toml as embedded in the library."""
    return _core.default_config_toml()


def _output_mode(resume, force):
    if resume and force:
        raise ValueError("resume and force: expected at most one of them")
    return "resume" if resume else "force" if force else "fresh"


to_toml = checked(cfg=Any())(_to_toml)


__all__ = ["__version__", "activations", "losses", "scaling_presets", "provenance", "kernel", "predict", "empirical_ntk",
           "classify", "config", "default_config_toml", "to_toml", "train", "train_net", "study", "limit", "transfer",
           "reproductions", "reproduce"]
