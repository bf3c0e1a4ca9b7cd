"""`reactivation`: low-threshold offers to silent and sleeping members."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.policies.budget import BudgetedPolicy, check_int, check_money, check_number
from sim.policies.levers import Lever, count_lever, money_lever
from sim.policies.store_log import lapsed_members
from sim.policies.targeting import first_of


class Reactivation(BudgetedPolicy):
    """Win-back offers to silent and sleeping members (SEEDS 003, segments 6 and 7).

    SEEDS 003: silent members (buying at less than half their usual rate) are soon lost, send
    them gifts; sleeping members (no purchase for a year) are woken with low-threshold offers
    (group buying, flash sales, price cuts). Every ``every_weeks`` weeks the store contacts up
    to ``max_contacts`` members of segments ``silent`` and ``sleeping`` (from its own log, most
    valuable first, nobody twice within ``cooldown_days``) at ``contact_cost`` each. For
    ``offer_days`` a contacted member sees the store's utility raised by ``offer_utility`` and
    gets ``offer_discount`` off purchases there; with probability ``response`` the offer makes
    them come (an extra purchase occasion during the offer). Yearly budget ``yearly_budget``.
    """

    name = "reactivation"
    classifier = {
        "source": "SEEDS 003, segments 6 (silent: send gifts) and 7 (sleeping: low-threshold "
        "offers)",
        "targets": "silent and sleeping members of the store",
        "cost": "cost per contact + offer discounts, yearly budget",
        "stochastic": True,
    }
    budget_period = "year"
    # own arrays, model.t, budget, scheduled visits only
    movable_hooks = frozenset({"utility", "discount", "housekeeping"})
    publishes_utility = True  # made anew after a wave and when an offer ends
    SEGMENTS = ("silent", "sleeping")

    param_docs = {
        "every_weeks": "contact round every this many weeks",
        "max_contacts": "members contacted per round (most valuable silent/sleeping first)",
        "contact_cost": "yuan per member contacted",
        "response": "chance that a contacted member comes during the offer",
        "offer_days": "days an offer lasts",
        "offer_utility": "utility bonus of the store during the offer",
        "offer_discount": "share of the price taken off during the offer",
        "cooldown_days": "days before the same member is contacted again",
        "yearly_budget": "per simulated year for contacts and discounts",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        count_lever("every_weeks", 1, 26, "contact round every this many weeks"),
        count_lever("max_contacts", 10, 2_000, "members contacted per round"),
        count_lever("offer_days", 7, 90, "days an offer lasts"),
        Lever("offer_discount", "float", 0.0, 0.3, meaning="share of the price taken off"),
        count_lever("cooldown_days", 28, 365, "days before the same member is contacted again"),
        money_lever("yearly_budget", 150_000, "per simulated year"),
    )
    """What the store decides (searched by experiments.design); responses are assumptions."""

    def __init__(
        self,
        every_weeks: int = 4,
        max_contacts: int = 300,
        contact_cost: float = 5.0,
        response: float = 0.15,
        offer_days: int = 28,
        offer_utility: float = 0.5,
        offer_discount: float = 0.05,
        cooldown_days: int = 180,
        yearly_budget: float = 40_000.0,
    ) -> None:
        super().__init__()
        n = self.name
        self.every_weeks = check_int(n, "every_weeks", every_weeks, low=1)
        self.max_contacts = check_int(n, "max_contacts", max_contacts, low=0)
        self.contact_cost = check_number(n, "contact_cost", contact_cost, low=0)
        self.response = check_number(n, "response", response, low=0, high=1)
        self.offer_days = check_int(n, "offer_days", offer_days, low=1)
        self.offer_utility = check_number(n, "offer_utility", offer_utility, low=0)
        self.offer_discount = check_number(n, "offer_discount", offer_discount, low=0, high=1)
        self.cooldown_days = check_int(n, "cooldown_days", cooldown_days, low=0)
        self.yearly_budget = check_money(n, "yearly_budget", yearly_budget, low=0)

    def reset(self) -> None:
        super().reset()
        n = self.model.pop.n if self.model else 0
        never = np.iinfo(np.int32).min // 2
        self.contacted_at = np.full(n, never, dtype=np.int64)
        self.offer_until = np.full(n, -1, dtype=np.int64)
        self.returned_mask = np.zeros(n, dtype=bool)
        self._last_wave: int | None = None
        self._term: tuple[int, int, np.ndarray] | None = None  # (first tick, last tick, term)
        self.waves = self.contacts = self.responders = self.returns = 0
        self.discounts = 0.0

    def housekeeping(self, t: int) -> None:
        assert self.model is not None
        weeks = self.every_weeks * 7 / self.model.calendar.tick_days
        if self._last_wave is None or t - self._last_wave >= weeks - 1e-9:
            self._last_wave = t
            self.wave(t)

    def wave(self, t: int) -> None:
        from sim.segmenting import DEFAULT

        model, s, rng = self.model, self.store, self.rng
        assert model is not None and rng is not None
        tick_days = model.calendar.tick_days
        # `members_in(model, SEGMENTS, s)`, from the store's log kept between waves
        rows = lapsed_members(model, self.SEGMENTS, s, DEFAULT)
        rows = rows[(t - self.contacted_at[rows]) * tick_days >= self.cooldown_days]
        n = self.affordable(t, self.contact_cost, min(rows.size, self.max_contacts))
        self.waves += 1
        if n == 0:
            return
        rows = first_of(rows, model.pop.revenue[:, s], n)  # the n most valuable (stable)
        self.spend(t, n * self.contact_cost)
        offer_ticks = max(int(np.ceil(self.offer_days / tick_days)), 1)
        self.contacted_at[rows] = t
        self.offer_until[rows] = t + offer_ticks
        self._term = None
        come = rows[rng.random(n) < self.response]
        at = t + 1 + (rng.random(come.size) * offer_ticks).astype(np.int64)
        model.schedule_visits(at, come)
        self.contacts += n
        self.responders += come.size

    def _on_offer(self, rows: np.ndarray) -> np.ndarray:
        assert self.model is not None
        return self.offer_until[rows] >= self.model.t

    def utility(self, rows: np.ndarray) -> np.ndarray | None:
        if self.contacts == 0:
            return None
        return np.where(self._on_offer(rows), self.offer_utility, 0.0)

    def utility_term(self, t: int) -> np.ndarray | None:
        if self.contacts == 0:
            return None
        got = self._term
        if got is None or not got[0] <= t <= got[1]:
            # `utility` at t, which stays the same until the next offer ends (or a wave)
            until = self.offer_until
            if kernels.compiled() and until.dtype == np.int64:  # the same, in one pass
                from sim.kernels.offers import offer_term

                last, term = offer_term(until, t, self.offer_utility)
                got = self._term = (t, int(last), term)
            else:
                on = until >= t
                ends = until[on]
                last = int(ends.min()) if ends.size else np.iinfo(np.int64).max
                got = self._term = (t, last, np.where(on, self.offer_utility, 0.0))
        return got[2]

    def discount(self, t: int, rows: np.ndarray, list_amounts: np.ndarray) -> np.ndarray | None:
        if not self.contacts:  # nobody is on an offer
            return None
        if kernels.compiled():  # the same request in one compiled pass
            from sim.kernels.discounts import offer_wanted

            assert self.model is not None
            on, wanted = offer_wanted(
                rows,
                list_amounts,
                self.offer_until,
                self.model.t,
                self.offer_discount,
                self.returned_mask,
            )
            if on == 0:
                return None
            self.returns += on
            got = self.grant_discounts(t, wanted)
            self.discounts += float(got.sum())
            return got
        on = self._on_offer(rows)
        if not on.any():
            return None
        self.returns += int(on.sum())
        self.returned_mask[rows[on]] = True
        got = self.grant_discounts(t, np.where(on, self.offer_discount * list_amounts, 0.0))
        self.discounts += float(got.sum())
        return got

    def kpis(self) -> dict[str, float]:
        returned = getattr(self, "returned_mask", np.zeros(0, dtype=bool))
        reached = int((getattr(self, "offer_until", np.zeros(0)) >= 0).sum())
        return {
            "contacts": float(getattr(self, "contacts", 0)),
            "members_contacted": float(reached),
            "responders": float(getattr(self, "responders", 0)),
            "offer_purchases": float(getattr(self, "returns", 0)),
            "members_won_back": float(returned.sum()),
            "win_back_rate": float(returned.sum() / reached) if reached else float("nan"),
            "discounts_given": float(getattr(self, "discounts", 0.0)),
        }
