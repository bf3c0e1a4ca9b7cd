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


def test_a_range_clear_of_zero_not_clear_among_all_compared_is_not_called_a_range_with_zero():
    """The best's own 95% range leaves out zero, but after the false-discovery-rate control
    across the policies it is not clear: the opening says so, not "the range includes no
    difference" next to a range that does not."""
    w = wide("unclear", 8000.0)
    w["profit_q_value"] = [np.nan, 0.09, 0.01]
    for lang, start, said in (
        ("en", "Keep it simple for now", "adjusted p = 0.09"),
        ("zh", "暂时保持现状", "校正后 p = 0.09"),
    ):
        lines = answer(w, "none", LABELS, lang, META)
        assert lines[0].startswith(start) and said in lines[0], lines[0]
        assert "+¥3,500 to +¥4,500" in lines[0] or "+¥3,500 至 +¥4,500" in lines[0]
        assert "includes no difference" not in lines[0] and "区间包含" not in lines[0]


def test_when_every_policy_loses_the_opening_says_so():
    w = wide("worse", -3000.0)
    lines = answer(w, "none", LABELS, "en", META)
    assert lines[0].startswith("Keep it simple: every policy earns less than doing nothing")
    assert "the best, Gift budget, is -¥1,500 a year against it" in lines[0]


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


# ----------------------------------------------------------------- robustness and tournament
def robust_ranking() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"policy": "gift_budget", "p_beat_profit": 0.8, "d_profit_mean": 8000.0}
            | {"d_profit_p05": -1000.0, "d_profit_p95": 18000.0, "verdict": "likely"}
            | {"rank": 1, "p_beat_profit_ci_low": 0.6, "p_beat_profit_ci_high": 0.9}
            | {"p_best": 0.7, "regret_mean": 100.0, "regret_max": 900.0}
            | {"d_profit_median": 7000.0, "scenarios": 10},
            {"policy": "none", "p_beat_profit": 0.0, "d_profit_mean": 0.0}
            | {"d_profit_p05": 0.0, "d_profit_p95": 0.0, "verdict": "baseline"}
            | {"rank": 2, "p_beat_profit_ci_low": 0.0, "p_beat_profit_ci_high": 0.1}
            | {"p_best": 0.3, "regret_mean": 8000.0, "regret_max": 20000.0}
            | {"d_profit_median": 0.0, "scenarios": 10},
        ]
    )


@pytest.mark.parametrize(
    "lang, code, start, money",
    [
        (
            "en",
            "CNY",
            "Do: Gift budget. In a store of 20,000 customers it earns +¥4,000 a year",
            "+¥9,000",
        ),
        (
            "zh",
            "CNY",
            "建议：礼品预算。在有20,000位顾客的门店，它平均每年比什么都不做多赚 +¥4,000",
            "+¥9,000",
        ),
        (
            "en",
            "USD",
            "Do: Gift budget. In a store of 20,000 customers it earns +$4,000 a year",
            "+$9,000",
        ),
    ],
)
def test_robustness_report_opens_with_the_answer_and_keeps_raw_names_for_the_method(
    lang, code, start, money
):
    from experiments.report import policy_labels
    from experiments.studies.robustness.section import robustness_section

    meta = {
        **META,
        "scenarios": 10,
        "replications": 2,
        "market_config": {"profile": {"currency": code}},
    }
    drivers = pd.DataFrame(
        [
            {
                "policy": "gift_budget",
                "rank": 1,
                "parameter": "behaviour.complaint_probability",
                "ci_low": 0.3,
            }
        ]
    )
    html_text = robustness_section(
        ranking=robust_ranking(),
        drivers=drivers,
        failures={},
        ranges=[],
        figures={},
        labels=policy_labels(["none", "gift_budget"], lang),
        meta=meta,
        lang=lang,
    )
    first = html_text.split('<p class="answer"><b>', 1)[1].split("</b></p>", 1)[0]
    assert first.startswith(start) and money in first  # the 95th percentile, per year
    assert html_text.index('class="answer"') < html_text.index("<h3>")  # before any detail
    verdicts = html_text.split('<ul class="verdicts">', 1)[1].split("</ul>", 1)[0]
    assert "complaint_probability" not in verdicts and "¥+" not in html_text
    assert "complaint_probability" in html_text.split('<ul class="details">', 1)[1]


