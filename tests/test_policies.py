"""Every store policy passes the same checks: one shared base class, one subclass per policy.

Axelrod-style: `PolicyTestCase` holds the contract (determinism, pickling, clone/reset, cost
identity, budgets never exceeded, one-line errors for bad parameters, config file); each
policy's subclass says how to build it, its budget and its bad parameters.
"""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.common import jsonable
from sim import ConfigError, RetailModel, default_market
from sim.policies import (
    CelebrityEvent,
    ComplaintRecovery,
    EducationEvents,
    GiftBudget,
    NoPolicy,
    PromoBlacklist,
    Promotions,
    Reactivation,
    ReferralPoints,
    StorePolicy,
    VipPrivileges,
    all_policies,
    get_policy_class,
    make_policy,
    policy_names,
)
from sim.policies.registry import BUILTIN_POLICIES

ROOT = Path(__file__).resolve().parents[1]
POLICY_DIR = ROOT / "configs" / "policy"
TINY = default_market(n_customers=1500, years=1)
SMALL = default_market(n_customers=1500, years=2)


def simulate(policies: list[Any], market=SMALL, seed: int = 3) -> RetailModel:
    return RetailModel(market=market, policies=policies, seed=seed).run()


def bound(model: RetailModel, name: str) -> StorePolicy:
    return next(p for p in model.focal_policies if p.name == name)


def ledger_cost(model: RetailModel, name: str, committed: bool = False) -> np.ndarray:
    """The ledger's cost_<name> per tick at the focal store (other stores must be zero): as
    accrued (what profit counts), or as committed when spent (what budgets cap)."""
    arr = (model.ledger.committed if committed else model.ledger.costs)[name]
    others = np.delete(arr, model.focal, axis=1)
    assert not others.any(), f"cost_{name} booked at a store that does not run it"
    return arr[:, model.focal]


def spent_per_period(model: RetailModel, costs: np.ndarray, period: str) -> dict[Any, float]:
    """Ledger costs grouped by budget period, computed here from the calendar (independently
    of the policies' own bookkeeping)."""
    out: dict[Any, float] = {}
    for t, c in enumerate(costs[: model.t]):
        if period == "run":
            key: Any = 0
        elif period == "year":
            key = t // model.calendar.ticks_per_year
        else:
            d = model.calendar.date(t)
            key = (d.year, d.month)
        out[key] = out.get(key, 0.0) + float(c)
    return out


