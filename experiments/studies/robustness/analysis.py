"""Robustness statistics over scenarios: chance of beating the baseline, of being best, regret.

Input is the per-scenario mean of each policy's KPIs over its replications (common random
numbers: within a scenario every policy met the same seeds, so the difference to the baseline
is paired). A "scenario" is one combination of the uncertain assumptions; the probabilities
are shares of the sampled scenarios, i.e. of the plausible ranges (docs/robustness.md), and
include what seed noise is left after averaging the replications.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest

KPIS = ("profit", "retention")
VERDICTS = ("baseline", "no_effect", "robust", "likely", "depends", "unlikely", "worse")
"""Verdict keys, by the share of scenarios where a policy is more profitable than the baseline:
robust >= 95%, likely >= 75%, depends 25-75%, unlikely 5-25%, worse < 5%."""


def scenario_means(
    runs: pd.DataFrame, kpis: Sequence[str] = KPIS, *, policies: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per scenario x policy: the mean of each KPI over replications, and ``n``."""
    missing = [c for c in ("scenario", "policy", *kpis) if c not in runs.columns]
    if missing:
        raise ValueError(f"runs frame lacks columns {missing}")
    g = runs.groupby(["scenario", "policy"], sort=False)
    out = g[list(kpis)].mean()
    out["n"] = g.size()
    out = out.reset_index()
    order = list(policies) if policies is not None else list(dict.fromkeys(runs["policy"]))
    out["policy"] = pd.Categorical(out["policy"], categories=order, ordered=True)
    out = out.sort_values(["scenario", "policy"]).reset_index(drop=True)
    out["policy"] = out["policy"].astype(str)
    return out


