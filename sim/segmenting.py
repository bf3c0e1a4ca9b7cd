"""Segments of a store's members inside a running model (SEEDS 003), for policies and outputs.

Bridges the model's transaction buffer to the array core of `sim.segments`, so a policy can
target members by segment name ("promo_only", "silent", "sleeping" ...) at any tick, and runs
can write yearly segment snapshots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.segments import NOT_MEMBER, SEGMENTS, SegmentParams, segment_codes, summarize_arrays

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

DEFAULT = SegmentParams()


def store_segments(
    model: RetailModel,
    store: int | None = None,
    *,
    as_of_tick: int | None = None,
    params: SegmentParams = DEFAULT,
) -> np.ndarray:
    """Segment code per customer row for one store (index into `SEGMENTS`, -1 = not a member).

    Computed from the purchases recorded so far (members' history before the simulation start
    is not in the log, so early in a run fewer customers are members). Cached per tick.
    """
    s = model.focal if store is None else int(store)
    t = model.t if as_of_tick is None else int(as_of_tick)
    key = (s, t, params)
    cache = model.__dict__.setdefault("_segment_cache", {})
    if key in cache:
        return cache[key]
    tick, cust, st, amount, discount = model.transactions.arrays()
    here = (st == s) & (tick <= t)
    days = tick[here].astype(np.int64) * model.calendar.tick_days
    features = summarize_arrays(
        cust[here],
        days,
        amount[here] - discount[here],
        discount[here] > 0,
        as_of=t * model.calendar.tick_days,
        n_customers=model.pop.n,
        params=params,
    )
    codes = segment_codes(features, params).astype(np.int8)
    if len(cache) > 16:
        cache.clear()
    cache[key] = codes
    return codes


def members_in(model: RetailModel, names: str | list[str], store: int | None = None) -> np.ndarray:
    """Rows of the store's members currently in any of the named segments."""
    wanted = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in wanted if n not in SEGMENTS]
    if unknown:
        raise ConfigError(
            "segment", f"unknown segment {unknown[0]!r}; allowed: {', '.join(SEGMENTS)}"
        )
    codes = store_segments(model, store)
    return np.flatnonzero(np.isin(codes, [SEGMENTS.index(n) for n in wanted]))


def current_segments(model: RetailModel, store: int | None = None) -> np.ndarray:
    """Segment name per customer row ('non_member' where the customer never bought here)."""
    codes = store_segments(model, store)
    names = np.array(list(SEGMENTS) + ["non_member"], dtype=object)
    return names[np.where(codes == NOT_MEMBER, len(SEGMENTS), codes)]


def yearly_segment_snapshots(model: RetailModel, store: int | None = None) -> pd.DataFrame:
    """Segment counts and revenue shares of a store's members at each simulated year end."""
    s = model.focal if store is None else int(store)
    tpy = model.calendar.ticks_per_year
    rows = []
    tick, cust, st, amount, discount = model.transactions.arrays()
    for year_end in range(tpy - 1, model.t, tpy):
        codes = store_segments(model, s, as_of_tick=year_end)
        members = codes != NOT_MEMBER
        window = (st == s) & (tick <= year_end) & (tick > year_end - tpy)
        spend = np.bincount(
            cust[window], weights=amount[window] - discount[window], minlength=model.pop.n
        )
        total = spend.sum()
        for k, name in enumerate(SEGMENTS):
            inside = codes == k
            rows.append(
                {
                    "year": int(model.calendar.year_of(year_end)),
                    "store_id": model.store_ids[s],
                    "segment": name,
                    "members": int(inside.sum()),
                    "share_of_members": float(inside.sum() / max(members.sum(), 1)),
                    "share_of_revenue": float(spend[inside].sum() / total) if total else 0.0,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["year", "store_id", "segment", "members", "share_of_members", "share_of_revenue"],
    )
