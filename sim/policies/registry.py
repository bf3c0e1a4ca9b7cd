"""The explicit registry of store policies and how a policy spec becomes an instance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sim.errors import ConfigError
from sim.policies.base import NoPolicy, StorePolicy
from sim.policies.celebrity_event import CelebrityEvent
from sim.policies.complaint_recovery import ComplaintRecovery
from sim.policies.education_events import EducationEvents
from sim.policies.gift_budget import GiftBudget
from sim.policies.promo_blacklist import PromoBlacklist
from sim.policies.promotions import Promotions
from sim.policies.reactivation import Reactivation
from sim.policies.referral_points import ReferralPoints
from sim.policies.vip_privileges import VipPrivileges

all_policies: list[type[StorePolicy]] = [
    NoPolicy,
    Promotions,
    GiftBudget,
    CelebrityEvent,
    ReferralPoints,
    PromoBlacklist,
    ComplaintRecovery,
    Reactivation,
    VipPrivileges,
    EducationEvents,
]
"""Every policy class, one entry each; names are unique (checked by the tests)."""
BUILTIN_POLICIES: tuple[type[StorePolicy], ...] = tuple(all_policies)
"""The policies shipped with the lab (`register` adds your own to `all_policies` only)."""


def policy_names() -> list[str]:
    return [p.name for p in all_policies]


def register(cls: type[StorePolicy]) -> type[StorePolicy]:
    """Add a policy class (usable as a decorator, e.g. for your own policy in a notebook)."""
    if cls.name in policy_names():
        existing = next(p for p in all_policies if p.name == cls.name)
        if existing is not cls:
            raise ConfigError(
                "policy", f"name {cls.name!r} is already registered by {existing.__name__}"
            )
        return cls
    all_policies.append(cls)
    return cls


def get_policy_class(name: str) -> type[StorePolicy]:
    for cls in all_policies:
        if cls.name == name:
            return cls
    raise ConfigError("policy", f"unknown policy {name!r}; available: {', '.join(policy_names())}")


def make_policy(spec: str | Mapping[str, Any] | StorePolicy) -> StorePolicy:
    """A fresh policy from a name, a mapping ``{"name": ..., **params}`` or an instance."""
    if isinstance(spec, StorePolicy):
        return spec.clone()
    if isinstance(spec, str):
        return get_policy_class(spec)()
    if isinstance(spec, Mapping):
        params = dict(spec)
        name = params.pop("name", None)
        if name is None:
            raise ConfigError(
                "policy", f"a policy mapping needs a 'name'; got keys {sorted(params)}"
            )
        cls = get_policy_class(name)
        try:
            return cls(**params)
        except TypeError as exc:
            raise ConfigError(f"policy.{name}", f"bad parameters {sorted(params)}: {exc}") from None
    raise ConfigError("policy", f"expected a policy name, mapping or StorePolicy, got {spec!r}")


def make_policies(
    specs: Iterable[str | Mapping[str, Any] | StorePolicy] | None,
) -> list[StorePolicy]:
    """Policies for one store; 'none' entries are dropped (the baseline is the empty list)."""
    out = [make_policy(s) for s in (specs or [])]
    out = [p for p in out if not isinstance(p, NoPolicy)]
    names = [p.name for p in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError("policy", f"policy {dupes[0]!r} listed twice for one store")
    return out
