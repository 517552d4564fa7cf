"""The `classify` verb checked against an independent exact-arithmetic reference of its documented rules.

Written from the documentation only — theory.md §1.2 (effective exponents, η_eff = α²η), §1.3 (A, B, C, C_a, C_w,
B = 1 + 2q_σ + max(q̃_a, q̃_w), the abc equivalent, TP4's r), §1.4 (the one-hidden-layer and deep tables, abc
values, muP under adaptive optimizers), §1.5 (camera_ready and dev recipes), §2.1–§2.3 (the band, the 13-row table,
TP4's dictionary), §5 (MF + GD degeneracy), §8.6 (the classifier's conventions) and §10.2 (uniform lr
shifts) —, architecture.md (the classify JSON contract), README, `widthlab classify --help`, widthlab.classify's
docstring and the header comments of classification.h, scaling.h and limit_models.h, plus `widthlab list` for the
limit models' short names. It never reads src/. The reference works in fractions.Fraction; widthlab's numbers are
compared within TOL = 1e-9 (its lines are 1e-9 thick, classification.h; its JSON, and so widthlab.classify's dict,
carries 12 significant digits).

What is checked:
  * The Golikov plane, symmetric rates: every point of the 1/8 grid and of the 1/6 grid (fraction strings such as
    "-2/3") over q_σ ∈ [−2, 1], q̃ ∈ [−3/2, 5/2], with the §2.2 table's 13 examples and its two unstable ones — 1237
    points, ≥ 20 on each of the lines A = 0, B = 0, C = 0, C = −1/2, every region and both unstable regimes: A, B, C,
    C_a, C_w, stable, regime, region, model, the three flags, the abc layers, r, and the per-layer (β, γ) of §1.5's
    dev recipe. The region map IS the §2.2 table (row = signs of A and B and C's line), checked to hold each row's
    example. Labels vs the table's; fraction strings vs decimals vs the tuple preset; the 1e-9 line thickness;
    §2.1/§2.3 (TP4-stable and nontrivial ⇔ regions 1, 2, 4; only MF learns features there). The CLI's
    `--json` (with --q-lr-out, and the tuple order of --preset) equals widthlab.classify and the reference.
  * Asymmetric rates: the 1/4 grid over q_σ, q̃_a ≠ q̃_w (3536 points) with C = max(C_a, C_w) and the region read
    off the dominant layer (classification.h; theory.md gives no single C then).
  * Presets at depth 1 against §1.4 (sp, ntk, improved-sp, mf, mup, sym-default, intermediate[:q], ic-mf), the
    adaptive presets' SGD-equivalent exponents (scaling.h), custom scalings equal to a preset (factor on the init, or
    on the multiplier with lr − 2m), and 60 + 30 seeded random custom exponents (sgd, rmsprop) mapped by
    β = −(init + mult) + ½[l ≥ 1], γ = −(2 mult + lr) (adaptive −(mult + lr)), q_σ = −β₀ − β₁, q̃_a = 2β₁ − γ₁,
    q̃_w = 2β₀ − γ₀.
  * Deep nets, only where theory.md states values: §1.4's deep (β, γ) and abc tables at depth 2 and 3, muP's
    adaptive lrs, §5 (MF + GD at H = 3: A = −3/2, layer-2 pre-activations d^−1/2, relative steps d^−1, d^−1/2,
    d^−1/2, d^−1, degenerate; H = 2, RMSProp and muP not), and §10.2 (a uniform lr shift d^e gives (B + e, C + e),
    A unchanged, for sp, ntk, mf, mup at depths 1–3, with the §1.5 recipe as a custom scaling equal to the preset).

Power (test_power_*; points where the documented reference agrees with widthlab and the mutant does not, symmetric
+ asymmetric grid): A = 0 line one 1/8 step right 12 + 42; B = 0 line one step off 12 + 48; band's upper edge one
step high 62 + 156, lower edge one step low 61 + 208, open at C = 0 37 + 208; B with min(q̃_a, q̃_w) 0 + 3536;
C = min(C_a, C_w) 0 + 2054; C_a and C_w swapped 0 + 3536; region from the input layer's C_w 0 + 585; finite flags
as "bounded" (A ≤ 0: 90 + 378, B ≤ 0: 75 + 324); flags kept outside the band 42 + 230; abc with the rates swapped
0 + 3536; r = C 1200 + 3393; r = −C 600 + 2119 (the unstable points and C_a ≠ C_w); feature learning at C = 0
whichever layer 0 + 104; the models of regions 9 and 12 swapped 63 + 224; the dev weight factor as a forward
multiplier (γ off by 2(q_σ + ½)) 1188 + 3264. Each test requires ≥ 10.

Conventions the docs left open, learnt by probing (documentation findings, now stated in theory.md §8.6):
  * The three flags. §2.2 first says a limit model is characterised by whether the init logits and kernel are
    "bounded", then (last paragraph, table) uses finite = exponent 0. widthlab: finite_init_logits ⇔ A = 0,
    finite_kernel ⇔ B = 0, feature_learning ⇔ C = C_w = 0 (the "bounded" reading is a power mutant above).
  * Outside the band all three flags are false, even where A = 0 or B = 0 (SP: A = 0, its init logits are O(1));
    model is "diverges" / "stagnates", region null.
  * ic-mf: A = 0 (corrected), A_uncorrected = −1/2, B = C = 0, all three flags, model "ic-mf", and region 1 — the
    uncorrected MF scaling's region; the corrected (0, 0, 0) fits no §2.2 row and breaks B = A + C + ½.
  * Model short names: theory.md had only the labels; the names were limit_models.h's (`widthlab list`).
  * Asymmetric rates: a single C (= max), the band and the region existed only in classification.h's comment.
  * §1.5's "weight factor" must act on the init (not as a forward multiplier) for the dev recipe's (β, γ), which
    the layers key confirms.

Findings (first run: two strict xfails; both resolved, the tests now pass):
  1. Asymmetric rates with C_a = 0 > C_w (104 of the 3536 grid points, all of them): widthlab keeps the region
     (1, 3, 6, 7 or 8) but reports model "random-features" and feature_learning false, where the docs then gave the
     region's model and "C = 0 learns features"; and its abc r was −C = 0, contradicting feature_learning = false.
     Resolved: widthlab's model and flag are the physics (the hidden features stay at their init; the output layer
     trains a random-features kernel), now documented in theory.md §8.6 and followed here; r was wrong and is now
     TP4 Def. 3.2 on the abc equivalent, r = min(−C_w, −C_a − C_w) (theory.md §1.3; = −C_w on the band), which
     the reference computes and the mutant "r = −C" is caught by.
  2. Region 11's label is "triangle MF/NTK/sym-default, interior"; theory.md §2.2's table wrote
     "MF / NTK / sym-default triangle, interior". Resolved in theory.md (the label is in committed reports).
"""
import functools
import json
import random
from fractions import Fraction as F