class PolicyTestCase:
    """The contract every policy meets. Subclasses set the class attributes below."""

    policy_class: ClassVar[type[StorePolicy]]
    companions: ClassVar[tuple[str, ...]] = ()
    """Other policies run alongside (e.g. promotions for the blacklist)."""
    budget_period: ClassVar[str] = "year"
    budget_params: ClassVar[dict[str, Any]] = {}
    """Hypothesis strategies for the budget parameters (kwargs of the constructor)."""
    bad_params: ClassVar[list[tuple[dict[str, Any], str]]] = []
    """(constructor kwargs, field named in the error)."""

    def policy_factory(self, **kw: Any) -> StorePolicy:
        return self.policy_class(**kw)

    def budget_cap(self, policy: StorePolicy, model: RetailModel) -> float:
        """Yuan per period the policy may spend, from its parameters: its `yearly_budget`
        parameter when it has one (override for other caps)."""
        return float(getattr(policy, "yearly_budget", float("inf")))

    def acted(self, summary: dict[str, Any]) -> bool:
        """Whether the policy did something in a run (default: it spent money)."""
        return summary["focal"][f"cost_{self.policy_class.name}"] > 0

    user_config_dir: Path | None = None
    """Folder holding the policy's config when it is not a built-in (`--config-dir`)."""

    def scenario(self, market):
        """The market the checks run in (override for a policy that needs, e.g., complaints)."""
        return market

    def run(self, policy: StorePolicy, market=SMALL, seed: int = 3) -> RetailModel:
        return simulate([policy, *self.companions], self.scenario(market), seed)

    # ------------------------------------------------------------------ identity
    def test_name_classifier_docstring(self):
        cls = self.policy_class
        assert cls.name in policy_names() and get_policy_class(cls.name) is cls
        assert {"source", "targets", "cost"} <= set(cls.classifier)
        assert re.search(r"SEEDS 00\d", cls.__doc__ or ""), "docstring must cite SEEDS"
        assert re.search(r"SEEDS 00\d", cls.classifier["source"])

    def test_levers_are_decisions_that_build_across_their_range(self):
        """Every declared lever is a constructor parameter whose default lies in its range, each
        end (or choice) builds, and no lever is an uncertain assumption (configs/uncertainty)."""
        import yaml

        from sim.policies.levers import levers_of

        cls = self.policy_class
        levers = levers_of(cls)
        assumed = yaml.safe_load((ROOT / "configs" / "uncertainty" / "default.yaml").read_text())
        assert not set(levers) & set(assumed.get(cls.name) or {}), "a lever is an assumption"
        from sim.store_profile import DEFAULT_REVENUE, DEFAULT_TICKET

        bases = {"revenue_share": DEFAULT_REVENUE, "tickets": DEFAULT_TICKET}
        defaults = cls().params()
        for lever in levers.values():
            default = defaults[lever.name]
            if lever.kind == "choice":
                assert default in lever.choices
                values = lever.choices
            else:
                if lever.basis:  # money sized to the store: in the lever's basis
                    default = (
                        default[lever.basis]
                        if isinstance(default, dict)
                        else default / bases[lever.basis]
                    )
                assert lever.low <= default <= lever.high, lever.name
                values = (lever.low, lever.high)
            for v in values:
                assert getattr(cls(**{lever.name: lever.value(v)}), lever.name) == lever.value(v)

    def test_config_file_builds_the_defaults(self):
        config_dir = self.user_config_dir or ROOT / "configs"
        path = config_dir / "policy" / f"{self.policy_class.name}.yaml"
        assert path.exists(), f"missing {path}"
        from hydra import compose, initialize_config_dir
        from hydra.core.global_hydra import GlobalHydra

        from experiments.common import build_policies

        overrides = [f"policy={self.policy_class.name}"]
        if self.user_config_dir:
            overrides.append(f"hydra.searchpath=[file://{self.user_config_dir}]")
        GlobalHydra.instance().clear()
        with initialize_config_dir(str(ROOT / "configs"), version_base="1.3"):
            cfg = compose(config_name="run", overrides=overrides)
        built = build_policies(cfg.policy)
        assert [type(p) for p in built] == [self.policy_class]
        # shipped configs size money relative to the store: on the default market (its
        # profile) they resolve to the class defaults
        from sim.policies.sizing import resolved_params

        profile = default_market().profile
        assert resolved_params(built[0], profile) == self.policy_factory().params()

    # ------------------------------------------------------------------ determinism
    def test_same_seed_same_summary(self):
        a = self.run(self.policy_factory()).summary()
        b = self.run(self.policy_factory()).summary()
        assert json.dumps(jsonable(a)) == json.dumps(jsonable(b))
        assert self.acted(a), "the policy never acted in the small market"

    def test_policy_changes_the_run(self):
        base = simulate(list(self.companions), self.scenario(SMALL)).summary()["focal"]
        mine = self.run(self.policy_factory()).summary()["focal"]
        keys = (
            "revenue",
            "new_customers",
            "referred_customers",
            "complaints_resolved",
            "policy_cost",
        )
        assert any(base[k] != mine[k] for k in keys)

    def test_a_housekeeping_declared_movable_leaves_what_the_census_counts(self):
        """`movable_hooks` with ``housekeeping``: the week's census is counted before the hook,
        so the hook must change neither states nor last visits (checked at every call)."""
        policy = self.policy_factory()
        if "housekeeping" not in policy.movable_hooks:
            pytest.skip("its housekeeping (if any) runs before the census")
        model = RetailModel(
            market=self.scenario(SMALL), policies=[policy, *self.companions], seed=3
        )
        pop, kept = model.pop, []

        def watched(hook):
            def housekeeping(t: int) -> None:
                state, last_visit = pop.state.copy(), pop.last_visit.copy()
                hook(t)
                kept.append(
                    np.array_equal(state, pop.state) and np.array_equal(last_visit, pop.last_visit)
                )

            return housekeeping

        hooks = model.hooks("housekeeping")
        hooks[:] = [(s, watched(h)) for s, h in hooks]
        model.run()
        assert kept and all(kept)
        assert self.acted(model.summary())

    # ------------------------------------------------------------------ pickling, clone, reset
    def test_pickle_unbound(self):
        p = self.policy_factory()
        q = pickle.loads(pickle.dumps(p))
        assert type(q) is type(p) and q.params() == p.params() and q.model is None

    def test_pickle_bound(self):
        model = self.run(self.policy_factory())
        p = bound(model, self.policy_class.name)
        q = pickle.loads(pickle.dumps(p))
        assert q.model is None and p.model is model  # __getstate__ drops only the copy's model
        assert q.params() == p.params() and q.spent == p.spent
        assert json.dumps(jsonable(q.kpis())) == json.dumps(jsonable(p.kpis()))

    def test_clone_and_reset_give_a_fresh_policy(self):
        first = self.run(self.policy_factory())
        used = bound(first, self.policy_class.name)
        fresh = used.clone()
        assert type(fresh) is type(used) and fresh.params() == used.params()
        assert fresh.model is None and fresh.spent == 0.0
        again = self.run(fresh).summary()
        assert json.dumps(jsonable(again)) == json.dumps(jsonable(first.summary()))
        # reset() clears per-run state: same figures as a freshly bound policy.
        new_model = RetailModel(
            market=self.scenario(SMALL), policies=[self.policy_factory(), *self.companions], seed=3
        )
        used.reset()
        fresh_kpis = bound(new_model, self.policy_class.name).kpis()
        assert json.dumps(jsonable(used.kpis())) == json.dumps(jsonable(fresh_kpis))

    def test_describe_round_trip(self):
        p = self.policy_factory()
        d = p.describe()
        assert d["name"] == p.name
        assert make_policy(d).params() == p.params()
        json.dumps(jsonable(d))

    # ------------------------------------------------------------------ money
    def test_cost_identity(self):
        model = self.run(self.policy_factory())
        p = bound(model, self.policy_class.name)
        committed = ledger_cost(model, p.name, committed=True)
        assert committed.sum() == pytest.approx(p.spent, rel=1e-12, abs=1e-9)
        costs = ledger_cost(model, p.name)[: model.t]
        deferred = float(model.ledger.deferred(p.name, model.t)[model.focal])
        if p.accrue_over is None:
            assert deferred == 0.0  # booked when spent
        assert deferred >= -1e-9
        assert costs.sum() + deferred == pytest.approx(p.spent, rel=1e-12, abs=1e-9)
        cost_kpi = model.summary()["focal"][f"cost_{p.name}"]
        assert cost_kpi == pytest.approx(p.spent - deferred, abs=1e-9)
        assert (costs >= 0).all()
        # accrual never books a cost before it is spent
        assert (np.cumsum(costs) <= np.cumsum(committed[: model.t]) + 1e-6).all()

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_budget_never_exceeded(self, data):
        if not self.budget_params:
            return  # nothing to vary: see test_spends_nothing_without_a_budget
        kw = {k: data.draw(s, label=k) for k, s in self.budget_params.items()}
        seed = data.draw(st.integers(0, 3), label="seed")
        model = self.run(self.policy_factory(**kw), market=TINY, seed=seed)
        p = bound(model, self.policy_class.name)
        cap = self.budget_cap(p, model)
        for committed in (True, False):  # what was spent, and what was accrued, per period
            costs = ledger_cost(model, p.name, committed=committed)
            per = spent_per_period(model, costs, self.budget_period)
            for key, amount in per.items():
                assert amount <= cap + 1e-6, f"period {key}: spent {amount} > budget {cap}"

    def test_spends_nothing_without_a_budget(self):
        if self.budget_params:
            return
        model = self.run(self.policy_factory(), market=TINY)
        assert ledger_cost(model, self.policy_class.name).sum() == 0.0
        assert ledger_cost(model, self.policy_class.name, committed=True).sum() == 0.0

    # ------------------------------------------------------------------ bad input
    def test_bad_parameters_one_line_error(self):
        assert self.bad_params, "list some bad parameters"
        for kw, field in self.bad_params:
            with pytest.raises(ConfigError) as err:
                self.policy_factory(**kw)
            msg = str(err.value)
            assert msg.startswith(f"policy.{self.policy_class.name}.{field}: "), msg
            assert "\n" not in msg
            with pytest.raises(ConfigError, match=re.escape(field)):
                make_policy({"name": self.policy_class.name, **kw})


