"""Which policy hooks the model calls, each store's policies, and the check on every value a
hook returns (a bad one stops the run with one line naming the policy)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config import MarketConfig
from sim.errors import ConfigError, PolicyError
from sim.policies import StorePolicy, make_policies

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

HOOKS = (
    "plan",
    "utility",
    "discount",
    "service",
    "resolution",
    "on_purchases",
    "on_complaints",
    "recruit_multiplier",
    "on_recruits",
    "housekeeping",
)
"""The `StorePolicy` hooks the model calls; only policies that override one are called for it."""
VALUE_HOOKS = ("utility", "discount", "service", "resolution", "recruit_multiplier")
"""Hooks whose returned numbers enter the model; each return is checked (`checked_hook`)."""


def build_store_policies(
    market: MarketConfig, policies: Iterable[Any] | None = None
) -> list[list[StorePolicy]]:
    """Each store's policies (fresh instances); `policies`, when given, are the focal store's.

    Giving both `policies` and focal-store policies in the market is refused: one of the two
    lists would be dropped silently.
    """
    out = [
        make_policies(s.policies, f"market.stores[{i}].policies")
        for i, s in enumerate(market.stores)
    ]
    focal = market.store_ids.index(market.focal_store)
    if policies is not None:
        if market.stores[focal].policies:
            raise ConfigError(
                f"market.stores[{focal}].policies",
                "the focal store's policies come from `policy` (e.g. policy=gift_budget); "
                "list them there, not in the market, or one list would be dropped",
            )
        out[focal] = make_policies(policies, "policy.policies")
    return out


def check_study_market(market: MarketConfig) -> None:
    """A study (compare, robustness, tournament, design) gives the focal store its policies
    itself: the market may give the other stores' (built here, so a bad one fails before any
    run) but not the focal store's, which every run would refuse one by one."""
    build_store_policies(market, ())


def checked_hook(policy: StorePolicy, name: str, store: str) -> Any:
    """The bound hook `name` of `policy`, wrapped so that a bad return value stops the run.

    A NaN or inf utility would silently hand one store every purchase (or none); a wrongly
    shaped array would be broadcast. One `np.isfinite` over the returned array per call keeps
    it cheap; the error names the policy, its store and the hook.
    """
    hook = getattr(policy, name)

    def fail(what: str) -> None:
        raise PolicyError(
            f"policy.{policy.name}", f"hook {name}() of the policy at store {store!r} {what}"
        )

    if name == "recruit_multiplier":

        def scalar_hook() -> float:
            value = hook()
            if not (
                isinstance(value, (int, float, np.number)) and np.isfinite(value) and value >= 0
            ):
                fail(f"returned {value!r}; expected a finite number >= 0")
            return value

        scalar_hook.__wrapped__ = hook  # type: ignore[attr-defined]  # whose hook it is
        return scalar_hook

    def array_hook(*args: Any) -> Any:
        out = hook(*args)
        if out is None:
            return None
        rows = args[1] if name != "utility" else args[0]
        arr = np.asarray(out)
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != len(rows)):
            fail(f"returned shape {arr.shape}; expected ({len(rows)},) or a scalar")
        try:
            finite = bool(np.isfinite(arr).all())
        except TypeError:
            finite = False
        if not finite:
            fail("returned NaN, inf or non-numeric values; expected finite numbers")
        return out

    array_hook.__wrapped__ = hook  # type: ignore[attr-defined]  # whose hook it is
    return array_hook


def movable(model: RetailModel, name: str, hook: Any) -> bool:
    """True when the hook's owner declares it movable (`StorePolicy.movable_hooks`); the
    twin's utility term for the focal store (a constant -inf) reads nothing either."""
    inner = hook if hasattr(hook, "__self__") else getattr(hook, "__wrapped__", hook)
    owner = getattr(inner, "__self__", None)  # `checked_hook` wraps value hooks
    if owner is not None and owner is getattr(model, "twin", None):
        return name == "utility" and inner == owner.residents_elsewhere
    if name not in getattr(owner, "movable_hooks", ()):
        return False
    # The declaration covers the code it was written for: a subclass that overrides the hook
    # without declaring it again has its hook called at its place.
    mro = type(owner).__mro__
    declarer = next(k for k in mro if "movable_hooks" in k.__dict__)
    definer = next((k for k in mro if name in k.__dict__), None)
    return definer is not None and issubclass(declarer, definer)
