"""The comparison's statistics and its printed table: CIs, paired differences, ROI, ranking.

Replication r of every policy runs with the same seed: all policies meet the same population
and the same exogenous shocks, so per-seed differences against the baseline isolate the
policy effect and their paired t-interval is tight (docs/comparison.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.metrics import KPIS
from sim.stats import bootstrap_ratio_of_means, paired_difference, ratio_of_means, t_interval

HEADLINE_KPIS = ("profit", "retention", "vip_retention", "policy_cost", "revenue", "roi")
"""The KPIs of the ranked table and the report, in that order (`roi` is derived)."""
RATE_KPIS = frozenset({"retention", "vip_retention", "top20_revenue_share"})
ROI_METHODS = ("delta", "bootstrap")


def comparison_table(
    runs: pd.DataFrame,
    baseline: str,
    *,
    level: float = 0.95,
    roi_method: str = "delta",
    kpis: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tidy table, one row per policy x KPI: mean and CI, paired difference vs baseline and CI.

    ``diff_pct*`` are the difference and its bounds as a share of the baseline mean (left NaN
    for rates, whose differences are read in percentage points). The derived KPI ``roi`` is
    (incremental profit over the baseline) / policy cost as a ratio of means over replications
    (`roi_method` "delta" or "bootstrap"); it has no diff columns. ``rank`` orders policies by
    mean profit difference (1 = best).
    """
    if kpis is None:
        kpis = [k for k in KPIS if k in runs.columns]
        kpis += sorted(c for c in runs.columns if c.startswith("cost_"))
    policies = list(dict.fromkeys(runs["policy"]))
    base = runs[runs["policy"] == baseline].set_index("replication").sort_index()
    rows = []
    for p in policies:
        mine = runs[runs["policy"] == p].set_index("replication").sort_index()
        common = mine.index.intersection(base.index)
        for k in kpis:
            est = t_interval(mine[k].to_numpy(float), level)
            diff = paired_difference(
                mine.loc[common, k].to_numpy(float), base.loc[common, k].to_numpy(float), level
            )
            ref = float(base[k].mean())
            scale = abs(ref) if (k not in RATE_KPIS and ref and np.isfinite(ref)) else np.nan
            rows.append(
                {
                    "policy": p,
                    "kpi": k,
                    "mean": est.mean,
                    "ci_low": est.low,
                    "ci_high": est.high,
                    "diff_mean": diff.mean,
                    "diff_ci_low": diff.low,
                    "diff_ci_high": diff.high,
                    "diff_pct": diff.mean / scale,
                    "diff_pct_ci_low": diff.low / scale,
                    "diff_pct_ci_high": diff.high / scale,
                    "n": est.n,
                }
            )
        gain = mine.loc[common, "profit"].to_numpy(float) - base.loc[common, "profit"].to_numpy(
            float
        )
        cost = mine.loc[common, "policy_cost"].to_numpy(float)
        if roi_method == "bootstrap":
            roi = bootstrap_ratio_of_means(gain, cost, level)
        else:
            roi = ratio_of_means(gain, cost, level)
        rows.append(
            {
                "policy": p,
                "kpi": "roi",
                "mean": roi.mean,
                "ci_low": roi.low,
                "ci_high": roi.high,
                "diff_mean": np.nan,
                "diff_ci_low": np.nan,
                "diff_ci_high": np.nan,
                "diff_pct": np.nan,
                "diff_pct_ci_low": np.nan,
                "diff_pct_ci_high": np.nan,
                "n": roi.n,
            }
        )
    table = pd.DataFrame(rows)
    table = _with_fdr(table, runs, baseline, [k for k in kpis if k in runs.columns], level)
    profit = table[table["kpi"] == "profit"].set_index("policy")["diff_mean"]
    order = sorted(
        policies, key=lambda p: (-np.nan_to_num(profit[p], nan=-np.inf), policies.index(p))
    )
    table["rank"] = table["policy"].map({p: i + 1 for i, p in enumerate(order)})
    table["n"] = table["n"].astype(int)
    return table.sort_values(
        ["rank", "kpi"], key=lambda s: s if s.name == "rank" else s.map(_kpi_order(kpis))
    ).reset_index(drop=True)


