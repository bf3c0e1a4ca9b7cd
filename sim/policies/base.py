"""The `StorePolicy` protocol: how a store's retention policy plugs into the model.

A policy is bound to one store. The model calls its hooks at fixed points of each tick, always
with batches of customer rows (NumPy index arrays), never one customer at a time:

1. ``plan(t)`` at the start of the tick (campaigns, events, budgets);
2. ``utility(rows)`` extra utility of this store for shoppers choosing now (perks, promotions);
3. ``discount(t, rows, list_amounts)`` yuan off each purchase at this store (the policy books
   it with ``spend``, so a budget cap also caps the discount);
4. ``service(t, rows)`` extra service-experience score for these buyers (personal attention);
5. ``resolution(t, rows)`` probability that each complaint is resolved (at least the store's);
6. ``on_purchases(t, rows, amounts)`` rewards for purchases (points, gifts);
7. ``on_complaints(t, rows, resolved)``;
8. ``recruit_multiplier()`` factor on this store's word-of-mouth recruitment (referral schemes);
9. ``on_recruits(t, recruiters, recruits)``;
10. ``housekeeping(t)`` once a week (segment refresh, gifts, reactivation offers).

Every yuan goes through ``spend`` which books it under ``cost_<name>`` and never beyond the
budget. Hooks return ``None`` when they have nothing to add, which the model skips cheaply.
"""

from __future__ import annotations

import inspect
import warnings
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.policies.sizing import Relative, resolve, sizing_flags

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel
    from sim.store_profile import StoreProfile


