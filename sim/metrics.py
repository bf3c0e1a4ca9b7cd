"""KPIs: pure functions of a finished (or running) model's ledger and customer arrays.

Each KPI's one-sentence definition is in docs/kpis.md; the code below computes exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim import clv
from sim.ledger import FLOWS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

KPIS: tuple[str, ...] = (
    "revenue",
    "gross_margin",
    "policy_cost",
    "profit",
    "retention",
    "vip_retention",
    "new_customers",
    "referred_customers",
    "churned",
    "defected",
    "complaints",
    "complaints_resolved",
    "top20_revenue_share",
    "clv_mean",
    "horizon_value",
    "profit_with_horizon_value",
)
"""KPI names of DESIGN.md, then the horizon-end value (issue 21); `cost_<policy>` columns come
on top, one per policy in the market."""


def retention_table(model: RetailModel) -> pd.DataFrame:
    """Year-over-year retention counts per store (rows appended at each year end)."""
    cols = ["year", "store", "base", "retained", "vip_base", "vip_retained"]
    return pd.DataFrame(model.ledger.yearly, columns=cols)


def store_kpis(model: RetailModel, s: int) -> dict[str, float]:
    """Every KPI of one store over the ticks run so far."""
    return _store_kpis(model, s, _LedgerSums(model))


def all_store_kpis(model: RetailModel) -> dict[str, dict[str, float]]:
    """`store_kpis` of every store, by store id (the ledger's sums taken once for all)."""
    sums = _LedgerSums(model)
    return {sid: _store_kpis(model, s, sums) for s, sid in enumerate(model.store_ids)}


class _LedgerSums:
    """Per store: each flow's and cost's sum over the ticks run and over the last year.

    Each store's sum is NumPy's pairwise sum of its column, as `arr[rows, s].sum()` takes it,
    from one contiguous (stores x ticks) copy per array instead of one call per store.
    """

    def __init__(self, model: RetailModel) -> None:
        led, per_year = model.ledger, model.calendar.ticks_per_year
        done = slice(0, model.t)
        self.window = slice(max(model.t - per_year, 0), model.t)
        self.flows = {name: _column_sums(arr, done) for name, arr in led.flows.items()}
        self.costs = {name: _column_sums(arr, done) for name, arr in led.costs.items()}
        self.last_year = {
            name: _column_sums(led.flows[name], self.window) for name in ("revenue", "cogs")
        }
        self.last_year_costs = [_column_sums(arr, self.window) for arr in led.costs.values()]


def _column_sums(arr: np.ndarray, rows: slice) -> np.ndarray:
    return np.ascontiguousarray(arr[rows].T).sum(axis=1)


def _store_kpis(model: RetailModel, s: int, sums: _LedgerSums) -> dict[str, float]:
    pop = model.pop
    f = {name: float(v[s]) for name, v in sums.flows.items()}
    costs = {f"cost_{name}": float(sums.costs[name][s]) for name in sorted(sums.costs)}
    policy_cost = float(sum(costs.values()))
    gross_margin = f["revenue"] - f["cogs"]
    mine = [row for row in model.ledger.yearly if row["store"] == model.store_ids[s]]

    def total(key: str) -> int:
        return sum(row[key] for row in mine)

    retention = _ratio(total("retained"), total("base"))
    vip_retention = _ratio(total("vip_retained"), total("vip_base"))
    spend = pop.revenue[:, s]
    buyers = spend[spend > 0]
    n_customers = buyers.size
    years = max(model.t * model.calendar.dt_years, 1e-9)
    if n_customers and not np.isnan(retention):
        lifetime = clv.expected_lifetime(retention)  # one definition, shared with log CLV
        clv_mean = (gross_margin - policy_cost) / n_customers / years * lifetime
    else:
        clv_mean = float("nan")
    horizon_value = _horizon_value(model, s, retention, sums)
    out = {
        "revenue": f["revenue"],
        "gross_margin": gross_margin,
        "policy_cost": policy_cost,
        **costs,
        "profit": gross_margin - policy_cost,
        "retention": retention,
        "vip_retention": vip_retention,
        "new_customers": f["new_customers"],
        "referred_customers": f["referred_customers"],
        "churned": f["churned"],
        "defected": f["defected"],
        "complaints": f["complaints"],
        "complaints_resolved": f["complaints_resolved"],
        "top20_revenue_share": clv.buyer_top_share(buyers),  # its buyers are these
        "clv_mean": clv_mean,
        "horizon_value": horizon_value,
        "profit_with_horizon_value": gross_margin - policy_cost + horizon_value,
    }
    return out


def _horizon_value(model: RetailModel, s: int, retention: float, sums: _LedgerSums) -> float:
    """What the customers a store ends the run with are still worth: the store's profit of
    its last year (gross margin minus accrued policy costs, over the last year of ticks or,
    in a shorter run, all ticks scaled to a year) times the discounted number of further years
    they keep buying at the store's retention (`clv.remaining_years`). NaN until the run has
    a year-on-year retention (two years)."""
    if model.t == 0 or np.isnan(retention):
        return float("nan")
    per_year = model.calendar.ticks_per_year
    n = sums.window.stop - sums.window.start
    margin = sums.last_year["revenue"][s] - sums.last_year["cogs"][s]
    cost = sum(c[s] for c in sums.last_year_costs)
    yearly_profit = float(margin - cost) * per_year / n
    return yearly_profit * clv.remaining_years(retention)


def summary(model: RetailModel) -> dict[str, Any]:
    """The `summary.json` structure of DESIGN.md (plus per-policy extras under `policies`)."""
    stores = all_store_kpis(model)
    policies = {p.name: p.kpis() for p in model.focal_policies}
    focal_id = model.store_ids[model.focal]
    return {
        "focal_store": focal_id,
        "focal": stores[focal_id],
        "stores": stores,
        "policies": policies,
        "config": {
            "market": model.market.to_dict(),
            "activation": model.activation,
            "focal_policies": [p.describe() for p in model.focal_policies],
        },
        "seed": model.seed,
        "ticks": model.t,
    }


def metrics_frame(model: RetailModel) -> pd.DataFrame:
    """Tidy tick x store table of every flow, cost and the active-customer snapshot."""
    led = model.ledger
    T, S = model.t, model.n_stores
    dates = model.calendar.dates()[:T]
    frame: dict[str, Any] = {
        "tick": np.repeat(np.arange(T), S),
        "date": pd.to_datetime(np.repeat(dates, S)),
        "store_id": np.tile(np.asarray(model.store_ids, dtype=object), T),
    }
    for name in FLOWS:
        frame[name] = led.flows[name][:T].ravel()
    frame["gross_margin"] = frame["revenue"] - frame["cogs"]
    for name, arr in sorted(led.costs.items()):
        frame[f"cost_{name}"] = arr[:T].ravel()
    frame["policy_cost"] = led.policy_cost()[:T].ravel()
    frame["profit"] = frame["gross_margin"] - frame["policy_cost"]
    frame["active"] = led.snapshots["active"][:T].ravel()
    return pd.DataFrame(frame)


def store_series(model: RetailModel, store: int, columns: Sequence[str]) -> pd.DataFrame:
    """`metrics_frame(model)`'s rows of one store (tick, date and `columns`, index 0..T-1),
    computed for that store only: the same values, from the same operations on its column."""
    led, T = model.ledger, model.t
    done: dict[str, np.ndarray] = {}

    def value(name: str) -> np.ndarray:
        if name in done:
            return done[name]
        if name in led.flows:
            out = led.flows[name][:T, store].copy()
        elif name == "active":
            out = led.snapshots["active"][:T, store].copy()
        elif name == "gross_margin":
            out = value("revenue") - value("cogs")
        elif name == "policy_cost":  # `Ledger.policy_cost()`'s sum, in its order
            out = np.zeros(T)
            for arr in led.costs.values():
                out += arr[:T, store]
        elif name == "profit":
            out = value("gross_margin") - value("policy_cost")
        elif name.startswith("cost_") and name[5:] in led.costs:
            out = led.costs[name[5:]][:T, store].copy()
        else:
            raise KeyError(f"no metrics column {name!r}")
        done[name] = out
        return out

    frame: dict[str, Any] = {
        "tick": np.arange(T),
        "date": pd.to_datetime(model.calendar.dates()[:T]),
    }
    for name in columns:
        frame[name] = value(name)
    return pd.DataFrame(frame)


def focal_series(model: RetailModel, columns: Sequence[str]) -> pd.DataFrame:
    """`store_series` of the focal store."""
    return store_series(model, model.focal, columns)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")
