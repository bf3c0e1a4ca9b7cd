"""Steady start (issue 10, item 5): year 1 of a run is no start-up transient.

Initial members are the survivors of `member_history_years` of customer turnover and the market
runs `burn_in_years` before the measured period, so the focal store's active customers, churn
and purchases in year 1 look like year 2 (the same season compared: festivals make the first
half of a year busier than the second). Without both, year 1 opens far above its level.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import RetailModel, default_market
from sim.population import CHURNED

SEEDS = (41, 42, 43, 44, 45, 46)
QUARTER = 13  # weeks


def yearly_quarters(runs: list[RetailModel]) -> np.ndarray:
    """Focal active customers, mean per quarter, pooled over runs: shape (years, 4)."""
    active = sum(m.ledger.snapshots["active"][: m.t, m.focal] for m in runs)
    return active.reshape(-1, 4, QUARTER).mean(axis=2)


def yearly_flow(runs: list[RetailModel], flow: str, store: int | None = None) -> np.ndarray:
    """A ledger flow per year, pooled over runs, at one store or (None) the whole market."""
    cols = slice(None) if store is None else store
    total = sum(m.ledger.flows[flow][: m.t, cols].reshape(m.t, -1).sum(axis=1) for m in runs)
    return total.reshape(-1, 52).sum(axis=1)


@pytest.fixture(scope="module")
def steady() -> list[RetailModel]:
    return [RetailModel(market=default_market(years=2), seed=s).run() for s in SEEDS]


@pytest.fixture(scope="module")
def cold() -> list[RetailModel]:
    market = default_market(years=2, burn_in_years=0, member_history_years=0.0)
    return [RetailModel(market=market, seed=s).run() for s in SEEDS]


def test_year_one_active_customers_match_year_two_quarter_by_quarter(steady):
    q = yearly_quarters(steady)
    assert np.abs(q[0] / q[1] - 1).max() < 0.05


def test_year_one_churn_and_purchases_match_year_two(steady):
    focal = steady[0].focal
    purchases = yearly_flow(steady, "purchases", focal)
    assert purchases[0] == pytest.approx(purchases[1], rel=0.06)
    churned = yearly_flow(steady, "churned")  # the market's: a store's own count is small
    assert churned[0] == pytest.approx(churned[1], rel=0.10)


def test_without_a_steady_start_year_one_is_a_transient(cold):
    """The check above can fail: a cold start opens well above year 2 and churns far more."""
    q = yearly_quarters(cold)
    assert q[0, 0] > 1.15 * q[1, 0]
    churned = yearly_flow(cold, "churned")
    assert churned[0] > 1.15 * churned[1]


def test_burn_in_is_not_counted_and_leaves_the_same_start_for_every_policy(steady):
    m = steady[0]
    log_ticks = m.transactions.arrays()[0]
    assert log_ticks.min() >= 0 and m.ledger.yearly[0]["year"] == 1
    assert len(m.datacollector.get_model_vars_dataframe()) == m.n_ticks
    spent = m.transactions.arrays()[3].sum()
    assert m.pop.revenue.sum() == pytest.approx(spent)
    # Every focal policy starts from the very same market state (common random numbers).
    market = default_market(n_customers=2000, years=1)
    a = RetailModel(market=market, policies=["gift_budget"], seed=5)
    b = RetailModel(market=market, seed=5)
    for name in ("state", "rate", "dropout", "last_visit", "loyalty", "satisfaction", "clock"):
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name)), name
    assert (a.pop.state == CHURNED).sum() > 0  # the burn-in ran
