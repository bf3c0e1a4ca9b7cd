"""The strategy tournament: validation, the analysis on games with known answers, a simulated
symmetric game with a planted dominant policy, and the command end to end (with resume)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.engine import available_policies, load_policy_config
from experiments.report.page import render_page
from experiments.studies.tournament.equilibria import (
    _best_on_support,
    _support_candidates,
    _unit,
    bimatrix_equilibria,
    equilibria,
    equilibrium_table,
    pure_equilibria,
)
from experiments.studies.tournament.game import EmpiricalGame
from experiments.studies.tournament.plan import make_plan
from experiments.studies.tournament.responses import (
    best_responses,
    copy_diagonal,
    dominant_strategies,
)
from experiments.studies.tournament.section import tournament_section
from experiments.studies.tournament.study import run_tournament
from sim import ConfigError, MarketConfig, PlaceSpec, StoreSpec, default_market
from sim.policies import StorePolicy, policy_target

ROOT = Path(__file__).resolve().parents[1]


def plan_of(**cfg):
    return make_plan(cfg, default_market(n_customers=1000, years=1),
                     available=available_policies(), load=load_policy_config)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("cfg", "field", "words"),
    [
        ({"rivals": ["nowhere"]}, "rivals", "unknown store 'nowhere'"),
        ({"rivals": ["county_rival", "county_rival"]}, "rivals", "listed twice"),
        ({"rivals": ["focal"]}, "rivals", "cannot be its own rival"),
        ({"rivals": []}, "rivals", "at least one rival"),
        ({"policies": []}, "policies", "is empty"),
        ({"policies": ["none", "magic"]}, "policies", "unknown policy 'magic' for store 'focal'"),
        ({"policies": ["none"], "store_policies": {"county_rival": []}},
         "store_policies.county_rival", "policy set of store 'county_rival' is empty"),
        ({"policies": ["none"], "store_policies": {"county_rival": ["none", "magic"]}},
         "store_policies.county_rival", "unknown policy 'magic' for store 'county_rival'"),
        ({"policies": ["none"], "store_policies": {"pref_local": ["none"]}},
         "store_policies.pref_local", "does not play"),
        ({"policies": ["none"], "store_policies": {"mars": ["none"]}},
         "store_policies.mars", "unknown store"),
        ({"policies": ["none", "none"]}, "policies", "listed twice"),
        ({"policies": ["none"], "payoff": "happiness"}, "payoff", "must be one of"),
        ({"policies": ["none"], "replications": 0}, "replications", ">= 1"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(cfg, field, words):
    with pytest.raises(ConfigError) as err:
        plan_of(**cfg)
    assert err.value.field == field
    assert words in str(err.value) and "\n" not in str(err.value)


def test_plan_profiles_and_per_store_sets():
    plan = plan_of(rivals=["county_rival", "pref_national"], policies=["none", "promotions"],
                   store_policies={"pref_national": ["none", "vip_program", "gift_budget"]},
                   replications=3)
    assert plan.stores == ("focal", "county_rival", "pref_national")
    assert len(plan.profiles()) == 2 * 2 * 3 and plan.n_runs == 36
    assert plan.players[0].entries["none"] == ()
    assert plan.players[2].entries["vip_program"][0]["_target_"].startswith("sim.policies.")


def test_cli_bad_input_exits_2_with_one_line(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "experiments.tournament", "rivals=[focal]",
         f"hydra.run.dir={tmp_path}"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        "error: rivals: 'focal' is the focal store; it cannot be its own rival"]


# --------------------------------------------------------------------------- analysis
def noisy(means: np.ndarray, reps: int = 12, sd: float = 0.05, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return means[..., None] + rng.normal(0, sd, (*means.shape, reps))


def test_prisoners_dilemma_dominant_strategy_and_equilibrium():
    a = np.array([[3.0, 0.0], [5.0, 1.0]])  # row: cooperate, defect
    game = EmpiricalGame(("focal", "rival"), (("c", "d"), ("c", "d")),
                         noisy(np.stack([a, a.T])))
    assert dominant_strategies(game) == {"focal": "d", "rival": "d"}
    br = best_responses(game, n_boot=200)
    assert (br["best_policy"] == "d").all()
    assert (br["share_replications"] == 1).all() and (br["share_bootstrap"] == 1).all()
    assert (br["gap_ci_low"] > 0).all()
    eq = equilibrium_table(game, n_boot=200)
    assert eq["equilibrium"].nunique() == 1 and (eq["kind"] == "pure").all()
    assert set(eq["policy"]) == {"d"} and (eq["survival"] == 1).all()
    diag = copy_diagonal(game, n_boot=200)
    best = diag[diag["best_when_copied"]]
    assert list(best["policy"]) == ["c"]  # copied by the rival, cooperating pays more


def test_matching_pennies_mixed_equilibrium():
    a = np.array([[1.0, -1.0], [-1.0, 1.0]])
    game = EmpiricalGame(("focal", "rival"), (("h", "t"), ("h", "t")),
                         noisy(np.stack([a, -a]), sd=0.01))
    found, degenerate = equilibria(game)
    assert not degenerate and len(found) == 1 and not found[0].pure
    np.testing.assert_allclose(found[0].strategies, [[0.5, 0.5], [0.5, 0.5]], atol=0.02)
    eq = equilibrium_table(game, n_boot=100)
    assert (eq["kind"] == "mixed").all() and (eq["survival"] > 0.9).all()


def test_coordination_game_two_pure_and_one_mixed():
    a = np.array([[2.0, 0.0], [0.0, 1.0]])
    game = EmpiricalGame(("focal", "rival"), (("x", "y"), ("x", "y")),
                         noisy(np.stack([a, a]), sd=0.01))
    kinds = sorted("pure" if e.pure else "mixed" for e in equilibria(game)[0])
    assert kinds == ["mixed", "pure", "pure"]
    assert dominant_strategies(game) == {"focal": None, "rival": None}


def test_three_stores_pure_equilibria_by_unilateral_deviation():
    # each store earns 1 when it matches the majority of the other two, else 0: the two
    # unanimous profiles are the only pure equilibria
    means = np.zeros((3, 2, 2, 2))
    for prof in np.ndindex(2, 2, 2):
        for i in range(3):
            others = [prof[j] for j in range(3) if j != i]
            means[(i, *prof)] = float(others[0] == others[1] == prof[i])
    game = EmpiricalGame(("focal", "r1", "r2"), (("a", "b"),) * 3, noisy(means, sd=0.01))
    assert sorted(pure_equilibria(game.means())) == [(0, 0, 0), (1, 1, 1)]
    eq = equilibrium_table(game, n_boot=50)
    assert set(eq["method"]) == {"unilateral deviations"}
    assert eq["equilibrium"].nunique() == 2 and (eq["kind"] == "pure").all()


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 10_000),
       st.floats(-1e6, 1e6), st.floats(0.1, 1e3))
def test_equilibria_are_mutual_best_responses_and_affine_invariant(k1, k2, seed, shift, scale):
    rng = np.random.default_rng(seed)
    pay = rng.normal(0, 1, (2, k1, k2, 3))
    game = EmpiricalGame(("focal", "rival"), (tuple("abcd"[:k1]), tuple("abcd"[:k2])), pay)
    found, degenerate = equilibria(game)
    assert found  # every finite game has an equilibrium (Nash)
    a, b = game.means()
    for eq in found:
        x, y = (np.asarray(s) for s in eq.strategies)
        assert np.isclose(x.sum(), 1) and np.isclose(y.sum(), 1)
        assert x @ a @ y >= (a @ y).max() - 1e-7 and x @ b @ y >= (x @ b).max() - 1e-7
    moved = EmpiricalGame(game.players, game.strategies,
                          np.stack([pay[0] * scale + shift, pay[1]]))
    assert [e.supports for e in equilibria(moved)[0]] == [e.supports for e in found]
    pd.testing.assert_series_equal(best_responses(moved, n_boot=0)["best_policy"],
                                   best_responses(game, n_boot=0)["best_policy"])


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 10_000))
def test_vertex_enumeration_agrees_with_support_enumeration(k1, k2, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(k1, k2)), rng.normal(size=(k1, k2))
    ua, ub = _unit(a), _unit(b)
    by_support = {(tuple(np.round(x, 6)), tuple(np.round(y, 6)))
                  for x, y in _support_candidates(ua, ub) if _best_on_support(ua, ub, x, y)}
    by_vertex = {tuple(tuple(np.round(s, 6)) for s in e.strategies)
                 for e in bimatrix_equilibria(a, b)[0]}
    assert by_vertex == by_support


def test_a_store_with_one_policy_gets_its_rivals_best_response():
    a = np.array([[1.0], [2.0]])[None].repeat(2, 0)
    game = EmpiricalGame(("f", "r"), (("x", "y"), ("only",)),
                         noisy(np.stack([a[0], np.array([[3.0], [1.0]])]), sd=0.01))
    eq = equilibrium_table(game, n_boot=20)
    assert set(zip(eq["store"], eq["policy"], strict=True)) == {("f", "y"), ("r", "only")}


def test_survival_falls_when_noise_swamps_the_game():
    a = np.array([[1.0, 0.0], [0.9, 0.2]])
    clear = EmpiricalGame(("f", "r"), (("x", "y"),) * 2, noisy(np.stack([a, a.T]), sd=0.001))
    murky = EmpiricalGame(("f", "r"), (("x", "y"),) * 2, noisy(np.stack([a, a.T]), sd=2.0))
    assert equilibrium_table(clear, n_boot=200)["survival"].min() == 1
    assert equilibrium_table(murky, n_boot=200)["survival"].min() < 0.9


# --------------------------------------------------------------------------- simulated game
class Magnet(StorePolicy):
    """Test policy with a planted dominant effect: its store looks better to every shopper,
    at no cost."""

    name = "magnet_test"

    def utility(self, rows: np.ndarray) -> np.ndarray:
        return np.full(rows.size, 0.8)


def twin_market(n: int = 3000) -> MarketConfig:
    twin = {"place": "county", "brand": "local", "price_level": 1.0, "margin": 0.4,
            "managers": 2}
    return MarketConfig(name="twins", n_customers=n, years=1, focal_store="focal",
                        places=(PlaceSpec("county", "county", None, 1.0),),
                        stores=(StoreSpec("focal", **twin), StoreSpec("twin", **twin))).validate()


@pytest.fixture(scope="module")
def twin_game(tmp_path_factory):
    catalogue = {"none": {"policies": []},
                 "magnet": {"policies": [{"_target_": policy_target(Magnet)}]}}
    plan = make_plan({"rivals": ["twin"], "policies": ["none", "magnet"], "replications": 8,
                      "bootstrap": 200}, twin_market(), available=list(catalogue),
                     load=catalogue.__getitem__)
    store = tmp_path_factory.mktemp("run_store")
    return run_tournament(plan, workers=1, store=store, progress=False)


def test_planted_dominant_policy_is_recovered(twin_game):
    assert dominant_strategies(twin_game.game) == {"focal": "magnet", "twin": "magnet"}
    br = twin_game.best_responses
    assert (br["best_policy"] == "magnet").all() and (br["gap_ci_low"] > 0).all()
    eq = twin_game.equilibria
    assert eq["equilibrium"].nunique() == 1 and (eq["kind"] == "pure").all()
    assert set(eq["policy"]) == {"magnet"} and (eq["survival"] >= 0.9).all()


def test_symmetric_stores_get_symmetric_payoffs_within_ci(twin_game):
    p = twin_game.payoffs[twin_game.payoffs["kpi"] == "profit"]
    for a in ("none", "magnet"):
        for b in ("none", "magnet"):
            mine = p[(p["policy_focal"] == a) & (p["policy_twin"] == b) & (p["store"] == "focal")]
            theirs = p[(p["policy_focal"] == b) & (p["policy_twin"] == a) & (p["store"] == "twin")]
            m, t = mine.iloc[0], theirs.iloc[0]
            assert m["ci_low"] <= t["ci_high"] and t["ci_low"] <= m["ci_high"], (a, b)


def test_section_speaks_plainly_in_both_languages(twin_game):
    from experiments.studies.tournament.study import meta_of

    meta = meta_of(twin_game.plan, twin_game)
    labels = {"none": "Doing nothing", "magnet": "Magnet <b>"}
    frames = {k: getattr(twin_game, k) for k in
              ("payoffs", "best_responses", "equilibria", "diagonal", "market")}
    en = tournament_section(**frames, meta=meta, labels=labels, lang="en")
    assert "your best answer is <b>“Magnet &lt;b&gt;”</b>" in en
    assert "Whatever" in en and "equilibrium" in en
    zh = tournament_section(**frames, meta=meta, labels={"none": "什么都不做", "magnet": "磁铁"},
                            lang="zh")
    assert "您的最佳应对是<b>“磁铁”</b>" in zh and "纳什均衡" in zh
    page = render_page("T", [zh], "zh")
    assert page.startswith("<!DOCTYPE html>") and "磁铁" in page


# --------------------------------------------------------------------------- the command
@pytest.mark.slow
def test_cli_end_to_end_with_resume(tmp_path):
    store, out = tmp_path / "store", tmp_path / "out"
    args = [sys.executable, "-m", "experiments.tournament", "market.n_customers=1000",
            "market.years=1", "policies=[none,promotions]", "replications=2", "workers=1",
            f"store={store}", f"hydra.run.dir={out}", "output.progress=false"]
    first = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "8 runs (8 computed, 0 reused" in first.stdout
    again = subprocess.run([*args, "report.lang=zh"], cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "8 runs (0 computed, 8 reused" in again.stdout
    for name in ("payoffs.csv", "best_responses.csv", "equilibria.csv", "diagonal.csv",
                 "market.csv", "report.html", "report_zh.html", "heatmap_focal.png",
                 "heatmap_county_rival.png", "heatmap_focal_zh.png"):
        assert (out / name).stat().st_size > 0, name
    pay = pd.read_csv(out / "payoffs.csv")
    assert len(pay) == 4 * 2 * 2  # profiles x stores x (profit, retention)
    assert set(pay["profile"]) == {"none | none", "none | promotions", "promotions | none",
                                   "promotions | promotions"}
    br = pd.read_csv(out / "best_responses.csv")
    assert len(br) == 4 and set(br["store"]) == {"focal", "county_rival"}
    meta = json.loads((out / "meta.json").read_text())
    assert meta["reused"] == 8 and meta["players"] == ["focal", "county_rival"]
    assert not list(out.glob(".*.tmp"))


def test_three_store_tournament_analysis_and_section_from_frames():
    """`analyse` on engine-shaped frames (no simulation): 3 stores, market view, report text."""
    from experiments.studies.tournament.runner import analyse
    from experiments.studies.tournament.study import meta_of

    plan = plan_of(rivals=["county_rival", "pref_national"], policies=["none", "promotions"],
                   replications=3, bootstrap=50)
    rng = np.random.default_rng(1)
    stores, market = [], []
    for profile in plan.profiles():
        for r in range(plan.replications):
            head = {"profile": " | ".join(profile), "replication": r, "seed": r}
            for s, pol in zip(plan.stores, profile, strict=True):
                # promotions cost each store 10 and help nobody: "none" is dominant for all
                stores.append({**head, "store_id": s, "profit": 100 - 10 * (pol == "promotions")
                               + rng.normal(0, 1), "retention": 0.5})
            market.append({**head, "category_profit": 1000.0, "customers_lost": 7.0})
    result = analyse(plan, pd.DataFrame(stores), pd.DataFrame(market))
    assert dominant_strategies(result.game) == dict.fromkeys(plan.stores, "none")
    eq = result.equilibria
    assert eq["profile"].unique().tolist() == ["none | none | none"]
    assert len(result.payoffs) == 8 * 3 * 2 and len(result.market) == 8 * 2
    assert len(result.best_responses) == 3 * 4
    meta = meta_of(plan, result)
    html = tournament_section(payoffs=result.payoffs, best_responses=result.best_responses,
                              equilibria=eq, diagonal=result.diagonal, market=result.market,
                              meta=meta, labels={"none": "Doing nothing",
                                                 "promotions": "Promotions"}, lang="en")
    assert "only pure equilibria" in html
    assert "Whatever the county rival and the national-brand prefecture store do," in html


def test_an_interrupted_tournament_resumes_with_only_the_missing_runs(tmp_path):
    """A tournament stopped after replication 0 (here: first run with 1 replication) computes
    only the missing runs when started again, and gives the same payoffs as a fresh one."""
    catalogue = {"none": {"policies": []},
                 "magnet": {"policies": [{"_target_": policy_target(Magnet)}]}}

    def plan(reps: int):
        return make_plan({"rivals": ["twin"], "policies": ["none", "magnet"],
                          "replications": reps, "bootstrap": 0}, twin_market(500),
                         available=list(catalogue), load=catalogue.__getitem__)

    first = run_tournament(plan(1), workers=1, store=tmp_path / "a", progress=False)
    assert (first.computed, first.reused) == (4, 0)
    resumed = run_tournament(plan(2), workers=1, store=tmp_path / "a", progress=False)
    assert (resumed.computed, resumed.reused) == (4, 4)
    fresh = run_tournament(plan(2), workers=1, store=tmp_path / "b", progress=False)
    np.testing.assert_array_equal(resumed.game.payoffs, fresh.game.payoffs)