money = st.floats(0, 5_000, allow_nan=False, allow_infinity=False)


class TestPromotions(PolicyTestCase):
    policy_class = Promotions
    budget_params = {
        "yearly_budget": st.floats(0, 60_000),
        "contact_cost": st.floats(0, 5),
        "campaign_cost": money,
    }
    bad_params = [
        ({"yearly_budget": -5}, "yearly_budget"),
        ({"depth": 1.5}, "depth"),
        ({"every_weeks": 0}, "every_weeks"),
        ({"duration_days": 100}, "duration_days"),
        ({"response": "lots"}, "response"),
    ]


class TestPromoBlacklist(PolicyTestCase):
    policy_class = PromoBlacklist
    companions = ("promotions",)

    def acted(self, summary):
        return summary["policies"]["promo_blacklist"]["blacklisted_ever"] > 0

    bad_params = [
        ({"refresh_weeks": 0}, "refresh_weeks"),
        ({"sticky": "yes"}, "sticky"),
        ({"bottom_share": 0}, "bottom_share"),
        ({"bottom_share": 1.5}, "bottom_share"),
        ({"min_promo_share": 0}, "min_promo_share"),
    ]

    def test_threshold_decides_who_is_listed(self):
        """A wider bottom share (SEEDS 003: 15-20%) lists more members, on the same seed."""
        sizes = []
        for share in (0.1, 0.2, 0.4):
            model = simulate(
                ["promotions", {"name": "promo_blacklist", "bottom_share": share}],
                market=default_market(n_customers=3000, years=2),
            )
            sizes.append(bound(model, "promo_blacklist").ever.sum())
        assert sizes[0] <= sizes[1] <= sizes[2] and sizes[0] < sizes[2]

    def test_blacklist_lists_promo_only_members_and_promotions_skip_them(self):
        """Each campaign's target list, when it is drawn up, leaves out every member on the
        blacklist at that moment (SEEDS 003, segment 5: "the next campaign's target list");
        members listed later in a running campaign keep the offer they already received."""
        model = RetailModel(
            market=default_market(n_customers=3000, years=2),
            policies=["promotions", "promo_blacklist"],
            seed=3,
        )
        bl, promo = bound(model, "promo_blacklist"), bound(model, "promotions")
        overlaps = []
        launch = promo.start_campaign

        def checked_launch(t):
            started = launch(t)
            overlaps.append(int((promo.target & bl.mask).sum()))
            return started

        promo.start_campaign = checked_launch
        model.run()
        assert len(overlaps) >= 10 and max(overlaps) == 0
        assert bl.ever.sum() > 0 and bl.kpis()["blacklisted_ever"] == bl.ever.sum()
        assert promo.kpis()["excluded_by_blacklist"] > 0