import pytest

widthlab = pytest.importorskip("widthlab")

HALF = F(1, 2)
STEP = F(1, 8)
TOL = 1e-9  # classification.h: lines are compared with the tolerance 1e-9; the JSON carries 12 significant digits
CONTRACT = ("A", "B", "C", "C_a", "C_w", "stable", "regime", "region", "model", "finite_init_logits",
            "finite_kernel", "feature_learning")
SCALING_KEYS = CONTRACT + ("abc", "r")  # + the abc equivalent and TP4's r
ALL_KEYS = SCALING_KEYS + ("layers",)  # + the per-layer (beta, gamma) of §1.5's dev recipe, for Golikov points

# ---- The reference ----------------------------------------------------------------------------------------------

# theory.md §2.2's table, one row per limit model: region, short model name (`widthlab list`'s limit-model names),
# label (the table's, in ASCII: en dash -> '-', TeX dropped), example (q_sigma, q~), the A and B columns
# ('->0' / 'finite' / '->inf') and where C lies ('0', '-1/2' or 'mid' = strictly between; rows and labels of §2.2).
TABLE = [
    (1, "mf", "MF (point)", ("-1", "1"), "->0", "finite", "0"),
    (2, "ntk", "NTK (point)", ("-1/2", "0"), "finite", "finite", "-1/2"),
    (3, "sym-default", "sym-default (point)", ("-1/2", "1/2"), "finite", "->inf", "0"),
    (4, "intermediate", 'MF-NTK segment ("intermediate")', ("-3/4", "1/2"), "->0", "finite", "mid"),
    (5, "ntk-sym-default", "NTK-sym-default segment", ("-1/2", "1/4"), "finite", "->inf", "mid"),
    (6, "sym-default-mf", "sym-default-MF segment", ("-3/4", "3/4"), "->0", "->inf", "0"),
    (7, "post-mf", "post-MF ray (q_sigma < -1 on C = 0)", ("-3/2", "3/2"), "->0", "->0", "0"),
    (8, "pre-sym-default", "pre-sym-default ray (q_sigma > -1/2 on C = 0)", ("0", "0"), "->inf", "->inf", "0"),
    (9, "post-ntk", "post-NTK ray (q_sigma < -1/2 on C = -1/2)", ("-1", "1/2"), "->0", "->0", "-1/2"),
    (10, "pre-ntk", "pre-NTK ray (q_sigma > -1/2 on C = -1/2)", ("0", "-1/2"), "->inf", "->inf", "-1/2"),
    (11, "triangle", "triangle MF/NTK/sym-default, interior", ("-2/3", "1/2"), "->0", "->inf", "mid"),
    (12, "post-mf-ntk", '"post-MF-NTK" region (B < 0, -1/2 < C < 0)', ("-1", "3/4"), "->0", "->0", "mid"),
    (13, "pre-ntk-sym-default", '"pre-NTK-sym-default" region (A > 0, -1/2 < C < 0)', ("0", "-1/4"), "->inf",
     "->inf", "mid"),
]
ROW = {r[0]: r for r in TABLE}
WORD = {-1: "->0", 0: "finite", 1: "->inf"}


