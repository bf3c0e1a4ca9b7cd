"""`gift_budget`: the managers' monthly service-innovation budget spent on personal gifts."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.policies.budget import (
    BudgetedPolicy,
    check_choice,
    check_int,
    check_money,
    check_number,
)
from sim.policies.levers import Lever, count_lever, money_lever, share_lever
from sim.policies.targeting import (
    days_since_visit,
    first_of_values,
    members,
    raise_attachment,
    ranked,
    top_spender_rows,
    top_spenders,
)
from sim.population import NEVER


class GiftBudget(BudgetedPolicy):
    """Personal gifts from a monthly budget per manager (SEEDS 000; SEEDS 003, segments 1, 6).

    SEEDS 000: the store manager and counter managers may each spend up to 200 yuan a month on
    personal gestures (flowers for a client's new shop, congratulations on an award). At the
    first weekly housekeeping of each month the store spends the month's budget
    (``monthly_per_manager`` x the store's managers) on gifts of ``gift_price`` yuan to
    targeted members not gifted in the last ``cooldown_days``:

    - ``target="top_spend"``: the top ``top_share`` of members by spend at this store over the
      last 12 months (SEEDS 003, segment 1: one-to-one service for the top 15-20%), biggest
      spenders first;
    - ``target="churn_risk"``: members who have not bought here for ``active_days`` (180) to
      two years (silent or sleeping at this store; SEEDS 003, segment 6: "send gifts to
      reactivate"), most valuable first, lowest satisfaction breaking ties.

    A gift raises the receiver's satisfaction with the store by ``satisfaction_gain`` and moves
    their loyalty ``loyalty_gain`` of the way to 1, both divided by 1 + the number of gifts the
    member already had from this budget (diminishing returns).
    """

    name = "gift_budget"
    # housekeeping writes satisfaction, loyalty and its own arrays: never states or last visits
    movable_hooks = frozenset({"housekeeping"})
    classifier = {
        "source": "SEEDS 000 (service-innovation budget); SEEDS 003, segments 1 and 6",
        "targets": "top spenders (top_spend) or silent/sleeping members (churn_risk)",
        "cost": "gift price per gift, capped by a monthly budget per manager",
        "stochastic": False,
    }
    budget_period = "month"
    TARGETS = ("top_spend", "churn_risk")

    param_docs = {
        "monthly_per_manager": "yuan per manager per month for gifts (SEEDS 000: 200)",
        "gift_price": "yuan per gift",
        "target": "who gets gifts: top spenders, or silent/sleeping members (churn risk)",
        "top_share": "top_spend: the share of members by 12-month spend who are eligible",
        "satisfaction_gain": "satisfaction added by a gift (divided by 1 + gifts already received)",
        "loyalty_gain": "share of the way to 1 that loyalty moves after a gift",
        "cooldown_days": "days before the same member can get another gift",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        money_lever("monthly_per_manager", 2_000, "per manager per month for gifts"),
        money_lever("gift_price", 500, "price of a gift", low=10, basis="tickets"),
        Lever("target", "choice", choices=TARGETS, meaning="who gets gifts"),
        share_lever("top_share", "top_spend: the share of members eligible by 12-month spend"),
        count_lever("cooldown_days", 28, 730, "days before the same member can get another gift"),
    )
    """What the store decides (searched by experiments.design); the gains are assumptions."""

    def __init__(
        self,
        monthly_per_manager: float = 200.0,
        gift_price: float = 100.0,
        target: str = "top_spend",
        top_share: float = 0.2,
        satisfaction_gain: float = 0.4,
        loyalty_gain: float = 0.1,
        cooldown_days: int = 365,
    ) -> None:
        super().__init__()
        n = self.name
        self.monthly_per_manager = check_money(n, "monthly_per_manager", monthly_per_manager, low=0)
        self.gift_price = check_money(n, "gift_price", gift_price, low=0, low_open=True)
        self.target = check_choice(n, "target", target, self.TARGETS)
        self.top_share = check_number(n, "top_share", top_share, low=0, high=1, low_open=True)
        self.satisfaction_gain = check_number(n, "satisfaction_gain", satisfaction_gain, low=0)
        self.loyalty_gain = check_number(n, "loyalty_gain", loyalty_gain, low=0, high=1)
        self.cooldown_days = check_int(n, "cooldown_days", cooldown_days, low=0)

    def budget_amount(self) -> float:
        return self.monthly_per_manager * getattr(self, "managers", 0)

    def reset(self) -> None:
        super().reset()
        model = self.model
        self.managers = model.market.stores[self.store].managers if model else 0
        n = model.pop.n if model else 0
        self.gifts_received = np.zeros(n, dtype=np.int32)
        self.last_gift = np.full(n, np.iinfo(np.int32).min // 2, dtype=np.int64)
        self._month: int | None = None
        self.gifts = 0

    def candidates(self, t: int) -> np.ndarray:
        """Rows to gift this month, in priority order (before the cooldown and budget)."""
        return ranked(*self._eligible(t))

    def _eligible(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(mask of the candidates, value ranked descending, tiebreak ascending or None)."""
        model, s = self.model, self.store
        assert model is not None
        if self.target == "top_spend":
            value, mask = top_spenders(model, s, t, self.top_share)
            return mask, value, None
        mine = members(model, s)
        b = model.behaviour
        away = days_since_visit(model, s, t)
        at_risk = mine & (away >= b.active_days) & (away < 2 * b.sleeping_days)
        return at_risk, model.pop.revenue[:, s], model.pop.satisfaction[:, s]

    def _eligible_rows(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """`_eligible` as (the candidates' rows, ascending; their values; their tiebreaks or
        None): one compiled pass over the store's column when the kernels run."""
        model, s = self.model, self.store
        assert model is not None
        pop = model.pop
        if self.target == "top_spend":
            rows, value = top_spender_rows(model, s, t, self.top_share)
            return rows, value, None
        if kernels.compiled():
            from sim.kernels.targets import away_between

            b = model.behaviour
            rows = away_between(
                pop.last_visit,
                NEVER,
                s,
                t,
                model.calendar.tick_days,
                float(b.active_days),
                float(2 * b.sleeping_days),
            )
        else:
            rows = np.flatnonzero(self._eligible(t)[0])
        return rows, pop.revenue[rows, s], pop.satisfaction[rows, s]

    def _due_rows(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """`_eligible_rows` past the cooldown (churn risk: in one compiled pass)."""
        model, s = self.model, self.store
        assert model is not None
        td = model.calendar.tick_days
        if self.target == "churn_risk" and kernels.compiled():
            from sim.kernels.targets import churn_candidates

            b, pop = model.behaviour, model.pop
            return churn_candidates(
                *(pop.last_visit, NEVER, s, t, td),
                *(float(b.active_days), float(2 * b.sleeping_days)),
                *(self.last_gift, self.cooldown_days, pop.revenue, pop.satisfaction),
            )
        rows, value, tiebreak = self._eligible_rows(t)
        due = (t - self.last_gift[rows]) * td >= self.cooldown_days
        return rows[due], value[due], None if tiebreak is None else tiebreak[due]

    def housekeeping(self, t: int) -> None:
        assert self.model is not None
        month = self.period_of(t, "month")
        if month == self._month:
            return
        self._month = month
        # `candidates(t)` past the cooldown, of which the budget buys the first n: the same
        # rows, ranked only as far as the n needed
        rows, value, tiebreak = self._due_rows(t)
        n = self.affordable(t, self.gift_price, rows.size)
        if n == 0:
            return
        rows = first_of_values(rows, value, n, tiebreak)
        self.spend(t, n * self.gift_price)
        damp = 1.0 / (1.0 + self.gifts_received[rows])
        raise_attachment(
            self.model, rows, self.store, self.satisfaction_gain * damp, self.loyalty_gain * damp
        )
        self.gifts_received[rows] += 1
        self.last_gift[rows] = t
        self.gifts += n

    def kpis(self) -> dict[str, float]:
        received = getattr(self, "gifts_received", np.zeros(0))
        return {
            "gifts": float(getattr(self, "gifts", 0)),
            "recipients": float((received > 0).sum()),
            "monthly_budget": float(self.budget_amount()),
        }
