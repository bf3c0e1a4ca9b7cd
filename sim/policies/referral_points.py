"""`referral_points`: multi-level points for referrals, redeemed for gifts or cash."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import kernels
from sim.errors import ConfigError
from sim.policies.budget import (
    BudgetedPolicy,
    check_int,
    check_money,
    check_number,
    check_points,
)
from sim.policies.levers import Lever, count_lever, money_lever
from sim.policies.sizing import Relative
from sim.policies.targeting import raise_attachment

if TYPE_CHECKING:  # pragma: no cover
    from sim.store_profile import StoreProfile


class ReferralPoints(BudgetedPolicy):
    """Points for referrals and for referred customers' purchases, up the chain (SEEDS 004).

    SEEDS 004: every referral action earns points; points convert to gifts, red packets or
    cash; a customer earns points from the actions of their referrals' referrals, which makes
    them eager promoters. Here:

    - a member who brings a new customer to the store (word-of-mouth recruitment) earns
      ``points_per_referral``; the member's own referrer earns that x ``decay``, and so on up to
      ``depth`` levels;
    - a purchase by a customer referred to this store earns their referrer
      ``points_per_yuan`` per yuan, the referrer's referrer that x ``decay``, ... (``depth``
      levels);
    - the scheme makes members eager promoters: the store's word-of-mouth recruitment rate is
      multiplied by ``promoter_multiplier`` (SEEDS 001 gives the base rate, 25 new per 100
      satisfied customers a year);
    - at the weekly housekeeping, members whose balance reached ``redeem_threshold`` redeem it
      all for a gift or cash worth ``yuan_per_point`` per point (booked as cost then; the gift
      lifts satisfaction by ``satisfaction_gain``). Redemptions beyond the yearly budget wait.

    Points not yet redeemed are a liability, reported by `kpis()` as ``points_liability``.
    ``points_per_referral`` and ``redeem_threshold`` may be given as money sized to the store
    (``{tickets: 0.025}``: the points worth that at ``yuan_per_point``, `sized_value`), as the
    shipped config does, so a reward weighs the same against the ticket in any currency.
    """

    name = "referral_points"
    classifier = {
        "source": "SEEDS 004 (referral points, multi-level 'referrals' referrals'); SEEDS 001 "
        "(word of mouth brings new customers)",
        "targets": "members who refer, and their referrers up to `depth` levels",
        "cost": "points redeemed (yuan per point), booked at redemption, yearly budget",
        "stochastic": False,
    }
    budget_period = "year"
    POINTS = ("points_per_referral", "redeem_threshold")
    """Parameters in points that may be given as money (`sized_value`)."""
    # on_purchases reads referral_parent and acquired_store (never written by the pipeline)
    movable_hooks = frozenset({"on_purchases", "housekeeping"})  # balances, satisfaction

    param_docs = {
        "points_per_referral": "points for bringing a new customer",
        "points_per_yuan": "points per yuan spent by a referred customer",
        "depth": "levels of referrers that earn points",
        "decay": "each level up earns this share of the level below",
        "redeem_threshold": "balance at which points are redeemed",
        "yuan_per_point": "cash or gift value of one point",
        "promoter_multiplier": "factor on the store's word-of-mouth recruitment rate",
        "satisfaction_gain": "satisfaction added by a redemption",
        "yearly_budget": "per simulated year for redemptions (later ones wait)",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        # searched as the points' worth against the ticket (`sized_value`), as shipped
        money_lever(
            "points_per_referral", 500, "points for a new customer, by their worth",
            basis="tickets",
        ),
        Lever("points_per_yuan", "float", 0.0, 0.1, meaning="points per yuan a referral spends"),
        count_lever("depth", 1, 5, "levels of referrers that earn points"),
        Lever("decay", "float", 0.1, 1.0, meaning="share each level up earns of the level below"),
        money_lever(
            "redeem_threshold", 1_000, "balance redeemed, by its worth", low=50, basis="tickets"
        ),
        money_lever("yearly_budget", 200_000, "per simulated year for redemptions"),
    )
    """What the store decides (searched by experiments.design); responses are assumptions."""

    def __init__(
        self,
        points_per_referral: float = 100.0,
        points_per_yuan: float = 0.02,
        depth: int = 3,
        decay: float = 0.5,
        redeem_threshold: float = 300.0,
        yuan_per_point: float = 1.0,
        promoter_multiplier: float = 1.8,
        satisfaction_gain: float = 0.3,
        yearly_budget: float = 50_000.0,
    ) -> None:
        super().__init__()
        n = self.name
        self.points_per_referral = check_points(
            n, "points_per_referral", points_per_referral, low=0
        )
        self.points_per_yuan = check_number(n, "points_per_yuan", points_per_yuan, low=0)
        self.depth = check_int(n, "depth", depth, low=1, high=100)
        self.decay = check_number(n, "decay", decay, low=0, high=1)
        self.redeem_threshold = check_points(
            n, "redeem_threshold", redeem_threshold, low=0, low_open=True
        )
        self.yuan_per_point = check_number(n, "yuan_per_point", yuan_per_point, low=0)
        self.promoter_multiplier = check_number(
            n, "promoter_multiplier", promoter_multiplier, low=1
        )
        self.satisfaction_gain = check_number(n, "satisfaction_gain", satisfaction_gain, low=0)
        self.yearly_budget = check_money(n, "yearly_budget", yearly_budget, low=0)

    def sized_value(self, name: str, rel: Relative, profile: StoreProfile) -> float:
        """Points given as money (``{tickets: 0.025}``) become the points worth that amount at
        ``yuan_per_point``: a referral's reward and the redemption threshold keep their weight
        against the store's ticket in any currency, while the purchase rebate
        (``points_per_yuan`` x ``yuan_per_point``) stays a share of spend."""
        amount = super().sized_value(name, rel, profile)
        if name not in self.POINTS:
            return amount
        field = f"policy.{self.name}.{name}"
        if self.yuan_per_point <= 0:
            raise ConfigError(
                field, f"is given as money ({dict(rel)}), so yuan_per_point must be above 0"
            )
        points = amount / self.yuan_per_point
        if name == "redeem_threshold" and points <= 0:
            raise ConfigError(field, f"{dict(rel)} is worth no points on this store")
        return points

    def money_worth(self, name: str, value: float) -> float:
        return value * self.yuan_per_point if name in self.POINTS else value

    def reset(self) -> None:
        super().reset()
        n = self.model.pop.n if self.model else 0
        self.balance = np.zeros(n, dtype=np.float64)
        self._may_redeem = False  # False: no balance has reached the threshold
        self.points_issued = self.points_redeemed = 0.0
        self.redemptions = self.referrals = 0

    # ------------------------------------------------------------------ earning
    def credit_chain(self, first: np.ndarray, points: np.ndarray) -> None:
        """Credit `points` to each `first` holder, decayed shares to their referrers above."""
        assert self.model is not None
        parent_of = self.model.pop.referral_parent
        holders = np.asarray(first, dtype=np.int64)
        points = np.asarray(points, dtype=np.float64)
        if kernels.compiled() and self.balance.dtype == np.float64:
            from sim.kernels.points import credit_chain

            self._issued(
                *credit_chain(
                    self.balance,
                    parent_of,
                    holders,
                    points,
                    self.depth,
                    self.decay,
                    self.redeem_threshold,
                    self._may_redeem,
                )
            )
            return
        for _ in range(self.depth):
            ok = (holders >= 0) & (points > 0)
            if not ok.any():
                break
            holders, points = holders[ok], points[ok]
            np.add.at(self.balance, holders, points)
            if not self._may_redeem:
                self._may_redeem = bool((self.balance[holders] >= self.redeem_threshold).any())
            self.points_issued += float(points.sum())
            holders = parent_of[holders].astype(np.int64)
            points = points * self.decay

    def _issued(self, may_redeem: bool, credited: np.ndarray, ends: np.ndarray) -> None:
        """Take in a compiled credit chain's results: each level's points summed as NumPy
        sums them."""
        self._may_redeem = may_redeem
        lo = 0
        for hi in ends.tolist():
            self.points_issued += float(credited[lo:hi].sum())
            lo = hi

    def on_recruits(self, t: int, recruiters: np.ndarray, recruits: np.ndarray) -> None:
        self.referrals += recruits.size
        self.credit_chain(recruiters, np.full(recruiters.size, self.points_per_referral))

    def on_purchases(self, t: int, rows: np.ndarray, amounts: np.ndarray) -> None:
        pop = self.model.pop
        if kernels.compiled() and self.balance.dtype == amounts.dtype == np.float64:
            from sim.kernels.points import credit_purchases

            self._issued(
                *credit_purchases(
                    self.balance,
                    pop.referral_parent,
                    pop.acquired_store,
                    self.store,
                    rows,
                    amounts,
                    self.points_per_yuan,
                    self.depth,
                    self.decay,
                    self.redeem_threshold,
                    self._may_redeem,
                )
            )
            return
        referred = (pop.referral_parent[rows] >= 0) & (pop.acquired_store[rows] == self.store)
        if referred.any():
            self.credit_chain(
                pop.referral_parent[rows[referred]], amounts[referred] * self.points_per_yuan
            )

    def recruit_multiplier(self) -> float:
        return self.promoter_multiplier

    # ------------------------------------------------------------------ redeeming
    def housekeeping(self, t: int) -> None:
        if not self._may_redeem:  # balances only grow in `credit_chain`, which sets it
            return
        ready = np.flatnonzero(self.balance >= self.redeem_threshold)
        if ready.size == 0:
            self._may_redeem = False
            return
        ready = ready[np.argsort(-self.balance[ready], kind="stable")]
        value = self.balance[ready] * self.yuan_per_point
        # Redeem whole balances while the budget lasts (largest first); the rest waits.
        fits = np.cumsum(value) <= self.budget_left(t) + 1e-9
        self._may_redeem = not fits.all()  # balances left waiting for the budget
        ready, value = ready[fits], value[fits]
        if ready.size == 0:
            return
        self.spend(t, float(value.sum()))
        self.points_redeemed += float(self.balance[ready].sum())
        self.balance[ready] = 0.0
        self.redemptions += ready.size
        raise_attachment(self.model, ready, self.store, self.satisfaction_gain)

    def kpis(self) -> dict[str, float]:
        balance = getattr(self, "balance", np.zeros(0))
        return {
            "points_issued": float(getattr(self, "points_issued", 0.0)),
            "points_redeemed": float(getattr(self, "points_redeemed", 0.0)),
            "points_liability": float(balance.sum() * self.yuan_per_point),
            "redemptions": float(getattr(self, "redemptions", 0)),
            "promoters": float((balance > 0).sum()),
            "scheme_referrals": float(getattr(self, "referrals", 0)),
        }