def scenario_deltas(means: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario x policy: KPIs, differences vs the baseline (``d_profit``,
    ``d_retention``), regret (best profit in the scenario minus this policy's) and ``best``
    (share of the win when tied: 1 / number of policies sharing the top profit)."""
    if baseline not in set(means["policy"]):
        raise ValueError(f"baseline {baseline!r} is not among the policies")
    out = means.copy()
    base = means[means["policy"] == baseline].set_index("scenario")
    for k in KPIS:
        if k in out.columns:
            out[f"d_{k}"] = out[k].to_numpy() - out["scenario"].map(base[k]).to_numpy()
    top = out.groupby("scenario")["profit"].transform("max")
    out["regret"] = top - out["profit"]
    winners = out["profit"] >= top
    n_win = winners.groupby(out["scenario"]).transform("sum")
    out["best"] = np.where(winners, 1.0 / n_win, 0.0)
    return out


def share_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson interval of a share k/n (scenarios are independent draws of the ranges)."""
    if n == 0:
        return (np.nan, np.nan)
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return (float(ci.low), float(ci.high))


def verdict(
    p_beat: float,
    is_baseline: bool = False,
    no_effect: bool = False,
    ci: tuple[float, float] | None = None,
) -> str:
    """The verdict key of a policy from its share of scenarios beating the baseline. With the
    share's interval `ci`, an extreme verdict needs its interval clear of the middle band: a
    share of 4 in 4 scenarios (Wilson 51%-100%) is "likely", not "robust" (and 0 in 4 is
    "unlikely", not "worse"), so a few scenarios never claim "almost all assumptions"."""
    if is_baseline:
        return "baseline"
    if no_effect:
        return "no_effect"
    lo, hi = ci if ci is not None else (p_beat, p_beat)
    if p_beat >= 0.95:
        return "robust" if lo >= 0.75 else "likely"
    if p_beat >= 0.75:
        return "likely" if lo >= 0.25 else "depends"
    if p_beat >= 0.25:
        return "depends"
    if p_beat >= 0.05:
        return "unlikely" if hi <= 0.75 else "depends"
    return "worse" if hi <= 0.25 else "unlikely"


def robust_ranking(deltas: pd.DataFrame, baseline: str, level: float = 0.95) -> pd.DataFrame:
    """The robust ranking table, one row per policy, ranked by expected regret (ties: worst-case
    regret, then chance of beating the baseline).

    Columns: rank, policy, verdict, scenarios, p_beat_profit (+ Wilson CI), p_beat_retention
    (+ CI), p_best, d_profit mean / min / p05 / median / p95 / max, d_retention mean,
    regret_mean, regret_max. Note that ranking by expected regret is ranking by mean profit
    over scenarios; worst-case regret is the minimax-regret criterion.
    """
    rows = []
    for p, g in deltas.groupby("policy", sort=False):
        n = len(g)
        dp = g["d_profit"].to_numpy(float)
        k_profit = int((dp > 0).sum())
        lo, hi = share_ci(k_profit, n, level)
        row = {
            "policy": p,
            "scenarios": n,
            "p_beat_profit": k_profit / n,
            "p_beat_profit_ci_low": lo,
            "p_beat_profit_ci_high": hi,
        }
        if "d_retention" in g:
            dr = g["d_retention"].to_numpy(float)
            ok = np.isfinite(dr)  # retention needs two simulated years: NaN in shorter runs
            k_ret, n_ret = int((dr[ok] > 0).sum()), int(ok.sum())
            rlo, rhi = share_ci(k_ret, n_ret, level)
            row.update(
                p_beat_retention=k_ret / n_ret if n_ret else np.nan,
                p_beat_retention_ci_low=rlo,
                p_beat_retention_ci_high=rhi,
                d_retention_mean=float(dr[ok].mean()) if n_ret else np.nan,
            )
        row.update(
            p_best=float(g["best"].mean()),
            d_profit_mean=float(dp.mean()),
            d_profit_min=float(dp.min()),
            d_profit_p05=float(np.quantile(dp, 0.05)),
            d_profit_median=float(np.median(dp)),
            d_profit_p95=float(np.quantile(dp, 0.95)),
            d_profit_max=float(dp.max()),
            p_loss=float((dp < 0).mean()),
            regret_mean=float(g["regret"].mean()),
            regret_max=float(g["regret"].max()),
        )
        no_effect = bool(np.all(dp == 0)) and (
            "d_retention" not in g
            or bool(np.all((g["d_retention"] == 0) | g["d_retention"].isna()))
        )
        row["verdict"] = verdict(row["p_beat_profit"], p == baseline, no_effect, (lo, hi))
        rows.append(row)
    table = pd.DataFrame(rows)
    table = table.sort_values(
        ["regret_mean", "regret_max", "p_beat_profit"], ascending=[True, True, False], kind="stable"
    ).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    cols = ["rank", "policy", "verdict"] + [
        c for c in table.columns if c not in ("rank", "policy", "verdict")
    ]
    return table[cols]


def _share(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:.0%}"


def format_ranking(table: pd.DataFrame, baseline: str, symbol: str = "¥") -> str:
    """The printed robust ranking (one line per policy), money headed by the store's
    currency `symbol`."""
    head = [
        "rank",
        "policy",
        "verdict",
        "P(Δprofit>0)",
        "P(Δret>0)",
        "P(best)",
        *(
            f"{h} {symbol}".rstrip()
            for h in ("Δprofit mean", "Δprofit 5–95%", "regret mean", "regret max")
        ),
    ]
    lines = []
    for _, r in table.iterrows():
        lines.append(
            [
                str(r["rank"]),
                str(r["policy"]),
                str(r["verdict"]),
                f"{r['p_beat_profit']:.0%}",
                _share(r.get("p_beat_retention", np.nan)),
                f"{r['p_best']:.0%}",
                f"{r['d_profit_mean']:+,.0f}",
                f"{r['d_profit_p05']:+,.0f} … {r['d_profit_p95']:+,.0f}",
                f"{r['regret_mean']:,.0f}",
                f"{r['regret_max']:,.0f}",
            ]
        )
    widths = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(head)]
    left = {1, 2}

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, lines)]
    out.append(
        f"P = share of scenarios (plausible assumptions) where the policy beats {baseline} "
        "(mean over replications, same seeds); regret = best policy's profit − this one's, "
        "per scenario; ranked by mean regret"
    )
    return "\n".join(out)
