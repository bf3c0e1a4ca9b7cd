"""Policies on a member twin (issue 19): the focal store's policies reach its members.

Controlled scenarios on the CDNOW cohort's twin: a policy that wins visits or keeps members
raises the members' revenue; a pure-cost policy leaves every member purchase as it was (common
random numbers); at baseline the members still follow the fitted model (docking in the market).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.calibration.core import fit_store
from experiments.calibration.twin import build_twin, conditional_expected
from sim import RetailModel
from sim.config import default_market
from sim.member_setup import baseline_dropout
from sim.policies import StorePolicy
from sim.translog import read_log

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CDNOW_END = "1997-09-30"


@pytest.fixture(scope="module")
def cdnow_twin(tmp_path_factory):
    log = read_log(DATA / "cdnow_log.csv.gz", report=lambda _m: None)
    cal = fit_store(log, CDNOW_END, pareto=False)
    spec, choice = build_twin(cal)
    path = spec.save(tmp_path_factory.mktemp("twin") / "cdnow.members.parquet")
    return cal, spec, choice, path


class Perk(StorePolicy):
    """A member perk worth `lift` utility at the focal store (wins a share of occasions)."""

    name = "test_perk"

    def __init__(self, lift: float = 1.0) -> None:
        super().__init__()
        self.lift = lift

    def utility(self, rows):
        return np.full(len(rows), self.lift)


class Service(StorePolicy):
    """Personal attention worth `extra` on every visit's service experience."""

    name = "test_service"

    def __init__(self, extra: float = 1.5) -> None:
        super().__init__()
        self.extra = extra

    def service(self, t, rows):
        return np.full(len(rows), self.extra)


class PureCost(StorePolicy):
    """Spends money every tick and touches nobody."""

    name = "test_cost"

    def __init__(self, per_tick: float = 100.0) -> None:
        super().__init__()
        self.per_tick = per_tick

    def plan(self, t):
        self.spend(t, self.per_tick)


def twin_market(path, **kw):
    return default_market(
        members=str(path), start_date=CDNOW_END, years=kw.pop("years", 1.0), n_customers=600, **kw
    )


def member_log(model) -> pd.DataFrame:
    tx = model.transactions_frame()
    return tx[tx["customer_id"] >= model.twin.first].reset_index(drop=True)


def focal(model, flow: str) -> float:
    return float(model.ledger.flows[flow][:, model.focal].sum())


@settings(max_examples=60, deadline=None)
@given(
    bad=st.floats(0.0, 0.9),
    walk=st.floats(0.0, 0.5),
    mult=st.floats(0.5, 10.0),
)
def test_baseline_dropout_gives_the_fitted_chance_of_leaving(bad, walk, mult):
    p = np.linspace(0.0, 1.0, 101)
    q = baseline_dropout(p, bad, walk, mult)
    leave = (1 - bad) * q + bad * (walk + (1 - walk) * np.minimum(1.0, mult * q))
    most = (1 - bad) + bad * (walk + (1 - walk) * min(1.0, mult))  # p' = 1
    ok = (p >= bad * walk) & (p <= most)  # below: walking away alone is already more than p
    assert (q[p > most] == 1).all()
    assert leave[ok] == pytest.approx(p[ok], abs=1e-9)
    assert (q[p < bad * walk] == 0).all() and (np.diff(q) >= 0).all()


def test_policies_act_on_the_members(cdnow_twin):
    """A perk (more of the members' occasions) and better service (fewer dissatisfying
    visits: fewer leave) each raise member revenue; a pure-cost policy changes no member
    purchase at all and only costs."""
    _, spec, _, path = cdnow_twin
    market = twin_market(path)
    gains = {"perk": [], "service": []}
    churn = {"none": 0.0, "service": 0.0}
    for seed in (1, 2, 3):
        base = RetailModel(market=market, seed=seed).run()
        perk = RetailModel(market=market, policies=[Perk()], seed=seed).run()
        serv = RetailModel(market=market, policies=[Service()], seed=seed).run()
        cost = RetailModel(market=market, policies=[PureCost()], seed=seed).run()
        gains["perk"].append(focal(perk, "revenue") / focal(base, "revenue") - 1)
        gains["service"].append(focal(serv, "revenue") / focal(base, "revenue") - 1)
        churn["none"] += focal(base, "churned")
        churn["service"] += focal(serv, "churned")
        pd.testing.assert_frame_equal(member_log(cost), member_log(base))
        assert focal(cost, "revenue") == focal(base, "revenue")
        spent = cost.ledger.costs["test_cost"][:, cost.focal].sum()
        assert spent == pytest.approx(100.0 * cost.n_ticks)
        assert focal(perk, "purchases") > focal(base, "purchases")
        assert focal(serv, "dissatisfied") < focal(base, "dissatisfied")
    assert min(gains["perk"]) > 0.10, gains
    assert min(gains["service"]) > 0.0, gains
    assert churn["service"] < churn["none"]