def _with_fdr(
    table: pd.DataFrame, runs: pd.DataFrame, baseline: str, kpis: list[str], level: float
) -> pd.DataFrame:
    """Paired t-test p-values and Benjamini–Hochberg q-values per KPI across the policies
    (false discovery rate 1 - level), and the verdict each row supports."""
    from experiments.analysis.fdr import comparison_fdr

    if len(set(runs["policy"])) < 2:
        return table.assign(p_value=np.nan, q_value=np.nan, verdict="unclear")
    fdr = comparison_fdr(runs, baseline, alpha=1 - level, kpis=kpis)
    keep = fdr[["policy", "kpi", "p_value", "q_value", "verdict"]]
    out = table.merge(keep, on=["policy", "kpi"], how="left")
    is_base = out["policy"] == baseline
    out.loc[is_base & (out["kpi"] != "roi"), "verdict"] = "baseline"
    out["verdict"] = out["verdict"].fillna("unclear")
    return out


def _kpi_order(kpis: Sequence[str]) -> dict[str, int]:
    order = list(HEADLINE_KPIS) + [k for k in kpis if k not in HEADLINE_KPIS]
    return {k: i for i, k in enumerate(order)}


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """One row per policy (ranked), columns ``<kpi>_<stat>``: handy for tables and the report."""
    w = table.pivot(index="policy", columns="kpi")
    w.columns = [f"{k}_{stat}" for stat, k in w.columns]
    ranks = table.drop_duplicates("policy").set_index("policy")["rank"]
    return w.assign(rank=ranks).sort_values("rank")


# --------------------------------------------------------------------------- printing
def _pm(
    mean: float, low: float, high: float, fmt: str, signed: bool = False, suffix: str = ""
) -> str:
    if not np.isfinite(mean):
        return "n/a"
    sign = "+" if signed else ""
    txt = format(mean, sign + fmt) + suffix
    if np.isfinite(low) and np.isfinite(high):
        txt += " ±" + format((high - low) / 2, fmt)
    return txt


def format_ranked(
    table: pd.DataFrame, baseline: str, level: float = 0.95, symbol: str = "¥"
) -> str:
    """The printed ranked table (focal store, mean ± CI half-width; * = a clear difference in
    profit after false-discovery-rate control across the policies); money headed by the
    store's currency `symbol`."""
    w = wide(table)
    pct = f"{level:.0%}"
    head = [
        "rank",
        "policy",
        f"profit {symbol}".rstrip(),
        f"Δ profit vs {baseline}",
        "Δ %",
        "retention",
        "Δ ret. pp",
        "VIP ret.",
        f"cost {symbol}".rstrip(),
        "ROI",
    ]
    lines = []
    for p, r in w.iterrows():
        sig = ""
        if p != baseline and isinstance(r.get("profit_verdict"), str):
            sig = " *" if r["profit_verdict"] in ("better", "worse") else ""
        elif p != baseline and np.isfinite(r["profit_diff_ci_low"]):
            sig = " *" if r["profit_diff_ci_low"] > 0 or r["profit_diff_ci_high"] < 0 else ""
        lines.append(
            [
                str(int(r["rank"])),
                str(p),
                _pm(r["profit_mean"], r["profit_ci_low"], r["profit_ci_high"], ",.0f"),
                _pm(
                    r["profit_diff_mean"],
                    r["profit_diff_ci_low"],
                    r["profit_diff_ci_high"],
                    ",.0f",
                    signed=True,
                )
                + sig,
                "" if not np.isfinite(r["profit_diff_pct"]) else f"{r['profit_diff_pct']:+.1%}",
                _pm(
                    100 * r["retention_mean"],
                    100 * r["retention_ci_low"],
                    100 * r["retention_ci_high"],
                    ".1f",
                    suffix="%",
                ),
                _pm(
                    100 * r["retention_diff_mean"],
                    100 * r["retention_diff_ci_low"],
                    100 * r["retention_diff_ci_high"],
                    ".1f",
                    signed=True,
                ),
                "n/a"
                if not np.isfinite(r["vip_retention_mean"])
                else f"{r['vip_retention_mean']:.1%}",
                f"{r['policy_cost_mean']:,.0f}",
                _pm(r["roi_mean"], r["roi_ci_low"], r["roi_ci_high"], ".2f"),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in lines)) for i, h in enumerate(head)]
    align = ["r", "l", "r", "r", "r", "r", "r", "r", "r", "r"]

    def fmt(row: list[str]) -> str:
        return "  ".join(
            c.rjust(wd) if a == "r" else c.ljust(wd)
            for c, wd, a in zip(row, widths, align, strict=True)
        ).rstrip()

    out = [fmt(head), fmt(["-" * wd for wd in widths])] + [fmt(row) for row in lines]
    out.append(
        f"mean ± half-width of the {pct} CI; Δ = paired difference vs {baseline} over the "
        "same seeds; * = clear profit difference at a false discovery rate of "
        f"{1 - level:.0%} across the policies (Benjamini-Hochberg); ROI = Δ profit / policy cost"
    )
    return "\n".join(out)
