"""Levers: the parameters of a policy that the store itself decides, with their search ranges.

A policy's constructor mixes two kinds of numbers: what the store chooses (how much to spend,
whom to target, when to run a campaign, how large a reward) and what it assumes about its
customers (how much a gift lifts satisfaction). Only the first kind can be designed; the second
is uncertain and belongs to `configs/uncertainty` (the robustness study). Each policy class
declares its levers once, as ``levers = (Lever(...), ...)``; `experiments.design` searches them
and nothing else, so an assumption can never be "optimised" into a rosy result.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from sim.errors import ConfigError

KINDS = ("float", "int", "choice")


@dataclass(frozen=True)
class Lever:
    """One designable constructor parameter: its kind, its range (or choices) and its meaning.

    ``log`` searches a positive range on a log scale (budgets spanning orders of magnitude).
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    log: bool = False
    meaning: str = ""
    step: float | None = None
    """Grid of a float lever (shares to the percent, money in 400 steps of its range): the
    values tried are values a store can write down, and the ones the design study reports."""
    basis: str | None = None
    """Money sized to the store: the lever's numbers are in this basis of
    `sim.policies.sizing` (``revenue_share``, ``tickets``) and the policy receives
    ``{basis: value}``, resolved against the market's store profile, so one lever range (and
    one designed setting) suits a $35-ticket shop and a ¥4,000-ticket one alike."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"lever {self.name}", f"kind must be one of {list(KINDS)}")
        if self.kind == "choice":
            if len(self.choices) < 2:
                raise ConfigError(f"lever {self.name}", "a choice lever needs two or more choices")
            return
        lo, hi = self.low, self.high
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ConfigError(
                f"lever {self.name}", f"needs a finite range low < high, got {lo}..{hi}"
            )
        if self.log and lo <= 0:
            raise ConfigError(f"lever {self.name}", "a log-scale range must be positive")

    def with_range(self, low: Any = None, high: Any = None, choices: Any = None) -> Lever:
        """A copy with a narrower (or other) range, validated as a new lever would be."""
        if self.kind == "choice":
            chosen = tuple(choices) if choices is not None else self.choices
            unknown = [c for c in chosen if c not in self.choices]
            if unknown:
                raise ConfigError(
                    f"levers.{self.name}",
                    f"unknown choice {unknown[0]!r}; allowed: {', '.join(map(str, self.choices))}",
                )
            return Lever(self.name, "choice", choices=chosen, meaning=self.meaning)

        for label, v in (("low", low), ("high", high)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise ConfigError(f"levers.{self.name}.{label}", f"must be a number, got {v!r}")
        return dataclasses.replace(
            self,
            low=float(self.low if low is None else low),
            high=float(self.high if high is None else high),
        )

    def describe(self) -> str:
        if self.kind == "choice":
            return " | ".join(map(str, self.choices))
        fmt = (lambda v: f"{int(v):,}") if self.kind == "int" else (lambda v: f"{v:g}")
        unit = {"revenue_share": " of yearly revenue", "tickets": " mean tickets"}.get(
            self.basis or "", ""
        )
        return f"{fmt(self.low)} .. {fmt(self.high)}{unit}{' (log scale)' if self.log else ''}"

    def value(self, x: Any) -> Any:
        """What the policy receives for a searched number `x` (money: ``{basis: x}``)."""
        if self.kind == "int":
            return int(x)
        return {self.basis: float(x)} if self.basis else x


def money_lever(
    name: str, high: float, meaning: str, *, low: float = 0.0, basis: str = "revenue_share"
) -> Lever:
    """Money sized to the store (budgets: a share of revenue; prices, gifts, thresholds: mean
    tickets), declared as the yuan range it spans in the default county store."""
    from sim.store_profile import DEFAULT_REVENUE, DEFAULT_TICKET

    base = DEFAULT_REVENUE if basis == "revenue_share" else DEFAULT_TICKET
    lo, hi = low / base, high / base
    return Lever(name, "float", lo, hi, meaning=meaning, step=(hi - lo) / 400, basis=basis)


def share_lever(name: str, meaning: str, *, low: float = 0.02, high: float = 1.0) -> Lever:
    """A share of members (targeting cut-offs), to the percent."""
    return Lever(name, "float", low, high, meaning=meaning, step=0.01)


def count_lever(name: str, low: int, high: int, meaning: str) -> Lever:
    """A whole number (weeks between campaigns, guests, days)."""
    return Lever(name, "int", float(low), float(high), meaning=meaning)


def levers_of(cls: type) -> dict[str, Lever]:
    """The levers a policy class declares, by parameter name (checked against its constructor)."""
    import inspect

    declared = getattr(cls, "levers", ())
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    out: dict[str, Lever] = {}
    for lever in declared:
        if lever.name not in params:  # pragma: no cover - caught by the policy tests
            raise ConfigError(
                f"policy {getattr(cls, 'name', cls.__name__)}",
                f"declares lever {lever.name!r}, which is not a constructor parameter",
            )
        out[lever.name] = lever
    return out
