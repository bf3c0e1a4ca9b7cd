"""CLV, retention, Lorenz/top share, value classes and A/B/C/D tiers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.clv import (
    MAX_LIFETIME_YEARS,
    VALUE_CLASSES,
    TierParams,
    ValueClassParams,
    abcd_tiers,
    buyer_top_share,
    clv,
    clv_values,
    estimate_retention,
    expected_lifetime,
    lorenz,
    retention_rate,
    tier_labels,
    top_share,
    value_classes,
)
from sim.segment_log import summarize

AS_OF = pd.Timestamp("2024-12-31")


def make_log(rows: list[tuple[object, int, float]]) -> pd.DataFrame:
    """(customer, days before AS_OF, amount) rows."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": [(AS_OF - pd.Timedelta(days=r[1])) for r in rows],
            "amount": [float(r[2]) for r in rows],
        }
    ).astype({"date": "datetime64[ns]"})


# ---------------------------------------------------------------------------- retention, CLV


def test_retention_estimated_from_previous_and_last_year() -> None:
    log = make_log(
        [
            ("a", 500, 10),
            ("a", 100, 10),  # previous year and last year: retained
            ("b", 400, 10),  # previous year only: lost
            ("c", 700, 10),
            ("c", 30, 10),  # retained
            ("d", 800, 10),  # before the previous year: not in the base
            ("e", 10, 10),  # new in the last year: not in the base
        ]
    )
    est = estimate_retention(log)
    assert (est.base, est.retained) == (3, 2)
    assert est.rate == pytest.approx(2 / 3)
    assert "2 of 3 customers" in est.describe()


def test_retention_not_estimable_on_short_log() -> None:
    est = estimate_retention(make_log([("a", 10, 1.0), ("b", 100, 2.0)]))
    assert est.base == 0 and math.isnan(est.rate)
    assert "not estimable" in est.describe()


def test_retention_rate_array_core_boundaries() -> None:
    # day 365 before as_of belongs to the previous year, day 364 to the last year
    rate, base, kept = retention_rate(np.array([0, 0, 1]), np.array([0, 1, 0]), as_of=365)
    assert (base, kept) == (2, 1) and rate == 0.5


@pytest.mark.parametrize(
    ("r", "years"), [(0.0, 1.0), (0.5, 2.0), (0.8, 5.0), (0.95, MAX_LIFETIME_YEARS), (1.0, 10.0)]
)
def test_expected_lifetime(r: float, years: float) -> None:
    assert expected_lifetime(r) == pytest.approx(years)


@pytest.mark.parametrize("r", [-0.1, 1.1, float("nan")])
def test_expected_lifetime_rejects_bad_retention(r: float) -> None:
    with pytest.raises(ValueError, match="retention"):
        expected_lifetime(r)


def test_clv_is_yearly_profit_times_lifetime() -> None:
    s = summarize(make_log([("a", 10, 1000), ("b", 400, 500), ("b", 20, 250)]), AS_OF)
    values = clv(s, retention=0.5, margin=0.4)
    assert values.name == "clv"
    assert values.loc["a"] == pytest.approx(1000 * 0.4 * 2)
    assert values.loc["b"] == pytest.approx(250 * 0.4 * 2)


def test_clv_margin_per_row() -> None:
    s = summarize(make_log([("a", 10, 1000), ("b", 20, 100)]), AS_OF)
    s["m"] = [0.5, 0.1]
    assert clv(s, retention=0.0, margin="m").tolist() == pytest.approx([500.0, 10.0])
    series = pd.Series({"b": 0.2, "a": 0.3})
    assert clv(s, retention=0.0, margin=series).tolist() == pytest.approx([300.0, 20.0])
    with pytest.raises(ValueError, match="margin"):
        clv_values(np.array([1.0]), 1.5, 0.5)


# ---------------------------------------------------------------------------- Lorenz, top share


def test_pareto_example() -> None:
    assert top_share([80, 5, 5, 5, 5], 0.2) == pytest.approx(0.8)


def test_equal_values_top_share_equals_share() -> None:
    assert top_share(np.ones(10), 0.2) == pytest.approx(0.2)


def test_top_share_interpolates_and_handles_empty() -> None:
    assert top_share([3.0, 0.0, 0.0], 0.2) == pytest.approx(0.6)  # 0.6 of the richest one
    assert math.isnan(top_share([], 0.2))
    assert math.isnan(top_share([0.0, 0.0], 0.2))


def test_buyer_top_share_ranks_buyers_of_the_period_only() -> None:
    """The one top-20% definition: members with no spend in the period are left out."""
    spend = np.array([80.0, 5, 5, 5, 5] + [0.0] * 20)
    assert buyer_top_share(spend, 0.2) == pytest.approx(0.8)  # as if only the 5 buyers existed
    assert top_share(spend, 0.2) == pytest.approx(1.0)  # all members: the zeros inflate it
    assert math.isnan(buyer_top_share(np.zeros(4), 0.2))


@given(
    st.lists(st.floats(0.01, 1e6), min_size=1, max_size=40),
    st.integers(0, 100),
    st.floats(0.05, 1.0),
)
def test_buyer_top_share_ignores_members_without_spend(
    spend: list[float], zeros: int, share: float
) -> None:
    with_zeros = np.r_[spend, np.zeros(zeros)]
    assert buyer_top_share(with_zeros, share) == pytest.approx(top_share(spend, share))