def sign(x):
    return (x > 0) - (x < 0)


def c_class(C):
    return "0" if C == 0 else "-1/2" if C == -HALF else "mid"


REGION_OF_SIGNATURE = {(a, b, c): region for region, _, _, _, a, b, c in TABLE}


def exponents(qs, qa, qw):
    """§1.3: A = q_s + 1/2, C_a = q_s + q_a, C_w = q_s + q_w, B = 1 + 2q_s + max(q_a, q_w); C = max(C_a, C_w)
    (classification.h; theory.md defines C only for q_a = q_w)."""
    return {"A": qs + HALF, "B": 1 + 2 * qs + max(qa, qw), "C": max(qs + qa, qs + qw), "C_a": qs + qa,
            "C_w": qs + qw}


def verdict(A, B, C):
    """§2.2: stable iff -1/2 <= C <= 0, else diverges (C > 0) / stagnates; the region is the table row of the
    signs of A, B and C's line. Properties (§2.2, last paragraph): finite init logits A = 0, finite kernel B = 0,
    feature learning C = 0; outside the band all three false (probed, see the module docstring)."""
    regime = "diverges" if C > 0 else "stagnates" if C < -HALF else "stable"
    if regime != "stable":
        return {"regime": regime, "stable": False, "region": None, "model": regime, "finite_init_logits": False,
                "finite_kernel": False, "feature_learning": False}
    region = REGION_OF_SIGNATURE.get((WORD[sign(A)], WORD[sign(B)], c_class(C)))  # None only for mutants
    return {"regime": regime, "stable": True, "region": region, "model": ROW[region][1] if region else "?",
            "finite_init_logits": A == 0, "finite_kernel": B == 0, "feature_learning": C == 0}


def abc_of(qs, qa, qw):
    """§1.3 "Exact abc equivalent", gauge c = 0: (a1, b1) = (-q_w/2, q_w/2), (a2, b2) = (-q_s - q_a/2, q_a/2)."""
    return [(-qw / 2, qw / 2, F(0)), (-qs - qa / 2, qa / 2, F(0))]


def reference(qs, qa, qw=None):
    """Everything classify reports for a one-hidden-layer point (q_sigma, q~_a, q~_w); qw = qa when omitted."""
    qs, qa = F(qs), F(qa)
    qw = qa if qw is None else F(qw)
    e = exponents(qs, qa, qw)
    v = verdict(e["A"], e["B"], e["C"])
    if v["stable"]:  # §8.6: the features move iff C_w = 0; C_a = 0 > C_w is the random-features model
        v["feature_learning"] = e["C"] == 0 and e["C_w"] == 0
        v["model"] = "random-features" if e["C_a"] == 0 > e["C_w"] else v["model"]
    return {"qs": qs, "qa": qa, "qw": qw, **e, **v, "abc": abc_of(qs, qa, qw),
            "r": min(-e["C_w"], -e["C_a"] - e["C_w"]), "layers": dev_recipe(qs, qa, qw)}


def dev_recipe(qs, qa, qw):
    """§1.5 `dev`: weight factor w^(q_s+1/2) on the output weights' init, lr_in w^q_w, lr_out w^(q_a+2q_s); so
    (beta, gamma) = (0, -q_w) for the input layer and (1/2 - (q_s + 1/2), -q_a - 2q_s) for the output layer."""
    return [(F(0), -qw), (-qs, -qa - 2 * qs)]


def effective_from_custom(init, mult, lr, adaptive=False):
    """scaling.h + §1.2: raw theta ~ base_init(fan_in) w^init with std fan_in^-1/2 (fan_in = d after the input
    layer), W = w^mult theta, lr w^lr; so beta = -(init + mult) + 1/2 [l >= 1] and gamma = -(2 mult + lr)
    (eta_eff = alpha^2 eta), or -(mult + lr) for adaptive steps (scaling.h: the step of W is alpha eta)."""
    return [(-(i + m) + (HALF if l else 0), -((1 if adaptive else 2) * m + r))
            for l, (i, m, r) in enumerate(zip(init, mult, lr))]


def golikov_from_effective(eff, adaptive=False):
    """§1.3 with sigma_w ~ d^-beta0, sigma_a ~ d^-beta1, eta_eff ~ d^-gamma: q_s = -beta0 - beta1,
    q_a = 2 beta1 - gamma1, q_w = 2 beta0 - gamma0. Adaptive (scaling.h [derived]): SGD-equivalent
    gamma1 - beta0, gamma0 - beta1."""
    (b0, g0), (b1, g1) = eff
    if adaptive:
        g0, g1 = g0 - b1, g1 - b0
    return -b0 - b1, 2 * b1 - g1, 2 * b0 - g0


