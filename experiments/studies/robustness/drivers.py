"""Which assumptions decide a policy's Δprofit: three driver analyses, one table shape.

- ``sobol``: Sobol' total-order indices ST with bootstrap CIs (SALib), from a Saltelli design:
  the share of Δprofit's variance that involves the assumption (alone or with others).
- ``morris``: Morris screening (SALib): mu* = mean |elementary effect| of the assumption,
  per full range (designs live in the unit cube), with bootstrap CIs.
- ``rank``: for Latin hypercube / Sobol' sequence designs too small for either, standardized
  rank regression coefficients (SRRC: least squares of the ranks of Δprofit on the ranks of
  the assumptions, all standardized), with t intervals; |SRRC| is the importance, its sign the
  direction. With fewer than 2(D+1) scenarios the regression's few residual degrees of freedom
  make it noisy, and Spearman's rank correlation (with a Fisher-z interval, Bonett-Wright
  standard error) is used instead:
  for independent inputs (a Latin hypercube) it estimates the same monotone effect, with a
  noise of about 1/sqrt(S) whatever D. Monotone effects only (docs/robustness.md).

Each returns one row per parameter: parameter, importance, ci_low, ci_high, direction (+1: a
higher value raises Δprofit), method; `rank_drivers` adds the rank (1 = most important).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = ("parameter", "importance", "ci_low", "ci_high", "direction", "method")


def _ranks(a: np.ndarray) -> np.ndarray:
    return np.apply_along_axis(stats.rankdata, 0, a)


def _standardize(a: np.ndarray) -> np.ndarray:
    sd = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _abs_interval(lo: float, hi: float) -> tuple[float, float]:
    """Interval of |b| from an interval of b."""
    if lo <= 0 <= hi:
        return 0.0, max(abs(lo), abs(hi))
    return min(abs(lo), abs(hi)), max(abs(lo), abs(hi))


def _spearman_interval(rho: float, n: int, z: float) -> tuple[float, float]:
    """Interval of |rho| from Fisher's z with Bonett and Wright's (2000) standard error for
    Spearman's rho, sqrt((1 + rho^2 / 2) / (n - 3)). A perfect rank correlation among a few
    scenarios happens by chance (1 in 12 for each assumption with 4 scenarios), so rho is
    held within 1 - 1/n^2 rather than at +-1, where the interval would collapse; with 3
    scenarios or fewer there is no interval (0 to 1)."""
    if n <= 3:
        return 0.0, 1.0
    r = float(np.clip(rho, -(1 - 1 / n**2), 1 - 1 / n**2))
    half = z * np.sqrt((1 + r * r / 2) / (n - 3))
    f = np.arctanh(r)
    return _abs_interval(float(np.tanh(f - half)), float(np.tanh(f + half)))


def rank_importance(
    unit: np.ndarray, y: np.ndarray, names: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """SRRC (or Spearman when S < 2(D+1)) of y on each column of `unit`."""
    x = np.asarray(unit, float)
    y = np.asarray(y, float)
    n, d = x.shape
    rows = []
    if np.ptp(y) == 0:
        return pd.DataFrame([(p, 0.0, 0.0, 0.0, 0, "rank") for p in names], columns=list(COLUMNS))
    if n >= 2 * (d + 1):
        xr = _standardize(_ranks(x))
        yr = _standardize(stats.rankdata(y))
        design = np.column_stack([np.ones(n), xr])
        coef, *_ = np.linalg.lstsq(design, yr, rcond=None)
        resid = yr - design @ coef
        dof = n - d - 1
        sigma2 = float(resid @ resid) / dof
        cov = sigma2 * np.linalg.pinv(design.T @ design)
        se = np.sqrt(np.clip(np.diag(cov)[1:], 0, None))
        t = stats.t.ppf(0.5 + level / 2, dof)
        for j, p in enumerate(names):
            b = float(coef[j + 1])
            lo, hi = _abs_interval(b - t * se[j], b + t * se[j])
            rows.append((p, abs(b), lo, hi, int(np.sign(b)), "srrc"))
    else:
        z = stats.norm.ppf(0.5 + level / 2)
        for j, p in enumerate(names):
            rho = float(stats.spearmanr(x[:, j], y).statistic) if np.ptp(x[:, j]) else 0.0
            rho = 0.0 if not np.isfinite(rho) else rho
            lo, hi = _spearman_interval(rho, n, z)
            rows.append((p, abs(rho), lo, hi, int(np.sign(rho)), "spearman"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def sobol_total(
    problem: dict, y: np.ndarray, names: Sequence[str], level: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Sobol' total-order indices of the Saltelli design's output (SALib), for `names`."""
    from SALib.analyze import sobol

    y = np.asarray(y, float)
    if np.ptp(y) == 0:
        return pd.DataFrame([(p, 0.0, 0.0, 0.0, 0, "sobol") for p in names], columns=list(COLUMNS))
    res = sobol.analyze(
        problem, y, calc_second_order=False, conf_level=level, seed=seed, print_to_console=False
    )
    idx = {p: i for i, p in enumerate(problem["names"])}
    rows = []
    for p in names:
        st, conf = float(res["ST"][idx[p]]), float(res["ST_conf"][idx[p]])
        # the index has no sign: `drivers_table` adds the direction from a rank correlation
        rows.append((p, st, max(st - conf, 0.0), st + conf, 0, "sobol"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def morris_screening(
    problem: dict,
    unit: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris mu* (mean |elementary effect|, per full range) with bootstrap CIs (SALib)."""
    from SALib.analyze import morris

    y = np.asarray(y, float)
    if np.ptp(y) == 0:
        return pd.DataFrame([(p, 0.0, 0.0, 0.0, 0, "morris") for p in names], columns=list(COLUMNS))
    res = morris.analyze(
        problem,
        np.asarray(unit, float),
        y,
        conf_level=level,
        num_levels=4,
        seed=seed,
        print_to_console=False,
    )
    idx = {p: i for i, p in enumerate(problem["names"])}
    rows = []
    for p in names:
        i = idx[p]
        mu_star, conf, mu = (float(res[k][i]) for k in ("mu_star", "mu_star_conf", "mu"))
        rows.append(
            (p, mu_star, max(mu_star - conf, 0.0), mu_star + conf, int(np.sign(mu)), "morris")
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def rank_drivers(table: pd.DataFrame) -> pd.DataFrame:
    """Sort by importance (largest first) and number the ranks."""
    out = table.sort_values(["importance", "parameter"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def drivers_table(
    method: str,
    problem: dict,
    unit: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Ranked drivers of one policy's Δprofit by `method` (``sobol`` | ``morris`` | ``rank``),
    restricted to `names` (the assumptions that can move this policy)."""
    if method == "sobol":
        out = sobol_total(problem, y, names, level, seed)
        # direction from Spearman's rho on the whole design (the Sobol' index has no sign)
        cols = [problem["names"].index(p) for p in names]
        for k, j in enumerate(cols):
            rho = stats.spearmanr(unit[:, j], y).statistic if np.ptp(y) else 0.0
            out.loc[k, "direction"] = int(np.sign(np.nan_to_num(rho)))
    elif method == "morris":
        out = morris_screening(problem, unit, y, names, level, seed)
    elif method == "rank":
        cols = [problem["names"].index(p) for p in names]
        out = rank_importance(np.asarray(unit)[:, cols], y, names, level)
    else:
        raise ValueError(f"unknown driver method {method!r}")
    return rank_drivers(out)
