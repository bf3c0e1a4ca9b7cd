"""The dashboard's scale check (issue 21): one plain sentence for the policy being shown, from its
fixed cost a year against its yearly gain so far, in English and Chinese; no simulation."""

from __future__ import annotations

import pytest

from experiments.dashboard.scale import fixed_cost, scale_note
from experiments.dashboard.twin import Twin


@pytest.fixture(scope="module")
def gala() -> Twin:
    """The celebrity gala (a fixed fee a year) on a small market, one year in."""
    twin = Twin(policy="celebrity_event", n_customers=2000, years=2, seed=1)
    return twin


def test_before_a_year_it_names_the_fixed_cost_and_waits(gala):
    fee = fixed_cost("celebrity_event", gala.chosen.market.profile)
    assert fee > 0
    en = scale_note(gala, "en", 0.0)
    assert en.startswith("Scale check: Celebrity event pays ¥") and "after the first year" in en
    assert "规模检验" in scale_note(gala, "zh", 0.0)


def test_after_a_year_a_gain_below_the_fixed_cost_may_not_pay_in_a_smaller_store(gala):
    per_year = gala.chosen.calendar.ticks_per_year
    gala.step(per_year)
    fee = fixed_cost("celebrity_event", gala.chosen.market.profile)
    small = scale_note(gala, "en", 0.25 * fee)  # a year's gain a quarter of the fee
    assert "may not pay in a smaller store" in small and f"+¥{0.25 * fee:,.0f} a year" in small
    assert "在更小的门店可能不划算" in scale_note(gala, "zh", 0.25 * fee)
    big = scale_note(gala, "en", 3 * fee)
    assert "its verdict holds in a store half or twice this size" in big
    loss = scale_note(gala, "en", -0.25 * fee)  # losing less than half the fee: pays if larger
    assert "may pay in a larger store" in loss and f"-¥{0.25 * fee:,.0f} a year" in loss


def test_a_policy_without_fixed_costs_says_so():
    twin = Twin(policy="gift_budget", n_customers=2000, years=1, seed=1)
    assert "has no fixed costs" in scale_note(twin, "en", 0.0)
    assert "没有固定成本" in scale_note(twin, "zh", 0.0)