class TestGiftBudget(PolicyTestCase):
    policy_class = GiftBudget
    budget_period = "month"
    budget_params = {
        "monthly_per_manager": st.floats(0, 400),
        "gift_price": st.floats(1, 300),
        "target": st.sampled_from(GiftBudget.TARGETS),
    }
    bad_params = [
        ({"monthly_per_manager": -5}, "monthly_per_manager"),
        ({"gift_price": 0}, "gift_price"),
        ({"target": "everyone"}, "target"),
        ({"loyalty_gain": 2}, "loyalty_gain"),
        ({"cooldown_days": 1.5}, "cooldown_days"),
    ]

    def budget_cap(self, policy, model):
        return policy.monthly_per_manager * model.market.stores[model.focal].managers

    def test_error_message_is_exactly_one_line(self):
        with pytest.raises(ConfigError) as err:
            GiftBudget(monthly_per_manager=-5)
        assert str(err.value) == "policy.gift_budget.monthly_per_manager: must be >= 0, got -5"

    def test_churn_risk_targets_members_away_for_half_a_year(self):
        model = self.run(self.policy_factory(target="churn_risk"))
        p = bound(model, "gift_budget")
        got = np.flatnonzero(p.gifts_received > 0)
        assert got.size > 0
        # At their (last) gift they had not bought here for >= 180 days.
        away = (p.last_gift[got] - model.pop.last_visit[got, model.focal]) * 7
        assert ((away >= 180) | (model.pop.last_visit[got, model.focal] > p.last_gift[got])).all()


