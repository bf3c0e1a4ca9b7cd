"""Every study report says where its market's numbers come from (issue 20): the default
market's inputs are all assumptions; a calibrated store's members, revenue and ticket are data,
its margin given or assumed, and policy effects always assumed."""

from __future__ import annotations

import dataclasses
import re

import pytest

from experiments.report.page import visible_text
from experiments.report.provenance import provenance_section
from sim import default_market
from sim.store_profile import StoreProfile


def text(market, lang="en") -> str:
    return " ".join(visible_text(provenance_section(market, lang)).split())


def test_the_default_market_says_every_input_is_assumed():
    market = default_market(n_customers=2000)
    assert not market.profile.calibrated
    out = text(market)
    assert "default county market" in out and "2,000 residents" in out
    assert "the store's data" not in out and "members in its export" not in out


def test_a_calibrated_store_names_its_file_members_and_what_is_data():
    profile = StoreProfile(
        name="Music store",
        currency="USD",
        members=2357,
        yearly_revenue=80_000.0,
        mean_ticket=35.0,
        ticket_source="data",
        margin=0.3,
        margin_source="given",
        source="calibrated from cdnow.csv on 2026-12-06",
    )
    market = dataclasses.replace(default_market(n_customers=5000), profile=profile)
    assert market.profile.calibrated
    out = text(market)
    assert "calibrated from cdnow.csv on 2026-12-06" in out
    assert "2,357 members" in out and "5,000 residents" in out
    assert "$80,000" in out and "$35" in out and "¥" not in out
    assert "the store's data" in out and "given by the store" in out
    assert "what each policy does to customers" in out and "assumed" in out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_both_languages(lang):
    out = text(default_market(n_customers=2000), lang)
    assert ("assumed" in out) if lang == "en" else ("假设" in out)


def test_robustness_on_a_calibrated_market_keeps_its_size_and_fitted_parameters():
    """The calibrated market's own size runs, and no scenario resamples a fitted parameter
    (its behaviour.* range is left out and named); on the default market it stays."""
    import yaml

    from experiments.paths import CONFIG_DIR
    from experiments.studies.robustness.plan import make_robust_plan

    unc = yaml.safe_load((CONFIG_DIR / "uncertainty" / "default.yaml").read_text())
    base = default_market(n_customers=700, years=1)
    plain = make_robust_plan(base, ["none", "gift_budget"], unc, scenarios=4, replications=1)
    assert "behaviour.dropout_b" in {r.name for r in plain.ranges} and not plain.kept_fitted
    store = dataclasses.replace(
        base, profile=StoreProfile(source="calibrated from shop.csv on 2026-12-06", members=300)
    )
    plan = make_robust_plan(store, ["none", "gift_budget"], unc, scenarios=4, replications=1)
    assert plan.kept_fitted == ("behaviour.dropout_b",)
    assert "behaviour.dropout_b" not in {r.name for r in plan.ranges}
    for spec in plan.specs:  # every run keeps the store's own size and fitted dropout
        assert spec.market.n_customers == 700
        assert spec.market.behaviour.dropout_b == store.behaviour.dropout_b


def test_tournament_on_a_calibrated_market_runs_at_its_size_with_its_fitted_parameters():
    """The tournament samples no assumption: every run's market is the calibrated one (size,
    fitted behaviour, store profile), only the stores' policies differ."""
    from experiments.studies.tournament.study import TOURNAMENT

    store = dataclasses.replace(
        default_market(n_customers=700, years=1),
        profile=StoreProfile(source="calibrated from shop.csv on 2026-12-06", members=300),
    )
    store = store.replace(behaviour=dataclasses.replace(store.behaviour, dropout_b=7.5))
    cfg = {"market": store.to_dict(), "policies": ["none", "promotions"], "replications": 2}
    plan = TOURNAMENT.plan(cfg)
    specs = TOURNAMENT.specs(plan)
    assert specs
    for spec in specs:
        assert spec.market.n_customers == 700
        assert spec.market.behaviour.dropout_b == 7.5
        assert spec.market.profile.calibrated and spec.market.profile.members == 300


