"""The ledger: every yuan and every counted event, per tick and per store.

Flows are booked by the rules and policies as they happen; KPIs and `metrics.parquet` are
pure functions of the ledger (see `sim.metrics`).
"""

from __future__ import annotations

import numpy as np

FLOWS: tuple[str, ...] = (
    "revenue",  # sales at list price
    "cogs",  # cost of goods sold
    "purchases",
    "new_customers",
    "referred_customers",
    "churned",
    "defected",
    "complaints",
    "complaints_resolved",
    "complainers_stayed",
    "resolved_stayed",
    "dissatisfied",
    "satisfied",
    "wom_recruits",
    "satisfied_customer_years",
)
SNAPSHOTS: tuple[str, ...] = ("active", "members")
"""Stock counts taken at housekeeping (weekly) and carried to the following ticks."""


class Ledger:
    """Dense (tick x store) arrays, one per flow, plus one per policy cost."""

    def __init__(self, n_ticks: int, store_ids: list[str]) -> None:
        self.n_ticks = n_ticks
        self.store_ids = list(store_ids)
        shape = (n_ticks, len(store_ids))
        self.flows = {name: np.zeros(shape) for name in FLOWS}
        self.snapshots = {name: np.zeros(shape) for name in SNAPSHOTS}
        self.costs: dict[str, np.ndarray] = {}
        """Policy costs as accrued: each tick carries the share of a spend that buys it."""
        self.committed: dict[str, np.ndarray] = {}
        """Policy spending when it was decided (the cash view; budgets cap this one)."""
        self.yearly: list[dict] = []

    def add(
        self, flow: str, tick: int, stores: np.ndarray, amounts: np.ndarray | None = None
    ) -> None:
        """Add amounts (or, without amounts, counts) to a flow; `stores` may repeat."""
        if len(stores):  # adding zeros would change nothing (sums from +0.0 are never -0.0)
            row = self.flows[flow][tick]
            row += np.bincount(stores, amounts, minlength=row.size)

    def add_by_store(self, flow: str, tick: int, per_store: np.ndarray) -> None:
        self.flows[flow][tick] += per_store

    def register_cost(self, policy_name: str) -> None:
        if policy_name in self.costs and policy_name in self.committed:
            return  # (booked on every spend: no arrays made to be thrown away)
        shape = (self.n_ticks, len(self.store_ids))
        self.costs.setdefault(policy_name, np.zeros(shape))
        self.committed.setdefault(policy_name, np.zeros(shape))

    def book_cost(
        self, policy_name: str, tick: int, store: int, amount: float, over_ticks: int = 1
    ) -> None:
        """Book money a policy spent at `tick`, accrued in equal parts over the `over_ticks`
        ticks from `tick` on (the period the spend buys; 1 = all now). Parts that fall after
        the horizon stay unbooked: they buy time the run does not measure (see `deferred`).
        Negative amounts are refused (costs only go up)."""
        if amount < 0:
            raise ValueError(f"cost_{policy_name}: cannot book a negative cost ({amount})")
        if over_ticks < 1:
            raise ValueError(f"cost_{policy_name}: over_ticks must be >= 1, got {over_ticks}")
        self.register_cost(policy_name)
        self.committed[policy_name][tick, store] += amount
        end = min(tick + over_ticks, self.n_ticks)
        self.costs[policy_name][tick:end, store] += amount / over_ticks

    def deferred(self, policy_name: str, done: int) -> np.ndarray:
        """Per store: yuan committed in the first `done` ticks but accrued to later ticks (paid
        for time after tick `done`, e.g. the months after a year-end gala)."""
        committed = self.committed[policy_name][:done].sum(axis=0)
        return committed - self.costs[policy_name][:done].sum(axis=0)

    def policy_cost(self) -> np.ndarray:
        total = np.zeros((self.n_ticks, len(self.store_ids)))
        for arr in self.costs.values():
            total += arr
        return total

    def profit(self) -> np.ndarray:
        f = self.flows
        return f["revenue"] - f["cogs"] - self.policy_cost()

    def store_profit(self, store: int, ticks: int) -> float:
        """`profit()[:ticks, store].sum()` from that one column (the same operations in the same
        order, without building every store's matrices: the weekly series asks for it)."""
        f = self.flows
        margin = f["revenue"][:ticks, store] - f["cogs"][:ticks, store]
        if self.costs:  # (x - 0.0 is x: no costs, nothing to subtract)
            cost = np.zeros(margin.size)
            for arr in self.costs.values():
                cost += arr[:ticks, store]
            margin -= cost
        return float(margin.sum())
