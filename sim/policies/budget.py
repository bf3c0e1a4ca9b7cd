"""Money rules shared by the policies: budgets per period, capped discounts, parameter checks.

A budgeted policy has an amount per period (a calendar month, a simulated year or the whole
run). `StorePolicy.spend` never grants more than `budget_left(t)`, so a policy that asks for
too much simply gets less: campaigns are skipped, guest lists shortened, discounts cut.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.errors import ConfigError
from sim.policies.base import StorePolicy
from sim.policies.sizing import Relative, parse_relative

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

PERIODS: tuple[str, ...] = ("month", "year", "run")
MAX_VALUE = 1e12
"""Largest size of any policy number without its own upper bound (yuan, points, weights)."""
MAX_COUNT = 10_000_000
"""Largest count (guests, contacts, days, weeks) unless a parameter sets its own bound."""
MAX_UTILITY = 20.0
"""Largest utility bonus or satisfaction gain: beyond this the choice is already certain."""


def period_key(model: RetailModel, t: int, period: str) -> int:
    """Which budget period tick t falls in: calendar month of the tick's first day, simulated
    year (52 weekly ticks, as the retention KPIs count years) or 0 for the whole run."""
    if period == "run":
        return 0
    if period == "year":
        return int(model.calendar.year_of(t))
    day = model.calendar.date(t)
    return day.year * 12 + day.month - 1


class BudgetedPolicy(StorePolicy):
    """A policy with a spending cap of `budget_amount()` yuan per `budget_period`."""

    budget_period: ClassVar[str] = "year"

    def budget_amount(self) -> float:
        """Yuan available per period: the `yearly_budget` parameter unless a policy says else."""
        return float(getattr(self, "yearly_budget", float("inf")))

    def reset(self) -> None:
        self._period_spent: dict[int, float] = {}

    def period_of(self, t: int, period: str | None = None) -> int:
        """`period_key` of tick t (the budget's period unless given), remembered per tick: a
        budget is asked about on every discounted batch, and the calendar's answer never
        changes for the calendar it came from."""
        model = self.model
        assert model is not None, "bind the policy to a model first"
        cache = self.__dict__.get("_period_keys")
        if cache is None or cache[0] is not model.calendar:
            cache = self._period_keys = (model.calendar, {})
        key = (t, period or self.budget_period)
        got = cache[1].get(key)
        if got is None:
            got = cache[1][key] = period_key(model, t, key[1])
        return got

    def budget_left(self, t: int) -> float:
        used = self._period_spent.get(self.period_of(t), 0.0)
        return max(self.budget_amount() - used, 0.0)

    def _on_spent(self, t: int, amount: float) -> None:
        key = self.period_of(t)
        self._period_spent[key] = self._period_spent.get(key, 0.0) + amount

    def affordable(self, t: int, unit_cost: float, wanted: int, fixed: float = 0.0) -> int:
        """How many units (of `unit_cost` each, after a `fixed` cost) the budget still covers."""
        left = self.budget_left(t) - fixed
        if left < 0:
            return 0
        if unit_cost <= 0:
            return int(wanted)
        # A hair of slack so that a budget of exactly k units buys k units despite rounding.
        return int(min(wanted, np.floor(left / unit_cost + 1e-9)))

    def grant_discounts(self, t: int, wanted: np.ndarray) -> np.ndarray:
        """Spend on a batch of discounts; if the budget runs short, first come, first served.

        Returns the discount each purchase actually gets; their sum is what was booked.
        """
        wanted = np.asarray(wanted, dtype=np.float64)
        total = float(wanted.sum())
        if total <= 0:
            return np.zeros_like(wanted)
        granted = self.spend(t, total)
        if granted >= total:
            return wanted
        before = np.cumsum(wanted) - wanted
        return np.clip(granted - before, 0.0, wanted)


# ---------------------------------------------------------------------------- parameter checks
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    """A finite number (a huge Python int that no float can hold is not)."""
    try:
        return math.isfinite(float(value))
    except (OverflowError, TypeError, ValueError):
        return False


_RECORDER: list[dict[str, Any]] | None = None


def _record(field: str, **facts: Any) -> None:
    if _RECORDER is not None and not any(r["field"] == field for r in _RECORDER):
        _RECORDER.append({"field": field, **facts})


def recorded_checks(cls: type[StorePolicy]) -> list[dict[str, Any]]:
    """The checks a policy's constructor applies to its parameters, as data (field, kind,
    bounds, choices), recorded while building it with its defaults. The checks in the
    constructor are the single source of the ranges in docs/configuration.md."""
    global _RECORDER
    _RECORDER = []
    try:
        cls()
        return list(_RECORDER)
    finally:
        _RECORDER = None


def check_number(
    policy: str,
    field: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """`value` as a float, or a one-line `ConfigError` naming ``policy.<policy>.<field>``.

    NaN, inf and booleans are refused; without an explicit `high`, values above `MAX_VALUE`
    are refused too, so no parameter can overflow the arithmetic of the model.
    """
    _record(
        field,
        kind="number",
        low=low,
        high=MAX_VALUE if high is None else high,
        low_open=low_open,
        high_open=high_open,
    )
    name = f"policy.{policy}.{field}"
    if not _is_number(value) or not _finite(value):
        raise ConfigError(name, f"must be a number, got {value!r}")
    v = float(value)
    if low is not None and high is not None:
        if v < low or v > high or (low_open and v == low) or (high_open and v == high):
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            raise ConfigError(name, f"must be in {left}{low:g}, {high:g}{right}, got {value!r}")
    elif low is not None and (v < low or (low_open and v == low)):
        raise ConfigError(name, f"must be {'>' if low_open else '>='} {low:g}, got {value!r}")
    elif high is not None and v > high:
        raise ConfigError(name, f"must be <= {high:g}, got {value!r}")
    if high is None and abs(v) > MAX_VALUE:
        raise ConfigError(name, f"must be at most {MAX_VALUE:g} in size, got {value!r}")
    return v


def check_money(
    policy: str,
    field: str,
    value: Any,
    *,
    low: float = 0,
    low_open: bool = False,
    unit: str = "money",
) -> float | Relative:
    """An amount of money (`check_number`), or a relative size such as ``{revenue_share:
    0.04}`` / ``{tickets: 2}`` resolved against the market's store profile when the policy is
    bound (``sim.policies.sizing``). ``unit="points"``: loyalty points, whose relative size
    the policy converts into the points worth that much (`StorePolicy.sized_value`)."""
    _record(
        field,
        kind="number",
        low=low,
        high=MAX_VALUE,
        low_open=low_open,
        high_open=False,
        **{unit: True},
    )
    if isinstance(value, Mapping):
        return parse_relative(policy, field, value)
    return check_number(policy, field, value, low=low, low_open=low_open)


def check_points(
    policy: str, field: str, value: Any, *, low: float = 0, low_open: bool = False
) -> float | Relative:
    """Loyalty points, or points worth a relative size of money such as ``{tickets: 0.025}``
    (`check_money` with ``unit="points"``), so a reward keeps its weight on any store."""
    return check_money(policy, field, value, low=low, low_open=low_open, unit="points")


def check_int(policy: str, field: str, value: Any, *, low: int, high: int | None = None) -> int:
    """`value` as an int (whole floats accepted), or a one-line `ConfigError`.

    Without an explicit `high`, `MAX_COUNT` bounds it (a count, a number of days or weeks).
    """
    name = f"policy.{policy}.{field}"
    high = MAX_COUNT if high is None else high
    _record(field, kind="integer", low=low, high=high)
    whole = _is_number(value) and _finite(value) and float(value).is_integer()
    if not whole or value < low or value > high:
        allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        raise ConfigError(name, f"must be {allowed}, got {value!r}")
    return int(value)


def check_bool(policy: str, field: str, value: Any) -> bool:
    """`value` if it is true or false (1, 'yes' and friends are refused: say what you mean)."""
    _record(field, kind="boolean")
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"policy.{policy}.{field}", f"must be true or false, got {value!r}")
    return bool(value)


def check_choice(policy: str, field: str, value: Any, allowed: tuple[str, ...]) -> str:
    _record(field, kind="choice", choices=tuple(allowed))
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(
            f"policy.{policy}.{field}", f"must be one of {', '.join(allowed)}; got {value!r}"
        )
    return str(value)