def planted_game():
    """Your gift budget earns 2,000 more than doing nothing whatever the rival does (2 years,
    so +1,000 a year); the rival's promotions cost it 500."""
    from experiments.studies.tournament.game import EmpiricalGame

    rng = np.random.default_rng(0)
    noise = rng.normal(0, 100, size=8)
    pay = np.zeros((2, 2, 2, 8))
    for me in range(2):
        for rival in range(2):
            pay[0, me, rival] = 50_000 + 2000 * me - 300 * rival + noise
            pay[1, me, rival] = 40_000 - 500 * rival + noise
    return EmpiricalGame(
        ("focal", "county_rival"), (("none", "gift_budget"), ("none", "promotions")), pay
    )


@pytest.mark.parametrize(
    "lang, start, gain",
    [
        (
            "en",
            "Do: run “Gift budget”, whatever the county rival does.",
            "it earns +¥1,000 a year more than “Doing nothing”",
        ),
        (
            "zh",
            "建议：采用“礼品预算”，无论县城竞争对手怎么做。",
            "它每年比“什么都不做”多赚 +¥1,000",
        ),
    ],
)
def test_tournament_report_opens_with_the_answer(lang, start, gain):
    line = tournament_opening(planted_game(), lang)
    assert line.startswith(start) and gain in line and "100%" in line


def tournament_opening(game, lang: str) -> str:
    from experiments.report import policy_labels
    from experiments.studies.tournament.answer import answer as tournament_answer
    from experiments.studies.tournament.equilibria import equilibrium_table
    from experiments.studies.tournament.responses import best_responses, dominant_strategies

    return tournament_answer(
        game,
        best_responses(game, n_boot=50),
        equilibrium_table(game, n_boot=50),
        {**META, "dominant": dominant_strategies(game)},
        policy_labels(["none", "gift_budget", "promotions"], lang),
        lang,
    )


@pytest.mark.parametrize("lang, start", [("en", "No clear answer yet: “Gift budget” comes out "
                         "best whatever the county rival does, but"), ("zh", "尚无明确答案：")])
def test_a_tournament_gain_whose_range_includes_no_difference_gives_no_do(lang, start):
    """The same planted game drowned in noise: the gift budget still comes out ahead on
    average, but its gain's range includes no difference, so the opening does not say "Do:"."""
    from experiments.studies.tournament.game import EmpiricalGame

    noisy = planted_game().payoffs.copy()
    noisy[0, 1] += np.random.default_rng(1).normal(0, 20_000, size=8)  # your gift budget
    noisy[0, 1] += 2000 - noisy[0, 1].mean(axis=-1, keepdims=True) + noisy[0, 0].mean(
        axis=-1, keepdims=True
    )  # still +2,000 on average against doing nothing
    game = EmpiricalGame(planted_game().players, planted_game().strategies, noisy)
    line = tournament_opening(game, lang)
    assert line.startswith(start) and "Do:" not in line and "建议" not in line, line


# ----------------------------------------------------------------- the ranked table
def test_the_ranked_table_has_a_profit_with_customers_kept_column_explained_once():
    from experiments.studies.comparison.text import ranked_rows
    from experiments.studies.comparison.vocab import REPORT_TEXT

    for lang, head in (("en", "Profit with customers kept"), ("zh", "含留住顾客价值的利润")):
        t = REPORT_TEXT[lang]
        col = next(i for i, c in enumerate(t["cols"]) if c.startswith(head))
        assert t["table_note"].count(head) == 1
        w = wide("better", 8000.0).assign(rank=[2, 1, 3])
        for k in ("profit", "profit_with_horizon_value", "retention", "retention_diff", "roi"):
            for stat in ("mean", "ci_low", "ci_high"):
                w[f"{k}_{stat}"] = 1000.0 if k != "profit_with_horizon_value" else 123_456.0
        w["profit_diff_pct"] = w["vip_retention_mean"] = w["policy_cost_mean"] = 0.0
        rows = ranked_rows(w, LABELS, lang)
        assert all(len(r) == len(t["cols"]) for r in rows)
        assert rows[0][col].startswith("123,456")
