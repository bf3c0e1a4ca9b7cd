"""The dashboard's data side (no browser): policy catalog, the policy/baseline twin under common
random numbers, the market picture, a customer's story, and a headless render of the page."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.dashboard import market_view, story, text
from experiments.dashboard.catalog import BUNDLES, policy_choices, policy_configs
from experiments.dashboard.twin import ObservedModel, Twin, vip_rows
from sim import RetailModel, default_market

SMALL = {"n_customers": 1500, "years": 2}


def test_every_policy_config_is_offered_and_builds():
    names = policy_choices()
    files = {p.stem for p in (Path(__file__).parents[1] / "configs" / "policy").glob("*.yaml")}
    assert set(names) == files and names[0] == "none"
    assert set(BUNDLES) <= set(names)
    market = default_market(n_customers=500, years=1)
    for name in names:
        model = ObservedModel(market=market, policies=policy_configs()[name]["policies"], seed=1)
        expected = len(policy_configs()[name]["policies"])
        assert len(model.focal_policies) == expected, name
    vip = ObservedModel(market=market, policies=policy_configs()["vip_program"]["policies"], seed=1)
    assert [p.name for p in vip.focal_policies] == [
        "gift_budget",
        "vip_privileges",
        "celebrity_event",
    ]


def test_observing_changes_nothing():
    market = default_market(n_customers=4000, years=2)  # enough complaints to observe
    plain = RetailModel(market=market, policies=["complaint_recovery"], seed=3).run()
    seen = ObservedModel(market=market, policies=["complaint_recovery"], seed=3).run()
    np.testing.assert_array_equal(plain.ledger.profit(), seen.ledger.profit())
    logged = sum(rows.size for _, rows, _, _ in seen.complaint_log)
    assert logged == seen.ledger.flows["complaints"].sum() > 0


def test_twin_runs_policy_and_baseline_on_the_same_customers():
    same = Twin(policy="none", seed=4, **SMALL)
    same.step(30)
    h = same.history()
    assert len(h) == 31 and (h["diff_profit"] == 0).all() and (h["diff_active"] == 0).all()
    dates = pd.to_datetime(h["date"])
    assert dates.iloc[0] == pd.Timestamp("2024-01-01")
    assert (dates.diff().dropna() == pd.Timedelta(days=7)).all()

    twin = Twin(policy="vip_program", seed=4, **SMALL)
    np.testing.assert_array_equal(twin.chosen.pop.cls, twin.baseline.pop.cls)
    np.testing.assert_array_equal(twin.chosen.pop.spend, twin.baseline.pop.spend)
    twin.step(60)
    h = twin.history()
    assert twin.t == 60 and h["diff_profit"].abs().max() > 0
    np.testing.assert_allclose(h["diff_profit"], h["profit"] - h["base_profit"])
    twin.step(10_000)  # never past the end
    assert twin.done and twin.t == twin.chosen.n_ticks


def test_market_picture_and_losing_top_customers():
    twin = Twin(policy="none", seed=2, **SMALL)
    twin.step(80)
    model = twin.chosen
    places = market_view.places(model)
    assert sorted(places["tier"].unique()) == ["county", "prefecture", "town"]
    assert sum(len(s) for s in places["stores"]) == model.n_stores
    by_tier = market_view.spend_by_tier(model)
    sums = by_tier.groupby(["date", "group"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0)
    flows = market_view.recent_flows(model)
    assert flows.sum() == pytest.approx(1.0)
    losing, n_vips, n_losing = market_view.losing_vips(model, limit=1000)
    assert n_vips == vip_rows(model).size > 0 and n_losing == len(losing)
    shown, _, counted = market_view.losing_vips(model, limit=3)
    assert counted == n_losing and len(shown) == min(3, n_losing)  # the count is not the limit
    assert set(losing["customer"]) <= set(vip_rows(model).tolist())
    slipping = (losing["weeks"] >= market_view.LOSING_WEEKS) | (losing["elsewhere"] > 0.5)
    assert (slipping | (losing["state"] == "churned")).all()


def test_customer_story_follows_referrals_purchases_and_complaints():
    twin = Twin(policy="referral_points", seed=5, **SMALL)
    twin.step(100)
    model = twin.chosen
    child = int(np.flatnonzero(model.pop.referral_parent >= 0)[0])
    s = story.story(model, child)
    assert s.referred_by == int(model.pop.referral_parent[child])
    assert child in story.story(model, s.referred_by).referred
    log = model.transactions_frame()
    mine = log[log["customer_id"] == child]
    assert len(s.purchases) == len(mine)
    assert s.purchases["paid"].sum() == pytest.approx(mine["amount"].sum())
    complainer = int(model.complaint_log[0][1][0])
    assert len(story.story(model, complainer).complaints) >= 1
    with pytest.raises(ValueError, match="customer must be in"):
        story.story(model, model.pop.n)


def test_page_renders_headless():
    solara = pytest.importorskip("solara", reason="the dashboard needs the viz extra")
    from experiments.app import page

    box, rc = solara.render(page(), handle_error=False)
    html = str(box)
    assert box is not None and rc is not None and html
    rc.close()


def test_the_dashboard_compiles_a_cold_kernel_cache_at_start_and_says_so(monkeypatch, capsys):
    """`solara run experiments/app.py` on a fresh checkout compiles the kernels while the server
    starts, with a line in the terminal, not silently inside the first page's first model."""
    pytest.importorskip("solara", reason="the dashboard needs the viz extra")
    import runpy

    from sim import kernels

    calls = []
    monkeypatch.setattr(kernels, "cache_is_warm", lambda: False)
    monkeypatch.setattr(kernels, "warm_up", lambda: calls.append(1) or 0.0)
    app = Path(__file__).resolve().parents[1] / "experiments" / "app.py"
    runpy.run_path(str(app))
    assert calls == [1]
    assert "compiling the simulation's kernels once" in capsys.readouterr().err
    monkeypatch.setattr(kernels, "cache_is_warm", lambda: True)
    runpy.run_path(str(app))
    assert calls == [1] and capsys.readouterr().err == ""