def test_scheduled_visits_reach_members(cdnow_twin):
    """A policy's extra visits (campaigns, reactivation) bring members to the store: taken with
    the choice probability, with no dropout chance."""
    _, _, _, path = cdnow_twin

    class Invite(StorePolicy):
        name = "test_invite"

        def plan(self, t):
            if t == 2:
                twin = self.model.twin
                self.model.schedule_visits(np.full(twin.n_members, 4), twin.member_rows(True))

    market = twin_market(path, years=0.25)
    base = RetailModel(market=market, seed=5).run()
    inv = RetailModel(market=market, policies=[Invite()], seed=5).run()
    extra = focal(inv, "purchases") - focal(base, "purchases")
    alive = int((base.pop.state[base.twin.member_rows(True)] != 4).sum())
    assert 0 < extra and extra == pytest.approx(alive * base.twin.share0, rel=0.35)


def test_twin_runs_are_deterministic_per_seed_with_a_policy(cdnow_twin):
    _, _, _, path = cdnow_twin
    market = twin_market(path, years=0.5)
    a = RetailModel(market=market, policies=["gift_budget"], seed=9).run()
    b = RetailModel(market=market, policies=["gift_budget"], seed=9).run()
    pd.testing.assert_frame_equal(member_log(a), member_log(b))
    assert np.array_equal(a.ledger.profit(), b.ledger.profit())


def test_a_twin_run_from_the_shared_burn_in_is_the_fresh_run(cdnow_twin):
    """Members attach after the residents' burn-in from their own seeds, so every policy of a
    replication shares one burn-in snapshot on a twin market too (issue 23), bit for bit."""
    from sim.snapshot import BurnIn

    _, _, _, path = cdnow_twin
    market = twin_market(path, years=0.5)
    snap = BurnIn.compute(market, 9)
    for policies in (["none"], ["gift_budget"]):
        fresh = RetailModel(market=market, policies=policies, seed=9).run()
        shared = RetailModel(market=market, policies=policies, seed=9, burn_in=snap).run()
        pd.testing.assert_frame_equal(member_log(fresh), member_log(shared), check_exact=True)
        assert np.array_equal(fresh.ledger.profit(), shared.ledger.profit())
        assert repr(fresh.summary()) == repr(shared.summary())


@pytest.mark.slow
def test_twin_in_the_market_docks_at_baseline(cdnow_twin):
    """With no policy the members' holdout purchases (mean over seeds) are within 3% of the
    chosen model's conditional expectation, each frequency group (0..6, 7+) within 5%."""
    cal, spec, choice, path = cdnow_twin
    weeks = cal.periods.holdout_weeks
    market = twin_market(path, years=weeks * 7 / 365.0)
    model = conditional_expected(choice, weeks, cal.rfm)
    seeds, total = 60, np.zeros(spec.n)
    for seed in range(seeds):
        m = RetailModel(market=market, seed=seed).run()
        assert m.n_ticks == weeks
        rows = member_log(m)["customer_id"].to_numpy() - m.twin.first
        total += np.bincount(rows[rows < spec.n], minlength=spec.n)
    twin = total / seeds
    assert abs(twin.sum() / model.sum() - 1) <= 0.03
    freq = np.minimum(cal.rfm["frequency"].to_numpy(), 7)
    by = pd.DataFrame({"f": freq, "twin": twin, "model": model}).groupby("f").sum()
    assert ((by["twin"] / by["model"] - 1).abs() <= 0.05).all(), by


