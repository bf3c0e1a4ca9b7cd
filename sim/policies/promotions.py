"""`promotions`: periodic discount campaigns to the store's member list."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.policies.budget import BudgetedPolicy, check_int, check_money, check_number
from sim.policies.levers import Lever, count_lever, money_lever
from sim.policies.promo_blacklist import PromoBlacklist
from sim.policies.targeting import members


class Promotions(BudgetedPolicy):
    """Discount campaigns every few weeks to the member list (SEEDS 003, segments 4 and 5).

    Every ``every_weeks`` weeks (first campaign after ``offset_weeks``) the store runs a
    campaign of ``duration_days`` days. At its start the store contacts its members (everyone
    who ever bought there; minus the `promo_blacklist` of the same store, if it runs one) at
    ``contact_cost`` each and pays ``campaign_cost`` (ads, decoration). During the campaign a
    targeted member

    - sees the store's utility raised by beta_promo x promotion affinity x ``depth`` x
      ``appeal`` (promo-affine members, SEEDS 003, segments 4 and 5, chase campaigns);
    - may come for it: an extra purchase occasion within the campaign with probability
      ``response`` x promotion affinity;
    - gets ``depth`` (a share of the list price) off every purchase at this store and a
      giveaway worth ``giveaway_cost`` ("spend X, get a gift");
    - if not coming to buy, may come only to collect the giveaway, with probability
      ``claim_rate`` x promotion affinity (SEEDS 003, segment 5: "come only for giveaways,
      contribute little or no cash"), booked at the campaign's start.

    Cost = campaign costs + contacts + discounts + giveaways, all booked as they happen, never
    beyond ``yearly_budget``: a campaign the budget cannot start is skipped, the contact list is
    cut (biggest spenders kept) and discounts run out first come, first served. SEEDS 002 warns
    that blanket discounting no longer works: compare the cost with the extra margin.
    """

    name = "promotions"
    classifier = {
        "source": "SEEDS 003, segments 4-5 (promotion-driven members); SEEDS 002 (blanket "
        "discounts)",
        "targets": "all members (minus the promo blacklist), effect scaled by promo affinity",
        "cost": "campaign + contacts + discounts + giveaways, yearly budget",
        "stochastic": True,
    }
    budget_period = "year"
    movable_hooks = frozenset({"utility", "discount"})  # own arrays and budget only
    publishes_utility = True  # `_bonus`, a new array each campaign

    param_docs = {
        "every_weeks": "a campaign every this many weeks",
        "duration_days": "length of a campaign in days (at most 7 x every_weeks)",
        "offset_weeks": "weeks before the first campaign",
        "depth": "share of the list price taken off during a campaign",
        "appeal": "utility of a campaign = beta_promo x promotion affinity x depth x appeal",
        "response": "chance (x promotion affinity) that a targeted member comes to buy",
        "claim_rate": "chance (x promotion affinity) that a member comes only for the giveaway",
        "campaign_cost": "yuan per campaign (ads, decoration)",
        "contact_cost": "yuan per member contacted",
        "giveaway_cost": "yuan per giveaway",
        "yearly_budget": "per simulated year for campaigns, contacts, discounts and giveaways",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        count_lever("every_weeks", 2, 26, "a campaign every this many weeks"),
        count_lever("duration_days", 1, 14, "length of a campaign in days"),
        count_lever("offset_weeks", 0, 25, "weeks before the first campaign (the calendar)"),
        Lever("depth", "float", 0.02, 0.5, meaning="share of the list price taken off"),
        money_lever("yearly_budget", 600_000, "per simulated year for campaigns"),
    )
    """What the store decides (searched by experiments.design); responses are assumptions."""

    def yearly_fixed_cost(self, params: dict[str, Any]) -> float:
        """Fees that do not grow with the customers served (see `StorePolicy`)."""
        return float(params["campaign_cost"]) * 52.0 / float(params["every_weeks"])

    def __init__(
        self,
        every_weeks: int = 8,
        duration_days: int = 7,
        offset_weeks: int = 3,
        depth: float = 0.1,
        appeal: float = 6.0,
        response: float = 0.02,
        claim_rate: float = 0.1,
        campaign_cost: float = 3000.0,
        contact_cost: float = 0.5,
        giveaway_cost: float = 30.0,
        yearly_budget: float = 200_000.0,
    ) -> None:
        super().__init__()
        n = self.name
        self.every_weeks = check_int(n, "every_weeks", every_weeks, low=1)
        self.duration_days = check_int(
            n, "duration_days", duration_days, low=1, high=7 * self.every_weeks
        )
        self.offset_weeks = check_int(n, "offset_weeks", offset_weeks, low=0)
        self.depth = check_number(n, "depth", depth, low=0, high=1)
        self.appeal = check_number(n, "appeal", appeal, low=0)
        self.response = check_number(n, "response", response, low=0, high=1)
        self.claim_rate = check_number(n, "claim_rate", claim_rate, low=0, high=1)
        self.campaign_cost = check_money(n, "campaign_cost", campaign_cost, low=0)
        self.contact_cost = check_number(n, "contact_cost", contact_cost, low=0)
        self.giveaway_cost = check_money(n, "giveaway_cost", giveaway_cost, low=0)
        self.yearly_budget = check_money(n, "yearly_budget", yearly_budget, low=0)

    def reset(self) -> None:
        super().reset()
        model = self.model
        n = model.pop.n if model else 0
        self.target = np.zeros(n, dtype=bool)
        self._bonus = np.zeros(n, dtype=np.float64)
        self._campaign = -1
        self._active = False
        self._schedule = self._campaign_ticks() if model else np.zeros(0, dtype=np.int64)
        self.campaigns = self.skipped = self.contacts = self.excluded = self.claims = 0
        self.discounts = self.giveaways = self.promo_revenue = 0.0
        self.promo_purchases = 0

    def _campaign_ticks(self) -> np.ndarray:
        """Campaign number running at each tick (-1 between campaigns)."""
        cal = self.model.calendar
        period = 7 * self.every_weeks
        start = 7 * self.offset_weeks
        first_day = np.arange(cal.n_ticks) * cal.tick_days
        out = np.full(cal.n_ticks, -1, dtype=np.int64)
        for offset in range(cal.tick_days):
            day = first_day + offset - start
            k = np.floor_divide(day, period)
            on = (day >= 0) & (day - k * period < self.duration_days)
            out = np.where(on & (out < 0), k, out)
        return out

    def blacklist(self) -> PromoBlacklist | None:
        """The store's `promo_blacklist` policy, if it runs one."""
        assert self.model is not None
        store = self.model.stores[self.store]
        return next((p for p in store.policies if isinstance(p, PromoBlacklist)), None)

    # ------------------------------------------------------------------ hooks
    def plan(self, t: int) -> None:
        k = int(self._schedule[t])
        if k < 0:
            self._active = False
            return
        if k != self._campaign:
            self._campaign = k
            self._active = self.start_campaign(t)

    def start_campaign(self, t: int) -> bool:
        model, s, rng = self.model, self.store, self.rng
        assert model is not None and rng is not None
        pop = model.pop
        listed = members(model, s)
        blacklist = self.blacklist()
        if blacklist is not None:
            self.excluded += int((listed & blacklist.mask).sum())
            listed &= ~blacklist.mask
        rows = np.flatnonzero(listed)
        n = self.affordable(t, self.contact_cost, rows.size, fixed=self.campaign_cost)
        if self.budget_left(t) < self.campaign_cost or (rows.size and n == 0):
            self.skipped += 1
            self.target[:] = False
            return False
        targets = rows  # ascending, as the mask's rows: everything below is for them only
        if n < rows.size:  # keep the most valuable contacts
            rows = rows[np.argsort(-pop.revenue[rows, s], kind="stable")[:n]]
            targets = np.sort(rows)
        self.spend(t, self.campaign_cost + self.contact_cost * rows.size)
        self.target[:] = False
        self.target[rows] = True
        affinity = pop.promo_aff[targets].astype(np.float64)
        self._bonus = np.zeros(pop.n)
        self._bonus[targets] = model.behaviour.beta_promo * affinity * self.depth * self.appeal
        # Who comes for the campaign: a fixed-shape draw over everyone (common random numbers).
        u = rng.random(pop.n)
        when = rng.random(pop.n)
        u = u[targets]
        buy = self.response * affinity
        come = targets[u < buy]
        ticks = np.flatnonzero(self._schedule == self._campaign)
        if come.size and ticks.size:
            at = ticks[(when[come] * ticks.size).astype(np.int64)]
            model.schedule_visits(at, come)
        # Giveaway hunters: the next slice of the same uniform draw, so buyers never claim.
        claim = (u >= buy) & (u < buy + self.claim_rate * affinity)
        claimed = self.grant_discounts(t, np.full(int(claim.sum()), self.giveaway_cost))
        self.claims += int((claimed > 0).sum())
        self.giveaways += float(claimed.sum())
        self.campaigns += 1
        self.contacts += rows.size
        return True

    def utility(self, rows: np.ndarray) -> np.ndarray | None:
        if not self._active:
            return None
        return self._bonus[rows]

    def utility_term(self, t: int) -> np.ndarray | None:
        return self._bonus if self._active else None

    def discount(self, t: int, rows: np.ndarray, list_amounts: np.ndarray) -> np.ndarray | None:
        if not self._active:
            return None
        on = self.target[rows]
        if not on.any():
            return None
        self.promo_purchases += int(on.sum())
        self.promo_revenue += float(list_amounts[on].sum())
        gifts = np.where(on, self.giveaway_cost, 0.0)
        gifts = self.grant_discounts(t, gifts)  # giveaways first: cut like discounts
        self.giveaways += float(gifts.sum())
        wanted = np.where(on, self.depth * list_amounts, 0.0)
        got = self.grant_discounts(t, wanted)
        self.discounts += float(got.sum())
        return got

    def kpis(self) -> dict[str, float]:
        return {
            "campaigns": float(getattr(self, "campaigns", 0)),
            "skipped_campaigns": float(getattr(self, "skipped", 0)),
            "contacts": float(getattr(self, "contacts", 0)),
            "excluded_by_blacklist": float(getattr(self, "excluded", 0)),
            "discounts_given": float(getattr(self, "discounts", 0.0)),
            "giveaways_given": float(getattr(self, "giveaways", 0.0)),
            "giveaway_only_visits": float(getattr(self, "claims", 0)),
            "promo_purchases": float(getattr(self, "promo_purchases", 0)),
            "promo_revenue": float(getattr(self, "promo_revenue", 0.0)),
        }