def _kernel_signatures() -> dict[str, int]:
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import sim.kernels

    out = {}
    for info in pkgutil.iter_modules(sim.kernels.__path__):
        module = importlib.import_module(f"sim.kernels.{info.name}")
        for name, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher) and obj.__module__ == module.__name__:
                out[f"{info.name}.{name}"] = len(obj.signatures)
    return out


def test_after_the_warm_up_the_dashboard_compiles_nothing_more():
    """What the start-up compile covers is all the page needs: stepping every policy the page
    offers, with its live KPIs, loads no kernel the warm-up did not."""
    from sim import kernels

    if not kernels.compiled():
        pytest.skip("the NumPy engine compiles nothing")
    kernels.warm_up()
    before = _kernel_signatures()
    for name in policy_choices():
        Twin(policy=name, n_customers=400, years=1).step(8)
    after = _kernel_signatures()
    assert {k: v for k, v in after.items() if v != before.get(k, 0)} == {}


def test_overlay_ticks_are_distinct_and_never_negative_zero():
    from experiments.dashboard import charts

    twin = Twin(policy="vip_program", n_customers=1500, years=3, seed=1)
    for steps in (0, 10, 100):  # week 0, 10 and 110: flat, young and long histories
        twin.step(steps)
        _, ticks = charts.overlay_with_ticks(twin.history(), "en", twin.end)
        assert len(ticks) == 6
        for panel, labels in ticks.items():
            assert len(labels) >= 2, (twin.t, panel, labels)
            assert len(set(labels)) == len(labels), (twin.t, panel, labels)
            assert not [t for t in labels if re.match(r"^[-\u2212]0([.,]0*)?%?$", t)], labels
    last = twin.history().iloc[-1]
    assert last["diff_profit_hv"] == last["diff_profit_hv"]  # valued from week 104 on


def test_story_says_where_the_state_and_the_segment_apply():
    """A customer active in the market can be silent at your store: the line says which is
    which ("now active (Silent)" read as a contradiction)."""
    state = text.state_label("active", "en")
    line = text.tr("en", "profile", cls="c", home="h", work="w", state=state, segment="Silent")
    assert "In the market: bought somewhere in the last 180 days" in line
    assert "At your store: Silent" in line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_market_tab_says_where_the_numbers_come_from(lang):
    """The market tab shows the same provenance as every study report: the default market is
    all assumptions; a calibrated store names its file, holdout miss and warnings, members vs
    residents, and the data vs assumed inputs, in the store's money."""
    import dataclasses

    from experiments.report.page import visible_text
    from sim.store_profile import StoreProfile

    title, body = market_view.provenance_html(default_market(n_customers=1500), lang)
    plain = visible_text(body)
    assert title == ("Where the numbers come from" if lang == "en" else "数字从哪里来")
    assert (
        ("every input below is a stated assumption" in plain)
        if lang == "en"
        else ("都是假设" in plain and "您的县城门店" in plain)
    )
    shop = StoreProfile(
        name="Harmony Music",
        currency="USD",
        members=600,
        yearly_revenue=80_000.0,
        mean_ticket=35.0,
        ticket_source="data",
        source="calibrated from harmony.csv on 2026-12-06",
        holdout_error=0.031,
        warnings=("market search: statistic r simulated 0.5 vs 0.9 (z = +2.4)",),
    )
    market = dataclasses.replace(default_market(n_customers=1500, years=1), profile=shop)
    _, body = market_view.provenance_html(market, lang)
    plain = " ".join(visible_text(body).split())
    assert "+3.1%" in plain and "statistic r simulated 0.5 vs 0.9" in plain
    assert "$80,000" in plain and "¥" not in plain and "600" in plain and "1,500" in plain
    assert ("calibrated from harmony.csv" if lang == "en" else "根据 harmony.csv") in plain
    said = dataclasses.replace(shop, warnings_zh=("市场搜索：统计量 r 模拟值 0.5，实际值 0.9",))
    _, body = market_view.provenance_html(dataclasses.replace(market, profile=said), lang)
    plain = " ".join(visible_text(body).split())
    zh_shown = "统计量 r 模拟值 0.5" in plain
    assert zh_shown == (lang == "zh") and ("statistic r simulated" in plain) == (lang == "en")
    twin = Twin(policy="none", seed=2, market=market)
    twin.step(40)
    losing, _, _ = market_view.losing_vips(twin.chosen, limit=5)
    if len(losing):
        table = market_view.losing_table(losing, twin.chosen, lang)
        assert "$" in table and "¥" not in table