@pytest.mark.parametrize(
    "command, overrides",
    [
        ("compare", ["policies=[none,gift_budget]", "replications=2"]),
        ("robustness", ["policies=[none,gift_budget]", "scenarios=3", "replications=1"]),
        ("tournament", ["policies=[none,promotions]", "replications=2", "bootstrap=20"]),
        (
            "design",
            [
                "trials=2",
                "batch=2",
                "replications=2",
                "reevaluate.top=1",
                "reevaluate.replications=2",
            ],
        ),
    ],
)
def test_a_dollar_store_reads_dollars_in_every_study_report(tmp_path, command, overrides):
    """A market whose profile is in USD: each study's page prints $, never yuan, and ends with
    where its numbers come from."""
    from hydra import compose, initialize_config_dir

    from experiments.paths import CONFIG_DIR
    from experiments.report.page import visible_text
    from experiments.studies.base import run_command
    from experiments.studies.comparison import COMPARISON
    from experiments.studies.design.study_class import DESIGN
    from experiments.studies.robustness.study import ROBUSTNESS
    from experiments.studies.tournament.study import TOURNAMENT

    study = {
        "compare": COMPARISON,
        "robustness": ROBUSTNESS,
        "tournament": TOURNAMENT,
        "design": DESIGN,
    }[command]
    small = [
        "market.n_customers=400",
        "market.years=1",
        "workers=1",
        "output.progress=false",
        "output.table=false",
        "+market.profile.currency=USD",
        f"store={tmp_path / 'store'}",
        f"output_dir={tmp_path / 'out'}",
    ]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name=command, overrides=[*small, *overrides])
    run_command(study, cfg, tmp_path / "out")
    text = visible_text((tmp_path / "out" / "report.html").read_text())
    assert "$" in text and "¥" not in text and "yuan" not in text
    assert "Where the numbers come from" in text and "default county market" in text


def test_a_policy_out_of_proportion_to_the_store_is_named_once_before_any_run():
    from experiments.studies.base import sizing_lines
    from experiments.studies.comparison.plan import make_plan

    shop = dataclasses.replace(
        default_market(n_customers=500),
        profile=StoreProfile(
            yearly_revenue=80_000.0,
            mean_ticket=35.0,
            currency="USD",
            source="calibrated from shop.csv",
        ),
    )
    gala = {
        "_target_": "sim.policies.celebrity_event.CelebrityEvent",
        "fixed_cost": 60_000.0,
        "yearly_budget": 100_000.0,
    }
    lines = sizing_lines(make_plan(shop, [gala], replications=2))
    assert lines and "celebrity_event" in lines[0]
    assert not sizing_lines(make_plan(shop, ["none", "celebrity_event"], replications=2))


