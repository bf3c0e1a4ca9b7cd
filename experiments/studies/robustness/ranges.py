"""Ranges of the uncertain assumptions, validated, and how a scenario's values reach a run.

A parameter is addressed as ``behaviour.<field>`` (a `sim.config.Behaviour` field: how customers
react, e.g. ``behaviour.wom_positive_shift``) or ``<policy>.<parameter>`` (a constructor
parameter of a registered policy class, e.g. ``gift_budget.satisfaction_gain``; a scenario sets
it in *every* policy entry of that class, so a bundle such as ``vip_program`` meets the same
gift effect as ``gift_budget`` alone). Each range has a `low`, a `high` and a `source` (a SEEDS
article, a published figure or "assumption"), see ``configs/uncertainty/default.yaml``.

Everything is checked before any simulation: unknown groups or parameters (with a "did you
mean"), non-numeric parameters, inverted or empty ranges, and ends the simulation itself would
reject (a probability above 1 ...), each as a one-line `ConfigError`.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config import Behaviour
from sim.errors import ConfigError
from sim.policies import get_policy_class, policy_class_from_target, policy_names

PREFIX = "uncertainty"
BEHAVIOUR = "behaviour"


@dataclass(frozen=True)
class Range:
    """One uncertain assumption: ``name`` is ``group.parameter``; values are drawn in
    [low, high] (integers: each whole number in [low, high] equally likely)."""

    name: str
    low: float
    high: float
    source: str
    default: float
    integer: bool = False

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def parameter(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def width(self) -> float:
        return self.high - self.low

    def scale(self, unit: Any) -> Any:
        """Map values in [0, 1] to this range (integers rounded to whole numbers)."""
        u = np.asarray(unit, dtype=float)
        if self.integer:
            lo, hi = self.low - 0.5, self.high + 0.5
            return np.clip(np.floor(lo + u * (hi - lo) + 0.5), self.low, self.high)
        return self.low + u * (self.high - self.low)


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _behaviour_defaults() -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(Behaviour)}


def _policy_defaults(group: str) -> dict[str, Any]:
    cls = get_policy_class(group)
    sig = inspect.signature(cls.__init__)
    return {
        n: p.default
        for n, p in sig.parameters.items()
        if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def parameter_defaults(group: str, field: str) -> dict[str, Any]:
    """The parameters of a group (``behaviour`` or a policy name) and their defaults."""
    if group == BEHAVIOUR:
        return _behaviour_defaults()
    names = [n for n in policy_names() if n != "none"]
    if group not in names:
        raise ConfigError(
            field,
            f"unknown group {group!r}{_suggest(group, [BEHAVIOUR, *names])}; allowed: "
            f"{BEHAVIOUR} or a policy name ({', '.join(names)})",
        )
    return _policy_defaults(group)


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(field, f"must be a number (finite), got {value!r}")
    return float(value)


def _check_end(group: str, parameter: str, value: float, integer: bool, field: str) -> None:
    """Let the simulation's own checks judge one end of a range (e.g. a probability > 1)."""
    v: Any = int(value) if integer else value
    try:
        if group == BEHAVIOUR:
            dataclasses.replace(Behaviour(), **{parameter: v}).validate(f"market.{BEHAVIOUR}")
        else:
            get_policy_class(group)(**{parameter: v})
    except ConfigError as exc:
        raise ConfigError(field, f"is outside what the model allows ({exc})") from None


