"""Segments of a pandas transaction log: the array core of :mod:`sim.segments` per customer id.

:func:`summarize` gives one row of features per member, :func:`assign_segments` adds the segment
and its flags; counts over time and migration between two dates are built on the same arrays.
A log is canonical (``sim.translog.read_log`` / ``validate_log``): customer_id, date, amount.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.segments import (
    DEFAULT_PARAMS,
    FEATURES,
    FLAG_COLUMNS,
    SEGMENTS,
    SegmentParams,
    resolve_precedence,
    segment_codes,
    segment_flags,
    summarize_arrays,
)

__all__ = [
    "assign_segments",
    "log_arrays",
    "migration_matrix",
    "segment_counts_over_time",
    "summarize",
]


def _day_number(value: object) -> int:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"not a date: {value!r}")
    return int(np.datetime64(ts.normalize().date(), "D").astype(np.int64))


def log_arrays(
    log: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """(codes, days, amounts, promo, customer ids) of a canonical log (see ``sim.translog``).

    ``customer ids[codes[i]]`` is the customer of row i; ids are sorted.
    """
    missing = [c for c in ("customer_id", "date", "amount") if c not in log.columns]
    if missing:
        raise ValueError(
            f"log is missing column(s) {', '.join(missing)}; read it with sim.translog.read_log"
        )
    if not pd.api.types.is_datetime64_any_dtype(log["date"]):
        raise ValueError(
            "log column 'date' must be datetime64; pass the log through sim.translog.validate_log"
        )
    codes, ids = pd.factorize(log["customer_id"], sort=True)
    if (codes < 0).any():
        raise ValueError("log has missing customer_id values; validate it with validate_log")
    days = log["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    amounts = log["amount"].to_numpy(dtype=np.float64)
    promo = (
        log["promo"].to_numpy(dtype=bool)
        if "promo" in log.columns
        else np.zeros(len(log), dtype=bool)
    )
    index = pd.Index(ids, name="customer_id")
    return codes.astype(np.int64), days, amounts, promo, index


def _as_of_day(days: np.ndarray, as_of: object | None) -> int:
    if as_of is not None:
        return _day_number(as_of)
    if not len(days):
        raise ValueError("empty log: give as_of explicitly")
    return int(days.max())


def _to_dates(day_numbers: np.ndarray) -> np.ndarray:
    return day_numbers.astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")


def _features_frame(f: dict[str, np.ndarray], ids: pd.Index, as_of_day: int) -> pd.DataFrame:
    member = f["n_purchases"] > 0
    cols: dict[str, np.ndarray] = {}
    for name in FEATURES:
        if name == "first_date":
            cols[name] = _to_dates(f["first_day"][member])
        elif name == "last_date":
            cols[name] = _to_dates(f["last_day"][member])
        elif name in (
            "frequency",
            "recency",
            "T",
            "days_since_last",
            "tenure_days",
            "max_gap_days_last_year",
        ):
            cols[name] = f[name][member].astype(np.int64)
        else:
            cols[name] = f[name][member]
    frame = pd.DataFrame(cols, index=ids[member])
    frame.attrs["as_of"] = pd.Timestamp(_to_dates(np.array([as_of_day]))[0])
    return frame


def summarize(
    log: pd.DataFrame, as_of: object | None = None, *, params: SegmentParams = DEFAULT_PARAMS
) -> pd.DataFrame:
    """One row per member (customer with a purchase on or before ``as_of``), index customer_id.

    ``as_of`` defaults to the last date in the log; later transactions are ignored. Columns are
    ``FEATURES`` (definitions in docs/segments.md); ``frame.attrs["as_of"]`` records the date.
    """
    codes, days, amounts, promo, ids = log_arrays(log)
    day = _as_of_day(days, as_of)
    f = summarize_arrays(
        codes, days, amounts, promo, as_of=day, n_customers=len(ids), params=params
    )
    return _features_frame(f, ids, day)


def _summary_arrays(summary: pd.DataFrame) -> dict[str, np.ndarray]:
    needed = (
        "n_purchases",
        "n_last_year",
        "n_last_half_year",
        "yearly_spend",
        "days_since_last",
        "tenure_days",
        "avg_ticket",
        "total_spend",
        "promo_revenue",
        "promo_share",
        "max_gap_days_last_year",
    )
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise ValueError(f"summary is missing column(s) {', '.join(missing)}; use summarize()")
    return {c: summary[c].to_numpy() for c in needed}


def assign_segments(summary: pd.DataFrame, params: SegmentParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """The summary plus ``segment`` (one label by precedence) and one ``is_<rule>`` flag per rule.

    A member can meet several rules (flags); ``segment`` is the first in ``SEGMENTS`` order.
    """
    f = _summary_arrays(summary)
    flags = segment_flags(f, params)
    codes = resolve_precedence(flags)
    out = summary.copy()
    out["segment"] = pd.Categorical.from_codes(codes, categories=list(SEGMENTS))
    for j, col in enumerate(FLAG_COLUMNS):
        out[col] = flags[:, j]
    return out


def segment_counts_over_time(
    log: pd.DataFrame, dates: Iterable[object], *, params: SegmentParams = DEFAULT_PARAMS
) -> pd.DataFrame:
    """Members per segment at each date (rows: dates; columns: ``SEGMENTS``)."""
    codes, days, amounts, promo, ids = log_arrays(log)
    stamps = [pd.Timestamp(d).normalize() for d in dates]
    rows = []
    for stamp in stamps:
        f = summarize_arrays(
            codes,
            days,
            amounts,
            promo,
            as_of=_day_number(stamp),
            n_customers=len(ids),
            params=params,
        )
        seg = segment_codes(f, params)
        rows.append(np.bincount(seg[seg >= 0], minlength=len(SEGMENTS)))
    index = pd.DatetimeIndex(stamps, name="date")
    data = np.array(rows, dtype=np.int64).reshape(len(stamps), len(SEGMENTS))
    return pd.DataFrame(data, index=index, columns=pd.Index(SEGMENTS, name="segment"))


def migration_matrix(
    log: pd.DataFrame, date_a: object, date_b: object, *, params: SegmentParams = DEFAULT_PARAMS
) -> pd.DataFrame:
    """Counts of members moving from their segment at ``date_a`` to their segment at ``date_b``.

    Rows: ``SEGMENTS`` at a plus ``"new"`` (first purchase after a, on or before b); columns:
    ``SEGMENTS`` at b. Every member at b is counted exactly once.
    """
    codes, days, amounts, promo, ids = log_arrays(log)
    a, b = _day_number(date_a), _day_number(date_b)
    if b < a:
        raise ValueError(f"date_b ({date_b}) must not be before date_a ({date_a})")
    seg = []
    for day in (a, b):
        f = summarize_arrays(
            codes, days, amounts, promo, as_of=day, n_customers=len(ids), params=params
        )
        seg.append(segment_codes(f, params).astype(np.int64))
    seg_a, seg_b = seg
    at_b = seg_b >= 0
    row = np.where(seg_a[at_b] >= 0, seg_a[at_b], len(SEGMENTS))
    k = len(SEGMENTS)
    counts = np.bincount(row * k + seg_b[at_b], minlength=(k + 1) * k).reshape(k + 1, k)
    return pd.DataFrame(
        counts,
        index=pd.Index(SEGMENTS + ("new",), name="segment_a"),
        columns=pd.Index(SEGMENTS, name="segment_b"),
    )
