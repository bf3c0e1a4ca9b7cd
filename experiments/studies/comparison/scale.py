"""The scale check by simulation: does a policy's verdict hold in a store half or twice this size?

A policy's fixed costs (a gala's fee, a campaign's set-up) do not shrink with the customers
served, so a policy that pays in a large store can lose money in a small one (issue 21). The
comparison runs every policy and the baseline again at half and at double the market's
``n_customers`` — the same policy money (its relative sizes resolve against the same store
profile), the same seeds ``seed .. seed+k-1`` for every policy (common random numbers) — and
stores those runs in the run store like any other (resumable, never recomputed).

The rule, in one place (`scale_table`): a policy's verdict *changes sign* at a size when its
verdict at the market's own size is clear (better or worse, as in the ranked table) and at that
size the paired profit difference has the opposite sign in every one of the ``k`` runs. Only
policies with a clear verdict (and the baseline) are run again: no other verdict can change
sign. Few runs are enough for the direction of a change that big: the default ``k = 2`` costs
about 40% of the default comparison's run time (each policy's half- and double-size runs
together take 2.5 times one run at the market's size: 5 run-lengths against the comparison's
10); the sentence says how many runs agree, and ``scale.csv`` keeps the means with their paired
intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from experiments.analysis.statistics import wide
from experiments.engine.specs import RunSpec, replicate
from sim import ConfigError, MarketConfig
from sim.stats import paired_difference

SIZES = (0.5, 2.0)
"""Multiples of the market's customers the scale check simulates (half and double)."""
COLUMNS = (
    "policy",
    "size",
    "n_customers",
    "replications",
    "profit_diff_mean",
    "profit_diff_ci_low",
    "profit_diff_ci_high",
    "runs_gain",
    "runs_loss",
    "verdict",
    "sign_change",
)


def scaled_size(n_customers: int, factor: float) -> int:
    return max(1, int(round(n_customers * factor)))


def scaled_market(market: MarketConfig, factor: float) -> MarketConfig:
    """The market with ``factor`` times its customers (everything else, the store profile and
    so the policies' money included, unchanged); a one-line error when out of range."""
    n = scaled_size(market.n_customers, factor)
    try:
        return market.replace(n_customers=n).validate()
    except ConfigError as exc:
        raise ConfigError(
            "scale_check",
            f"the market at {factor:g}x its size ({n:,} customers) is not valid ({exc}); "
            "use scale_check=0 to skip the scale check",
        ) from None


def check_scale(market: MarketConfig, replications: Any) -> int:
    """Validated scale-check replications (0 = off); a member twin is not rescaled."""
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 0:
        raise ConfigError("scale_check", f"must be an integer >= 0, got {replications!r}")
    if market.members:
        return replications  # a member twin is not rescaled (`scale_specs`; announced)
    for f in SIZES if replications else ():
        scaled_market(market, f)
    return replications


def checked_policies(plan: Any, table: pd.DataFrame) -> list[str]:
    """The baseline and every policy whose verdict at the market's size is clear (better or
    worse): only a clear verdict can change sign, so the others need no runs at other sizes."""
    w = wide(table)
    verdicts = w["profit_verdict"] if "profit_verdict" in w else pd.Series(dtype=object)
    return [
        p for p in plan.policies if p == plan.baseline or verdicts.get(p) in ("better", "worse")
    ]


def scale_specs(plan: Any, table: pd.DataFrame) -> list[RunSpec]:
    """The `checked_policies` x the first ``plan.scale_replications`` seeds at each size of
    `SIZES` (seeds as in the comparison: replication r uses seed + r for every policy)."""
    k = plan.scale_replications
    if plan.market.members:  # the focal customers are the store's own members: one size
        return []
    seeds = [plan.base_seed + r for r in range(k)]
    entries = {p: plan.entries[p] for p in checked_policies(plan, table)}
    specs: list[RunSpec] = []
    for f in SIZES if k and len(entries) > 1 else ():
        specs += replicate(
            scaled_market(plan.market, f),
            entries,
            seeds,
            activation=plan.activation,
            extra_labels={"size": f},
        )
    return specs


def scale_table(runs: pd.DataFrame, plan: Any, table: pd.DataFrame) -> pd.DataFrame:
    """One row per policy (not the baseline) x size: the market's own size from the comparison
    table (size 1), then each simulated size — mean paired profit difference with its
    interval, how many runs gained or lost, the verdict there and whether it changed sign."""
    w = wide(table)
    base = plan.baseline
    rows = []
    for p in plan.policies:
        if p == base:
            continue
        verdict = str(w.loc[p].get("profit_verdict", "unclear"))
        rows.append(
            {
                "policy": p,
                "size": 1.0,
                "n_customers": plan.market.n_customers,
                "replications": plan.replications,
                "profit_diff_mean": float(w.loc[p, "profit_diff_mean"]),
                "profit_diff_ci_low": float(w.loc[p, "profit_diff_ci_low"]),
                "profit_diff_ci_high": float(w.loc[p, "profit_diff_ci_high"]),
                "runs_gain": np.nan,
                "runs_loss": np.nan,
                "verdict": verdict,
                "sign_change": False,
            }
        )
        for f in SIZES:
            if "size" not in runs:
                break
            here = runs[runs["size"] == f]
            mine = here[here["policy"] == p].set_index("replication").sort_index()
            ref = here[here["policy"] == base].set_index("replication").sort_index()
            if mine.empty:
                continue
            common = mine.index.intersection(ref.index)
            a = mine.loc[common, "profit"].to_numpy(float)
            b = ref.loc[common, "profit"].to_numpy(float)
            d, diff = a - b, paired_difference(a, b, plan.level)
            there = direction(d)
            rows.append(
                {
                    "policy": p,
                    "size": f,
                    "n_customers": scaled_size(plan.market.n_customers, f),
                    "replications": len(d),
                    "profit_diff_mean": diff.mean,
                    "profit_diff_ci_low": diff.low,
                    "profit_diff_ci_high": diff.high,
                    "runs_gain": int((d > 0).sum()),
                    "runs_loss": int((d < 0).sum()),
                    "verdict": there,
                    "sign_change": {verdict, there} == {"better", "worse"},
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def direction(diffs: np.ndarray) -> str:
    """A simulated size's verdict: better (every run gains), worse (every run loses), same
    (no run differs) or unclear."""
    if len(diffs) == 0:
        return "unclear"
    if (diffs > 0).all():
        return "better"
    if (diffs < 0).all():
        return "worse"
    if (diffs == 0).all():
        return "same"
    return "unclear"
