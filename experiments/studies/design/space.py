"""The design space: which levers of a policy (or bundle) are searched, over which ranges.

A lever is addressed as ``<policy>.<parameter>`` (``gift_budget.monthly_per_manager``); in a
bundle every entry's policy class contributes its own levers. A config selects levers by that
key or, when unambiguous, by the bare parameter name, and may narrow a range
(``ranges: {monthly_per_manager: [0, 3000]}``) or the choices of a choice lever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import ConfigError
from sim.policies import policy_class_from_target
from sim.policies.levers import Lever, levers_of


@dataclass(frozen=True)
class DesignLever:
    """A lever of one entry of the policy being designed."""

    key: str
    entry: int
    lever: Lever

    @property
    def parameter(self) -> str:
        return self.lever.name


def _all_levers(entries: Sequence[Mapping[str, Any]]) -> list[DesignLever]:
    out: list[DesignLever] = []
    classes = [policy_class_from_target(e["_target_"]) for e in entries]
    names = [c.name for c in classes]
    for i, cls in enumerate(classes):
        prefix = cls.name if names.count(cls.name) == 1 else f"{cls.name}#{i}"
        out.extend(DesignLever(f"{prefix}.{p}", i, lv) for p, lv in levers_of(cls).items())
    return out


def _resolve(name: Any, available: list[DesignLever]) -> DesignLever:
    keys = [d.key for d in available]
    if not isinstance(name, str):
        raise ConfigError("levers", f"must be lever names, got {name!r}")
    hits = [d for d in available if d.key == name or d.parameter == name]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ConfigError(
            "levers", f"unknown lever {name!r}; this policy's levers: {', '.join(keys) or 'none'}"
        )
    raise ConfigError(
        "levers", f"{name!r} is ambiguous; use one of {', '.join(d.key for d in hits)}"
    )


def _ranged(d: DesignLever, spec: Any, entries: Sequence[Mapping[str, Any]]) -> DesignLever:
    """`d` over the range `spec`, refused before any run when the policy would refuse either
    end: otherwise every trial fails on its own and the search ends with nothing to choose."""
    field = f"ranges.{d.key}"
    choice = d.lever.kind == "choice"
    if not isinstance(spec, (list, tuple)) or (not spec if choice else len(spec) != 2):
        wanted = f"must list some of {list(d.lever.choices)}" if choice else "must be [low, high]"
        raise ConfigError(field, f"{wanted}, got {spec!r}")
    try:
        lever = d.lever.with_range(choices=spec) if choice else d.lever.with_range(*spec)
    except ConfigError as exc:
        raise ConfigError(field, exc.message) from None
    ranged = DesignLever(d.key, d.entry, lever)
    if choice:
        return ranged
    from experiments.engine.specs import policy_entries

    for end, value in (("low", ranged.lever.low), ("high", ranged.lever.high)):
        try:
            policy_entries(list(apply_levers(entries, [ranged], {d.key: value})), field)
        except ConfigError as exc:
            refused = f"the policy refuses its {end} end {value:g} ({exc})"
            raise ConfigError(field, refused) from None
    return ranged


def design_space(
    entries: Sequence[Mapping[str, Any]],
    select: Sequence[str] | None = None,
    ranges: Mapping[str, Any] | None = None,
    *,
    policy: str = "policy",
) -> tuple[DesignLever, ...]:
    """The searched levers of a policy's entries: all it declares, or those `select` names,
    with `ranges` narrowing them. Raises a one-line ConfigError for anything unknown."""
    available = _all_levers(entries)
    if not available:
        raise ConfigError("policy", f"{policy!r} declares no levers to design")
    if select is None:
        chosen = list(available)
    else:
        if isinstance(select, str) or not isinstance(select, Sequence) or not select:
            raise ConfigError("levers", f"must be a non-empty list of lever names, got {select!r}")
        chosen = []
        for name in select:
            d = _resolve(name, available)
            if d in chosen:
                raise ConfigError("levers", f"lever {d.key!r} listed twice")
            chosen.append(d)
    ranges = dict(ranges or {})
    if not isinstance(ranges, Mapping):
        raise ConfigError("ranges", f"must map lever names to [low, high], got {ranges!r}")
    by_key = {d.key: d for d in chosen}
    for name, spec in ranges.items():
        d = _resolve(name, available)
        if d.key not in by_key:
            raise ConfigError(f"ranges.{name}", "narrows a lever that is not searched (levers)")
        by_key[d.key] = _ranged(d, spec, entries)
    return tuple(by_key[d.key] for d in chosen)


def apply_levers(
    entries: Sequence[Mapping[str, Any]],
    space: Sequence[DesignLever],
    values: Mapping[str, Any],
) -> tuple[dict[str, Any], ...]:
    """Copies of `entries` with each lever's value set in its entry."""
    out = [dict(e) for e in entries]
    for d in space:
        out[d.entry][d.parameter] = d.lever.value(values[d.key])
    return tuple(out)