# ---- widthlab's side and the comparison -------------------------------------------------------------------------

def frac_text(x):
    return str(F(x))


@functools.lru_cache(maxsize=None)
def wl(qs, qa, qw=None):
    """widthlab.classify of (q_sigma, q~_a[, q~_w]) given as fraction strings (q_lr = q~_w, q_lr_out = q~_a)."""
    if qw is None:
        return widthlab.classify(q_sigma=qs, q_lr=qa)
    return widthlab.classify(q_sigma=qs, q_lr=qw, q_lr_out=qa)


def same(ref, got):
    if isinstance(ref, F):
        return isinstance(got, float) and abs(got - float(ref)) <= TOL
    return ref == got and type(ref) is type(got)


def abc_pairs(got):
    return [(x["a"], x["b"], x["c"]) for x in got["abc"]["layers"]]


def differences(ref, got, keys=CONTRACT):
    """(key, reference, widthlab) for every key that disagrees; 'abc' and 'r' compare the abc equivalent."""
    out = []
    for k in keys:
        if k == "abc":
            ok = len(abc_pairs(got)) == 2 and all(same(x, y) for p, q in zip(ref["abc"], abc_pairs(got))
                                                  for x, y in zip(p, q))
            out += [] if ok else [(k, ref[k], abc_pairs(got))]
        elif k == "layers":
            pairs = [(x["beta"], x["gamma"]) for x in got["layers"]]
            ok = len(pairs) == 2 and all(same(x, y) for p, q in zip(ref[k], pairs) for x, y in zip(p, q))
            out += [] if ok else [(k, ref[k], pairs)]
        elif k == "r":
            out += [] if same(ref["r"], got["abc"]["r"]) else [(k, ref["r"], got["abc"]["r"])]
        elif not same(ref[k], got.get(k)):
            out += [(k, ref[k], got.get(k))]
    return out


def span(lo, hi, step):
    n = int((F(hi) - F(lo)) / step)
    return [F(lo) + k * step for k in range(n + 1)]


def sym_grid(step):
    return [(qs, q) for qs in span(-2, 1, step) for q in span("-3/2", "5/2", step)]


EXAMPLES = [tuple(F(x) for x in row[3]) for row in TABLE] + [(F(1), F(1)), (F(-1), F(-1))]
SYM = sorted(set(sym_grid(STEP) + sym_grid(F(1, 6)) + EXAMPLES))
ASYM = [(qs, qa, qw) for qs in span(-2, 1, F(1, 4)) for qa in span("-3/2", "5/2", F(1, 4))
        for qw in span("-3/2", "5/2", F(1, 4)) if qa != qw]


def random_features_point(r):
    """The asymmetric points theory.md §8.6 names 'random-features'."""
    return r["stable"] and r["C_a"] == 0 and r["C_w"] < 0


def grid_failures(points, keys, skip=lambda r: False):
    fails = []
    for p in points:
        ref = reference(*p)
        if not skip(ref):
            d = differences(ref, wl(*map(frac_text, p)), keys)
            fails += [(tuple(map(str, p)), d)] if d else []
    return fails


def show(fails):
    return f"{len(fails)} points disagree, e.g. " + "; ".join(f"{p}: {d}" for p, d in fails[:6])


# ---- §2.2: the table itself and the symmetric plane -------------------------------------------------------------

def test_reference_reads_the_section_2_2_table_consistently():
    assert len(REGION_OF_SIGNATURE) == 13  # 13 distinct (A, B, C) signatures
    for region, _, _, (qs, q), *_ in TABLE:
        assert reference(qs, q)["region"] == region  # each example lies in its own row
        e = exponents(F(qs), F(q), F(q))
        assert e["B"] == e["A"] + e["C"] + HALF  # the key identity of §1.3
    assert [r[0] for r in TABLE if r[6] == "0"] == [1, 3, 6, 7, 8]  # §2.2: the C = 0 regions learn features


@pytest.mark.parametrize("region", range(1, 14))
def test_section_2_2_example_point_classifies_as_its_row(region):
    qs, q = ROW[region][3]
    got = wl(qs, q)
    assert differences(reference(qs, q), got, ALL_KEYS) == []
    assert (got["region"], got["model"]) == (region, ROW[region][1])
    assert all(same(F(x), got[k]) for x, k in [(qs, "q_sigma"), (q, "q_lr_out"), (q, "q_lr_in")])


@pytest.mark.parametrize("region", range(1, 14))
def test_region_label_is_the_section_2_2_label(region):
    qs, q = ROW[region][3]
    assert wl(qs, q)["label"] == ROW[region][2]


