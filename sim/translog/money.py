"""The ``amount`` and ``discount`` columns: numbers as stores write them.

Plain numbers are cast by Arrow at once. Text that is not a plain number is read when it is
one amount with an optional currency mark (``¥1,234.50``, ``$35.00``, ``US$ 12``,
``35.00 元``, ``EUR 9``), comma thousands separators (``"2,933.00"``), a minus on either side
of the mark or accounting brackets (``(35.00)``, a refund). How many cells needed this, and
which marks were seen, is reported; the marks also let ``calibrate`` check ``--currency``.
Decimal commas (``1.234,50``) stay non-numeric: the reader cannot tell them from thousands.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.translog.fields import as_text, is_numeric
from sim.translog.schema import Checks

__all__ = ["CURRENCY_MARKS", "coerce_amount", "coerce_discount", "coerce_money"]

#: Currency marks accepted around an amount (longest first, so US$ is not read as $).
CURRENCY_MARKS: tuple[str, ...] = (
    "US$",
    "HK$",
    "NT$",
    "NZ$",
    "AU$",
    "A$",
    "C$",
    "S$",
    "RMB",
    "CNY",
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "HKD",
    "TWD",
    "¥",
    "￥",
    "$",
    "€",
    "£",
    "元",
    "円",
    "₩",
)
_MARK = "|".join(m.replace("$", r"\$") for m in CURRENCY_MARKS)
_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+"
_PATTERN = (
    rf"^(?P<open>\()?\s*(?P<sign1>[-−])?\s*(?P<mark1>{_MARK})?\s*(?P<sign2>[-−])?\s*"
    rf"(?P<num>{_NUMBER})\s*(?P<mark2>{_MARK})?\s*(?P<close>\))?$"
)


def coerce_money(
    arr: pa.ChunkedArray, marks: set[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(values, missing, non-numeric, n written with marks/separators); NaN/inf count as
    non-numeric; currency marks seen are added to ``marks``."""
    t = arr.type
    n_styled = 0
    if is_numeric(t):
        vals = np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), np.float64)
        missing = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    else:
        text, missing = as_text(arr)
        try:  # the common case, plain numbers: one Arrow cast (blank cells become null)
            plain = pc.cast(pc.if_else(pa.array(missing), None, text), pa.float64())
            vals = np.asarray(
                pc.fill_null(plain, np.nan).to_numpy(zero_copy_only=False), dtype=np.float64
            )
            retry = np.zeros(len(vals), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raw = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
            vals = np.asarray(pd.to_numeric(raw, errors="coerce"), dtype=np.float64)
            retry = ~missing & np.isnan(vals)
        if retry.any():
            n_styled = _styled(raw, vals, retry, marks)
    nonnumeric = ~missing & ~np.isfinite(vals)
    vals = np.where(missing | nonnumeric, 0.0, vals)
    return vals, missing, nonnumeric, n_styled


def _styled(raw: np.ndarray, vals: np.ndarray, retry: np.ndarray, marks: set[str] | None) -> int:
    """Read marked / separated amounts of the ``retry`` rows into ``vals``; returns how many."""
    idx = np.flatnonzero(retry)
    cells = pd.Series(raw[idx], dtype="string").str.extract(_PATTERN)
    ok = cells["num"].notna() & (cells["open"].isna() == cells["close"].isna())
    ok &= ~(cells["sign1"].notna() & cells["sign2"].notna())
    ok &= ~(cells["mark1"].notna() & cells["mark2"].notna())
    ok &= cells["open"].isna() | (cells["sign1"].isna() & cells["sign2"].isna())
    ok = ok.to_numpy(dtype=bool)
    if not ok.any():
        return 0
    good = cells[ok]
    number = pd.to_numeric(good["num"].str.replace(",", "", regex=False), errors="coerce")
    negative = good["sign1"].notna() | good["sign2"].notna() | good["open"].notna()
    values = np.where(negative.to_numpy(dtype=bool), -1.0, 1.0) * number.to_numpy(np.float64)
    vals[idx[ok]] = values
    if marks is not None:
        for col in ("mark1", "mark2"):
            marks.update(str(m) for m in good[col].dropna().unique())
    return int(ok.sum())


def coerce_amount(
    arr: pa.ChunkedArray, *, refunds: bool = False, marks: set[str] | None = None
) -> tuple[np.ndarray, Checks, int]:
    """Amounts; a negative amount is a bad row unless a refund rule was chosen."""
    vals, missing, nonnumeric, n_styled = coerce_money(arr, marks)
    checks = [("missing amount", missing), ("non-numeric amount", nonnumeric)]
    if not refunds:
        checks.append(("negative amount", vals < 0))
    return vals, checks, n_styled


def coerce_discount(
    arr: pa.ChunkedArray, marks: set[str] | None = None
) -> tuple[np.ndarray, Checks, int, int]:
    """Blank discount cells mean "no discount" (0); their count is reported, not hidden."""
    vals, missing, nonnumeric, n_styled = coerce_money(arr, marks)
    checks = [("non-numeric discount", nonnumeric), ("negative discount", vals < 0)]
    return vals, checks, int(missing.sum()), n_styled
