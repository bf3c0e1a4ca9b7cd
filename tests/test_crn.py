"""Common random numbers: policies compared under one seed see the same market and shocks."""

from __future__ import annotations

import numpy as np
import pytest

from sim import RetailModel, default_market
from sim.policies import StorePolicy
from sim.rng import KeyedDraws

MARKET = default_market(n_customers=4000, years=2)


class Neutral(StorePolicy):
    """Overrides every hook but changes nothing (SEEDS: none; a test double)."""

    name = "neutral_test_double"
    classifier = {"source": "test", "targets": "nobody", "cost": "none"}

    def plan(self, t):
        self.rng.random()  # a policy's own stream never disturbs the core streams

    def utility(self, rows):
        return np.zeros(rows.size)

    def discount(self, t, rows, list_amounts):
        return np.zeros(rows.size)

    def service(self, t, rows):
        return np.zeros(rows.size)

    def on_purchases(self, t, rows, amounts):
        self.rng.random(rows.size)

    def housekeeping(self, t):
        self.rng.random(100)


def test_a_policy_that_changes_nothing_changes_nothing():
    base = RetailModel(market=MARKET, seed=4).run()
    neutral = RetailModel(market=MARKET, policies=[Neutral()], seed=4).run()
    frame = neutral.metrics_frame()
    assert (frame.pop("cost_neutral_test_double") == 0).all()
    assert base.metrics_frame().equals(frame)
    stores = neutral.summary()["stores"]
    for kpis in stores.values():
        assert kpis.pop("cost_neutral_test_double") == 0
    assert base.summary()["stores"] == stores


def test_same_seed_same_population_whatever_the_policy():
    a = RetailModel(market=MARKET, seed=9)
    b = RetailModel(market=MARKET, policies=["gift_budget"], seed=9)
    for name in ("cls", "home", "work", "rate", "spend", "state", "indices"):
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name)), name


def test_paired_differences_vary_far_less_than_runs():
    """CRN pays off: seed-to-seed spread of the policy effect is well below that of profit."""
    profits, diffs = [], []
    for seed in range(6):
        base = RetailModel(market=MARKET, seed=seed).run().summary()["focal"]["profit"]
        pol = RetailModel(market=MARKET, policies=["gift_budget"], seed=seed).run()
        profits.append(base)
        diffs.append(pol.summary()["focal"]["profit"] - base)
    assert np.std(diffs) < 0.5 * np.std(profits)


def test_keyed_draws_depend_only_on_row_tick_and_seed():
    d = KeyedDraws(1, "recruitment", 10)
    together = d.random(np.array([5, 9, 11]), 3)
    alone = d.random(np.array([9]), 3)
    assert np.array_equal(together[1], alone[0])
    assert not np.array_equal(KeyedDraws(1, "recruitment", 11).random(np.array([9]), 3), alone)
    assert not np.array_equal(KeyedDraws(2, "recruitment", 10).random(np.array([9]), 3), alone)
    u = d.random(np.arange(100_000), 1)[:, 0]
    assert 0 < u.min() and u.max() < 1
    assert u.mean() == pytest.approx(0.5, abs=0.005)