def test_section_2_2_unstable_examples():
    assert (wl("1", "1")["regime"], wl("1", "1")["C"], wl("1", "1")["region"]) == ("diverges", 2.0, None)
    assert (wl("-1", "-1")["regime"], wl("-1", "-1")["region"]) == ("stagnates", None)


def test_grids_cover_all_13_regions_both_unstable_regimes_and_every_line():
    refs = [reference(*p) for p in SYM]
    assert {r["region"] for r in refs} == set(range(1, 14)) | {None}
    assert {r["regime"] for r in refs} == {"stable", "diverges", "stagnates"}
    for line in (lambda r: r["A"] == 0, lambda r: r["B"] == 0, lambda r: r["C"] == 0, lambda r: r["C"] == -HALF):
        assert sum(map(line, refs)) >= 20
    assert len(SYM) > 1200 and len(ASYM) > 3000


def test_symmetric_plane_matches_reference_on_the_1_8_and_1_6_grids():
    fails = grid_failures(SYM, ALL_KEYS)
    assert not fails, show(fails)


def test_fraction_strings_and_decimals_classify_alike():
    for qs, q in [("-3/4", "1/2"), ("-1/2", "1/4"), ("-5/4", "3/2"), ("-3/2", "5/4"), ("1/8", "-5/8")]:
        dec = widthlab.classify(q_sigma=float(F(qs)), q_lr=float(F(q)))
        assert dec == wl(qs, q) == widthlab.classify(preset=(qs, q))


def test_lines_are_thick_by_1e_9_as_classification_h_states():
    assert wl("-1", "0.5000000001")["region"] == 9 and wl("-1", "0.50000001")["region"] == 12
    assert wl("-1/2", "0.5000000001")["region"] == 3 and wl("-1/2", "0.50000001")["regime"] == "diverges"


def test_mf_ntk_family_of_section_2_1_and_tp4_dictionary_of_section_2_3():
    """§2.1/§2.3: TP4-stable (A, B, C <= 0) and nontrivial (B = 0) is exactly the MF-NTK segment: MF (1), NTK (2)
    and the intermediate points (4); only MF learns features there."""
    for qs, q in SYM:
        r, got = reference(qs, q), wl(frac_text(qs), frac_text(q))
        tp4 = r["A"] <= 0 and r["B"] == 0 and r["C"] <= 0
        assert tp4 == (got["region"] in (1, 2, 4)), (qs, q)
        if tp4:
            assert got["feature_learning"] == (qs == -1) and (got["region"] == 4) == (-1 < qs < -HALF)


# ---- CLI ----------------------------------------------------------------------------------------------------------

CLI_SAMPLE = [("-3/4", "1/2", None), ("-2/3", "1/2", None), ("0", "-1/4", None), ("1", "1", None),
              ("-1", "-1", None), ("-0.5", "0.25", None), ("-3/4", "1/4", "1/2"), ("-1", "0", "1")]


@pytest.mark.parametrize("qs,qw,qa", CLI_SAMPLE)
def test_cli_json_equals_python_and_reference(cli, qs, qw, qa):
    args = ["classify", "--q-sigma", qs, "--q-lr", qw] + (["--q-lr-out", qa] if qa else []) + ["--json"]
    p = cli(*args)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    assert got == widthlab.classify(q_sigma=qs, q_lr=qw, q_lr_out=qa)
    ref = reference(qs, qa or qw, qw)
    assert differences(ref, got, ALL_KEYS) == []


def test_cli_tuple_preset_is_q_sigma_then_output_then_input_rate(cli):
    p = cli("classify", "--preset", "(-3/4, 1/2, 1/4)", "--json")
    got = json.loads(p.stdout)
    assert (got["q_lr_out"], got["q_lr_in"], got["C_a"], got["C_w"]) == (0.5, 0.25, -0.25, -0.5)


# ---- asymmetric rates (§1.3) ----------------------------------------------------------------------------------------

def test_asymmetric_rates_match_reference():
    fails = grid_failures(ASYM, ALL_KEYS)
    assert not fails, show(fails)


def test_asymmetric_random_features_points_are_named_apart_and_learn_no_features():
    """§8.6: C_a = 0 > C_w keeps its region, is 'random-features', learns no features and has r = −C_w > 0."""
    points = [p for p in ASYM if random_features_point(reference(*p))]
    assert len(points) > 50
    for p in points:
        got = wl(*map(frac_text, p))
        assert (got["model"], got["feature_learning"]) == ("random-features", False), p
        assert got["region"] in (1, 3, 6, 7, 8) and got["abc"]["r"] > 0, p


def test_asymmetric_echo_and_tuple_order():
    got = wl("-3/4", "1/2", "1/4")
    assert (got["q_sigma"], got["q_lr_out"], got["q_lr_in"]) == (-0.75, 0.5, 0.25)
    assert widthlab.classify(preset=("-3/4", "1/2", "1/4")) == got
    assert widthlab.classify(preset="(-0.75, 0.5, 0.25)") == got