def calibrated(**changes) -> StoreProfile:
    base = StoreProfile(
        name="Harmony Music",
        currency="USD",
        members=2357,
        yearly_revenue=80_000.0,
        mean_ticket=35.0,
        ticket_source="data",
        source="calibrated from harmony.xlsx on 2026-12-06",
        holdout_error=-0.132,
        warnings=("holdout miss: the twin predicts 1,633 holdout repeat purchases",),
        fit_file="/data/harmony/fit.json",
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_calibration_s_holdout_miss_and_warnings_are_in_every_report(lang):
    market = dataclasses.replace(default_market(n_customers=5000), profile=calibrated())
    out = text(market, lang)
    assert "-13.2%" in out and "holdout miss: the twin predicts 1,633" in out
    assert "/data/harmony/fit.json" in out
    if lang == "en":
        assert "calibrated from harmony.xlsx on 2026-12-06" in out
        assert "beyond ±10%: treat its comparisons as indicative only" in out
        assert "The calibration's warnings:" in out
        assert "holdout check (the export's last period, not used to fit) -13.2% the store's" in out
    else:
        assert "根据 harmony.xlsx 校准（2026-12-06）" in out and "超出 ±10%" in out
        assert "校准的警告" in out and "calibrated from" not in out
    good = dataclasses.replace(market, profile=calibrated(holdout_error=0.026, warnings=()))
    out = text(good, lang)
    assert "+2.6%" in out
    assert ("good enough to plan with" in out and "raised no warning" in out) or (
        "可以据此做计划" in out and "没有发出警告" in out
    )


def test_an_older_calibrated_market_without_its_holdout_says_so():
    old = calibrated(holdout_error=None, warnings=(), fit_file=None)
    out = text(dataclasses.replace(default_market(n_customers=500), profile=old))
    assert "Holdout check: not recorded in this market file" in out and "Details" not in out


def test_chinese_pages_name_the_default_store_in_chinese():
    out = text(default_market(n_customers=500), "zh")
    assert "您的县城门店" in out and "Your county store" not in out


def test_the_calibration_record_is_written_only_when_there_is_one():
    from sim.config import MarketConfig

    plain = default_market().to_dict()["profile"]
    assert not {"holdout_error", "warnings", "fit_file"} & set(plain)
    market = dataclasses.replace(default_market(n_customers=500), profile=calibrated())
    d = market.to_dict()["profile"]
    assert d["warnings"] == list(calibrated().warnings) and d["holdout_error"] == -0.132
    assert MarketConfig.from_dict(market.to_dict()).profile == calibrated()


@pytest.mark.parametrize("twin", [False, True])
def test_calibrate_records_the_market_s_own_holdout_miss(tmp_path, twin):
    """The resident market's miss is its calibrated simulation's; the twin's is the twin's."""
    from experiments.calibration.pipeline import calibration_record

    extra = {
        "warnings": ["the calibrated simulation misses the holdout by -12.0%"],
        "simulated_holdout": {"error": -0.12},
        "twin": {"docking": {"twin_vs_actual": 0.05}},
        "health": {"blocking": [], "notes": ["a note", "a note"]},
        "spend_warnings": [{"kind": "bound", "text": "spend fit at its bound"}],
    }
    prof = calibration_record(calibrated(warnings=()), extra, tmp_path / "fit.json", twin)
    assert prof.holdout_error == (0.05 if twin else -0.12)
    assert prof.warnings == (
        "the calibrated simulation misses the holdout by -12.0%",
        "a note",
        "spend fit at its bound",
    )
    assert prof.fit_file == str((tmp_path / "fit.json").resolve())


def test_terminal_rankings_head_money_with_the_store_s_currency():
    import pandas as pd

    from experiments.studies.robustness.analysis import format_ranking

    row = {
        "rank": 1,
        "policy": "gift_budget",
        "verdict": "robust",
        "p_beat_profit": 0.8,
        "p_best": 0.7,
        "d_profit_mean": 120.0,
        "d_profit_p05": -10.0,
        "d_profit_p95": 300.0,
        "regret_mean": 5.0,
        "regret_max": 40.0,
    }
    out = format_ranking(pd.DataFrame([row]), "none", "$")
    assert "Δprofit mean $" in out and "regret max $" in out and "¥" not in out
    assert "Δprofit mean ¥" in format_ranking(pd.DataFrame([row]), "none")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_calibrated_store_s_report_opens_with_residents_vs_members(lang):
    from experiments.report.provenance import size_intro

    assert size_intro(default_market(n_customers=500), lang) == ""
    market = dataclasses.replace(default_market(n_customers=5000), profile=calibrated())
    out = visible_text(size_intro(market, lang))
    if lang == "en":
        assert "5,000 residents" in out and "Harmony Music's export has 2,357 members" in out
    else:
        assert "5,000 位居民" in out and "2,357 位会员" in out
    # on a member twin the customers counted are the members, not the residents
    twin = visible_text(size_intro(dataclasses.replace(market, members="m.parquet"), lang)).strip()
    if lang == "en":
        assert twin.startswith("The customers counted below are Harmony Music's 2,357 members")
        assert "the market's 5,000 residents shop at the other stores" in twin
    else:
        assert twin.startswith("下文所说的顾客是") and "2,357 位会员" in twin
        assert "5,000 位居民在其他门店购物" in twin


def test_reports_name_residents_and_members_of_a_calibrated_store() -> None:
    """Every study's intro and answer say a calibrated market's size as residents with the
    store's members, never as '37,580 customers' of a 2,357-member store (issue 20)."""
    from experiments.report.provenance import meta_size, size_phrase

    assert size_phrase(600, None, "en") == "600 customers"
    assert size_phrase(600, None, "zh") == "600位顾客"
    assert size_phrase(37_580, 2_357, "en") == (
        "37,580 residents (the store's export: 2,357 members)"
    )
    assert size_phrase(37_580, 2_357, "zh") == "37,580位居民（门店导出数据中有2,357位会员）"
    meta = {"n_customers": 37_580, "market_config": {"profile": {"members": 2_357}}}
    assert meta_size(meta, "en").startswith("37,580 residents")
    assert meta_size({"n_customers": 600}, "en") == "600 customers"
    twin = {"n_customers": 37_580, "market_config": {"profile": {"members": 2_357}}}
    twin["market_config"]["members"] = "members.parquet"
    assert meta_size(twin, "en") == (
        "2,357 members (the store's member twin) in a market of 37,580 residents"
    )
    assert meta_size(twin, "zh") == "2,357位会员（门店的会员孪生），所在市场有37,580位居民"


class _Fit(dict):
    """A fit as check_health and spend_warnings read it: parameters, at_bound, extra."""

    def __init__(self, at_bound=(), **params):
        super().__init__(params)
        self.at_bound, self.extra = list(at_bound), {}


def every_warning_kind(drift: bool) -> dict:
    """A calibration's ``extra`` with each kind of warning and health note the producers write
    (``drift``: the cohort's rates fall in the calibration period's last weeks, the other
    holdout-miss cause)."""
    from types import SimpleNamespace

    import pandas as pd

    from experiments.calibration.health import check_health
    from experiments.calibration.pipeline import holdout_warning
    from experiments.calibration.profile import spend_warnings

    weeks = 20
    tracking = pd.DataFrame(
        {"holdout": [False] * weeks, "bgnbd": [10.0] * weeks, "actual": [8.0] * weeks}
    )
    cal = SimpleNamespace(
        bgnbd=_Fit(["r"]),
        paretonbd=None,
        gammagamma=_Fit(["q"]),
        tracking=tracking if drift else None,
    )
    twin = {
        "timing_model": {"chosen": "bgnbd", "params": {"at_bound": ["a"]}},
        "in_sample": {"model": 3000.0, "actual": 2457.0, "error": 3000 / 2457 - 1},
        "docking": {
            "twin": 1260.0,
            "model": 1200.0,
            "actual": 1000.0,
            "twin_vs_model": 0.05,
            "twin_vs_actual": 0.26,
            "seeds": 4,
            "by_frequency": {
                "0": {"twin": 2.16, "model": 2.0, "twin_vs_model": 0.08, "customers": 50}
            },
        },
    }
    fit = {
        "at_limit": ["rate_scale"],
        "targets": [{"statistic": "r", "real": 1.0, "simulated": 2.0, "z": 3.5}],
    }
    flat = pd.DataFrame({"amount": [12.5] * 4})
    spread = pd.DataFrame({"amount": [10.0, 30.0, 20.0]})
    prof = StoreProfile(currency="USD")
    return {
        "warnings": [holdout_warning(-0.181, {"simulated": -0.3, "real": 0.05})[0]],
        "warnings_zh": [holdout_warning(-0.181, {"simulated": -0.3, "real": 0.05})[1]],
        "twin": twin,
        "health": check_health(cal, twin, fit),
        "spend_warnings": spend_warnings(_Fit(["q"], p=2.0, q=3.0), flat, prof)
        + spend_warnings(_Fit(p=5e4, q=3.0), spread, prof),
    }


@pytest.mark.parametrize("twin", [False, True])
def test_the_twin_s_own_notes_stay_out_of_a_resident_market_s_record(tmp_path, twin):
    """Calibrated without --twin, the market is the calibrated simulation: a note about the
    twin's holdout miss (+28% where the market's own miss is +0.6%) would contradict the
    report's holdout check, so only a twin market carries it."""
    from experiments.calibration.pipeline import calibration_record

    extra = every_warning_kind(False)
    health = extra["health"]
    flagged = list(zip(health["notes"], health["notes_twin"], strict=True))
    twin_notes = [n for n, flag in flagged if flag]
    assert twin_notes and any(n.startswith("holdout miss: the twin") for n in twin_notes)
    prof = calibration_record(calibrated(warnings=()), extra, tmp_path / "fit.json", twin)
    assert all((n in prof.warnings) == twin for n in twin_notes)
    assert len(prof.warnings) == len(prof.warnings_zh)
    others = [n for n, flag in flagged if not flag]
    assert all(n in prof.warnings for n in others)


@pytest.mark.parametrize("drift", [False, True])
def test_chinese_reports_show_every_calibration_warning_in_chinese(tmp_path, drift):
    """Every kind of warning and health note reaches the profile in both languages: the Chinese
    provenance shows Chinese lines only, the English one the English lines, and the profile
    round-trips through its config."""
    from experiments.calibration.pipeline import calibration_record
    from experiments.report.provenance import provenance
    from sim.config import MarketConfig

    extra = every_warning_kind(drift)
    health = extra["health"]
    assert len(health["blocking"]) == 2 and len(health["notes"]) == 6
    assert [w["kind"] for w in extra["spend_warnings"]] == ["constant", "bound", "degenerate"]
    prof = calibration_record(calibrated(warnings=()), extra, tmp_path / "fit.json", True)
    assert len(prof.warnings) == len(prof.warnings_zh) == 12
    market = dataclasses.replace(default_market(n_customers=500), profile=prof)
    zh = provenance(market, "zh")
    assert zh.warnings == prof.warnings_zh and zh.warnings_title == "校准的警告："
    english_run = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){3,}")  # four English words in a row
    for line in zh.warnings:
        assert re.search(r"[\u4e00-\u9fff]", line) and not english_run.search(line), line
    out = text(market, "zh")
    assert "英文原文" not in out and not any(en in out for en in prof.warnings)
    assert "z = +3.5" in out and "$12.50" in out and "-18.1%" in out and "+26%" in out
    assert ("最后 13 周" in out) == drift
    en = text(market, "en")
    assert all(" ".join(w.split()) in en for w in prof.warnings)
    assert "The calibration's warnings:" in en and "校准" not in en
    assert MarketConfig.from_dict(market.to_dict()).profile == prof


