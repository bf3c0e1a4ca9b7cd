"""`complaint_recovery`: resolve more complaints, at a cost per case."""

from __future__ import annotations

import numpy as np

from sim.policies.budget import BudgetedPolicy, check_money, check_number
from sim.policies.levers import money_lever


class ComplaintRecovery(BudgetedPolicy):
    """Service recovery: complaints handled by a recovery process (SEEDS 001).

    SEEDS 001: behind 1 complaining customer stand 25 dissatisfied ones; if the complaint is
    resolved, 60% of complainers stay. Each complaint at this store goes through the recovery
    process (a manager calls back, exchange or repair, an apology gift) at ``cost_per_case``
    yuan and is resolved with probability ``resolution_rate`` (or the store's own rate, if
    higher). The core applies the stay probabilities (60% resolved, 20% unresolved), so more
    resolved complaints mean more complainers who stay. Cases beyond the yearly budget get the
    store's standard handling.
    """

    name = "complaint_recovery"
    classifier = {
        "source": "SEEDS 001 (1 complaint per 25 dissatisfied; 60% of resolved complainers stay)",
        "targets": "complaining customers of the store",
        "cost": "cost per handled case, yearly budget",
        "stochastic": False,
    }
    budget_period = "year"

    param_docs = {
        "resolution_rate": "chance that a complaint is resolved (or the store's own, if higher)",
        "cost_per_case": "yuan per complaint handled",
        "yearly_budget": "per simulated year (later cases get standard handling)",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (money_lever("yearly_budget", 100_000, "per simulated year"),)
    """What the store decides (experiments.design); the resolution rate is an assumption."""

    def __init__(
        self,
        resolution_rate: float = 0.9,
        cost_per_case: float = 300.0,
        yearly_budget: float = 30_000.0,
    ) -> None:
        super().__init__()
        n = self.name
        self.resolution_rate = check_number(n, "resolution_rate", resolution_rate, low=0, high=1)
        self.cost_per_case = check_money(n, "cost_per_case", cost_per_case, low=0)
        self.yearly_budget = check_money(n, "yearly_budget", yearly_budget, low=0)

    def reset(self) -> None:
        super().reset()
        self.cases = self.handled = self.resolved = self.stayed = 0

    def resolution(self, t: int, rows: np.ndarray) -> np.ndarray | None:
        n = self.affordable(t, self.cost_per_case, rows.size)
        self.cases += rows.size
        if n == 0:
            return None
        self.spend(t, n * self.cost_per_case)
        self.handled += n
        return np.where(np.arange(rows.size) < n, self.resolution_rate, 0.0)

    def on_complaints(self, t: int, rows: np.ndarray, resolved: np.ndarray) -> None:
        assert self.model is not None
        self.resolved += int(resolved.sum())
        # The core has already marked those who walked away (`left_store`).
        self.stayed += int((~self.model.pop.left_store[rows, self.store]).sum())

    def kpis(self) -> dict[str, float]:
        cases = getattr(self, "cases", 0)
        resolved, stayed = getattr(self, "resolved", 0), getattr(self, "stayed", 0)
        return {
            "cases": float(cases),
            "handled": float(getattr(self, "handled", 0)),
            "resolved": float(resolved),
            "stayed": float(stayed),
            "resolved_share": resolved / cases if cases else float("nan"),
            "stay_share": stayed / cases if cases else float("nan"),
        }
