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
        self.costs.setdefault(policy_name, np.zeros((self.n_ticks, len(self.store_ids))))

    def book_cost(self, policy_name: str, tick: int, store: int, amount: float) -> None:
        """Book money a policy spent; negative amounts are refused (costs only go up)."""
        if amount < 0:
            raise ValueError(f"cost_{policy_name}: cannot book a negative cost ({amount})")
        self.register_cost(policy_name)
        self.costs[policy_name][tick, store] += amount

    def policy_cost(self) -> np.ndarray:
        total = np.zeros((self.n_ticks, len(self.store_ids)))
        for arr in self.costs.values():
            total += arr
        return total

    def profit(self) -> np.ndarray:
        f = self.flows
        return f["revenue"] - f["cogs"] - self.policy_cost()
