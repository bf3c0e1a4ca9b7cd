"""Coercion of the id, store and promo columns, and the Arrow helpers every column shares.

Each ``coerce_*`` returns values for every row and ``[(reason, bad-row mask), ...]``: bad rows
are never dropped here, the caller decides (strict: error; lenient: rejected and counted).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.translog.schema import BOOL_FALSE, BOOL_TRUE, Checks, LogError

__all__ = [
    "as_text",
    "check_column_types",
    "coerce_customer_id",
    "coerce_promo",
    "coerce_store_id",
    "is_numeric",
    "np_mask",
    "series_to_arrow",
]

_INT_ID_PATTERN = r"^(0|-?[1-9][0-9]{0,17})$"
_WHOLE_DECIMAL = r"^(-?[0-9]+)\.0+$"


def np_mask(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def as_text(arr: pa.ChunkedArray) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Trimmed text and a mask of missing (null or blank) cells."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    text = pc.utf8_trim_whitespace(arr)
    missing = np_mask(pc.fill_null(pc.equal(text, ""), True))
    return text, missing


def is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def series_to_arrow(values: pd.Series | list) -> pa.ChunkedArray:
    """Convert one column; mixed-type columns fall back to text and are parsed as text."""
    try:
        if isinstance(values, pd.Series):
            arr = pa.array(values, from_pandas=True)
        else:
            arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        objs = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
        texts = [None if _is_missing(v) else str(v) for v in objs]
        arr = pa.array(texts, type=pa.string())
    return pa.chunked_array([arr]) if isinstance(arr, pa.Array) else arr


def coerce_customer_id(
    arr: pa.ChunkedArray, text_ids: bool, notes: list[str] | None = None
) -> tuple[np.ndarray, Checks]:
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_null(t):  # null type: an empty or all-blank column
        missing = np_mask(arr.is_null())
        ids = pc.fill_null(arr.cast(pa.int64()), 0).to_numpy()
        return np.asarray(ids, dtype=np.int64), [("missing customer_id", missing)]
    if pa.types.is_floating(t):
        # Integer ids with gaps come out of pandas/parquet as floats: accept whole numbers only.
        vals = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
        missing = np.isnan(vals)
        with np.errstate(invalid="ignore"):
            bad = ~missing & ((vals != np.round(vals)) | (np.abs(vals) > 2**53))
        ids = np.where(missing | bad, 0, vals).astype(np.int64)
        return ids, [("missing customer_id", missing), ("non-integer customer_id", bad)]
    text, missing = as_text(arr)
    checks: Checks = [("missing customer_id", missing)]
    # "7.0" is the id 7 written by a spreadsheet: one customer, not two ("7" and "7.0").
    whole = np.zeros(len(text), dtype=bool)
    if pc.any(pc.match_substring(text, ".")).as_py():  # cheap test before the regex
        whole = np_mask(pc.fill_null(pc.match_substring_regex(text, _WHOLE_DECIMAL), False))
    if whole.any():
        text = pc.replace_substring_regex(text, _WHOLE_DECIMAL, r"\1")
        if notes is not None:
            n = int(whole.sum())
            notes.append(f"{n} customer_id written as whole decimals (7.0) read as 7")
    if text_ids:
        is_int = np_mask(pc.fill_null(pc.match_substring_regex(text, _INT_ID_PATTERN), False))
        if np.all(is_int | missing):
            ints = pc.cast(pc.if_else(pa.array(missing), "0", text), pa.int64())
            return ints.to_numpy(), checks
    return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object), checks


def coerce_promo(arr: pa.ChunkedArray) -> tuple[np.ndarray, Checks]:
    reason = "promo not boolean-like (allowed: true/false/1/0/yes/no)"
    t = arr.type
    if pa.types.is_boolean(t):
        bad = np_mask(arr.is_null())
        return np_mask(pc.fill_null(arr, False)), [(reason, bad)]
    if is_numeric(t):
        vals = np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), np.float64)
        bad = ~((vals == 0.0) | (vals == 1.0))
        return vals == 1.0, [(reason, bad)]
    text, _ = as_text(arr)
    lower = pc.utf8_lower(text)
    is_true = np_mask(pc.fill_null(pc.is_in(lower, pa.array(BOOL_TRUE)), False))
    is_false = np_mask(pc.fill_null(pc.is_in(lower, pa.array(BOOL_FALSE)), False))
    return is_true, [(reason, ~(is_true | is_false))]


def coerce_store_id(arr: pa.ChunkedArray) -> tuple[np.ndarray, Checks]:
    text, missing = as_text(arr)
    return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object), [
        ("missing store_id", missing)
    ]


def check_column_types(table: pa.Table, source: str) -> None:
    """One value per cell: a list, struct or map column is refused naming column and type."""
    for name in table.column_names:
        t = table.schema.field(name).type
        if pa.types.is_dictionary(t):
            t = t.value_type
        nested = pa.types.is_nested(t)
        if nested or pa.types.is_binary(t) or pa.types.is_large_binary(t):
            what = "lists or records" if nested else "raw bytes"
            raise LogError(
                f"{source}: column '{name}' holds {what} (type {t}); expected one "
                f"{'number' if name in ('amount', 'discount') else 'value'} per row"
            )
