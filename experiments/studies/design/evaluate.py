"""How a design trial is judged: its runs, paired with the baseline's, reduced to objectives.

Every candidate is simulated with the same seeds (and, for a robust objective, in the same
scenarios) as the baseline, so each replication gives a paired difference. ``profit`` is the
difference in the focal store's profit per year, ``retention`` in retention (percentage points).
Across scenarios the differences are reduced as EMA Workbench's robust optimisation does:

- ``mean``: the average over scenarios (per replication, then a t-interval over replications);
- ``worst``: the scenario where the candidate does worst (maximin);
- ``regret``: minus the largest shortfall against the better of doing nothing and the shipped
  setting of the same policy in that scenario (minimax regret against known alternatives,
  which, unlike regret against the best trial so far, does not move while the search runs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.engine.specs import RunSpec, policy_entries
from sim.config import MarketConfig
from sim.stats import Interval, t_interval

BASELINE = -1
SHIPPED = -2
"""Trial labels of the reference runs: the baseline and the policy at its shipped settings."""


@dataclass(frozen=True)
class Scenario:
    market: MarketConfig
    overrides: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Outcome:
    """A trial's objectives (each an `Interval`) and its mean profit difference per scenario."""

    profit: Interval
    retention: Interval | None
    per_scenario: tuple[float, ...]

    def values(self, objectives: Sequence[str]) -> list[float]:
        out = []
        for o in objectives:
            iv = self.profit if o == "profit" else self.retention
            out.append(float(iv.mean) if iv is not None else float("nan"))
        return out


def scenarios(plan: Any, *, fresh: bool = False) -> list[Scenario]:
    """The plan's market, or `plan.scenarios` draws of its uncertain assumptions (fresh draws
    for re-evaluation, so a winner is not tuned to the search's own scenarios either)."""
    if not plan.robust:
        return [Scenario(plan.market, {})]
    from experiments.studies.robustness.design import sample
    from experiments.studies.robustness.plan import scenario_market
    from experiments.studies.robustness.ranges import policy_overrides

    seed = plan.seed + (1_000_000 if fresh else 0)
    design = sample(list(plan.ranges), plan.scenarios, "lhs", seed=seed)
    out = []
    for _, row in design.values.iterrows():
        values = row.to_dict()
        out.append(
            Scenario(
                scenario_market(plan.market, plan.ranges, values),
                policy_overrides(plan.ranges, values),
            )
        )
    return out


def trial_specs(
    label: int,
    entries: Sequence[Mapping[str, Any]],
    seeds: Sequence[int],
    scens: Sequence[Scenario],
) -> list[RunSpec]:
    """Every scenario x replication of one candidate (labels: trial, scenario, replication)."""
    from experiments.studies.robustness.ranges import apply_to_entries

    specs = []
    for s, scen in enumerate(scens):
        ents = policy_entries(list(apply_to_entries(entries, scen.overrides)))
        for r, seed in enumerate(seeds):
            specs.append(
                RunSpec(
                    market=scen.market,
                    policies=ents,
                    seed=seed,
                    labels={"trial": label, "scenario": s, "replication": r},
                )
            )
    return specs


def _cube(runs: pd.DataFrame, kpi: str, labels: Sequence[int]) -> dict[int, np.ndarray]:
    """trial -> array[scenario, replication] of one KPI."""
    wide = runs.pivot_table(
        index=["trial", "scenario"], columns="replication", values=kpi, dropna=False
    )
    return {t: wide.loc[t].to_numpy(dtype=float) for t in labels}


def _reduce(diff: np.ndarray, mode: str | None, level: float, ref: np.ndarray | None) -> Interval:
    """One objective from differences [scenario, replication] (see the module docstring);
    an all-NaN KPI (retention of a one-year run) gives a NaN interval without a warning."""
    if np.isnan(diff).all():
        return t_interval([], level)
    if diff.shape[0] == 1 or mode in (None, "mean"):
        return t_interval(np.nanmean(diff, axis=0), level)
    means = np.nanmean(diff, axis=1)
    if mode == "worst":
        return t_interval(diff[int(np.nanargmin(means))], level)
    assert ref is not None
    shortfall = ref - means
    s = int(np.nanargmax(shortfall))
    return t_interval(diff[s] - ref[s], level)


def outcomes(
    runs: pd.DataFrame,
    labels: Sequence[int],
    *,
    years: float,
    objectives: Sequence[str],
    robust: str | None,
    level: float,
) -> dict[int, Outcome]:
    """Each trial's `Outcome` from a runs frame that holds it and the reference runs."""
    want = [*labels, BASELINE] + ([SHIPPED] if robust == "regret" else [])
    profit = _cube(runs, "profit", want)
    retention = _cube(runs, "retention", want) if "retention" in objectives else {}
    ref_p = ref_r = None
    if robust == "regret":
        shipped = (profit[SHIPPED] - profit[BASELINE]) / years
        ref_p = np.maximum(np.nanmean(shipped, axis=1), 0.0)
        if retention:
            shipped_r = 100 * (retention[SHIPPED] - retention[BASELINE])
            ref_r = np.maximum(np.nanmean(shipped_r, axis=1), 0.0)
    out = {}
    for t in labels:
        d = (profit[t] - profit[BASELINE]) / years
        ret = None
        if retention:
            ret = _reduce(100 * (retention[t] - retention[BASELINE]), robust, level, ref_r)
        out[t] = Outcome(
            profit=_reduce(d, robust, level, ref_p),
            retention=ret,
            per_scenario=tuple(float(v) for v in np.nanmean(d, axis=1)),
        )
    return out


def paired(runs: pd.DataFrame, a: int, b: int, *, years: float, level: float) -> Interval:
    """Trial `a` minus trial `b` in profit per year, paired by seed (and scenario): e.g. the
    designed setting against the shipped one on the same fresh customers."""
    cube = _cube(runs, "profit", [a, b])
    return t_interval(np.nanmean((cube[a] - cube[b]) / years, axis=0), level)