def test_lorenz_rejects_negative_and_empty() -> None:
    with pytest.raises(ValueError):
        lorenz([1.0, -1.0])
    with pytest.raises(ValueError):
        lorenz([])


values_lists = st.lists(
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=200,
)


@given(values_lists)
def test_lorenz_monotone_convex_and_ends_at_one(values: list[float]) -> None:
    x, y = lorenz(values)
    assert x[0] == 0 and y[0] == 0
    assert x[-1] == 1 and y[-1] == 1
    assert np.all(np.diff(x) > 0)
    assert np.all(np.diff(y) >= -1e-12)
    assert np.all(y <= x + 1e-9)  # poorest first: the curve is below the diagonal


@given(values_lists, st.floats(min_value=0.01, max_value=1.0))
def test_top_share_in_range(values: list[float], share: float) -> None:
    t = top_share(values, share)
    if sum(values) > 0:
        assert share - 1e-9 <= t <= 1 + 1e-9


# ---------------------------------------------------------------------------- value classes


def test_value_classes_by_construction() -> None:
    rows = []
    for i in range(8):  # eight repeat buyers, yearly spend 200 + 20 i
        rows += [(f"r{i}", 100, 100 + 10 * i), (f"r{i}", 10, 100 + 10 * i)]
    rows += [("one", 10, 5.0)]  # single small purchase: bottom 20%, no repeat -> marginal
    rows += [("gone", 500, 900.0)]  # no purchase in the last year -> marginal
    rows += [("newbig", 10, 5000.0)]  # one big purchase: active but no repeat -> potential
    s = summarize(make_log(rows), AS_OF)
    classes = value_classes(s)
    assert classes.name == "value_class"
    assert list(classes.cat.categories) == list(VALUE_CLASSES)
    # 11 members, 10 active: top half (k=5) = newbig, r7, r6, r5, r4
    assert [classes[f"r{i}"] for i in range(8)] == ["potential"] * 4 + ["loyal"] * 4
    assert classes["one"] == "marginal"
    assert classes["gone"] == "marginal"
    assert classes["newbig"] == "potential"
    # word of mouth turns a low-spending repeat buyer into a loyal one
    refs = pd.Series({"r0": 3})
    assert value_classes(s, referrals=refs)["r0"] == "loyal"


def test_value_class_params_validation() -> None:
    with pytest.raises(ValueError, match="ValueClassParams.contribution_top_share"):
        ValueClassParams(contribution_top_share=1.0)
    with pytest.raises(ValueError, match="ValueClassParams.min_referrals"):
        ValueClassParams(min_referrals=0)


# ---------------------------------------------------------------------------- A/B/C/D tiers


def tier_summary(n: int) -> pd.DataFrame:
    rows = [(i, 10 + 30 * (i % 4), 100.0 * (i + 1)) for i in range(n)]
    return summarize(make_log(rows), AS_OF)


def test_tiers_by_value_share() -> None:
    s = tier_summary(10)  # yearly spend 100..1000, distinct
    tiers = abcd_tiers(s).str[0]
    assert tiers.loc[[9, 8]].tolist() == ["A", "A"]
    assert tiers.loc[[7, 6, 5]].tolist() == ["B"] * 3
    assert tiers.loc[[4, 3, 2]].tolist() == ["C"] * 3
    assert tiers.loc[[1, 0]].tolist() == ["D", "D"]


def test_tier_levels_by_recency() -> None:
    s = tier_summary(8)  # days since last: 10, 40, 70, 100, ...
    tiers = abcd_tiers(s)
    days = s["days_since_last"]
    levels = tiers.str[1].astype(int)
    assert (levels[days <= 90] == 1).all() and (levels[(days > 90) & (days <= 180)] == 2).all()
    four = abcd_tiers(s, params=TierParams(levels_per_tier=4))
    assert len(four.cat.categories) == 16


def test_zero_value_is_tier_d_and_ties_share_a_tier() -> None:
    s = summarize(make_log([(i, 400 if i < 3 else 10, 100.0) for i in range(10)]), AS_OF)
    tiers = abcd_tiers(s).str[0]
    assert set(tiers.loc[[0, 1, 2]]) == {"D"}  # sleeping: no yearly value
    assert set(tiers.loc[list(range(3, 10))]) == {"A"}  # seven-way tie at the top


def test_tier_labels_and_params_validation() -> None:
    assert tier_labels() == tuple(f"{t}{k}" for t in "ABCD" for k in (1, 2, 3))
    assert len(tier_labels(TierParams(levels_per_tier=4))) == 16
    with pytest.raises(ValueError, match="TierParams.levels_per_tier"):
        TierParams(levels_per_tier=0)
    with pytest.raises(ValueError, match="TierParams.tier_shares"):
        TierParams(tier_shares=(0.5, 0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="TierParams.recency_cutoffs"):
        TierParams(levels_per_tier=3, recency_cutoffs=(100.0, 50.0))
    with pytest.raises(ValueError, match="TierParams.recency_cutoffs"):
        TierParams(levels_per_tier=5)
    assert TierParams(levels_per_tier=5, recency_cutoffs=(30, 60, 90, 180)).cutoffs[-1] == 180