# ---- presets at depth 1 (§1.4, §1.5) and custom exponents (§1.2) --------------------------------------------------

# §1.4's one-hidden-layer table: (q_sigma, q~_a, q~_w), A, B, C (SP: C_a = 1/2, C_w = -1/2, so C = max = 1/2).
PRESETS_1 = {
    "sp": ((-HALF, 1, 0), 0, 1, HALF),
    "ntk": ((-HALF, 0, 0), 0, 0, -HALF),
    "improved-sp": ((-HALF, 0, 0), 0, 0, -HALF),
    "mf": ((-1, 1, 1), -HALF, 0, 0),
    "mup": ((-1, 1, 1), -HALF, 0, 0),  # §1.4: MF = muP for one hidden layer
    "sym-default": ((-HALF, HALF, HALF), 0, HALF, 0),
    "intermediate": ((F(-3, 4), HALF, HALF), F(-1, 4), 0, F(-1, 4)),  # default q = 3/4 (--help)
}

# Registry presets that are no one power-law point of §1.4's table: custom takes its exponents; IC-MF corrects the
# model, not the scaling (§3.5; its classification has its own tests).
NOT_A_TABLE_POINT = {"custom", "ic-mf"}


def test_every_registered_preset_has_a_table_row():
    """A preset added to the registry fails here until its §1.4 row is written above."""
    registered = {p["name"] for p in widthlab.scaling_presets()}
    assert registered - NOT_A_TABLE_POINT == set(PRESETS_1), registered


@pytest.mark.parametrize("name", list(PRESETS_1))
def test_depth_1_preset_matches_section_1_4_table(name):
    q, A, B, C = PRESETS_1[name]
    got, ref = widthlab.classify(name), reference(*q)
    assert (ref["A"], ref["B"], ref["C"]) == (A, B, C)
    assert [got["q_sigma"], got["q_lr_out"], got["q_lr_in"]] == [float(x) for x in q]
    assert differences(ref, got, ALL_KEYS) == []


@pytest.mark.parametrize("q", ["0.6", "2/3", "3/4", "0.9"])
def test_intermediate_q_is_minus_q_and_2q_minus_1(q):
    qq = F(q)
    got = widthlab.classify(f"intermediate:{q}")
    ref = reference(-qq, 2 * qq - 1)
    assert (ref["A"], ref["C"], ref["region"]) == (HALF - qq, qq - 1, 4)  # §1.4 row
    assert differences(ref, got, ALL_KEYS) == []


def test_ic_mf_is_mf_with_corrected_init_logits():
    """§1.4/§3.5: IC-MF has MF's exponents with A = 0 through the correction and all three properties (§2.2)."""
    got = widthlab.classify("ic-mf")
    assert (got["A"], got["A_uncorrected"], got["B"], got["C"], got["init_corrected"]) == (0, -0.5, 0, 0, True)
    assert (got["model"], got["stable"], got["finite_init_logits"], got["finite_kernel"],
            got["feature_learning"]) == ("ic-mf", True, True, True, True)
    assert got["region"] == 1  # probed: the region of the uncorrected scaling (MF); see the module docstring


# §1.5 camera_ready SGD recipes as ω exponents (weight factor on hidden + output, lrs in / hid / out), and muP from
# §1.4's deep table (hidden std d^-1/2 = the base init, output d^-1, lrs d, 1, d^-1).
RECIPES = {"sp": ((0, 0, 0), (0, 0, 0)), "ntk": ((0, 0, 0), (0, -1, -1)),
           "mf": ((0, -HALF, -HALF), (1, 0, -1)), "mup": ((0, 0, -HALF), (1, 0, -1))}


def recipe(name, depth):
    (i0, ih, io), (l0, lh, lo) = RECIPES[name]
    return [F(i0)] + [F(ih)] * (depth - 1) + [F(io)], [F(l0)] + [F(lh)] * (depth - 1) + [F(lo)]


def custom_spec(init, mult, lr):
    txt = lambda xs: ",".join(str(float(x)) for x in xs)  # noqa: E731 (quarter multiples: exact decimals)
    return f"custom:init={txt(init)};multiplier={txt(mult)};lr={txt(lr)}"


def classify_custom(init, mult, lr, **kw):
    return widthlab.classify(custom_spec(init, mult, lr), depth=len(init) - 1, **kw)


def test_custom_equal_to_a_preset_classifies_the_same_at_depth_1():
    for name in RECIPES:
        init, lr = recipe(name, 1)
        for got in (classify_custom(init, [0, 0], lr),  # factor on the init, or on the multiplier with lr - 2m:
                    classify_custom([0, 0], init, [r - 2 * i for r, i in zip(lr, init)])):  # same beta, gamma (§1.2)
            assert differences(reference(*PRESETS_1[name][0]), got, ALL_KEYS) == [], name
    assert differences(reference(-HALF, HALF), classify_custom([0, 0], [0, 0], [HALF, -HALF]), CONTRACT) == []


