"""Policies sized to the store: relative money resolves against the market's store profile,
the shipped configs keep the default market's amounts and stay sane on a small dollar store,
and a policy too big for the store or with an unreachable threshold is named in one line."""

from __future__ import annotations

import pickle

import pytest

from experiments.dashboard.catalog import policy_configs
from sim.config import default_market
from sim.errors import ConfigError
from sim.model import RetailModel
from sim.policies import make_policies
from sim.policies.sizing import (
    MAX_COST_SHARE,
    Relative,
    parse_relative,
    resolve,
    resolved_params,
    sizing_flags,
)
from sim.policies.vip_privileges import VipPrivileges
from sim.store_profile import StoreProfile

#: A music store like the issue's: dollars, ~$35 tickets, ~2,400 members.
MUSIC = StoreProfile(
    name="Music store",
    currency="USD",
    members=2357,
    yearly_revenue=80_000.0,
    mean_ticket=35.0,
    ticket_source="data",
    ticket_percentiles={"0": 2.0, "50": 28.0, "90": 70.0, "100": 412.0},
)
SMALL = default_market(n_customers=1500, years=1)


def shipped() -> list[tuple[str, object]]:
    return [
        (name, p)
        for name, spec in policy_configs().items()
        for p in make_policies(spec["policies"])
    ]


def bind(policy, profile: StoreProfile):
    """Bind to a small market carrying `profile` (what RetailModel does at construction)."""
    model = RetailModel(market=SMALL.replace(profile=profile), policies=[policy], seed=1)
    return next(p for p in model.focal_policies if p.name == policy.name)


def test_shipped_configs_resolve_to_the_default_amounts_on_the_default_market():
    profile = default_market().profile
    from sim.policies.budget import recorded_checks

    for name, policy in shipped():
        checks = recorded_checks(type(policy))
        money = {r["field"] for r in checks if r.get("money") or r.get("points")}
        relative = [k for k, v in policy.params().items() if isinstance(v, Relative)]
        assert set(relative) == money, f"{name}: {policy.name} keeps absolute money or points"
        resolved = resolved_params(policy, profile)
        defaults = type(policy)().params()
        assert {k: resolved[k] for k in relative} == {k: defaults[k] for k in relative}, name


def test_shipped_configs_are_sane_on_a_small_dollar_store():
    for name, policy in shipped():
        policy = bind(policy, MUSIC)
        assert sizing_flags(policy, MUSIC) == [], name
    vip = next(p for n, p in shipped() if n == "vip_privileges")
    vip = bind(vip, MUSIC)
    assert vip.large_purchase == 70.0 and vip.yearly_budget == 4_000.0


def test_referral_rewards_keep_their_weight_against_the_ticket_on_the_dollar_store():
    """100 points of ¥1 (2.5% of the default store's ¥4,000 ticket) per referral; on a $35
    ticket the same reward is points worth 2.5% of $35, and the purchase rebate stays 2%."""
    for profile in (default_market().profile, MUSIC):
        p = bind(next(p for n, p in shipped() if n == "referral_points"), profile)
        reward = p.points_per_referral * p.yuan_per_point / profile.mean_ticket
        threshold = p.redeem_threshold * p.yuan_per_point / profile.mean_ticket
        assert reward == pytest.approx(0.025, abs=0.005 / profile.mean_ticket)
        assert threshold == pytest.approx(0.075, abs=0.005 / profile.mean_ticket)
        assert p.points_per_yuan * p.yuan_per_point == pytest.approx(0.02)
    assert (p.points_per_referral, p.redeem_threshold) == (0.88, 2.62)  # cents: $0.88, $2.62


def test_points_given_as_money_need_points_worth_money():
    from sim.policies.referral_points import ReferralPoints

    policy = ReferralPoints(points_per_referral={"tickets": 0.025}, yuan_per_point=0.0)
    with pytest.raises(ConfigError, match="points_per_referral: is given as money .* "
                       "yuan_per_point must be above 0"):
        bind(policy, MUSIC)
    with pytest.raises(ConfigError, match="redeem_threshold: {'tickets': 0.0} is worth no points"):
        bind(ReferralPoints(redeem_threshold={"tickets": 0.0}), MUSIC)
    shown = resolved_params(ReferralPoints(redeem_threshold={"tickets": 0.5}), MUSIC)
    assert shown["redeem_threshold"] == 17.5  # points, not money