class TestCelebrityEvent(PolicyTestCase):
    policy_class = CelebrityEvent
    budget_params = {
        "yearly_budget": st.floats(0, 150_000),
        "fixed_cost": st.floats(0, 80_000),
        "cost_per_guest": st.floats(0, 2_000),
    }
    bad_params = [
        ({"yearly_budget": -1}, "yearly_budget"),
        ({"attendance": 1.2}, "attendance"),
        ({"invite_top": 0}, "invite_top"),
        ({"day_of_year": 366}, "day_of_year"),
    ]

    def test_gala_cost_accrues_over_the_year_after_it(self):
        model = self.run(self.policy_factory())
        committed = ledger_cost(model, CelebrityEvent.name, committed=True)
        accrued = ledger_cost(model, CelebrityEvent.name)
        galas = np.flatnonzero(committed)
        assert galas.size == 2  # one a year, in the year-end week
        per_year = model.calendar.ticks_per_year
        expected = np.zeros(model.t + per_year)
        for g in galas:
            expected[g : g + per_year] += committed[g] / per_year
        assert np.allclose(accrued[: model.t], expected[: model.t])
        deferred = model.ledger.deferred(CelebrityEvent.name, model.t)[model.focal]
        assert deferred == pytest.approx(expected[model.t :].sum())


class TestReferralPoints(PolicyTestCase):
    policy_class = ReferralPoints
    budget_params = {
        "yearly_budget": st.floats(0, 3_000),
        "redeem_threshold": st.floats(10, 400),
        "depth": st.integers(1, 5),
        "decay": st.floats(0, 1),
    }
    bad_params = [
        ({"depth": 0}, "depth"),
        ({"decay": 1.5}, "decay"),
        ({"decay": -0.1}, "decay"),
        ({"yearly_budget": -10}, "yearly_budget"),
        ({"promoter_multiplier": 0.5}, "promoter_multiplier"),
    ]

    def acted(self, summary):
        return summary["policies"]["referral_points"]["points_issued"] > 0

    def test_points_go_up_the_chain_with_decay(self):
        model = RetailModel(market=TINY, policies=[ReferralPoints(depth=3, decay=0.5)], seed=1)
        p = bound(model, "referral_points")
        parent = model.pop.referral_parent
        a, b, c, d = 10, 11, 12, 13  # d was referred by c, c by b, b by a
        parent[[b, c, d]] = [a, b, c]
        p.credit_chain(np.array([c]), np.array([100.0]))  # d's purchase earns c, b, a
        assert p.balance[[c, b, a]].tolist() == [100.0, 50.0, 25.0]
        p.credit_chain(np.array([d]), np.array([8.0]))  # four levels up: depth 3 stops at b
        assert p.balance[[d, c, b, a]].tolist() == [8.0, 104.0, 52.0, 25.0]
        assert p.kpis()["points_liability"] == pytest.approx(189.0)

    def test_liability_is_issued_minus_redeemed(self):
        model = self.run(self.policy_factory(redeem_threshold=50))
        k = bound(model, "referral_points").kpis()
        assert k["points_issued"] > 0 and k["points_redeemed"] > 0
        assert k["points_liability"] == pytest.approx(k["points_issued"] - k["points_redeemed"])
        assert model.summary()["policies"]["referral_points"] == k


class TestComplaintRecovery(PolicyTestCase):
    policy_class = ComplaintRecovery
    budget_params = {"yearly_budget": st.floats(0, 2_000), "cost_per_case": st.floats(0, 800)}
    bad_params = [
        ({"resolution_rate": 2}, "resolution_rate"),
        ({"cost_per_case": -1}, "cost_per_case"),
        ({"yearly_budget": -1}, "yearly_budget"),
    ]

    def scenario(self, market):
        # Complaints are rare (1 in 25 dissatisfied): a market with more of them.
        import dataclasses

        return market.replace(
            behaviour=dataclasses.replace(market.behaviour, complaint_probability=0.5)
        )


class TestReactivation(PolicyTestCase):
    policy_class = Reactivation
    budget_params = {
        "yearly_budget": st.floats(0, 5_000),
        "contact_cost": st.floats(0, 50),
        "offer_discount": st.floats(0, 0.5),
    }
    bad_params = [
        ({"response": -0.1}, "response"),
        ({"every_weeks": 0}, "every_weeks"),
        ({"offer_discount": 1.1}, "offer_discount"),
        ({"yearly_budget": float("nan")}, "yearly_budget"),
    ]


class TestVipPrivileges(PolicyTestCase):
    policy_class = VipPrivileges
    budget_params = {
        "yearly_budget": st.floats(0, 30_000),
        "birthday_gift": st.floats(0, 1_000),
        "price_discount": st.floats(0, 0.3),
    }
    bad_params = [
        ({"top_share": 0}, "top_share"),
        ({"price_discount": 2}, "price_discount"),
        ({"yearly_budget": -1}, "yearly_budget"),
        ({"large_purchase": None}, "large_purchase"),
    ]


