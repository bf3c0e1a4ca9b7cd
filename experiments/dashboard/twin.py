"""Two models in step: the chosen policy and the baseline, on the same customers.

Both are built from the same market and the same seed, so they start from the same population
and see the same exogenous draws (common random numbers, DESIGN.md); any gap between them is
the policy's doing. `Twin.step` advances both by the same ticks and records, per tick, the
focal store's cumulative profit, active customers and top-20% ("VIP") retention of each run
and their running differences.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments.dashboard.catalog import BASELINE, focal_policies
from sim import RetailModel, default_market
from sim.config import MarketConfig
from sim.metrics import store_kpis
from sim.population import CHURNED, NEVER

METRICS = ("profit", "active", "vip_retention")
"""The three panels of the overlay; `profit_hv` (profit with the customers kept valued) is
recorded too, for the cards."""


class ObservedModel(RetailModel):
    """`RetailModel` that also remembers, for the dashboard, what the model does not keep per
    customer: each complaint (tick, customer, store, resolved), and who the focal store's
    customers were at the start. Observing draws no random numbers: results are unchanged."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.complaint_log: list[tuple[int, np.ndarray, int, np.ndarray]] = []
        for s in range(self.n_stores):
            self.hooks("on_complaints").append((s, self._recorder(s)))
        self.initial_focal = np.flatnonzero(self.pop.last_visit[:, self.focal] > NEVER)

    def _recorder(self, store: int):
        def record(t: int, rows: np.ndarray, resolved: np.ndarray) -> None:
            self.complaint_log.append((t, rows.copy(), store, resolved.copy()))

        return record

    def complaints_of(self, row: int) -> pd.DataFrame:
        """This customer's complaints: tick, store index, resolved."""
        out = [
            (t, store, bool(res[rows == row][0]))
            for t, rows, store, res in self.complaint_log
            if (rows == row).any()
        ]
        return pd.DataFrame(out, columns=["tick", "store", "resolved"])


def vip_rows(model: RetailModel, share: float = 0.2) -> np.ndarray:
    """The focal store's top `share` of customers by spend there so far (its VIPs)."""
    spend = model.pop.revenue[:, model.focal]
    buyers = np.flatnonzero(spend > 0)
    if buyers.size == 0:
        return buyers
    k = max(1, int(np.ceil(share * buyers.size)))
    return buyers[np.argsort(-spend[buyers], kind="stable")[:k]]


def vip_retention(model: RetailModel) -> float:
    """Share of the focal store's top-20% customers still buying there (bought at it in the last
    180 days and not churned)."""
    rows = vip_rows(model)
    if rows.size == 0:
        return float("nan")
    window = model.behaviour.active_days / model.calendar.tick_days
    recent = model.pop.last_visit[rows, model.focal] > model.t - 1 - window
    alive = model.pop.state[rows] != CHURNED
    return float(np.mean(recent & alive))


def snapshot(model: RetailModel) -> dict[str, float]:
    """The focal store's KPIs after the last finished tick; `profit_hv` is the profit with the
    customers the store has now valued (`horizon_value`, sim.metrics), NaN until the run has
    measured a year-on-year retention."""
    t = max(model.t - 1, 0)
    profit = float(model.ledger.profit()[: t + 1, model.focal].sum()) if model.t else 0.0
    measured = model.t >= horizon_value_from(model)
    hv = store_kpis(model, model.focal)["horizon_value"] if measured else float("nan")
    return {
        "profit": profit,
        "active": float(model.active_counts()[model.focal]),
        "vip_retention": vip_retention(model),
        "profit_hv": profit + hv,
    }


def horizon_value_from(model: RetailModel) -> int:
    """The first week at which `profit_hv` exists: after two years (two retention years)."""
    return 2 * model.calendar.ticks_per_year


@dataclass
class Twin:
    """The chosen policy's run and the baseline's, same market and seed, stepped together."""

    policy: str = "vip_program"
    n_customers: int | None = None
    """None = the default market's size (the same store as compare, robustness, tournament)."""
    years: int = 3
    seed: int = 1
    market: MarketConfig | None = None
    chosen: ObservedModel = field(init=False)
    baseline: ObservedModel = field(init=False)
    rows: list[dict[str, float]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if self.market is None:
            size = {} if self.n_customers is None else {"n_customers": int(self.n_customers)}
            self.market = default_market(years=self.years, **size)
        market = self.market
        self.n_customers = market.n_customers
        self.chosen = ObservedModel(
            market=market, policies=focal_policies(self.policy), seed=int(self.seed)
        )
        self.baseline = ObservedModel(
            market=market, policies=focal_policies(BASELINE), seed=int(self.seed)
        )
        self.rows = [self._row()]
        self.lock = threading.RLock()
        """Held while stepping: a page drawing the models from another thread waits for it."""

    @property
    def t(self) -> int:
        """Ticks done."""
        return self.chosen.t

    @property
    def done(self) -> bool:
        return self.chosen.t >= self.chosen.n_ticks

    @property
    def date(self) -> pd.Timestamp:
        """The date the run has reached (the start of the next tick)."""
        cal = self.chosen.calendar
        return pd.Timestamp(cal.start) + pd.Timedelta(days=self.t * cal.tick_days)

    @property
    def start(self) -> pd.Timestamp:
        """The date the run starts."""
        return pd.Timestamp(self.chosen.calendar.start)

    @property
    def end(self) -> pd.Timestamp:
        """The date the run ends."""
        cal = self.chosen.calendar
        return pd.Timestamp(cal.start) + pd.Timedelta(days=self.chosen.n_ticks * cal.tick_days)

    def step(self, n: int = 1) -> None:
        """Advance both runs by up to `n` ticks (never past the end)."""
        with self.lock:
            for _ in range(n):
                if self.done:
                    return
                self.chosen.step()
                self.baseline.step()
                self.rows.append(self._row())

    def _row(self) -> dict[str, float]:
        a, b = snapshot(self.chosen), snapshot(self.baseline)
        row: dict[str, float] = {"tick": self.t, "date": self.date}
        for k in (*METRICS, "profit_hv"):
            row[k] = a[k]
            row[f"base_{k}"] = b[k]
            row[f"diff_{k}"] = a[k] - b[k]
        return row

    def history(self) -> pd.DataFrame:
        """One row per recorded tick: each metric, its baseline value and the difference."""
        with self.lock:
            return pd.DataFrame(self.rows)
