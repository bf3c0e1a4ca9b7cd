"""`celebrity_event`: the yearly VIP thank-you gala with a (faded) celebrity."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.policies.budget import BudgetedPolicy, check_int, check_money, check_number
from sim.policies.levers import count_lever, money_lever
from sim.policies.targeting import (
    bring_referrals,
    event_ticks,
    members,
    raise_attachment,
    ranked,
    referred_prospects,
    trailing_spend,
)


class CelebrityEvent(BudgetedPolicy):
    """A yearly VIP gala with a (faded) celebrity for the top spenders (SEEDS 000).

    SEEDS 000: county business elites and middle officials want to show off; invite a faded
    celebrity to the year-end VIP thank-you gala or the store anniversary (photos and dinner
    with the celebrity). Once a year, in the week of ``day_of_year`` (default 355, the year-end
    festival), the store invites its ``invite_top`` biggest spenders of the last 12 months.
    Each guest comes with probability ``attendance`` x (0.5 + status seeking), capped at 1.
    The gala costs ``fixed_cost`` (the celebrity's fee, venue) plus ``cost_per_guest`` for each
    guest who comes; if the yearly budget cannot pay the fee the gala is cancelled, and the
    invitation list is cut to what the budget covers.

    A guest's satisfaction with the store rises by ``satisfaction_gain`` x status seeking and
    their loyalty moves ``loyalty_gain`` x status seeking of the way to 1, so the gala works
    best on business elites and middle officials. Guests bring Poisson(``referrals_per_guest``
    x status seeking) friends from their contacts who join as referred customers of the store.

    The gala's cost is accrued over the year after it (the goodwill it buys), week by week:
    the budget caps the spending itself, in the year it is decided.
    """

    name = "celebrity_event"
    classifier = {
        "source": "SEEDS 000 (celebrity / show-off needs of county business elites and middle "
        "officials; year-end VIP thank-you gala)",
        "targets": "top spenders (invitation list), effect scaled by status seeking",
        "cost": "fixed fee per gala + per attending guest, capped by a yearly budget",
        "stochastic": True,
    }
    budget_period = "year"
    accrue_over = "year"  # the gala buys a year of goodwill: its cost is spread over that year

    param_docs = {
        "day_of_year": "day of the year of the gala (355: the year-end festival week)",
        "fixed_cost": "yuan per gala (celebrity fee, venue)",
        "cost_per_guest": "yuan per guest who comes",
        "invite_top": "invitations: the top N members by 12-month spend",
        "attendance": "chance to come x (0.5 + status seeking), capped at 1",
        "satisfaction_gain": "satisfaction added x status seeking",
        "loyalty_gain": "share of the way to 1 that loyalty moves, x status seeking",
        "referrals_per_guest": "mean friends a guest brings (Poisson, x status seeking)",
        "yearly_budget": "per simulated year",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        count_lever("day_of_year", 1, 365, "day of the year of the gala"),
        count_lever("invite_top", 10, 1_000, "invitations: the top N members by 12-month spend"),
        money_lever("yearly_budget", 300_000, "per simulated year"),
    )
    """What the store decides (searched by experiments.design); gains are assumptions."""

    def yearly_fixed_cost(self, params: dict[str, Any]) -> float:
        """Fees that do not grow with the customers served (see `StorePolicy`)."""
        return float(params["fixed_cost"])  # one gala a year

    def __init__(
        self,
        day_of_year: int = 355,
        fixed_cost: float = 60_000.0,
        cost_per_guest: float = 300.0,
        invite_top: int = 100,
        attendance: float = 0.6,
        satisfaction_gain: float = 0.8,
        loyalty_gain: float = 0.15,
        referrals_per_guest: float = 0.5,
        yearly_budget: float = 100_000.0,
    ) -> None:
        super().__init__()
        n = self.name
        self.day_of_year = check_int(n, "day_of_year", day_of_year, low=1, high=365)
        self.fixed_cost = check_money(n, "fixed_cost", fixed_cost, low=0)
        self.cost_per_guest = check_money(n, "cost_per_guest", cost_per_guest, low=0)
        self.invite_top = check_int(n, "invite_top", invite_top, low=1)
        self.attendance = check_number(n, "attendance", attendance, low=0, high=1)
        self.satisfaction_gain = check_number(n, "satisfaction_gain", satisfaction_gain, low=0)
        self.loyalty_gain = check_number(n, "loyalty_gain", loyalty_gain, low=0, high=1)
        self.referrals_per_guest = check_number(
            n, "referrals_per_guest", referrals_per_guest, low=0, high=100
        )
        self.yearly_budget = check_money(n, "yearly_budget", yearly_budget, low=0)

    def reset(self) -> None:
        super().reset()
        model = self.model
        self._ticks = set(event_ticks(model, (self.day_of_year,)).tolist()) if model else set()
        n = model.pop.n if model else 0
        self.attended_mask = np.zeros(n, dtype=bool)
        self.events = self.cancelled = self.invited = self.attended = self.referrals = 0

    def plan(self, t: int) -> None:
        if t in self._ticks:
            self.hold_gala(t)

    def hold_gala(self, t: int) -> None:
        model, s, rng = self.model, self.store, self.rng
        assert model is not None and rng is not None
        value = trailing_spend(model, s, t)
        guests = ranked(members(model, s) & (value > 0), value)[: self.invite_top]
        n = self.affordable(t, self.cost_per_guest, guests.size, fixed=self.fixed_cost)
        if n == 0:
            self.cancelled += 1
            return
        guests = guests[:n]
        status = model.pop.status_seek[guests].astype(np.float64)
        p = np.minimum(self.attendance * (0.5 + status), 1.0)
        come = rng.random(n) < p
        attendees, status = guests[come], status[come]
        self.spend(t, self.fixed_cost + self.cost_per_guest * attendees.size)
        raise_attachment(
            model, attendees, s, self.satisfaction_gain * status, self.loyalty_gain * status
        )
        counts = rng.poisson(self.referrals_per_guest * status)
        parents, recruits = referred_prospects(model, attendees, counts, rng)
        bring_referrals(model, t, s, parents, recruits, rng)
        self.attended_mask[attendees] = True
        self.events += 1
        self.invited += n
        self.attended += attendees.size
        self.referrals += recruits.size

    def kpis(self) -> dict[str, float]:
        return {
            "galas": float(getattr(self, "events", 0)),
            "cancelled": float(getattr(self, "cancelled", 0)),
            "invited": float(getattr(self, "invited", 0)),
            "attended": float(getattr(self, "attended", 0)),
            "guest_referrals": float(getattr(self, "referrals", 0)),
        }