class TestEducationEvents(PolicyTestCase):
    policy_class = EducationEvents
    budget_params = {
        "yearly_budget": st.floats(0, 80_000),
        "fixed_cost": st.floats(0, 30_000),
        "cost_per_guest": st.floats(0, 1_000),
    }
    bad_params = [
        ({"days_of_year": [0]}, "days_of_year"),
        ({"days_of_year": []}, "days_of_year"),
        ({"days_of_year": "May"}, "days_of_year"),
        ({"max_guests": 0}, "max_guests"),
        ({"yearly_budget": -2}, "yearly_budget"),
    ]


# ---------------------------------------------------------------------------- the registry
TESTED = {c.policy_class for c in PolicyTestCase.__subclasses__()}


def test_every_builtin_policy_has_a_test_class():
    assert set(BUILTIN_POLICIES) - {NoPolicy} <= TESTED


def test_registry_names_unique_documented_and_configured():
    names = [p.name for p in all_policies]
    assert len(names) == len(set(names))
    for cls in BUILTIN_POLICIES:
        assert re.search(r"SEEDS 00\d", cls.__doc__ or "") or cls is NoPolicy, cls
        assert (POLICY_DIR / f"{cls.name}.yaml").exists(), cls.name


def test_unknown_policy_lists_available():
    with pytest.raises(ConfigError) as err:
        make_policy("loyalty_magic")
    msg = str(err.value)
    assert msg.startswith("policy: unknown policy 'loyalty_magic'; available: ")
    assert all(n in msg for n in ("gift_budget", "referral_points", "promo_blacklist"))


def test_policy_config_files_are_documented_and_build(tmp_path):
    """Every configs/policy/*.yaml has a one-line description and runs in a tiny market."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from experiments.run import run

    for path in sorted(POLICY_DIR.glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# ") and len(first) > 10, path.name
        data = yaml.safe_load(path.read_text())
        assert data["name"] == path.stem
        GlobalHydra.instance().clear()
        with initialize_config_dir(str(ROOT / "configs"), version_base="1.3"):
            cfg = compose(
                config_name="run",
                overrides=[
                    f"policy={path.stem}",
                    "market.n_customers=1500",
                    "market.years=1",
                    "output.progress=false",
                    "output.table=false",
                    "output.segments=false",
                ],
            )
        summary = run(cfg, tmp_path / path.stem)
        names = [e["_target_"].rsplit(".", 1)[-1] for e in data["policies"]]
        assert len(summary["policies"]) == len(names)
        for name in summary["policies"]:
            assert f"cost_{name}" in summary["focal"]


def test_competitor_policies_from_the_market_config():
    """A competitor can run policies given as mappings in the market config."""
    import dataclasses

    stores = list(TINY.stores)
    stores[1] = dataclasses.replace(stores[1], policies=({"name": "promotions", "depth": 0.2},))
    model = simulate([], market=TINY.replace(stores=tuple(stores)))
    rival = model.stores[1].policies[0]
    assert rival.name == "promotions" and rival.depth == 0.2
    assert (
        model.summary()["stores"]["county_rival"]["cost_promotions"] == pytest.approx(rival.spent)
        and rival.spent > 0
    )


# ---------------------------------------------------------------------------- the command line
def cli(*overrides: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            *overrides,
            f"hydra.run.dir={tmp_path}",
            "output.progress=false",
            "market.n_customers=1500",
            "market.years=1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "overrides, field",
    [
        (["policy=referral_points", "policy.depth=0"], "policy.referral_points.depth"),
        (["policy=referral_points", "policy.policies.0.depth=0"], "policy.referral_points.depth"),
        (["policy=referral_points", "policy.decay=1.5"], "policy.referral_points.decay"),
        (["policy=gift_budget", "policy.budget=-5"], "policy.gift_budget.monthly_per_manager"),
    ],
)
def test_cli_bad_policy_parameter_exits_2_with_one_line(tmp_path, overrides, field):
    p = cli(*overrides, tmp_path=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: "), p.stderr
    assert not (tmp_path / "summary.json").exists()


def test_cli_bundle_reports_every_policy(tmp_path):
    p = cli("policy=vip_program", tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    for name in ("gift_budget", "vip_privileges", "celebrity_event"):
        assert summary["focal"][f"cost_{name}"] > 0
        assert name in summary["policies"]
    assert summary["focal"]["policy_cost"] == pytest.approx(
        sum(summary["focal"][f"cost_{n}"] for n in summary["policies"])
    )
