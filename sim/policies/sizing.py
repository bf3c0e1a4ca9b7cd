"""Policy money sized to the store: budgets, fixed costs, rewards and thresholds given relative
to the market's store profile, resolved when the policy is bound to a model.

A money parameter is a number (money in the store's currency, as before) or a one-key mapping:

- ``{revenue_share: 0.04}``: a share of the store's yearly revenue (budgets, fixed event costs);
- ``{tickets: 2}``: a multiple of the store's mean spend per visit (rewards, thresholds);
- ``{member_spend_percentile: 95}``: that percentile of the members' spend per visit (from the
  store profile's ``ticket_percentiles``; thresholds such as a VIP "large purchase").

The shipped ``configs/policy/*.yaml`` use these forms, so one comparison makes sense on any
calibrated store; on the default market they resolve to the absolute figures of before
(the default profile's revenue and ticket are stated constants). ``sizing_flags`` names, in
one line each, a policy whose yearly cost is above ``MAX_COST_SHARE`` of the store's revenue,
an event whose fixed cost exceeds its whole budget, or a threshold above every member's
largest visit; ``StorePolicy.bind`` warns with them before the first step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sim.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from sim.policies.base import StorePolicy
    from sim.store_profile import StoreProfile

__all__ = [
    "BASES",
    "MAX_COST_SHARE",
    "Relative",
    "parse_relative",
    "preflight",
    "resolve",
    "resolved_params",
    "sizing_flags",
]

#: The relative forms and what each is a multiple of.
BASES: dict[str, str] = {
    "revenue_share": "a share of the store's yearly revenue",
    "tickets": "a multiple of the store's mean spend per visit",
    "member_spend_percentile": "a percentile (0-100) of the members' spend per visit",
}
#: A policy whose yearly cost (its budget) is above this share of revenue is flagged.
MAX_COST_SHARE = 0.10
#: Largest multiple of the mean ticket (keeps every resolved amount far from overflow).
MAX_TICKETS = 1e6
#: Parameters compared with the members' largest visit (a threshold no one reaching is flagged).
THRESHOLDS = ("large_purchase",)


class Relative(dict):
    """A validated one-key mapping ``{basis: value}`` (a dict, so it stays JSON-able and
    travels in run specs as written; resolved only against a market)."""

    @property
    def basis(self) -> str:
        return next(iter(self))

    @property
    def value(self) -> float:
        return float(next(iter(self.values())))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash((self.basis, self.value))


def parse_relative(policy: str, field: str, value: Mapping[str, Any]) -> Relative:
    """Check a relative money value; a one-line ``ConfigError`` naming the field (and the
    key inside it) otherwise."""
    name = f"policy.{policy}.{field}"
    allowed = "; ".join(f"{{{k}: x}} for {v}" for k, v in BASES.items())
    items = list(dict(value).items())
    for key, _ in items:
        if key not in BASES:
            raise ConfigError(f"{name}.{key}", f"unknown size; allowed: {', '.join(BASES)}")
    if len(items) != 1:
        raise ConfigError(
            name, f"must be an amount or exactly one of {allowed}; got {dict(value)!r}"
        )
    basis, x = items[0]
    ok = isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x >= 0
    if ok and basis == "revenue_share":
        ok = x <= 1
    if ok and basis == "member_spend_percentile":
        ok = x <= 100
    if ok and basis == "tickets":
        ok = x <= MAX_TICKETS
    if not ok:
        limit = {
            "revenue_share": "in [0, 1]",
            "member_spend_percentile": "in [0, 100]",
            "tickets": f"in [0, {MAX_TICKETS:g}]",
        }
        raise ConfigError(
            f"{name}.{basis}",
            f"must be a number {limit.get(basis, '>= 0')} ({BASES[basis]}), got {x!r}",
        )
    return Relative({basis: float(x)})


def resolve(policy: str, field: str, rel: Relative, profile: StoreProfile) -> float:
    """The amount in the store's money (rounded to the cent), or a one-line ``ConfigError``
    naming the profile figure that is missing."""
    name = f"policy.{policy}.{field}"
    if rel.basis == "revenue_share":
        base, what = profile.yearly_revenue, "market.profile.yearly_revenue"
        amount = None if base is None else rel.value * base
    elif rel.basis == "tickets":
        base, what = profile.mean_ticket, "market.profile.mean_ticket"
        amount = None if base is None else rel.value * base
    else:
        pct = profile.ticket_percentiles
        what = "market.profile.ticket_percentiles"
        amount = None if not pct else _percentile(pct, rel.value)
    if amount is None:
        raise ConfigError(
            name,
            f"is {BASES[rel.basis]}, but {what} is not known for this "
            "market; give the amount, or a market with a store profile",
        )
    return round(float(amount), 2)


def _percentile(table: Mapping[str, float], q: float) -> float:
    """Linear interpolation in the profile's percentile table (keys "0".."100")."""
    points = sorted((float(k), float(v)) for k, v in table.items())
    for (q0, v0), (q1, v1) in zip(points, points[1:], strict=False):
        if q0 <= q <= q1:
            return v0 if q1 == q0 else v0 + (v1 - v0) * (q - q0) / (q1 - q0)
    return points[-1][1] if q > points[-1][0] else points[0][1]


