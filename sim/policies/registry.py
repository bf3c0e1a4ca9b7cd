"""The explicit registry of store policies and how a policy spec becomes an instance."""

from __future__ import annotations

import difflib
import inspect
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


def policy_class_from_target(target: Any, field: str = "policy._target_") -> type[StorePolicy]:
    """The `StorePolicy` subclass a ``_target_`` path names, and nothing else.

    Configuration is data, not code: a target must be a class derived from `StorePolicy` (a
    built-in policy or a user's own module, e.g. ``examples.thank_you_call.ThankYouCall``);
    ``builtins.print``, ``os.system`` and friends are refused before anything is called.
    Importing the named module is allowed (that is how a user's own policy is loaded).
    """
    if (
        not isinstance(target, str)
        or "." not in target
        or not all(part.isidentifier() for part in target.split("."))
    ):
        raise ConfigError(field, f"must be a dotted class path like 'module.Class', got {target!r}")
    module_name, _, attr = target.rpartition(".")
    import importlib
    import sys

    top = module_name.split(".")[0]
    if top in sys.stdlib_module_names or top == "builtins":
        # No store policy lives in the standard library, and importing some of it has effects
        # of its own (`this` prints, `antigravity` opens a browser): refuse without importing.
        raise ConfigError(
            field, f"{target!r} is not a StorePolicy subclass; only store policies may be built"
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any import failure is the user's path
        raise ConfigError(field, f"cannot import module {module_name!r} ({exc})") from None
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, StorePolicy)) or cls is StorePolicy:
        raise ConfigError(
            field, f"{target!r} is not a StorePolicy subclass; only store policies may be built"
        )
    return cls


def policy_target(cls: type[StorePolicy]) -> str:
    """The dotted path of a policy class (the inverse of `policy_class_from_target`)."""
    return f"{cls.__module__}.{cls.__qualname__}"


def policy_entry(policy: StorePolicy) -> dict[str, Any]:
    """A plain, picklable, JSON-able spec of a policy instance: ``{"_target_": ..., **params}``."""
    return {"_target_": policy_target(type(policy)), **policy.params()}


def make_policy(
    spec: str | Mapping[str, Any] | StorePolicy, path: str | None = None
) -> StorePolicy:
    """A fresh policy from a name, a mapping ``{"name": ..., **params}`` or
    ``{"_target_": "module.Class", **params}`` (a StorePolicy subclass only), or an instance.

    With `path` (where the entry sits in a config, e.g. ``market.stores[1].policies[0]``)
    errors name that place and the policy; parameter errors of the focal store's policies
    (path ``policy...``, or none) name ``policy.<name>.<param>``.
    """
    where = path or "policy"
    if isinstance(spec, StorePolicy):
        return spec.clone()
    if isinstance(spec, str):
        if not spec.strip():
            raise ConfigError(where, "must be a policy name, got an empty text")
        return get_policy_class_at(spec, where)()
    if isinstance(spec, Mapping):
        params = dict(spec)
        bad_keys = [k for k in params if not isinstance(k, str)]
        if bad_keys:
            raise ConfigError(where, f"parameter names must be texts, got {bad_keys[0]!r}")
        if "_target_" in params:
            cls = policy_class_from_target(params.pop("_target_"), f"{where}._target_")
            name = cls.name
            if "name" in params and params.pop("name") != name:
                raise ConfigError(f"{where}.name", f"does not match the class's name {name!r}")
        else:
            name = params.pop("name", None)
            if name is None:
                raise ConfigError(
                    where,
                    f"a policy mapping needs a 'name' or '_target_'; got keys {sorted(params)}",
                )
            if not isinstance(name, str):
                raise ConfigError(f"{where}.name", f"must be a policy name, got {name!r}")
            cls = get_policy_class_at(name, f"{where}.name")
        allowed = None if _takes_kwargs(cls) else _param_names(cls)
        if allowed is not None:
            for key in params:
                if key not in allowed:
                    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    field = f"{where}.{key}" if _by_place(path) else f"policy.{name}.{key}"
                    raise ConfigError(
                        field,
                        f"unknown parameter of policy {name!r}{hint}; allowed: "
                        f"{', '.join(allowed) or 'none'}",
                    )
        try:
            return cls(**params)
        except ConfigError as exc:
            prefix = f"policy.{name}."
            if _by_place(path) and exc.field.startswith(prefix):
                raise ConfigError(
                    f"{path}.{exc.field[len(prefix) :]}", f"{exc.message} (policy {name})"
                ) from None
            raise
        except TypeError as exc:
            raise ConfigError(f"policy.{name}", f"bad parameters {sorted(params)}: {exc}") from None
    raise ConfigError(
        where,
        f"must be a policy name or a mapping with 'name' or '_target_', got "
        f"{type(spec).__name__} {spec!r}",
    )


def _by_place(path: str | None) -> bool:
    """Parameter errors name the place in the config for a competitor's policies
    (``market.stores[1].policies[0].top_share``); the focal store's keep the familiar
    ``policy.<name>.<parameter>``."""
    return bool(path) and not str(path).startswith("policy")


def get_policy_class_at(name: str, where: str) -> type[StorePolicy]:
    """`get_policy_class`, with the error naming where the name was written."""
    try:
        return get_policy_class(name)
    except ConfigError as exc:
        close = difflib.get_close_matches(name, policy_names(), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(where, exc.message.replace(";", f"{hint};", 1)) from None


def _param_names(cls: type[StorePolicy]) -> list[str]:
    sig = inspect.signature(cls.__init__)
    return [
        n
        for n, p in sig.parameters.items()
        if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _takes_kwargs(cls: type[StorePolicy]) -> bool:
    sig = inspect.signature(cls.__init__)
    return any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def make_policies(
    specs: Iterable[str | Mapping[str, Any] | StorePolicy] | None, path: str | None = None
) -> list[StorePolicy]:
    """Policies for one store; 'none' entries are dropped (the baseline is the empty list).

    `specs` must be a list (a text is a single name, not a list of letters); `path` names
    where it sits in a config so that errors say which store they are about.
    """
    where = path or "policy"
    if specs is None:
        specs = []
    if isinstance(specs, (str, StorePolicy)) or isinstance(specs, Mapping):
        raise ConfigError(
            where,
            f"must be a list of policies like [gift_budget], got {type(specs).__name__} {specs!r}"[
                :200
            ],
        )
    if not isinstance(specs, Iterable):
        raise ConfigError(where, f"must be a list of policies like [gift_budget], got {specs!r}")
    out = [make_policy(s, f"{path}[{i}]" if path else None) for i, s in enumerate(specs)]
    out = [p for p in out if not isinstance(p, NoPolicy)]
    names = [p.name for p in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(where, f"policy {dupes[0]!r} listed twice for one store")
    return out