def test_an_older_profile_without_chinese_warnings_shows_the_english_lines():
    from sim.config import MarketConfig
    from sim.errors import ConfigError

    market = dataclasses.replace(default_market(n_customers=500), profile=calibrated())
    d = market.to_dict()
    assert "warnings_zh" not in d["profile"]
    old = MarketConfig.from_dict(d)
    assert old.profile.warnings_zh == ()
    out = text(old, "zh")
    assert "校准的警告（英文原文）：" in out and "holdout miss: the twin predicts 1,633" in out
    d["profile"]["warnings_zh"] = ["一", "二"]
    with pytest.raises(ConfigError, match="warnings_zh"):
        MarketConfig.from_dict(d)


@pytest.mark.parametrize(
    ("revenue", "changes", "said"),
    [
        (3 * 160_000.0, {}, "$160,000 a year, the store's export $80,000 (+100%)"),
        (3 * 90_000.0, {}, None),  # within a quarter: nothing to say
        (3 * 160_000.0, {"ticket_source": "assumed"}, None),  # the export's revenue is assumed
        # an assumed profile (a shrunk default market): its budgets are sized for it
        (3 * 160_000.0, {"source": "default county store"}, "the store profile assumes $80,000"),
    ],
)
def test_a_calibrated_store_whose_simulated_revenue_is_off_is_told_so(revenue, changes, said):
    """A resident market is calibrated on its customers' buying, not its revenue: when the
    simulated store takes in twice the export's revenue, the answer says which amounts to read."""
    import pandas as pd

    from experiments.studies.comparison.text import answer

    market = dataclasses.replace(default_market(years=3), profile=calibrated(**changes))
    meta = {"years": 3, "n_customers": 5000, "market_config": market.to_dict()}
    w = pd.DataFrame(
        {"revenue_mean": [revenue, revenue * 1.01], "profit_diff_mean": [0.0, 3000.0]},
        index=["none", "gift_budget"],
    )
    for col in ("profit_diff_ci_low", "profit_diff_ci_high"):
        w[col] = [0.0, 1500.0 if col.endswith("low") else 4500.0]
    w["profit_verdict"] = ["", "better"]
    labels = {"none": "Doing nothing", "gift_budget": "Gift budget"}
    lines = answer(w, "none", labels, "en", meta)
    checks = [line for line in lines if line.startswith("Size check")]
    if said is None:
        assert checks == []
    else:
        assert len(checks) == 1 and said in checks[0]
        zh = answer(w, "none", labels, "zh", meta)
        assert any(line.startswith("规模核对") and "（+100%）" in line for line in zh)