def test_default_absolute_amounts_are_flagged_on_the_dollar_store():
    with pytest.warns(UserWarning) as caught:
        policy = bind(VipPrivileges(), MUSIC)
    lines = [str(w.message) for w in caught]
    assert any(
        "yearly budget of $250,000 is 312% of the store's yearly revenue" in x for x in lines
    )
    assert any(
        "large_purchase $8,000 is above every member's largest visit ($412)" in x for x in lines
    )
    assert all("\n" not in x for x in lines)
    assert policy.yearly_budget > MAX_COST_SHARE * MUSIC.yearly_revenue


def test_preflight_names_the_same_problems_without_a_model():
    from sim.policies.gift_budget import GiftBudget
    from sim.policies.sizing import preflight

    market = SMALL.replace(profile=MUSIC)
    lines = preflight([VipPrivileges(), GiftBudget(monthly_per_manager=1_000.0)], market)
    assert len(lines) == 3 and "policy gift_budget: a yearly budget of $36,000" in lines[2]
    shipped_vip = [p for n, p in shipped() if n == "vip_program"]
    assert preflight(shipped_vip, market) == []


def test_fixed_cost_above_the_budget_is_flagged():
    from sim.policies.celebrity_event import CelebrityEvent

    policy = CelebrityEvent(
        fixed_cost=Relative({"revenue_share": 0.05}),
        yearly_budget=Relative({"revenue_share": 0.01}),
    )
    with pytest.warns(
        UserWarning,
        match="the fixed cost \\$4,000 is above the whole yearly "
        "budget \\$800, so the event never takes place",
    ):
        bind(policy, MUSIC)


def test_relative_forms_resolve_and_survive_clone_and_pickle():
    policy = VipPrivileges(
        yearly_budget={"revenue_share": 0.05},
        large_purchase={"tickets": 2},
        birthday_gift={"member_spend_percentile": 95},
    )
    bound = bind(policy, MUSIC)
    assert (bound.yearly_budget, bound.large_purchase) == (4_000.0, 70.0)
    assert bound.birthday_gift == pytest.approx(70.0 + (412.0 - 70.0) * 5 / 10)
    assert bound.params()["yearly_budget"] == {"revenue_share": 0.05}  # as given
    fresh = pickle.loads(pickle.dumps(bound.clone()))
    assert fresh.params() == policy.params()
    with pytest.raises(ConfigError, match="market.profile.ticket_percentiles is not known"):
        bind(fresh, default_market().profile)  # the default store has no spend percentiles
    again = VipPrivileges(yearly_budget={"revenue_share": 0.05})
    assert bind(again, default_market().profile).yearly_budget == 250_000.0


@pytest.mark.parametrize(
    "value, text",
    [
        ({"revenue": 0.1}, ".revenue: unknown size; allowed: revenue_share, tickets"),
        ({"revenue_share": 1.5}, ".revenue_share: must be a number in [0, 1]"),
        ({"tickets": -1}, ".tickets: must be a number in [0, 1e+06]"),
        ({}, "large_purchase: must be an amount or exactly one of"),
        ({"tickets": 1, "revenue_share": 0.1}, "must be an amount or exactly one of"),
    ],
)
def test_bad_relative_values_are_one_line(value, text):
    with pytest.raises(ConfigError) as err:
        VipPrivileges(large_purchase=value)
    msg = str(err.value)
    assert msg.startswith("policy.vip_privileges.large_purchase") and text in msg


def test_a_missing_profile_figure_is_named():
    rel = parse_relative("vip_privileges", "large_purchase", {"member_spend_percentile": 90})
    with pytest.raises(ConfigError, match="market.profile.ticket_percentiles is not known"):
        resolve("vip_privileges", "large_purchase", rel, default_market().profile)
