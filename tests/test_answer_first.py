"""The comparison report opens with the answer (issue 21): what to do, what it earns a year in
the store's money, how sure — each number the ranked table's own, divided by the years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.studies.comparison.text import answer

META = {"baseline": "none", "years": 2.0, "n_customers": 20_000, "level": 0.95}


def wide(verdict: str, diff: float, hv: float = np.nan) -> pd.DataFrame:
    rows = {
        "none": {
            "profit_diff_mean": 0.0,
            "profit_diff_ci_low": 0.0,
            "profit_diff_ci_high": 0.0,
            "profit_verdict": "baseline",
        },
        "gift_budget": {
            "profit_diff_mean": diff,
            "profit_diff_ci_low": diff - 1000,
            "profit_diff_ci_high": diff + 1000,
            "profit_verdict": verdict,
        },
        "promotions": {
            "profit_diff_mean": -5000.0,
            "profit_diff_ci_low": -9000.0,
            "profit_diff_ci_high": -1000.0,
            "profit_verdict": "worse",
        },
    }
    w = pd.DataFrame(rows).T
    for col in (
        "profit_with_horizon_value_diff_mean",
        "profit_with_horizon_value_diff_ci_low",
        "profit_with_horizon_value_diff_ci_high",
    ):
        w[col] = [0.0, hv, -5000.0]
    return w


LABELS = {"none": "doing nothing", "gift_budget": "Gift budget", "promotions": "Promotions"}


def test_a_clearly_better_policy_is_the_first_sentence_with_per_year_money():
    lines = answer(wide("better", 8000.0, hv=12000.0), "none", LABELS, "en", META)
    assert lines[0].startswith("Do: Gift budget. It earns +¥4,000 a year")
    assert "+¥3,500 to +¥4,500" in lines[0]  # (8000 ± 1000) / 2 years
    assert "+¥6,000 a year" in lines[1]  # the horizon-value figure, per year too
    assert "20,000 customers" in lines[-1]


def test_no_clear_winner_says_keep_it_simple():
    lines = answer(wide("unclear", 600.0), "none", LABELS, "en", META)
    assert lines[0].startswith("Keep it simple") and "Gift budget" in lines[0]
    assert all("customers each policy ends with" not in ln for ln in lines)  # NaN: left out


@pytest.mark.parametrize("code, symbol", [("USD", "$"), ("EUR", "€")])
def test_money_in_the_store_currency(code, symbol):
    meta = {**META, "market_config": {"profile": {"currency": code}}}
    lines = answer(wide("better", 8000.0), "none", LABELS, "en", meta)
    assert f"+{symbol}4,000" in lines[0] and "¥" not in " ".join(lines)


def test_chinese():
    lines = answer(wide("better", 8000.0), "none", LABELS, "zh", META)
    assert lines[0].startswith("建议：Gift budget") and "+¥4,000" in lines[0]


def planted_meta(fixed_cost: float) -> dict:
    """A study whose 'gala' policy has a planted fixed cost a year (no relative size)."""
    from sim import default_market

    gala = {
        "_target_": "sim.policies.celebrity_event.CelebrityEvent",
        "fixed_cost": fixed_cost,
        "yearly_budget": 10 * fixed_cost,
    }
    return {
        **META,
        "market_config": default_market(n_customers=500).to_dict(),
        "policy_configs": {"gift_budget": {"policies": [gala]}},
    }


def test_a_planted_fixed_cost_larger_than_the_gain_triggers_the_scale_sentence():
    # gain 8,000 over 2 years = 4,000 a year; a fixed 10,000 a year: loses at half the size
    lines = answer(wide("better", 8000.0), "none", LABELS, "en", planted_meta(10_000.0))
    said = [ln for ln in lines if "may not pay in a smaller store" in ln]
    assert len(said) == 1 and "¥10,000 a year" in said[0] and "+¥4,000 a year" in said[0]
    # a small fixed cost leaves the verdict alone at half the size: nothing said
    lines = answer(wide("better", 8000.0), "none", LABELS, "en", planted_meta(1_000.0))
    assert not [ln for ln in lines if "may not pay" in ln or "may pay in" in ln]


def test_a_loss_smaller_than_half_the_fixed_cost_may_pay_in_a_larger_store():
    lines = answer(wide("worse", -4000.0), "none", LABELS, "en", planted_meta(10_000.0))
    assert any("may pay in a larger store" in ln for ln in lines)