def random_exponents(rng, n):
    return [F(rng.randint(-6, 6), 4) for _ in range(n)]


def test_random_custom_exponents_follow_section_1_2_and_1_3():
    rng = random.Random(20240611)
    for _ in range(60):
        init, mult, lr = (random_exponents(rng, 2) for _ in range(3))
        eff = effective_from_custom(init, mult, lr)
        got = classify_custom(init, mult, lr)
        q = golikov_from_effective(eff)
        assert [got["q_sigma"], got["q_lr_out"], got["q_lr_in"]] == [float(x) for x in q]
        assert [(x["beta"], x["gamma"]) for x in got["layers"]] == [(float(b), float(g)) for b, g in eff]
        assert differences(reference(*q), got, SCALING_KEYS) == [], (init, mult, lr)


def test_random_custom_exponents_under_rmsprop_use_the_sgd_equivalent_rule():
    rng = random.Random(7)
    for _ in range(30):
        init, mult, lr = (random_exponents(rng, 2) for _ in range(3))
        got = classify_custom(init, mult, lr, optimizer="rmsprop")
        eff = effective_from_custom(init, mult, lr, adaptive=True)
        q = golikov_from_effective(eff, adaptive=True)
        assert got["optimizer_family"] == "adaptive"
        assert [(x["beta"], x["gamma"]) for x in got["layers"]] == [(float(b), float(g)) for b, g in eff]
        assert differences(reference(*q), got, SCALING_KEYS) == [], (init, mult, lr)


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_adaptive_presets_at_depth_1_keep_their_sgd_exponents(optimizer):
    """scaling.h: the adaptive recipes reproduce §1.5's RMSProp columns, whose SGD equivalent is the §1.4 point;
    §1.4: at depth 1 muP equals MF under either optimizer family."""
    for name in ("mf", "mup", "ntk", "intermediate"):
        got = widthlab.classify(name, optimizer=optimizer)
        assert differences(reference(*PRESETS_1[name][0]), got, SCALING_KEYS) == [], name


# ---- deep nets: only what theory.md states ------------------------------------------------------------------------

# §1.4 deep table, effective (beta, gamma) of input / hidden / output layers (sgd).
DEEP_TABLE = {"sp": ((0, 0), (HALF, 0), (HALF, 0)), "ntk": ((0, 0), (HALF, 1), (HALF, 1)),
              "improved-sp": ((0, 0), (HALF, 1), (HALF, 1)), "mf": ((0, -1), (1, 0), (1, 1)),
              "mup": ((0, -1), (HALF, 0), (1, 1))}
DEEP_ABC = {"ntk": ((0, 0), (HALF, 0), (HALF, 0)), "mup": ((-HALF, HALF), (0, HALF), (HALF, HALF)),
            "mf": ((-HALF, HALF), (0, 1), (HALF, HALF))}


def per_layer(table_row, depth):
    first, hidden, last = table_row
    return [first] + [hidden] * (depth - 1) + [last]


@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("name", list(DEEP_TABLE))
def test_deep_preset_effective_exponents_and_abc_match_section_1_4(name, depth):
    got = widthlab.classify(name, depth=depth)
    want = per_layer(DEEP_TABLE[name], depth)
    assert [(x["beta"], x["gamma"]) for x in got["layers"]] == [(float(b), float(g)) for b, g in want]
    if name in DEEP_ABC:
        assert abc_pairs(got) == [(float(a), float(b), 0.0) for a, b in per_layer(DEEP_ABC[name], depth)]
    if name in RECIPES:  # the §1.5 recipe gives the table's exponents too
        assert effective_from_custom(*recipe_with_mult(name, depth)) == [(F(b), F(g)) for b, g in want]


def recipe_with_mult(name, depth):
    init, lr = recipe(name, depth)
    return init, [F(0)] * len(init), lr


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_deep_mup_adaptive_lrs_are_1_then_1_over_d(optimizer):
    got = widthlab.classify("mup", depth=3, optimizer=optimizer)  # §1.4 "muP under adaptive optimizers"
    assert [(x["beta"], x["gamma"]) for x in got["layers"]] == [(0, 0), (0.5, 1), (0.5, 1), (1, 1)]


def test_section_5_mf_with_gd_degenerates_at_three_hidden_layers():
    got = widthlab.classify("mf", depth=3)
    assert got["A"] == -1.5 and got["layers"][1]["output_size"] == -0.5  # output d^-3/2, layer-2 pre-acts d^-1/2
    assert [x["rel_step"] for x in got["layers"]] == [-1, -0.5, -0.5, -1]  # input W, v^1, v^2, output a
    assert got["degenerate_gd"] is True and got["model"] == "deep-degenerate" and not got["feature_learning"]


