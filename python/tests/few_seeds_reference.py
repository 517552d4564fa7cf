"""Theory.md §8.7 "Few seeds", derived independently of widthlab's C++ (which sums Abramowitz–Stegun's closed forms):
Student's t quantile from its density by quadrature, the stretch c(n) of a percentile interval, and the stretch of
one end. Shared by the reference tests of the study and of transfer."""
import functools
import math
from statistics import NormalDist

import numpy as np


def t_central_mass(t, df, intervals=1 << 16):
    """P(0 ≤ T ≤ t) for Student's t with df degrees of freedom: its density Γ((ν+1)/2) / (Γ(ν/2) √(νπ)) ·
    (1 + x²/ν)^{−(ν+1)/2} integrated by composite Simpson on `intervals` steps (error < 1e-15 for ν ≥ 2, t < 5)."""
    x = np.linspace(0.0, t, intervals + 1)
    log_const = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    f = np.exp(log_const - (df + 1) / 2 * np.log1p(x * x / df))
    return t / intervals / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())


@functools.lru_cache(maxsize=None)
def student_t_quantile(p, df, intervals=1 << 16):
    """The p-quantile of Student's t (df ≥ 1): bisection on 1/2 + t_central_mass(t) = p to the last midpoint."""
    if p < 0.5:
        return -student_t_quantile(1 - p, df, intervals)
    target, lo, hi = p - 0.5, 0.0, 1.0
    while t_central_mass(hi, df, intervals) < target:
        lo, hi = hi, 2 * hi
    while (lo + hi) / 2 not in (lo, hi):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_central_mass(mid, df, intervals) < target else (lo, mid)
    return (lo + hi) / 2


def small_sample_stretch(units, level=0.95):
    """c(n) = √(n/(n−1)) · t_{(1+ℓ)/2, n−1} / z_{(1+ℓ)/2} (theory.md §8.7 "Few seeds"): c(4) = 1.875, c(6) = 1.437."""
    q = (1 + level) / 2
    return math.sqrt(units / (units - 1)) * student_t_quantile(q, units - 1) / NormalDist().inv_cdf(q)


def stretch_end(e, theta, c, side):
    """An interval end e stretched by c about the estimate θ̂, never nearer θ̂ than it was: the lower end (side −1)
    min(e, θ̂ + c(e − θ̂)), the upper (side +1) the max; ±∞ stay; NaN when θ̂ is not finite."""
    if not math.isfinite(theta) or math.isnan(e):
        return math.nan
    if math.isinf(e):
        return e
    moved = theta + c * (e - theta)
    return min(e, moved) if side < 0 else max(e, moved)
