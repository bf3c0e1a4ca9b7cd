"""`vip_privileges`: birthday privilege and price privilege for the store's top members."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.policies.budget import BudgetedPolicy, check_money, check_number
from sim.policies.levers import Lever, money_lever
from sim.policies.targeting import compiled_factor, raise_attachment, ranked, top_spenders
from sim.population import NEVER


class VipPrivileges(BudgetedPolicy):
    """A VIP privilege scheme: birthday and price privileges (SEEDS 000; SEEDS 003, segment 1).

    SEEDS 000 lists a VIP privilege scheme (birthday privilege, price privilege on large
    purchases); SEEDS 003, segment 1 gives the top 15-20% by yearly spend birthday gifts and
    the best member benefits; SEEDS 001: top 20% get maximal service. At the start of each
    month the store names its VIPs: the top ``top_share`` of members by spend there over the
    last 12 months. Then

    - birthday privilege: VIPs born in this month (``birth_month``) get a birthday gift worth
      ``birthday_gift`` yuan (satisfaction + ``satisfaction_gain``) and ``birthday_discount``
      off purchases here during the month;
    - price privilege: VIP purchases of at least ``large_purchase`` yuan (list price) get
      ``price_discount`` off (the larger of the two discounts applies, never both);
    - VIPs know their privileges: the store's utility is ``vip_utility`` higher for them, plus
      ``birthday_utility`` in their birthday month.

    Gifts and discounts are booked as they happen, capped by ``yearly_budget`` (gifts go to
    the biggest spenders first; discounts run out first come, first served).
    """

    name = "vip_privileges"
    classifier = {
        "source": "SEEDS 000 (VIP privilege scheme: birthday, price privilege on large "
        "purchases); SEEDS 003, segment 1; SEEDS 001 (top 20%)",
        "targets": "top members by 12-month spend at the store",
        "cost": "birthday gifts + discounts, yearly budget",
        "stochastic": False,
    }
    budget_period = "year"
    movable_hooks = frozenset({"utility", "discount"})  # own arrays and budget only
    publishes_utility = True  # `_bonus`, a new array each month

    param_docs = {
        "top_share": "VIPs: the top share of members by 12-month spend",
        "birthday_gift": "yuan per birthday gift",
        "birthday_discount": "share off purchases in the VIP's birthday month",
        "price_discount": "share off VIP purchases of at least large_purchase yuan",
        "large_purchase": "list-price yuan from which the price privilege applies",
        "vip_utility": "utility bonus of the store for VIPs",
        "birthday_utility": "extra utility bonus in the birthday month",
        "satisfaction_gain": "satisfaction added by a birthday gift",
        "yearly_budget": "per simulated year for gifts and discounts",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        Lever("top_share", "float", 0.02, 0.5, meaning="VIPs: the top share of members"),
        money_lever("birthday_gift", 1_000, "a birthday gift", basis="tickets"),
        Lever("birthday_discount", "float", 0.0, 0.3, meaning="share off in the birthday month"),
        Lever("price_discount", "float", 0.0, 0.2, meaning="share off large VIP purchases"),
        money_lever(
            "large_purchase",
            20_000,
            "purchase from which the price privilege applies",
            low=200,
            basis="tickets",
        ),
        money_lever("yearly_budget", 600_000, "per simulated year"),
    )
    """What the store decides (searched by experiments.design); responses are assumptions."""

    def __init__(
        self,
        top_share: float = 0.2,
        birthday_gift: float = 200.0,
        birthday_discount: float = 0.1,
        price_discount: float = 0.05,
        large_purchase: float = 8000.0,
        vip_utility: float = 0.1,
        birthday_utility: float = 0.3,
        satisfaction_gain: float = 0.3,
        yearly_budget: float = 250_000.0,
    ) -> None:
        super().__init__()
        n = self.name
        self.top_share = check_number(n, "top_share", top_share, low=0, high=1, low_open=True)
        self.birthday_gift = check_money(n, "birthday_gift", birthday_gift, low=0)
        self.birthday_discount = check_number(
            n, "birthday_discount", birthday_discount, low=0, high=1
        )
        self.price_discount = check_number(n, "price_discount", price_discount, low=0, high=1)
        self.large_purchase = check_money(n, "large_purchase", large_purchase, low=0)
        self.vip_utility = check_number(n, "vip_utility", vip_utility, low=0)
        self.birthday_utility = check_number(n, "birthday_utility", birthday_utility, low=0)
        self.satisfaction_gain = check_number(n, "satisfaction_gain", satisfaction_gain, low=0)
        self.yearly_budget = check_money(n, "yearly_budget", yearly_budget, low=0)

    def reset(self) -> None:
        super().reset()
        n = self.model.pop.n if self.model else 0
        self.vip = np.zeros(n, dtype=bool)
        self.birthday = np.zeros(n, dtype=bool)
        self.ever_vip = np.zeros(n, dtype=bool)
        self._bonus = np.zeros(n, dtype=np.float64)
        self._month: int | None = None
        self.gifts = 0
        self.birthday_discounts = self.price_discounts = 0.0

    def plan(self, t: int) -> None:
        assert self.model is not None
        month = self.period_of(t, "month")
        if month != self._month:
            self._month = month
            self.new_month(t)

    def new_month(self, t: int) -> None:
        model, s = self.model, self.store
        assert model is not None
        month = model.calendar.date(t).month
        factor = compiled_factor(model, t)
        if factor is not None:  # the same arrays and ranking in one compiled pass
            from sim.kernels.targets import vip_month

            pop = model.pop
            self.vip, self.birthday, self._bonus, rows = vip_month(
                pop.year_spend,
                pop.prev_year_spend,
                pop.last_visit,
                NEVER,
                s,
                factor,
                self.top_share,
                pop.birth_month,
                month,
                self.vip_utility,
                self.birthday_utility,
            )
            self.ever_vip |= self.vip
        else:
            value, self.vip = top_spenders(model, s, t, self.top_share)
            self.ever_vip |= self.vip
            self.birthday = self.vip & (model.pop.birth_month == month)
            # vip x vip_utility + birthday x birthday_utility (birthdays are VIPs), the same sums
            self._bonus = np.where(self.vip, self.vip_utility, 0.0)
            self._bonus[self.birthday] += self.birthday_utility
            rows = ranked(self.birthday, value)
        n = self.affordable(t, self.birthday_gift, rows.size)
        if n:
            self.spend(t, n * self.birthday_gift)
            raise_attachment(model, rows[:n], s, self.satisfaction_gain)
            self.gifts += n

    def utility(self, rows: np.ndarray) -> np.ndarray | None:
        return self._bonus[rows]

    def utility_term(self, t: int) -> np.ndarray | None:
        return self._bonus

    def discount(self, t: int, rows: np.ndarray, list_amounts: np.ndarray) -> np.ndarray | None:
        if kernels.compiled():  # the same request in one compiled pass
            from sim.kernels.discounts import vip_wanted

            status, wanted, from_bday = vip_wanted(
                rows,
                list_amounts,
                self.vip,
                self.birthday,
                self.large_purchase,
                self.birthday_discount,
                self.price_discount,
            )
            if status < 2:
                return None
            got = self.grant_discounts(t, wanted)
            self.birthday_discounts += float(got[from_bday].sum())
            self.price_discounts += float(got[~from_bday].sum())
            return got
        vip = self.vip[rows]
        if not vip.any():
            return None
        in_bday, is_large = self.birthday[rows], vip & (list_amounts >= self.large_purchase)
        if not (in_bday.any() or is_large.any()):
            return None  # every rate 0: nothing granted, booked or counted
        bday = np.where(in_bday, self.birthday_discount, 0.0)
        large = np.where(is_large, self.price_discount, 0.0)
        rate = np.maximum(bday, large)
        got = self.grant_discounts(t, rate * list_amounts)
        from_bday = bday >= large
        self.birthday_discounts += float(got[from_bday].sum())
        self.price_discounts += float(got[~from_bday].sum())
        return got

    def kpis(self) -> dict[str, float]:
        vip = getattr(self, "vip", np.zeros(0, dtype=bool))
        ever = getattr(self, "ever_vip", np.zeros(0, dtype=bool))
        return {
            "vips": float(vip.sum()),
            "vips_ever": float(ever.sum()),
            "birthday_gifts": float(getattr(self, "gifts", 0)),
            "birthday_discounts": float(getattr(self, "birthday_discounts", 0.0)),
            "price_discounts": float(getattr(self, "price_discounts", 0.0)),
        }
