"""Confidence intervals for comparing policies over replications (pure functions).

Every function takes plain sequences of per-replication values and returns an `Interval`. Values
that are NaN (a KPI undefined in that replication, e.g. retention in a one-year run) are left
out; for paired methods the whole pair is left out. ``n`` says how many values (or pairs) were
used. With fewer than two values the bounds are NaN: one replication says nothing about spread.

- `t_interval`: mean and Student-t interval, ``mean ± t(1-a/2, n-1) · s / sqrt(n)``.
- `paired_difference`: the t-interval of the per-replication differences ``x_r - y_r``. Under
  common random numbers replication r of every policy shares the seed, so ``x_r`` and ``y_r``
  are positively correlated and the paired interval is much narrower than comparing two
  independent intervals.
- `ratio_of_means`: ``R = mean(num) / mean(den)`` (e.g. ROI = incremental profit / policy cost)
  with a delta-method (linearisation) interval, or a percentile bootstrap over replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy import stats as _sps

__all__ = [
    "Interval",
    "bootstrap_ratio_of_means",
    "paired_difference",
    "ratio_of_means",
    "t_interval",
    "t_quantile",
]

NAN = float("nan")


class Interval(NamedTuple):
    """An estimate with its two-sided confidence interval and the sample size behind it."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero (a clear difference)."""
        return bool(self.low > 0 or self.high < 0)


def _check_level(level: float) -> float:
    if not (isinstance(level, (int, float)) and 0.0 < level < 1.0):
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return float(level)


def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    return arr[~np.isnan(arr)]


def t_quantile(level: float, df: int) -> float:
    """The two-sided Student-t critical value t(1 - (1 - level)/2, df)."""
    level = _check_level(level)
    return float(_sps.t.ppf(0.5 + level / 2.0, df)) if df >= 1 else NAN


def t_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Mean of `values` with a Student-t confidence interval (NaN values left out)."""
    level = _check_level(level)
    x = _finite(values)
    n = int(x.size)
    if n == 0:
        return Interval(NAN, NAN, NAN, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, NAN, NAN, n)
    half = t_quantile(level, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(
    x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, level: float = 0.95
) -> Interval:
    """Mean of the paired differences ``x_r - y_r`` with its paired-t interval.

    `x` and `y` must have the same length: position r of both is replication r (same seed).
    Pairs with a NaN on either side are left out.
    """
    a = np.asarray(x, dtype=float).ravel()
    b = np.asarray(y, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired samples need equal lengths, got {a.size} and {b.size}")
    return t_interval(a - b, level)


def _pairs(
    num: Sequence[float] | np.ndarray, den: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(num, dtype=float).ravel()
    b = np.asarray(den, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired samples need equal lengths, got {a.size} and {b.size}")
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep]


def ratio_of_means(
    num: Sequence[float] | np.ndarray, den: Sequence[float] | np.ndarray, level: float = 0.95
) -> Interval:
    """``R = mean(num) / mean(den)`` with a delta-method interval.

    The linearisation ``R̂ - R ≈ mean(num - R·den) / mean(den)`` gives the standard error
    ``s(num_r - R̂·den_r) / (sqrt(n) · |mean(den)|)``; the interval uses the t(n-1) quantile
    like the other methods here. NaN when ``mean(den)`` is 0 (e.g. a policy that spent nothing).
    """
    level = _check_level(level)
    a, b = _pairs(num, den)
    n = int(a.size)
    if n == 0 or b.mean() == 0:
        return Interval(NAN, NAN, NAN, n)
    r = float(a.mean() / b.mean())
    if n < 2:
        return Interval(r, NAN, NAN, n)
    resid = a - r * b
    se = float(resid.std(ddof=1)) / (math.sqrt(n) * abs(float(b.mean())))
    half = t_quantile(level, n - 1) * se
    return Interval(r, r - half, r + half, n)


def bootstrap_ratio_of_means(
    num: Sequence[float] | np.ndarray,
    den: Sequence[float] | np.ndarray,
    level: float = 0.95,
    *,
    n_boot: int = 4000,
    seed: int = 0,
) -> Interval:
    """``R = mean(num) / mean(den)`` with a percentile bootstrap over replications (pairs kept).

    Deterministic for a given `seed`. Resamples whose denominator mean is 0 are dropped.
    """
    level = _check_level(level)
    a, b = _pairs(num, den)
    n = int(a.size)
    if n == 0 or b.mean() == 0:
        return Interval(NAN, NAN, NAN, n)
    r = float(a.mean() / b.mean())
    if n < 2:
        return Interval(r, NAN, NAN, n)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(int(n_boot), n))
    num_m, den_m = a[idx].mean(axis=1), b[idx].mean(axis=1)
    ok = den_m != 0
    ratios = num_m[ok] / den_m[ok]
    alpha = 1.0 - level
    low, high = np.quantile(ratios, [alpha / 2, 1 - alpha / 2])
    return Interval(r, float(low), float(high), n)