def sizing_flags(policy: StorePolicy, profile: StoreProfile) -> list[str]:
    """One line per problem with the policy's size on this store (see module doc)."""
    flags = []
    name = policy.name
    budget = getattr(policy, "budget_amount", None)
    per = {"month": 12.0, "year": 1.0}.get(getattr(policy, "budget_period", "year"))
    yearly = budget() * per if callable(budget) and per else float("inf")
    revenue = profile.yearly_revenue
    if math.isfinite(yearly) and revenue:
        if yearly > MAX_COST_SHARE * revenue:
            flags.append(
                f"policy {name}: a yearly budget of {profile.money(yearly)} is "
                f"{yearly / revenue:.0%} of the store's yearly revenue "
                f"({profile.money(revenue)}; flagged above {MAX_COST_SHARE:.0%}); "
                "size it with {revenue_share: x}"
            )
    fixed = getattr(policy, "fixed_cost", None)
    if isinstance(fixed, int | float) and math.isfinite(yearly) and fixed > yearly:
        flags.append(
            f"policy {name}: the fixed cost {profile.money(fixed)} is above the whole "
            f"yearly budget {profile.money(yearly)}, so the event never takes place"
        )
    top = (profile.ticket_percentiles or {}).get("100")
    for field in THRESHOLDS:
        value = getattr(policy, field, None)
        if isinstance(value, int | float) and top is not None and value > top:
            flags.append(
                f"policy {name}: {field} {profile.money(value)} is above every "
                f"member's largest visit ({profile.money(top)}): no one can reach it; "
                "size it with {tickets: x} or {member_spend_percentile: x}"
            )
    return flags


def resolved_params(policy: StorePolicy, profile: StoreProfile) -> dict[str, Any]:
    """The policy's parameters with every relative size resolved against ``profile`` (what it
    will run with on that market)."""
    return {
        k: policy.sized_value(k, v, profile) if isinstance(v, Relative) else v
        for k, v in policy.params().items()
    }


def preflight(policies: list[StorePolicy], market: Any) -> list[str]:
    """``sizing_flags`` of the focal store's policies on ``market`` without building a model:
    for a command to print before any run (a study's runs each warn again when built)."""
    profile = market.profile
    focal = market.stores[market.store_ids.index(market.focal_store)]
    out: list[str] = []
    for policy in policies:
        p = policy.clone()
        p._resolve_sizes(profile)
        p.managers = focal.managers  # what GiftBudget.reset reads from the bound store
        out += sizing_flags(p, profile)
    return out
