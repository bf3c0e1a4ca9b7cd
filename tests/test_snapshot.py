"""Burn-in snapshots (issue 23): a run started from a snapshot is the fresh run, bit for bit,
and the snapshot is left as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import ConfigError, RetailModel, default_market
from sim.snapshot import BurnIn

WEEKLY = default_market(n_customers=1200, years=2)
DAILY = default_market(n_customers=800, years=0.25, tick="day")
POLICIES = (
    ["none"],
    ["gift_budget", "promotions"],
    ["referral_points", "reactivation", "vip_privileges"],
)


def _population(model: RetailModel) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(model.pop).items() if isinstance(v, np.ndarray)}


def _assert_same_run(a: RetailModel, b: RetailModel) -> None:
    assert repr(a.summary()) == repr(b.summary())  # exact floats; NaN equals NaN here
    pd.testing.assert_frame_equal(a.metrics_frame(), b.metrics_frame(), check_exact=True)
    pd.testing.assert_frame_equal(a.transactions_frame(), b.transactions_frame(), check_exact=True)
    for name in a.ledger.flows:
        assert np.array_equal(a.ledger.flows[name], b.ledger.flows[name]), name
    assert a.ledger.yearly == b.ledger.yearly
    pa, pb = _population(a), _population(b)
    assert pa.keys() == pb.keys()
    for name in pa:
        assert pa[name].dtype == pb[name].dtype, name
        assert np.array_equal(pa[name], pb[name]), name


def _frozen(snap: BurnIn) -> dict[str, np.ndarray]:
    arrays = {f"pop.{k}": v.copy() for k, v in _population_of(snap).items()}
    arrays["entry_order"] = snap.entry_order.copy()
    arrays["entry_ticks_sorted"] = snap.entry_ticks_sorted.copy()
    for k, batch in snap.pending.items():
        arrays[f"pending.{k}"] = np.concatenate(batch)
    return arrays


def _population_of(snap: BurnIn) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(snap.population).items() if isinstance(v, np.ndarray)}


@pytest.mark.parametrize("market", [WEEKLY, DAILY], ids=["weekly", "daily"])
def test_a_run_from_a_snapshot_is_the_fresh_run_and_leaves_the_snapshot_alone(market):
    seed = 7
    snap = BurnIn.compute(market, seed)
    before = _frozen(snap)
    streams_before = repr(snap.streams["gens"])
    for policies in POLICIES:
        fresh = RetailModel(market=market, policies=policies, seed=seed).run()
        shared = RetailModel(market=market, policies=policies, seed=seed, burn_in=snap).run()
        _assert_same_run(fresh, shared)
    after = _frozen(snap)
    assert before.keys() == after.keys()
    for name in before:
        assert np.array_equal(before[name], after[name]), name
    assert repr(snap.streams["gens"]) == streams_before


def test_agent_activation_from_a_snapshot_matches_too():
    market = default_market(n_customers=300, years=0.5)
    snap = BurnIn.compute(market, 2)
    fresh = RetailModel(market=market, policies=["promotions"], activation="agent", seed=2).run()
    shared = RetailModel(
        market=market, policies=["promotions"], activation="agent", seed=2, burn_in=snap
    ).run()
    _assert_same_run(fresh, shared)


def test_without_a_burn_in_year_the_snapshot_is_the_settled_start():
    market = default_market(n_customers=400, years=0.5, burn_in_years=0)
    snap = BurnIn.compute(market, 4)
    fresh = RetailModel(market=market, policies=["gift_budget"], seed=4).run()
    shared = RetailModel(market=market, policies=["gift_budget"], seed=4, burn_in=snap).run()
    _assert_same_run(fresh, shared)


def test_a_snapshot_of_another_market_or_seed_is_refused():
    snap = BurnIn.compute(WEEKLY, 1)
    with pytest.raises(ConfigError, match="burn_in"):
        RetailModel(market=WEEKLY, seed=2, burn_in=snap)
    with pytest.raises(ConfigError, match="burn_in"):
        RetailModel(market=WEEKLY.replace(n_customers=1400), seed=1, burn_in=snap)
