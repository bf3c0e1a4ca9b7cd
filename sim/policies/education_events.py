"""`education_events`: coming-of-age ceremony and Teachers' Day sponsorship for parents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from sim.errors import ConfigError
from sim.policies.budget import BudgetedPolicy, check_int, check_money, check_number
from sim.policies.levers import count_lever, money_lever
from sim.policies.targeting import event_ticks, members, raise_attachment, ranked, trailing_spend


class EducationEvents(BudgetedPolicy):
    """Education events for members with children at school (SEEDS 000).

    SEEDS 000: the education of their children is a need of all elites that a store can
    serve: a coming-of-age ceremony with the education bureau and key high schools, Teachers'
    Day sponsorship of teacher awards, spring outings for key-school teachers. On each of
    ``days_of_year`` (default: early May, coming-of-age ceremony; 10 September, Teachers' Day)
    the store holds an event for its members with an education need (``edu_need``), inviting
    the ``max_guests`` biggest spenders of the last 12 months among them. Each invitee comes
    with probability ``attendance``; a guest's satisfaction with the store rises by
    ``satisfaction_gain`` and loyalty moves ``loyalty_gain`` of the way to 1. An event costs
    ``fixed_cost`` (venue, awards, partner schools) plus ``cost_per_guest`` per guest, within
    ``yearly_budget`` (the event is cancelled if the fixed cost no longer fits, and the guest
    list is cut to what the budget covers).
    """

    name = "education_events"
    classifier = {
        "source": "SEEDS 000 (education resources for children: coming-of-age ceremony, "
        "Teachers' Day sponsorship)",
        "targets": "members with children at school (edu_need), biggest spenders first",
        "cost": "fixed cost per event + per guest, yearly budget",
        "stochastic": True,
    }
    budget_period = "year"

    param_docs = {
        "days_of_year": "days of the year of the events (early May; 10 September)",
        "fixed_cost": "yuan per event (venue, awards, partner schools)",
        "cost_per_guest": "yuan per guest who comes",
        "max_guests": "invitations per event: the biggest spenders with children at school",
        "attendance": "chance that an invitee comes",
        "satisfaction_gain": "satisfaction added for a guest",
        "loyalty_gain": "share of the way to 1 that loyalty moves for a guest",
        "yearly_budget": "per simulated year",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        count_lever("max_guests", 10, 1_000, "invitations per event"),
        money_lever("yearly_budget", 200_000, "per simulated year"),
    )
    """What the store decides (searched by experiments.design); gains are assumptions."""

    def yearly_fixed_cost(self, params: dict[str, Any]) -> float:
        """Fees that do not grow with the customers served (see `StorePolicy`)."""
        return float(params["fixed_cost"]) * len(tuple(params["days_of_year"]))

    def __init__(
        self,
        days_of_year: Iterable[int] = (125, 253),
        fixed_cost: float = 15_000.0,
        cost_per_guest: float = 150.0,
        max_guests: int = 150,
        attendance: float = 0.6,
        satisfaction_gain: float = 0.5,
        loyalty_gain: float = 0.1,
        yearly_budget: float = 60_000.0,
    ) -> None:
        super().__init__()
        n = self.name
        try:
            if isinstance(days_of_year, str):
                raise TypeError
            days = tuple(days_of_year)
        except TypeError:
            raise ConfigError(
                f"policy.{n}.days_of_year",
                f"must be a list of days of the year, got {days_of_year!r}",
            ) from None
        if not days:
            raise ConfigError(f"policy.{n}.days_of_year", "must list at least one day")
        self.days_of_year = tuple(check_int(n, "days_of_year", d, low=1, high=365) for d in days)
        self.fixed_cost = check_money(n, "fixed_cost", fixed_cost, low=0)
        self.cost_per_guest = check_money(n, "cost_per_guest", cost_per_guest, low=0)
        self.max_guests = check_int(n, "max_guests", max_guests, low=1)
        self.attendance = check_number(n, "attendance", attendance, low=0, high=1)
        self.satisfaction_gain = check_number(n, "satisfaction_gain", satisfaction_gain, low=0)
        self.loyalty_gain = check_number(n, "loyalty_gain", loyalty_gain, low=0, high=1)
        self.yearly_budget = check_money(n, "yearly_budget", yearly_budget, low=0)

    def reset(self) -> None:
        super().reset()
        model = self.model
        self._ticks = set(event_ticks(model, self.days_of_year).tolist()) if model else set()
        n = model.pop.n if model else 0
        self.attended_mask = np.zeros(n, dtype=bool)
        self.events = self.cancelled = self.invited = self.attended = 0

    def plan(self, t: int) -> None:
        if t in self._ticks:
            self.hold_event(t)

    def hold_event(self, t: int) -> None:
        model, s, rng = self.model, self.store, self.rng
        assert model is not None and rng is not None
        value = trailing_spend(model, s, t)
        parents = members(model, s) & model.pop.edu_need & (value > 0)
        guests = ranked(parents, value)[: self.max_guests]
        n = self.affordable(t, self.cost_per_guest, guests.size, fixed=self.fixed_cost)
        if n == 0:
            self.cancelled += 1
            return
        guests = guests[:n]
        come = guests[rng.random(n) < self.attendance]
        self.spend(t, self.fixed_cost + self.cost_per_guest * come.size)
        raise_attachment(model, come, s, self.satisfaction_gain, self.loyalty_gain)
        self.attended_mask[come] = True
        self.events += 1
        self.invited += n
        self.attended += come.size

    def kpis(self) -> dict[str, float]:
        ever = getattr(self, "attended_mask", np.zeros(0, dtype=bool))
        return {
            "events": float(getattr(self, "events", 0)),
            "cancelled": float(getattr(self, "cancelled", 0)),
            "invited": float(getattr(self, "invited", 0)),
            "attended": float(getattr(self, "attended", 0)),
            "families_reached": float(ever.sum()),
        }
