"""Stylized facts of the default market (SEEDS 000 and 001), each checked over several seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim import RetailModel, default_market
from sim import stylized as facts

SEEDS = (21, 22, 23)


@pytest.fixture(scope="module")
def runs() -> list[RetailModel]:
    return [RetailModel(market=default_market(), seed=s).run() for s in SEEDS]


def test_top20_customers_give_60_to_85_percent_of_focal_revenue(runs):
    """SEEDS 000: ~20% of customers give ~80% of sales; we accept 60-85% per seed."""
    for m in runs:
        assert 0.60 <= facts.focal_top20_share(m) <= 0.85


def test_word_of_mouth_brings_25_per_100_satisfied_per_year(runs):
    """SEEDS 001: 100 satisfied customers bring 25 new ones (+-5)."""
    for m in runs:
        assert 20 <= facts.wom_new_per_100_satisfied(m) <= 30


def test_one_complaint_per_25_dissatisfied_experiences(runs):
    """SEEDS 001: behind 1 complaint stand 25 dissatisfied (+-30% relative, pooled over seeds)."""
    complaints = sum(m.ledger.flows["complaints"].sum() for m in runs)
    dissatisfied = sum(m.ledger.flows["dissatisfied"].sum() for m in runs)
    assert complaints / dissatisfied == pytest.approx(1 / 25, rel=0.30)


def test_resolved_complainers_stay_at_60_percent_unresolved_clearly_less():
    """SEEDS 001: 60% of complainers with a resolved complaint stay (+-5 points, pooled)."""
    totals = np.zeros(4)
    for seed in (31, 32, 33, 34):
        m = RetailModel(market=default_market(n_customers=40000, years=3), seed=seed).run()
        stay_r, stay_u, n_r, n_u = facts.complainer_stay_rates(m)
        totals += [stay_r * n_r, n_r, stay_u * n_u, n_u]
    resolved_rate = totals[0] / totals[1]
    unresolved_rate = totals[2] / totals[3]
    assert totals[1] > 400
    assert resolved_rate == pytest.approx(0.60, abs=0.05)
    assert unresolved_rate < resolved_rate - 0.2


def test_county_elites_drift_to_the_prefecture_over_five_years(five_year_runs):
    """SEEDS 000: county elites' share of spend in the prefecture city rises year by year."""
    for m in five_year_runs:
        share = facts.elite_spend_share_by_year(m)
        assert len(share) == 5
        assert share.iloc[-1] > share.iloc[0] + 0.1
        assert np.polyfit(share.index, share.values, 1)[0] > 0


def test_new_cohort_retention_rises_with_tenure(five_year_runs):
    """SEEDS 001: loyal customers buy for longer; a cohort's yearly retention rises with tenure."""
    curves = np.array([facts.cohort_retention(m).to_numpy() for m in five_year_runs])
    mean = curves.mean(axis=0)
    assert len(mean) == 4
    assert mean[1] > mean[0] and mean[2] > mean[0]
    assert mean[-1] > mean[0] + 0.1