def _base(d: DesignLever, profile: Any) -> float | None:
    if d.lever.basis == "revenue_share":
        return profile.yearly_revenue
    if d.lever.basis == "tickets":
        return profile.mean_ticket
    return None


def money_value(d: DesignLever, x: Any, profile: Any) -> float | None:
    """A money lever's searched number in the store's money (None: not a money lever, or the
    store profile lacks the figure it is sized by)."""
    base = _base(d, profile)
    return None if base is None or x is None else float(x) * base


def lever_units(d: DesignLever, entry: Mapping[str, Any], profile: Any) -> Any:
    """The value of the lever's parameter in a policy's config `entry` (a number, or a
    relative size) in the lever's own units."""
    from sim.policies.registry import make_policy

    value = entry.get(d.parameter)
    if not d.lever.basis:
        return value
    policy = make_policy(entry)
    if value is None:  # not in the entry: the policy's default
        value = policy.params().get(d.parameter)
    if isinstance(value, Mapping):
        if d.lever.basis in value:
            return float(value[d.lever.basis])
        from sim.policies.sizing import parse_relative, resolve

        value = resolve(
            "design", d.parameter, parse_relative("design", d.parameter, value), profile
        )
    else:  # a plain value in the parameter's own units (points: their worth in money)
        value = policy.money_worth(d.parameter, float(value))
    base = _base(d, profile)
    return None if base is None else float(value) / base


def shown(d: DesignLever, x: Any, profile: Any) -> str:
    """A lever value as a store owner reads it (money in the store's currency)."""
    amount = money_value(d, x, profile)
    if amount is not None:
        from sim.store_profile import format_money

        return format_money(amount, profile, signed=False)
    if isinstance(x, float):
        return f"{x:,.3g}" if abs(x) < 10 else f"{x:,.0f}"
    return str(x)


def suggest(trial: Any, space: Sequence[DesignLever]) -> dict[str, Any]:
    """Ask an Optuna trial for every lever's value (the only place Optuna meets a lever)."""
    values: dict[str, Any] = {}
    for d in space:
        lv = d.lever
        if lv.kind == "choice":
            values[d.key] = trial.suggest_categorical(d.key, list(lv.choices))
        elif lv.kind == "int":
            values[d.key] = trial.suggest_int(d.key, int(lv.low), int(lv.high), log=lv.log)
        else:
            step = None if lv.log else lv.step
            if step is not None and (lv.high - lv.low) / step < 2:
                step = None  # a narrowed range finer than the grid: search it continuously
            values[d.key] = trial.suggest_float(d.key, lv.low, lv.high, log=lv.log, step=step)
    return values


def space_table(space: Sequence[DesignLever]) -> list[dict[str, str]]:
    """One row per lever for reports and meta.json."""
    return [
        {
            "lever": d.key,
            "range": d.lever.describe(),
            "basis": d.lever.basis,
            "meaning": d.lever.meaning,
        }
        for d in space
    ]