@pytest.mark.slow
def test_compare_robustness_tournament_run_on_a_calibrated_twin(tmp_path):
    """`calibrate --twin` on the CDNOW log (no indirect inference: the residents keep the base
    market's parameters), then experiments.compare on the written market:
    policies move the members' revenue (not only their costs); robustness and tournament run."""
    from experiments.calibration import pipeline

    said: list[str] = []
    out = tmp_path / "cal"
    pipeline.calibrate(
        DATA / "cdnow_log.csv.gz",
        out=out,
        name="cdnow",
        calibration_end=CDNOW_END,
        pareto=False,
        progress=False,
        check_runs=1,
        force=True,
        twin=True,
        report=said.append,
    )
    assert any(line.startswith("indirect inference: skipped with --twin") for line in said)
    common = ["market.n_customers=600", "market.years=1", "output.progress=false", "workers=1"]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.compare",
            "--config-dir",
            str(out),
            "market=cdnow",
            "replications=2",
            "policies=[none,gift_budget,vip_privileges]",
            "report.enabled=false",
            f"output_dir={tmp_path / 'cmp'}",
            f"store={tmp_path / 'runs'}",
            *common,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "do not act" not in run.stderr
    runs = pd.read_csv(tmp_path / "cmp" / "runs.csv")
    revenue = runs.pivot(index="seed", columns="policy", values="revenue")
    assert (revenue["gift_budget"] != revenue["none"]).all()
    assert (revenue["vip_privileges"] != revenue["none"]).all()
    for command, extra in (
        ("robustness", ["policies=[none,gift_budget]", "replications=1", "scenarios=4"]),
        ("tournament", ["policies=[none,gift_budget]", "replications=1"]),
    ):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                f"experiments.{command}",
                "--config-dir",
                str(out),
                "market=cdnow",
                "report.enabled=false",
                f"output_dir={tmp_path / command}",
                f"store={tmp_path / 'runs'}",
                *extra,
                *common,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, (command, done.stderr[-2000:])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_study_reports_say_how_policies_reach_the_members(cdnow_twin, lang):
    from experiments.report.provenance import provenance_section

    _, _, _, path = cdnow_twin
    twin = provenance_section(twin_market(path), lang)
    plain = provenance_section(default_market(n_customers=600), lang)
    said = {"en": "Member twin", "zh": "会员孪生"}[lang]
    assert said in twin and said not in plain


def test_a_referral_scheme_brings_new_members(cdnow_twin):
    """Word of mouth: the referrals a policy adds to the fitted acquisition arrive as new
    members recommended by satisfied members; at baseline none are added (the closed CDNOW
    cohort gets no new member at all)."""
    _, _, _, path = cdnow_twin

    class Referral(StorePolicy):
        name = "test_referral"

        def reset(self):
            self.pairs = []

        def recruit_multiplier(self):
            return 3.0

        def on_recruits(self, t, recruiters, recruits):
            self.pairs.append((recruiters.copy(), recruits.copy()))

    market = twin_market(path)
    base = RetailModel(market=market, seed=7).run()
    ref = RetailModel(market=market, policies=[Referral()], seed=7).run()
    assert focal(base, "wom_recruits") == focal(base, "new_customers") == 0
    recruits = np.concatenate([r for _, r in ref.focal_policies[0].pairs])
    parents = np.concatenate([p for p, _ in ref.focal_policies[0].pairs])
    assert recruits.size == focal(ref, "wom_recruits") > 20
    assert (parents >= ref.twin.first).all() and (recruits >= ref.twin.first).all()
    assert 0 < focal(ref, "new_customers") <= recruits.size
    assert focal(ref, "referred_customers") == focal(ref, "new_customers")
    assert focal(ref, "revenue") > focal(base, "revenue")


def test_members_still_to_arrive_are_not_counted_as_churned(cdnow_twin):
    _, _, _, path = cdnow_twin
    m = RetailModel(market=twin_market(path, years=0.25), seed=2).run()
    series = m.datacollector.get_model_vars_dataframe()
    from sim.population import CHURNED

    gone = np.count_nonzero(m.pop.state[m.twin.member_rows(cohort=True)] == CHURNED)
    residents = np.count_nonzero(m.pop.state[: m.twin.first] == CHURNED)
    assert m.twin.waiting() == m.twin.rows.size - m.twin.n_members  # a closed cohort
    assert series["churned"].iloc[-1] == gone + residents


def test_a_weighted_sample_of_members_is_expanded_to_the_store(cdnow_twin, tmp_path):
    """--max-members keeps a weighted sample; in the market each kept member stands for about
    w members again (copies drawing their own traits), so the store keeps its size."""
    _, spec, _, _ = cdnow_twin
    small = spec.sample(500, np.random.default_rng(0))
    path = small.save(tmp_path / "small.members.parquet")
    m = RetailModel(market=twin_market(path, years=0.1), seed=1)
    assert m.twin.n_members == pytest.approx(spec.n, rel=0.03)
    assert set(m.twin.spec.members["customer_id"]) <= set(small.members["customer_id"])
