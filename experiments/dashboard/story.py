"""A customer's story, as plain data: who they are, what they bought where, how satisfied they
are with each store, their complaints, who referred them and whom they referred.

Read from what the model keeps: the population arrays (class, places, state, satisfaction and
loyalty per store, `referral_parent`, how they were acquired), the transaction buffer, and the
complaints `ObservedModel` records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.dashboard.twin import ObservedModel
from sim.config import CLASSES
from sim.population import STATES


@dataclass
class Story:
    row: int
    cls: str
    home: str
    work: str
    state: str
    segment: str
    via: int
    referred_by: int | None
    referred: list[int]
    purchases: pd.DataFrame  # date, store, paid, promo
    satisfaction: np.ndarray  # per store
    loyalty: np.ndarray  # per store
    complaints: pd.DataFrame  # date, store, resolved


def story(model: ObservedModel, row: int) -> Story:
    """Everything the dashboard tells about customer `row` of `model`."""
    pop = model.pop
    if not 0 <= row < pop.n:
        raise ValueError(f"customer must be in [0, {pop.n - 1}], got {row}")
    tick, cust, store, amount, discount = model.transactions.arrays()
    mine = cust == row
    dates = pd.to_datetime(model.calendar.dates())
    purchases = pd.DataFrame(
        {
            "date": dates[tick[mine]],
            "store": store[mine].astype(int),
            "paid": (amount - discount)[mine],
            "promo": discount[mine] > 0,
        }
    )
    complaints = model.complaints_of(row)
    complaints.insert(0, "date", dates[complaints["tick"].to_numpy(int)])
    parent = int(pop.referral_parent[row])
    return Story(
        row=row,
        cls=CLASSES[pop.cls[row]],
        home=model.geo.place_ids[pop.home[row]],
        work=model.geo.place_ids[pop.work[row]],
        state=STATES[pop.state[row]],
        segment=str(model.segment_of(row)),
        via=int(pop.acquired_via[row]),
        referred_by=None if parent < 0 else parent,
        referred=np.flatnonzero(pop.referral_parent == row).tolist(),
        purchases=purchases,
        satisfaction=pop.satisfaction[row].astype(float).copy(),
        loyalty=pop.loyalty[row].astype(float).copy(),
        complaints=complaints.drop(columns="tick"),
    )


def interesting_customers(model: ObservedModel, losing: list[int], limit: int = 60) -> list[int]:
    """Customers worth picking: the ones being lost first, then the other top-20%, then anyone
    who complained or was referred."""
    from experiments.dashboard.twin import vip_rows

    out = list(dict.fromkeys([*losing, *vip_rows(model).tolist()]))
    if len(out) < limit:
        extra = [int(r) for _, rows, _, _ in model.complaint_log for r in rows]
        extra += np.flatnonzero(model.pop.referral_parent >= 0)[:limit].tolist()
        out = list(dict.fromkeys([*out, *extra]))
    return out[:limit] or [0]
