"""The canonical log's columns, its error type and the wording shared by every reader."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = [
    "ALLOWED_COLUMNS",
    "BOOL_FALSE",
    "BOOL_TRUE",
    "Checks",
    "LENIENT_HINT",
    "LogError",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Report",
    "count",
    "empty_log",
    "row_list",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "date", "amount")
OPTIONAL_COLUMNS: tuple[str, ...] = ("store_id", "promo", "discount")
ALLOWED_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: Accepted spellings of ``promo`` (case-insensitive, surrounding blanks ignored).
BOOL_TRUE: tuple[str, ...] = ("true", "1", "yes")
BOOL_FALSE: tuple[str, ...] = ("false", "0", "no")

#: Said after a row error: both commands that read logs (segment, calibrate) have --lenient.
LENIENT_HINT = " (fix the file, or use strict=False / --lenient to reject bad rows)"
SHOWN_ROWS = 3

Report = Callable[[str], object] | None
#: (reason, mask of the rows it rejects) pairs produced by each column's coercion.
Checks = list[tuple[str, np.ndarray]]


class LogError(ValueError):
    """A transaction log that does not fit the schema (one-line message with row numbers)."""


def count(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def row_list(positions: np.ndarray, word: str, numbers: np.ndarray | int) -> str:
    """'rows 3, 7, 12 (+2 more)': ``numbers`` is a base added to positions, or the file row
    number of every position (a workbook whose blank rows were skipped)."""
    shown_pos = positions[:SHOWN_ROWS]
    if isinstance(numbers, np.ndarray):
        shown_nums = numbers[shown_pos]
    else:
        shown_nums = shown_pos + int(numbers)
    shown = ", ".join(str(int(p)) for p in shown_nums)
    more = len(positions) - SHOWN_ROWS
    label = word if len(positions) != 1 else word.rstrip("s")
    return f"{label} {shown}" + (f" (+{more} more)" if more > 0 else "")


def empty_log(*, int_ids: bool = True, optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """A zero-row log with canonical dtypes (useful as a starting point or in tests)."""
    data: dict[str, pd.Series] = {
        "customer_id": pd.Series([], dtype=np.int64 if int_ids else "string"),
        "date": pd.Series([], dtype="datetime64[ns]"),
        "amount": pd.Series([], dtype=np.float64),
    }
    dtypes = {"store_id": "string", "promo": bool, "discount": np.float64}
    for name in OPTIONAL_COLUMNS:
        if name in optional:
            data[name] = pd.Series([], dtype=dtypes[name])
    return pd.DataFrame(data)