class StorePolicy:
    """Base class: a policy that does nothing. Subclasses set `name` and override hooks."""

    name: ClassVar[str] = "abstract"
    classifier: ClassVar[dict[str, Any]] = {}
    """Facts about the policy: source article, what it targets, how it costs (Axelrod-style)."""
    param_docs: ClassVar[dict[str, str]] = {}
    """One line per constructor parameter: what it means (docs/configuration.md)."""
    levers: ClassVar[tuple[Any, ...]] = ()
    """The parameters the store decides, as `sim.policies.levers.Lever`s (experiments.design)."""
    accrue_over: ClassVar[str | None] = None
    """None: a spend is a cost of the tick it happens in. "year": a spend buys the year that
    follows (a gala whose goodwill lasts a year) and is accrued in equal parts over the next
    year's ticks, so a run that ends just after it is not charged for a year it never sees."""
    movable_hooks: ClassVar[frozenset[str]] = frozenset()
    """Hooks the compiled pipeline may call away from their place in a batch of occasions, with
    the same arguments and results (`sim.kernels.hooked`): ``utility`` before the batch's
    purchase clocks move on (it reads no clock); ``discount`` and ``on_purchases`` after the
    batch's last phase. List one only if its code reads nothing the occasion pipeline writes
    (it may read its arguments, ``model.t``, the calendar, the policy's own attributes and
    population arrays the pipeline never writes, such as ``referral_parent``) and writes
    nothing but the policy's own attributes and costs. ``housekeeping`` may come after the
    week's census (`RetailModel._housekeeping`: counted in the week's own pass, not a second
    one) if it writes neither customers' states nor their last visits, all the census counts.
    Unlisted hooks stay at their place."""
    publishes_utility: ClassVar[bool] = False
    """True when `utility_term` stands for `utility` (the compiled pipeline then adds the
    published array itself, `sim.kernels.hooked`, instead of calling `utility` per batch)."""

    def __init__(self) -> None:
        self.model: RetailModel | None = None
        self.store: int = -1
        self.rng: np.random.Generator | None = None
        self.spent = 0.0

    # ------------------------------------------------------------------ life cycle
    def params(self) -> dict[str, Any]:
        """Constructor parameters and their values, read from the attributes of the same names.

        Every policy stores each constructor argument under its own name, so `clone`,
        `describe` and pickling need no per-policy code.
        """
        sig = inspect.signature(type(self).__init__)
        sized = getattr(self, "_sized", {})  # relative sizes as given, not as resolved
        return {
            name: sized.get(name, getattr(self, name))
            for name, p in sig.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, **self.params()}

    def clone(self) -> StorePolicy:
        """A fresh, unbound copy with the same parameters."""
        return type(self)(**self.params())

    def bind(self, model: RetailModel, store: int, rng: np.random.Generator) -> None:
        """Attach to a store of a model; allocates per-run state (called once per run)."""
        self.model, self.store, self.rng = model, store, rng
        self.spent = 0.0
        model.ledger.register_cost(self.name)
        profile = getattr(model.market, "profile", None)
        if profile is not None:
            self._resolve_sizes(profile)
        self.reset()
        if profile is not None:
            for line in sizing_flags(self, profile):
                warnings.warn(line, UserWarning, stacklevel=2)

    def _resolve_sizes(self, profile: StoreProfile) -> None:
        """Money given relative to the store (``{revenue_share: 0.04}``) becomes an amount in
        the market's store profile (``sim.policies.sizing``); the relative form is kept for
        `params`, so a clone is sized anew on its own market."""
        sized = dict(getattr(self, "_sized", {}))
        for name in self.params():
            value = sized.get(name, getattr(self, name, None))
            if isinstance(value, Relative):
                sized[name] = value
                setattr(self, name, self.sized_value(name, value, profile))
        self._sized = sized

    def sized_value(self, name: str, rel: Relative, profile: StoreProfile) -> float:
        """What the parameter `name`, given relative to the store, is on this store: an amount
        of money (`sizing.resolve`); a policy whose parameter is in other units converts it."""
        return resolve(self.name, name, rel, profile)

    def money_worth(self, name: str, value: float) -> float:
        """The money a plain value of the parameter `name` stands for (money is itself; a
        policy with parameters in other units, such as points, converts)."""
        return value

    def reset(self) -> None:
        """Clear per-run state; called by `bind`."""

    # ------------------------------------------------------------------ money
    def budget_left(self, t: int) -> float:
        """Yuan still available for spending at tick t (inf when the policy has no cap)."""
        return float("inf")

    def spend(self, t: int, amount: float) -> float:
        """Spend up to `amount` yuan, never beyond the budget; book it; return what was spent."""
        granted = float(min(max(amount, 0.0), self.budget_left(t)))
        if granted > 0:
            assert self.model is not None
            self.model.ledger.book_cost(self.name, t, self.store, granted, self.accrual_ticks())
            self.spent += granted
            self._on_spent(t, granted)
        return granted

    def accrual_ticks(self) -> int:
        """Ticks each spend is accrued over (`accrue_over`; 1 = booked when spent)."""
        if self.accrue_over is None or self.model is None:
            return 1
        if self.accrue_over == "year":
            return int(self.model.calendar.ticks_per_year)
        raise ValueError(
            f"{self.name}: accrue_over must be None or 'year', got {self.accrue_over!r}"
        )

    def _on_spent(self, t: int, amount: float) -> None:
        """Hook for budget bookkeeping in subclasses."""

    # ------------------------------------------------------------------ hooks (no-ops)
    def plan(self, t: int) -> None:
        return None

    def utility(self, rows: np.ndarray) -> np.ndarray | None:
        return None

    def utility_term(self, t: int) -> np.ndarray | None:
        """With `publishes_utility`: the term `utility` gives at tick t, for every customer
        (``utility(rows)`` is ``utility_term(t)[rows]``, or None when this is None). It may
        change only in the policy's own rounds (``plan``, ``housekeeping``), never during the
        tick's occasions, and a changed term is a new array (never one written in place)."""
        return None

    def discount(self, t: int, rows: np.ndarray, list_amounts: np.ndarray) -> np.ndarray | None:
        return None

    def service(self, t: int, rows: np.ndarray) -> np.ndarray | None:
        return None

    def resolution(self, t: int, rows: np.ndarray) -> np.ndarray | None:
        return None

    def on_purchases(self, t: int, rows: np.ndarray, amounts: np.ndarray) -> None:
        return None

    def on_complaints(self, t: int, rows: np.ndarray, resolved: np.ndarray) -> None:
        return None

    def recruit_multiplier(self) -> float:
        return 1.0

    def on_recruits(self, t: int, recruiters: np.ndarray, recruits: np.ndarray) -> None:
        return None

    def housekeeping(self, t: int) -> None:
        return None

    def yearly_fixed_cost(self, params: dict[str, Any]) -> float:
        """Money a year that does not grow with the customers served (event fees, campaign
        set-up), from resolved parameters: the part of a policy's cost that makes its verdict
        depend on the store's size (0 by default)."""
        return 0.0

    def kpis(self) -> dict[str, float]:
        """Extra per-policy figures for `summary.json` (e.g. outstanding points liability)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def __getstate__(self) -> dict[str, Any]:
        # Pickle the policy without its model (a bound policy is re-bound after unpickling).
        state = self.__dict__.copy()
        state["model"] = None
        return state


class NoPolicy(StorePolicy):
    """The baseline: the store does nothing beyond its standard service."""

    name = "none"
    classifier = {"source": "baseline", "targets": "nobody", "cost": "none"}