def test_a_calibrated_store_runs_in_the_dashboard_from_lab_market(tmp_path, monkeypatch):
    """LAB_MARKET names a market YAML (a calibrated store's): the page runs that store at the
    sliders' size, names its residents and members, and shows money in its currency."""
    import dataclasses

    import yaml

    from experiments.dashboard import catalog
    from sim.errors import ConfigError
    from sim.store_profile import StoreProfile

    shop = StoreProfile(
        name="Harmony Music",
        currency="USD",
        members=600,
        source="calibrated from harmony.csv on 2026-12-06",
        holdout_error=0.031,
    )
    market = dataclasses.replace(default_market(n_customers=3000, years=1), profile=shop)
    path = tmp_path / "harmony.yaml"
    path.write_text(yaml.safe_dump(market.to_dict(), allow_unicode=True))
    monkeypatch.delenv(catalog.MARKET_ENV, raising=False)
    assert catalog.store_market() is None and catalog.session_market(2000, 1) is None
    monkeypatch.setenv(catalog.MARKET_ENV, str(path))
    assert catalog.store_market() == market
    resized = catalog.session_market(2000, 2)
    assert (resized.n_customers, resized.years, resized.profile) == (2000, 2, shop)
    twin = Twin(policy="gift_budget", seed=1, market=resized)
    note = text.size_note("en", twin.chosen.market, twin.chosen.initial_focal.size)
    assert note.startswith("Market: 2,000 residents (Harmony Music's market, calibrated from")
    assert "600 members in its export" in note
    zh = text.size_note("zh", twin.chosen.market, twin.chosen.initial_focal.size)
    assert "2,000位居民" in zh and "根据 harmony.csv 校准" in zh and "600位会员" in zh
    assert text.money(text.tr("en", "profit"), shop) == "Profit so far ($)"
    assert text.money(text.tr("zh", "profit"), shop) == "累计利润（USD）"
    monkeypatch.setenv(catalog.MARKET_ENV, str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="LAB_MARKET: .* is not a file"):
        catalog.store_market()
    broken = tmp_path / "broken.yaml"  # one line naming the file, line and column
    broken.write_text("n_customers: [1, 2\n")
    monkeypatch.setenv(catalog.MARKET_ENV, str(broken))
    with pytest.raises(ConfigError, match=r"^LAB_MARKET: .*broken.yaml:2:1: YAML syntax error"):
        catalog.store_market()
    broken.write_text("n_customers: -5\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: market.n_customers: must be an integer"):
        catalog.store_market()


@given(own=st.integers(1, 2_000_000))
def test_the_customers_slider_has_the_stores_own_size_on_its_grid(own):
    """A size off the slider's positions would be snapped by the browser and restart the run
    at another size: the store's own size is always a position, the range reaches it, and
    the default market keeps its 25 positions from 2,000 to 50,000."""
    from experiments.dashboard.page import CUSTOMERS, customer_bounds

    low, high, step = customer_bounds(own)
    assert step == CUSTOMERS[2] and low <= own <= high
    assert (own - low) % step == 0 and (high - low) % step == 0
    assert low >= min(own, CUSTOMERS[0]) and low < CUSTOMERS[0] + step
    assert high <= max(own, CUSTOMERS[1])
    assert customer_bounds(20_000) == CUSTOMERS
