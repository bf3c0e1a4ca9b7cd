"""Multiple comparisons: Benjamini–Hochberg false discovery rate over policy-vs-baseline tests.

A comparison of 12 policies against the baseline reads 12 tests per KPI; at 5% each, about one
"clearly better" in twenty true nulls is a false alarm. `fdr_adjust` turns the paired t-tests'
p-values into BH q-values (`scipy.stats.false_discovery_control`), separately per KPI (one
family = every policy against the baseline on that KPI), and gives the verdict at the chosen
false discovery rate.

    pvals = paired_pvalues(runs, baseline="none")           # runs: one row per policy x seed
    table = fdr_adjust(pvals, alpha=0.05)                    # + q_value, significant, verdict
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

FDR_KPIS = ("profit", "retention")
FDR_VERDICTS = ("better", "worse", "unclear", "same")


def paired_pvalues(
    runs: pd.DataFrame,
    baseline: str,
    kpis: Sequence[str] = FDR_KPIS,
    *,
    pair_on: str = "seed",
) -> pd.DataFrame:
    """Two-sided paired t-test of each policy against the baseline, per KPI.

    Pairs are the runs sharing `pair_on` (the seed: common random numbers). One row per
    policy (baseline excluded) x KPI: diff_mean, n, t, p_value. A policy identical to the
    baseline in every pair gets p = 1; a constant non-zero difference gets p = 0.
    """
    for c in ("policy", pair_on, *kpis):
        if c not in runs.columns:
            raise ValueError(f"runs frame lacks column {c!r}")
    if baseline not in set(runs["policy"]):
        raise ValueError(f"baseline {baseline!r} not in the runs frame")
    base = runs[runs["policy"] == baseline].set_index(pair_on)
    rows = []
    for p in dict.fromkeys(runs["policy"]):
        if p == baseline:
            continue
        mine = runs[runs["policy"] == p].set_index(pair_on)
        common = mine.index.intersection(base.index)
        for k in kpis:
            d = mine.loc[common, k].to_numpy(float) - base.loc[common, k].to_numpy(float)
            d = d[np.isfinite(d)]
            n = len(d)
            mean = float(d.mean()) if n else np.nan
            if n < 2:
                t, pv = np.nan, np.nan
            elif np.all(d == d[0]) or _constant_up_to_rounding(d):
                t, pv = (0.0, 1.0) if d[0] == 0 else (np.copysign(np.inf, d[0]), 0.0)
            else:
                res = stats.ttest_1samp(d, 0.0)
                t, pv = float(res.statistic), float(res.pvalue)
            rows.append({"policy": p, "kpi": k, "diff_mean": mean, "n": n, "t": t, "p_value": pv})
    return pd.DataFrame(rows, columns=["policy", "kpi", "diff_mean", "n", "t", "p_value"])


def _constant_up_to_rounding(d: np.ndarray) -> bool:
    """Differences whose spread is below the float64 rounding of their mean (a policy that
    differs from the baseline by the same amount in every pair, give or take the last bits):
    the t statistic is infinite in the limit, and SciPy would warn of catastrophic
    cancellation on the console instead."""
    mean = abs(float(d.mean()))
    return mean > 0 and float(np.max(np.abs(d - d.mean()))) < 10 * np.finfo(float).resolution * mean


def fdr_adjust(table: pd.DataFrame, alpha: float = 0.05, *, by: str | None = "kpi") -> pd.DataFrame:
    """Add BH ``q_value``, ``significant`` (q <= alpha) and ``verdict`` to a p-value table.

    `table` needs ``p_value`` and ``diff_mean`` (e.g. from `paired_pvalues`); families are the
    groups of column `by` (default: each KPI across policies; None = all rows one family).
    Rows without a p-value (NaN) are left out of the family and get q NaN, verdict "unclear".
    Verdicts: ``better`` / ``worse`` (significant; with a ``kpi`` column, in the direction
    that is good for the store, `kpi_direction`: a clear rise in costs or churn is ``worse``),
    ``higher`` / ``lower`` for a KPI with no better direction, ``same`` (every pair identical,
    p = 1 and diff 0), else ``unclear``.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    out = table.copy()
    q = pd.Series(np.nan, index=out.index)
    groups = [out.index] if by is None else [g.index for _, g in out.groupby(by, sort=False)]
    for idx in groups:
        p = out.loc[idx, "p_value"].astype(float)
        ok = p.notna()
        if ok.any():
            q.loc[p.index[ok]] = stats.false_discovery_control(p[ok].to_numpy(), method="bh")
    out["q_value"] = q
    out["significant"] = q <= alpha
    same = (out["p_value"] == 1.0) & (out["diff_mean"] == 0)
    # what a higher value means for each KPI: +1 better, -1 worse, 0 neither
    direction = out["kpi"].map(kpi_direction) if "kpi" in out else pd.Series(1, out.index)
    rise = out["significant"] & (out["diff_mean"] > 0)
    fall = out["significant"] & (out["diff_mean"] < 0)
    neutral = direction == 0
    out["verdict"] = np.select(
        [
            same,
            rise & neutral,
            fall & neutral,
            (rise & (direction > 0)) | (fall & (direction < 0)),
            (fall & (direction > 0)) | (rise & (direction < 0)),
        ],
        ["same", "higher", "lower", "better", "worse"],
        default="unclear",
    )
    return out


LOWER_IS_BETTER = frozenset({"policy_cost", "churned", "defected", "complaints"})
"""KPIs a store wants lower (and every ``cost_<policy>``): a clear rise is "worse"."""
NO_DIRECTION = frozenset({"top20_revenue_share"})
"""KPIs with no better direction (a store's reliance on its top customers): "higher"/"lower"."""


def kpi_direction(kpi: str) -> int:
    """+1 when a higher value is better for the store, -1 when lower is, 0 when neither."""
    if kpi in NO_DIRECTION:
        return 0
    if kpi in LOWER_IS_BETTER or str(kpi).startswith("cost_"):
        return -1
    return 1


def comparison_fdr(
    runs: pd.DataFrame,
    baseline: str,
    alpha: float = 0.05,
    kpis: Sequence[str] = FDR_KPIS,
) -> pd.DataFrame:
    """The comparison's policy-vs-baseline verdicts at false discovery rate `alpha`: paired
    t-tests from the runs frame (one row per policy x seed), BH q-values per KPI."""
    return fdr_adjust(paired_pvalues(runs, baseline, kpis), alpha)


FDR_NOTE = {
    "en": (
        "Verdicts control the false discovery rate at {alpha:.0%} across the {m} policies "
        "compared with {base} (Benjamini–Hochberg q-values of paired t-tests, per KPI): among "
        "the policies called clearly better or worse, about {alpha:.0%} at most are expected "
        "to be false alarms."
    ),
    "zh": (
        "结论在与“{base}”比较的{m}个策略之间把错误发现率控制在{alpha:.0%}"
        "（按指标分别计算配对t检验的Benjamini–Hochberg q值）："
        "被判为明显更好或更差的策略中，预计误报最多约占{alpha:.0%}。"
    ),
}
"""A sentence for the report saying how the verdicts were corrected (format with alpha, m,
base)."""
