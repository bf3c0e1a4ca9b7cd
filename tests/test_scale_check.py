"""The scale check by simulation (issue 21): every policy and the baseline again at half and double
the market's size; when a clear verdict changes sign there, the report says so in one sentence.

A planted size-dependent policy (a utility bonus that earns with every customer, against a fixed
cost a week) loses money in a store half the size and pays in the market's own: the check finds
it, writes scale.csv and says so in both languages. The rule itself is tested on planted runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.studies.comparison import compare
from experiments.studies.comparison.scale import SIZES, direction, scale_table
from experiments.studies.comparison.scale_text import scale_lines
from experiments.studies.comparison.text import answer
from experiments.studies.comparison.vocab import REPORT_TEXT
from sim import ConfigError, default_market
from sim.policies import StorePolicy


class SizeBound(StorePolicy):
    """Planted: every customer likes the store ``bonus`` more (a gain that grows with the
    customers served) and the store pays ``fixed_cost`` a year, spread over the weeks."""

    name = "size_bound"

    def __init__(self, bonus: float = 1.0, fixed_cost: float = 0.0) -> None:
        super().__init__()
        self.bonus = float(bonus)
        self.fixed_cost = float(fixed_cost)

    def plan(self, t: int) -> None:
        self.spend(t, self.fixed_cost / self.model.calendar.ticks_per_year)

    def utility(self, rows: np.ndarray) -> np.ndarray:
        return np.full(rows.size, self.bonus)

    def yearly_fixed_cost(self, params: dict) -> float:
        return float(params["fixed_cost"])


LABELS = {"none": "Doing nothing", "p": "Planted"}


def planted_runs(diffs: dict[float, list[float]]) -> pd.DataFrame:
    """Runs of the baseline (profit 1,000) and policy p (1,000 + diff) at each size."""
    rows = []
    for size, ds in diffs.items():
        for r, d in enumerate(ds):
            rows.append({"size": size, "policy": "none", "replication": r, "profit": 1000.0})
            rows.append({"size": size, "policy": "p", "replication": r, "profit": 1000.0 + d})
    return pd.DataFrame(rows)


class Plan:
    policies = ["none", "p"]
    baseline = "none"
    replications = 10
    level = 0.95
    market = default_market(n_customers=1000)


def table(diff: float, verdict: str) -> pd.DataFrame:
    rows = []
    for p, d, v in (("none", 0.0, "baseline"), ("p", diff, verdict)):
        rows.append(
            {"policy": p, "kpi": "profit", "mean": 1000 + d, "ci_low": 0, "ci_high": 0}
            | {"diff_mean": d, "diff_ci_low": d - 10, "diff_ci_high": d + 10, "verdict": v}
            | {"rank": 1 if p == "p" else 2}
        )
    return pd.DataFrame(rows)


def test_a_clear_gain_that_every_half_size_run_loses_is_a_sign_change():
    runs = planted_runs({0.5: [-50.0, -20.0], 2.0: [300.0, 250.0]})
    s = scale_table(runs, Plan, table(100.0, "better"))
    half = s[s["size"] == 0.5].iloc[0]
    assert half["verdict"] == "worse" and bool(half["sign_change"])
    assert half["n_customers"] == 500 and half["runs_loss"] == 2
    assert not s[s["size"] == 2.0]["sign_change"].any()
    t = REPORT_TEXT["en"]
    lines = scale_lines(["p"], LABELS, {"p": 50.0}, {"p": 0.0}, s, 2.0, "¥", t)
    assert lines == [
        "Size matters for Planted: simulated in a store half this size (500 customers) it "
        "loses money, -¥18 a year (all 2 runs agree), against +¥50 a year at this size."
    ]
    zh = scale_lines(["p"], LABELS, {"p": 50.0}, {"p": 0.0}, s, 2.0, "¥", REPORT_TEXT["zh"])
    assert "规模减半" in zh[0] and "会亏钱" in zh[0]


def test_runs_that_disagree_or_an_unclear_verdict_are_no_sign_change():
    runs = planted_runs({0.5: [-50.0, 20.0], 2.0: [-300.0, -250.0]})
    s = scale_table(runs, Plan, table(100.0, "better"))
    assert s[s["size"] == 0.5]["verdict"].iloc[0] == "unclear"
    assert bool(s[s["size"] == 2.0]["sign_change"].iloc[0])  # better -> every run worse
    s = scale_table(runs, Plan, table(5.0, "unclear"))
    assert not s["sign_change"].any()
    assert direction(np.zeros(3)) == "same" and direction(np.array([])) == "unclear"


def test_a_simulated_size_that_holds_silences_the_fixed_cost_rule():
    runs = planted_runs({0.5: [30.0, 40.0], 2.0: [300.0, 250.0]})
    s = scale_table(runs, Plan, table(100.0, "better"))
    t = REPORT_TEXT["en"]
    # fixed cost 80 a year > gain 50 a year: the rule would say "may not pay in a smaller
    # store", but the half size was simulated and still pays: the simulation speaks instead
    lines = scale_lines(["p"], LABELS, {"p": 50.0}, {"p": 80.0}, s, 2.0, "¥", t)
    assert len(lines) == 1 and lines[0].startswith("Simulated again with 500 and 2,000")
    # without the simulation the rule speaks
    lines = scale_lines(["p"], LABELS, {"p": 50.0}, {"p": 80.0}, None, 2.0, "¥", t)
    assert "may not pay in a smaller store" in lines[0]


def test_scale_check_option_is_declared_and_checked_before_any_run():
    from experiments.common import check_compare_options
    from experiments.studies.comparison import make_plan

    with pytest.raises(ConfigError, match="scale_check"):
        check_compare_options({"scale_check": -1})
    with pytest.raises(ConfigError, match="scale_check"):
        make_plan(default_market(n_customers=500), ["none"], scale_check="two")
    assert SIZES == (0.5, 2.0)


@pytest.mark.slow
def test_a_planted_size_dependent_policy_triggers_the_simulated_sentence(tmp_path):
    """Planted: the bonus earns ~¥300,000-350,000 a year at 2,400 customers and ~¥150,000-190,000
    at 1,200 (measured, seeds 0-3); a fixed ¥230,000 a year sits between, so the policy pays
    clearly at the market's size and loses in every half-size run."""
    market = default_market(n_customers=2400, years=1)
    planted = {
        "_target_": f"{__name__}.SizeBound",
        "bonus": 1.0,
        "fixed_cost": 230_000.0,
    }
    result = compare(
        market,
        ["none", planted],
        replications=4,
        scale_check=2,
        workers=1,
        store=tmp_path / "store",
        progress=False,
    )
    s = result.scale
    assert s is not None and set(s["size"]) == {1.0, *SIZES}
    row = s[(s["policy"] == "SizeBound") & (s["size"] == 0.5)].iloc[0]
    assert bool(row["sign_change"]) and row["verdict"] == "worse", s
    from experiments.analysis.statistics import wide

    meta = {"years": 1.0, "n_customers": 2400, "baseline": "none"}
    labels = {"none": "Doing nothing", "SizeBound": "Planted"}
    en = answer(wide(result.table), "none", labels, "en", meta, s)
    assert sum("Size matters for Planted" in ln for ln in en) == 1, en
    assert not any("may not pay" in ln for ln in en)  # the simulation speaks, not the rule
    zh = answer(wide(result.table), "none", labels, "zh", meta, s)
    assert sum("Planted的结论随门店规模而变" in ln for ln in zh) == 1, zh
    # the runs are study runs: a second comparison reuses every one from the run store
    again = compare(
        market,
        ["none", planted],
        replications=4,
        scale_check=2,
        workers=1,
        store=tmp_path / "store",
        progress=False,
    )
    assert again.scale_frames.reused == len(again.scale_frames.keys)
    pd.testing.assert_frame_equal(again.scale, s)
