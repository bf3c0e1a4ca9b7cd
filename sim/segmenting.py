"""Segments of a store's members inside a running model (SEEDS 003), for policies and outputs.

Bridges the model's transaction buffer to the array core of `sim.segments`, so a policy can
target members by segment name ("promo_only", "silent", "sleeping" ...) at any tick, and runs
can write yearly segment snapshots. With the compiled engine the codes come from
`sim.kernels.segcodes` (the same codes, in two passes over the log instead of the NumPy path's
sixty array calls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import kernels
from sim.errors import ConfigError
from sim.segments import (
    NOT_MEMBER,
    SEGMENTS,
    SegmentParams,
    bottom_cut,
    segment_codes,
    summarize_arrays,
    top_cut,
)

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

DEFAULT = SegmentParams()
SNAPSHOT_COLUMNS = (
    "year",
    "store_id",
    "segment",
    "members",
    "share_of_members",
    "share_of_revenue",
)


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
    codes = _compiled_codes(model, s, t, params) if kernels.compiled() else None
    if codes is None:
        codes = _numpy_codes(model, s, t, params)
    if len(cache) > 16:
        cache.clear()
    cache[key] = codes
    return codes


def _numpy_codes(model: RetailModel, s: int, t: int, params: SegmentParams) -> np.ndarray:
    """The reference path: every feature of `summarize_arrays`, then `segment_codes`."""
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
    return segment_codes(features, params).astype(np.int8)


def _compiled_codes(model: RetailModel, s: int, t: int, params: SegmentParams) -> np.ndarray | None:
    """The codes of `_numpy_codes` from `sim.kernels.segcodes`; None when the log is not in
    tick order (the kernels count visits as the log goes)."""
    from sim.kernels import segcodes

    tick, cust, st, amount, discount = model.transactions.arrays()
    n = int(model.pop.n)
    ok, rows, n_visits, n_year, n_half, total, yearly, promo_rev, share, since, tenure, gap = (
        segcodes.features(
            tick,
            cust,
            st,
            amount,
            discount,
            int(s),
            int(t),
            int(model.calendar.tick_days),
            n,
            float(params.year_days),
            float(params.half_year_days),
        )
    )
    if not ok:
        return None
    # What `segment_flags` takes with NumPy: the rank cut-offs among members active in the
    # last year, and the store's average ticket (a pairwise sum over the members in row order,
    # as here).
    active = n_year > 0
    active_yearly = yearly[active]
    cuts = (
        bottom_cut(active_yearly, params.promo_bottom_share),
        top_cut(active_yearly, params.top_spend_share),
        top_cut(active_yearly, params.loyalty_top_share),
        top_cut(promo_rev[active & (promo_rev > 0)], params.promo_top_share),
    )
    visits = n_visits.sum()
    store_ticket = total.sum() / visits if visits else 0.0
    rules = np.array(
        [
            params.sleeping_days,
            params.half_year_days,
            params.silent_ratio,
            params.promo_only_min_share,
            params.ticket_multiple,
            params.loyalty_max_gap_days,
        ],
        dtype=np.float64,
    )
    return segcodes.codes(
        rows,
        n,
        n_visits,
        n_year,
        n_half,
        total,
        yearly,
        promo_rev,
        share,
        since,
        tenure,
        gap,
        np.array([0.0 if c is None else c for c in cuts], dtype=np.float64),
        np.array([c is not None for c in cuts]),
        float(store_ticket),
        rules,
        int(params.loyalty_min_purchases),
    )


def _year_spend(
    model: RetailModel, s: int, first: int, last: int, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spend per row at store `s` in ticks `first`..`last`, and the members' spend grouped by
    segment (rows in order within each, so each group's sum is `spend[codes == k].sum()`)
    with the groups' bounds."""
    tick, cust, st, amount, discount = model.transactions.arrays()
    n_seg = len(SEGMENTS)
    if kernels.compiled():
        from sim.kernels import segcodes

        args = (int(s), int(first), int(last), codes, n_seg)
        return segcodes.window_spend(tick, cust, st, amount, discount, *args)
    window = (st == s) & (tick <= last) & (tick >= first)
    spend = np.bincount(
        cust[window], weights=amount[window] - discount[window], minlength=model.pop.n
    )
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_seg + 1), side="left")
    return spend, spend[order[bounds[0] :]], bounds - bounds[0]


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


def yearly_segment_snapshots(
    model: RetailModel, store: int | None = None, *, store_column: bool = True
) -> pd.DataFrame:
    """Segment counts and revenue shares of a store's members at each simulated year end
    (without the `store_id` column when `store_column` is false)."""
    s = model.focal if store is None else int(store)
    tpy = model.calendar.ticks_per_year
    columns = [c for c in SNAPSHOT_COLUMNS if store_column or c != "store_id"]
    table: dict[str, list] = {c: [] for c in columns}
    for year_end in range(tpy - 1, model.t, tpy):
        codes = store_segments(model, s, as_of_tick=year_end)
        spend, by_segment, bounds = _year_spend(model, s, year_end - tpy + 1, year_end, codes)
        total = spend.sum()
        counts = np.diff(bounds)
        n_members = max(int(counts.sum()), 1)
        year = int(model.calendar.year_of(year_end))
        for k, name in enumerate(SEGMENTS):
            table["year"].append(year)
            if store_column:
                table["store_id"].append(model.store_ids[s])
            table["segment"].append(name)
            table["members"].append(int(counts[k]))
            table["share_of_members"].append(float(counts[k] / n_members))
            seg_spend = by_segment[bounds[k] : bounds[k + 1]].sum()
            table["share_of_revenue"].append(float(seg_spend / total) if total else 0.0)
    if not table["year"]:
        return pd.DataFrame([], columns=columns)
    return pd.DataFrame(table)  # the columns in `columns`' order (`columns=` costs 0.3 ms)
