"""The ``date`` column: day numbers (days since 1970-01-01) from any spelling a store writes.

Order: a ``--date-format`` given by the user rules alone. Otherwise ISO 8601 (fast Arrow cast),
``2023/1/5`` style and ``20230105``; then day/month spellings (``01.05.2023``, ``1/5/2023``,
``5-1-2023``), which are read only when the file itself says which number is the day (a value
above 12 in one position somewhere): ``01.05.2023`` alone is refused with one line naming
``--date-format`` instead of guessing May or January.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.translog.fields import as_text, np_mask
from sim.translog.schema import Checks, LogError

__all__ = ["coerce_days"]

#: ISO spellings parsed first (by Arrow: fast, and any year, so that out-of-range is named).
ISO_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
)
#: Date spellings tried after ISO 8601 (``2023-01-05``, ``2023-01-05 14:30:00`` ...).
EXTRA_DATE_FORMATS: tuple[str, ...] = (
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%d",
)
# datetime64[ns] covers 1677-09-22 .. 2262-04-11; stay strictly inside.
MIN_DAY = int(np.datetime64("1678-01-01", "D").astype(np.int64))
MAX_DAY = int(np.datetime64("2261-12-31", "D").astype(np.int64))
_OFFSET = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
)
#: Two numbers and a four-digit year, one separator, optionally a time of day.
_DAY_MONTH = (
    r"^(?P<a>[0-9]{1,2})(?P<sep>[./-])(?P<b>[0-9]{1,2})[./-](?P<year>[0-9]{4})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$"
)
UNPARSEABLE = "unparseable date in column 'date'"
OUT_OF_RANGE = "date out of range in column 'date' (allowed 1678-01-01..2261-12-31)"

Where = Callable[[np.ndarray], str]


def coerce_days(
    arr: pa.ChunkedArray,
    notes: list[str] | None = None,
    *,
    date_format: str | None = None,
    source: str = "log",
    where: Where = lambda pos: f"row {int(pos[0])}",
) -> tuple[np.ndarray, Checks]:
    """Day numbers for every row (bad rows hold 0) and the checks.

    A timestamp with a UTC offset (``2024-01-31T01:00:00+08:00``, or a time-zone-aware parquet
    column) counts on the calendar day written in it, the store's local day, never the UTC
    day; CSV and parquet alike, and the count is reported.
    """
    t = arr.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        missing = np_mask(arr.is_null())
        if pa.types.is_timestamp(t) and t.tz is not None:
            arr = pc.local_timestamp(arr)  # the store's own calendar day
            n_aware = int((~missing).sum())
            if n_aware and notes is not None:
                notes.append(f"{n_aware} timestamps with a time zone counted on their local day")
        if pa.types.is_date(t):
            days = pc.fill_null(arr.cast(pa.date32()), 0).cast(pa.int32()).to_numpy()
        else:
            secs = pc.fill_null(arr.cast(pa.timestamp("s"), safe=False), 0).cast(pa.int64())
            days = np.floor_divide(secs.to_numpy(), 86_400)
        days = np.asarray(days, dtype=np.int64)
        unparseable = np.zeros(len(days), dtype=bool)
    else:
        text, missing = as_text(arr)
        if date_format is not None:
            days, unparseable = _parse_with_format(text, missing, date_format)
        else:
            offset = np.zeros(len(text), dtype=bool)
            if pc.any(pc.match_substring(text, ":")).as_py():  # only timestamps carry offsets
                offset = np_mask(pc.fill_null(pc.match_substring_regex(text, _OFFSET), False))
            if offset.any():
                text = pc.replace_substring_regex(text, _OFFSET, r"\1")
                if notes is not None:
                    notes.append(
                        f"{int(offset.sum())} timestamps with a UTC offset counted on "
                        "their local day"
                    )
            days, unparseable = _parse_date_text(text, missing)
            if unparseable.any():
                _day_month_pass(text, days, unparseable, notes, source, where)
    out_of_range = ~missing & ~unparseable & ((days < MIN_DAY) | (days > MAX_DAY))
    return days, [
        ("missing date", missing),
        (UNPARSEABLE, unparseable),
        (OUT_OF_RANGE, out_of_range),
    ]


def _parse_with_format(
    text: pa.ChunkedArray, missing: np.ndarray, fmt: str
) -> tuple[np.ndarray, np.ndarray]:
    """The user's spelling for every row (pandas: real calendar days, 1-digit days allowed);
    a time of day after the date is dropped."""
    values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    days = np.zeros(len(values), dtype=np.int64)
    todo = ~missing
    for spelling in (fmt, fmt + " %H:%M:%S", fmt + " %H:%M", fmt + "T%H:%M:%S"):
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(pd.Series(values[idx]), format=spelling, errors="coerce")
            except (ValueError, TypeError):
                continue
        ns = parsed.to_numpy(dtype="datetime64[ns]")
        ok = ~np.isnat(ns)
        days[idx[ok]] = ns[ok].astype("datetime64[D]").astype(np.int64)
        todo[idx[ok]] = False
    return days, todo


def _day_month_pass(
    text: pa.ChunkedArray,
    days: np.ndarray,
    todo: np.ndarray,
    notes: list[str] | None,
    source: str,
    where: Where,
) -> None:
    """Read day/month spellings in place, if the file itself tells the day from the month."""
    idx = np.flatnonzero(todo)
    sub = pc.take(text, pa.array(idx))
    parts = pc.extract_regex(sub, _DAY_MONTH)
    matched = ~np_mask(parts.is_null())
    if not matched.any():
        return
    idx = idx[matched]
    parts = pc.filter(parts, pa.array(matched))
    a = np.asarray(pc.struct_field(parts, "a").cast(pa.int64()).to_numpy(zero_copy_only=False))
    b = np.asarray(pc.struct_field(parts, "b").cast(pa.int64()).to_numpy(zero_copy_only=False))
    year = pc.struct_field(parts, "year").cast(pa.int64()).to_numpy(zero_copy_only=False)
    sep = pc.struct_field(parts, "sep")[0].as_py()
    example = pc.take(text, pa.array(idx[:1]))[0].as_py()
    day_first, month_first = np.flatnonzero(a > 12), np.flatnonzero(b > 12)
    fmt_dm, fmt_md = f"%d{sep}%m{sep}%Y", f"%m{sep}%d{sep}%Y"
    if day_first.size and month_first.size:
        raise LogError(
            f"{source}: dates are written both day first ({where(idx[day_first])}) and month "
            f"first ({where(idx[month_first])}); fix the file, or read it with --date-format "
            f"{fmt_dm} or --date-format {fmt_md} and reject the others with --lenient"
        )
    if not day_first.size and not month_first.size:
        raise LogError(
            f"{source}: dates like {example!r} ({where(idx)}) can be day{sep}month or "
            f"month{sep}day and no day above 12 settles it; pass --date-format {fmt_dm} (day "
            f"first) or --date-format {fmt_md} (month first)"
        )
    dayfirst = bool(day_first.size)
    day, month = (a, b) if dayfirst else (b, a)
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    ns = pd.to_datetime(frame, errors="coerce").to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(ns)
    days[idx[ok]] = ns[ok].astype("datetime64[D]").astype(np.int64)
    todo[idx[ok]] = False
    if notes is not None:
        decided = idx[day_first if dayfirst else month_first]
        notes.append(
            f"{int(ok.sum())} dates read as {'day' if dayfirst else 'month'} first "
            f"({fmt_dm if dayfirst else fmt_md}: a value above 12 in {where(decided[:1])})"
        )


def _parse_date_text(text: pa.ChunkedArray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(text)
    days = np.zeros(n, dtype=np.int64)
    todo = ~missing
    if todo.all():  # the common case, plain ISO dates: one strict Arrow cast (any year)
        try:
            fast = pc.cast(text, pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False)
            return np.asarray(fast, dtype=np.int64), np.zeros(n, dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    _strptime_pass(values, days, todo, ISO_DATE_FORMATS, round_trip=True)
    if todo.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(values[todo], format="ISO8601", errors="coerce")
                if getattr(parsed, "tz", None) is not None:
                    parsed = parsed.tz_localize(None)
                ns = parsed.to_numpy(dtype="datetime64[ns]")
            except (ValueError, TypeError, OverflowError):
                ns = np.full(int(todo.sum()), np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = ~np.isnat(ns)
        idx = np.flatnonzero(todo)
        days[idx[ok]] = ns[ok].astype("datetime64[D]").astype(np.int64)
        todo[idx[ok]] = False
    _strptime_pass(values, days, todo, EXTRA_DATE_FORMATS)
    return days, todo


def _strptime_pass(
    values: np.ndarray,
    days: np.ndarray,
    todo: np.ndarray,
    formats: tuple[str, ...],
    *,
    round_trip: bool = False,
) -> None:
    """Parse the rows still `todo` with each format in turn (Arrow, any year), in place.

    With `round_trip`, a parse counts only if formatting it back gives the same text: Arrow
    rolls 2024-02-30 over to March 1, which must stay unparseable instead.
    """
    for fmt in formats:
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        texts = pa.array(values[idx], type=pa.string())
        parsed = pc.strptime(texts, format=fmt, unit="s", error_is_null=True)
        ok = ~np_mask(parsed.is_null())
        if round_trip and ok.any():
            back = pc.strftime(parsed, format=fmt)
            ok &= np_mask(pc.fill_null(pc.equal(back, texts), False))
        secs = pc.fill_null(parsed, 0).cast(pa.int64()).to_numpy()
        days[idx[ok]] = np.floor_divide(secs[ok], 86_400)
        todo[idx[ok]] = False