def parse_range(name: str, spec: Any, prefix: str = PREFIX) -> Range:
    """Validate one ``group.parameter: {low, high, source}`` entry."""
    field = f"{prefix}.{name}"
    group, dot, parameter = name.partition(".")
    if not dot or not group or not parameter or "." in parameter:
        raise ConfigError(field, "must be named group.parameter, e.g. behaviour.drift_rate")
    params = parameter_defaults(group, field)
    if parameter not in params:
        raise ConfigError(
            field,
            f"unknown parameter {parameter!r} of {group}{_suggest(parameter, params)}; "
            f"allowed: {', '.join(sorted(params))}",
        )
    default = params[parameter]
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        raise ConfigError(
            field, f"is not a numeric parameter (default {default!r}); only numbers can vary"
        )
    if not isinstance(spec, Mapping):
        raise ConfigError(field, f"must be a mapping {{low, high, source}}, got {spec!r}")
    unknown = sorted(set(spec) - {"low", "high", "source"})
    if unknown:
        raise ConfigError(
            f"{field}.{unknown[0]}",
            f"unknown key{_suggest(str(unknown[0]), ['low', 'high', 'source'])}; "
            "allowed: low, high, source",
        )
    for key in ("low", "high", "source"):
        if key not in spec or spec[key] is None:
            raise ConfigError(f"{field}.{key}", "is missing")
    low = _number(spec["low"], f"{field}.low")
    high = _number(spec["high"], f"{field}.high")
    integer = isinstance(default, int)
    if integer and (low != int(low) or high != int(high)):
        raise ConfigError(field, "is an integer parameter; low and high must be whole numbers")
    _check_end(group, parameter, low, integer, f"{field}.low")  # each end first: the bad one
    _check_end(group, parameter, high, integer, f"{field}.high")  # is named, not its partner
    if not low < high:
        raise ConfigError(f"{field}.high", f"must be greater than low ({low:g}), got {high:g}")
    source = spec["source"]
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(
            f"{field}.source", "must name a SEEDS article, a published figure or 'assumption'"
        )
    return Range(name, low, high, source.strip(), float(default), integer)


def parse_ranges(spec: Mapping[str, Any] | None, prefix: str = PREFIX) -> tuple[Range, ...]:
    """Ranges from ``{group: {parameter: {...}}}`` (the config group's layout) or flat
    ``{"group.parameter": {...}}``; raises ConfigError; at least one range is required."""
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise ConfigError(prefix, f"must be a mapping of groups to parameters, got {spec!r}")
    flat: dict[str, Any] = {}
    for key, value in spec.items():
        key = str(key)
        if key in ("name", "description"):
            continue
        if "." in key:
            flat[key] = value
            continue
        if not isinstance(value, Mapping):
            raise ConfigError(f"{prefix}.{key}", f"must map parameters to ranges, got {value!r}")
        parameter_defaults(key, f"{prefix}.{key}")  # unknown group -> error with a suggestion
        for parameter, rng in value.items():
            flat[f"{key}.{parameter}"] = rng
    if not flat:
        raise ConfigError(prefix, "lists no ranges; give at least one group.parameter range")
    return tuple(parse_range(name, rng, prefix) for name, rng in flat.items())


# --------------------------------------------------------------------------- applying values
def behaviour_overrides(ranges: Iterable[Range], values: Mapping[str, float]) -> dict[str, Any]:
    """``{"behaviour.x": value}`` for the market (integers as int), for `apply_overrides`."""
    return {
        r.name: (int(values[r.name]) if r.integer else float(values[r.name]))
        for r in ranges
        if r.group == BEHAVIOUR
    }


def policy_overrides(ranges: Iterable[Range], values: Mapping[str, float]) -> dict[str, dict]:
    """``{policy_name: {parameter: value}}`` for every policy-effect range."""
    out: dict[str, dict[str, Any]] = {}
    for r in ranges:
        if r.group != BEHAVIOUR:
            v = int(values[r.name]) if r.integer else float(values[r.name])
            out.setdefault(r.group, {})[r.parameter] = v
    return out


def apply_to_entries(
    entries: Iterable[Mapping[str, Any]], overrides: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], ...]:
    """Copies of policy entries (``{"_target_": ..., **params}``) with each class's scenario
    values set, in every entry of that class (added when the entry relies on the default)."""
    out = []
    for entry in entries:
        e = dict(entry)
        name = e.get("name")
        if "_target_" in e:
            name = policy_class_from_target(e["_target_"]).name
        e.update(overrides.get(str(name), {}))
        out.append(e)
    return tuple(out)


def relevant_ranges(ranges: Iterable[Range], classes: Iterable[str]) -> list[Range]:
    """The ranges that can move a policy's result: behaviour plus its own classes' effects."""
    own = set(classes)
    return [r for r in ranges if r.group == BEHAVIOUR or r.group in own]


def entry_classes(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Policy names of entries (``_target_`` or ``name``)."""
    names = []
    for e in entries:
        if "_target_" in e:
            names.append(policy_class_from_target(e["_target_"]).name)
        elif "name" in e:
            names.append(str(e["name"]))
    return names