def test_section_5_two_layers_rmsprop_and_mup_escape_the_degeneracy():
    two = widthlab.classify("mf", depth=2)
    assert two["layers"][1]["rel_step"] == 0 and two["degenerate_gd"] is False  # v^1 moves O(1) at step 1
    for got in (two, widthlab.classify("mf", depth=3, optimizer="rmsprop"), widthlab.classify("mup", depth=3)):
        assert got["degenerate_gd"] is False and got["feature_learning"] is True


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("name", list(RECIPES))
def test_section_10_2_uniform_lr_shift_moves_B_and_C_by_e(name, depth):
    init, lr = recipe(name, depth)
    base = classify_custom(init, [0] * len(init), lr)
    assert differences({k: F(v) if isinstance(v, float) else v for k, v in base.items() if k in CONTRACT},
                       widthlab.classify(name, depth=depth)) == []  # the §1.5 recipe is the preset (§1.2)
    for e in (F(-1, 4), HALF):
        moved = classify_custom(init, [0] * len(init), [x + e for x in lr])
        assert (moved["A"], moved["B"], moved["C"]) == (base["A"], base["B"] + e, base["C"] + e), e


# ---- power: plausible mistakes the comparison would catch ---------------------------------------------------------

def abc_swapped_rates(r):
    return [(-r["qa"] / 2, r["qa"] / 2, F(0)), (-r["qs"] - r["qw"] / 2, r["qw"] / 2, F(0))]


SWAP_9_12 = {"post-ntk": "post-mf-ntk", "post-mf-ntk": "post-ntk"}


def multiplier_recipe(r):
    (b0, g0), (b1, g1) = r["layers"]
    return [(b0, g0), (b1, g1 - 2 * (r["qs"] + HALF))]  # eta_eff = alpha^2 eta would add 2(q_s + 1/2) to -gamma


MUTANTS = {
    "A = 0 line one grid step to the right": (lambda r: verdict(r["A"] - STEP, r["B"], r["C"]), ("region",)),
    "B = 0 line one grid step off": (lambda r: verdict(r["A"], r["B"] - STEP, r["C"]), ("region",)),
    "band's upper edge one step high": (lambda r: verdict(r["A"], r["B"], r["C"] - STEP), ("regime",)),
    "band's lower edge one step low": (lambda r: verdict(r["A"], r["B"], r["C"] + STEP), ("regime",)),
    "band open at C = 0": (lambda r: verdict(r["A"], r["B"], r["C"] + (1 if r["C"] == 0 else 0)), ("regime",)),
    "B with min(q_a, q_w)": (lambda r: {"B": 1 + 2 * r["qs"] + min(r["qa"], r["qw"])}, ("B",)),
    "C = min(C_a, C_w)": (lambda r: verdict(r["A"], r["B"], min(r["C_a"], r["C_w"])), ("regime", "region")),
    "C_a and C_w swapped": (lambda r: {"C_a": r["C_w"], "C_w": r["C_a"]}, ("C_a", "C_w")),
    "region of the input layer's C_w": (lambda r: verdict(r["A"], r["A"] + r["C_w"] + HALF, r["C_w"]), ("region",)),
    "finite init logits = bounded (A <= 0)": (lambda r: {"finite_init_logits": r["stable"] and r["A"] <= 0},
                                              ("finite_init_logits",)),
    "finite kernel = bounded (B <= 0)": (lambda r: {"finite_kernel": r["stable"] and r["B"] <= 0}, ("finite_kernel",)),
    "flags kept outside the band": (lambda r: {"finite_init_logits": r["A"] == 0}, ("finite_init_logits",)),
    "abc with the two rates swapped": (lambda r: {"abc": abc_swapped_rates(r)}, ("abc",)),
    "r = C": (lambda r: {"r": r["C"]}, ("r",)),
    "r = -C (not the features' own exponent)": (lambda r: {"r": -r["C"]}, ("r",)),
    "C = 0 learns features whichever layer": (lambda r: {"feature_learning": r["stable"] and r["C"] == 0},
                                              ("feature_learning",)),
    "models of regions 9 and 12 swapped": (lambda r: {"model": SWAP_9_12.get(r["model"], r["model"])}, ("model",)),
    "weight factor as a forward multiplier": (lambda r: {"layers": multiplier_recipe(r)}, ("layers",)),
}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_power_mutated_reference_disagrees_with_widthlab(name):
    mutate, keys = MUTANTS[name]
    caught = 0
    for p in SYM + ASYM:
        ref, got = reference(*p), wl(*map(frac_text, p))
        if not differences(ref, got, keys):  # count only points where the documented reference agrees
            caught += bool(differences({**ref, **mutate(ref)}, got, keys))
    assert caught >= 10, name  # measured: 12 ... 4736 points per mutant (module docstring)
