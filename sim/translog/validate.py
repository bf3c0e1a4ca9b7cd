"""From raw Arrow columns to the canonical frame: coerce, check, apply refunds, summarise.

Bad rows are never dropped silently: strict raises naming the earliest problem's rows (and
counting the others); lenient rejects them and the summary line counts each reason.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.translog.dates import UNPARSEABLE, coerce_days
from sim.translog.fields import (
    check_column_types,
    coerce_customer_id,
    coerce_promo,
    coerce_store_id,
)
from sim.translog.files import RawTable
from sim.translog.money import coerce_amount, coerce_discount
from sim.translog.options import ExportOptions
from sim.translog.refunds import UNMATCHED, apply_refunds
from sim.translog.schema import ALLOWED_COLUMNS, LENIENT_HINT, Checks, LogError, count, row_list

__all__ = ["validate_table"]


#: Plausibility bounds of a purchase (issue 24): amount in the log's currency; a date at most
#: this many years after today (simulated horizons included).
MAX_AMOUNT = 1e9
MAX_YEARS_AHEAD = 75


def validate_table(
    raw: RawTable,
    *,
    source: str,
    strict: bool,
    report,
    options: ExportOptions,
) -> pd.DataFrame:
    table = raw.table
    n = table.num_rows
    checks: Checks = []
    data: dict[str, np.ndarray] = {}
    notes = list(raw.notes)
    marks: set[str] = set()

    def where(positions: np.ndarray) -> str:
        return row_list(positions, raw.row_word, raw.rows)

    check_column_types(table, source)
    n_styled = 0
    try:
        ids, c = coerce_customer_id(table["customer_id"], raw.text_ids, notes)
        data["customer_id"], checks = ids, checks + c
        days, c = coerce_days(
            table["date"], notes, date_format=options.date_format, source=source, where=where
        )
        checks += c
        if "amount" in table.column_names:
            data["amount"], c, n_styled = coerce_amount(
                table["amount"], refunds=options.refunds is not None, marks=marks
            )
            checks += c
        else:
            hint = (
                (
                    f"; if one of {', '.join(map(repr, raw.ignored))} is the amount, name it "
                    "with --columns amount=NAME"
                )
                if raw.ignored
                else ""
            )
            notes.append(f"no amount column: counts only (spend per visit to be assumed{hint})")
        if "store_id" in table.column_names:
            data["store_id"], c = coerce_store_id(table["store_id"])
            checks += c
        if "promo" in table.column_names:
            data["promo"], c = coerce_promo(table["promo"])
            checks += c
        if "discount" in table.column_names:
            data["discount"], c, n_blank, n_disc = coerce_discount(table["discount"], marks)
            checks += c
            n_styled += n_disc
            if n_blank:
                notes.append(f"{n_blank} blank discount cells read as 0")
    except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, LogError):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LogError(f"{source}: cannot read the values: {first}") from None
    # Plausibility (issue 24): no purchase is a billion, none is decades ahead of today.
    if "amount" in data:
        checks.append((f"amount above {MAX_AMOUNT:,.0f}", np.abs(data["amount"]) > MAX_AMOUNT))
    future = int(np.datetime64("today", "D").astype(np.int64)) + 366 * MAX_YEARS_AHEAD
    checks.append((f"date more than {MAX_YEARS_AHEAD} years after today", days > future))
    if n_styled:
        shown = f" ({', '.join(sorted(marks))})" if marks else ""
        notes.append(
            f"{n_styled} amounts with currency marks{shown} or thousands separators read as numbers"
        )

    bad = np.zeros(n, dtype=bool)
    for _, mask in checks:
        bad |= mask
    removed = np.zeros(n, dtype=bool)
    if options.refunds is not None and "amount" in data:
        result = apply_refunds(options.refunds, data["customer_id"], days, data["amount"], bad)
        data["amount"], removed = result.amounts, result.removed
        if result.unmatched.any():
            checks.append((UNMATCHED, result.unmatched))
            bad |= result.unmatched
        if result.note:
            notes.append(result.note)
    failing = [(reason, mask) for reason, mask in checks if mask.any()]
    if strict and failing:
        # Name the problem that starts earliest in the file: that is where the user looks first.
        first = min(range(len(failing)), key=lambda i: int(np.argmax(failing[i][1])))
        reason, mask = failing[first]
        others = "".join(
            f"; also {r} ({count(int(m.sum()))})" for i, (r, m) in enumerate(failing) if i != first
        )
        raise LogError(
            f"{source}: {where(np.flatnonzero(mask))}: {reason}"
            f"{others}{_hint(reason, options)}{LENIENT_HINT}"
        )

    frame = _frame(data, days, ~bad & ~removed)
    frame.attrs["currency_marks"] = sorted(marks)
    _note_oddities(frame, notes)
    n_rejected = int(bad.sum()) + raw.pre_rejected
    reasons = [f"{r}: {int(m.sum())}" for r, m in failing]
    if raw.pre_rejected:
        reasons.insert(0, f"wrong number of fields: {raw.pre_rejected}")
    line = f"{source}: read {n + raw.pre_rejected} rows, rejected {n_rejected}"
    if reasons:
        line += f" ({'; '.join(reasons)})"
    if raw.ignored:
        notes.append(f"ignored unknown columns: {', '.join(raw.ignored)}")
    if notes:
        line += "; " + "; ".join(notes)
    if report is not None:
        report(line)
    elif n_rejected:
        warnings.warn(line, UserWarning, stacklevel=4)
    return frame


def _hint(reason: str, options: ExportOptions) -> str:
    """The option that may be the way forward for this kind of bad row (both commands that
    read exports have every option named here)."""
    if reason == "negative amount":
        return "; refunds? use --refunds net or --refunds drop"
    if reason == UNPARSEABLE:
        if options.date_format:
            return f"; the dates do not match --date-format {options.date_format}"
        return "; another spelling than YYYY-MM-DD? give it with --date-format (e.g. %d/%m/%Y)"
    return ""


def _frame(data: dict[str, np.ndarray], days: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    out: dict[str, object] = {}
    for name in ALLOWED_COLUMNS:
        if name == "date":
            out[name] = days[keep].astype("datetime64[D]").astype("datetime64[ns]")
        elif name in data:
            values = data[name][keep]
            out[name] = pd.array(values, dtype="string") if values.dtype == object else values
    return pd.DataFrame(out)


def _note_oddities(frame: pd.DataFrame, notes: list[str]) -> None:
    """Kept but worth saying: discounts above the amount, exact duplicate rows."""
    if "discount" in frame.columns and "amount" in frame.columns:
        above = int((frame["discount"] > frame["amount"]).sum())
        if above:
            notes.append(
                f"{above} rows with a discount above the amount paid kept (amount is what was "
                "paid after the discount)"
            )
    if len(frame):
        # hash first (fast), then compare the few candidate rows exactly
        maybe = pd.util.hash_pandas_object(frame, index=False).duplicated(keep=False).to_numpy()
        if maybe.any():
            n_dupes = int(frame[maybe].duplicated().sum())
            if n_dupes:
                notes.append(f"{n_dupes} exact duplicate rows kept (same customer, day and values)")
