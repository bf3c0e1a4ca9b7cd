"""Reading, checking and writing whole logs: the functions the rest of the lab calls."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.translog.fields import series_to_arrow
from sim.translog.files import (
    RawTable,
    file_kind,
    read_csv_table,
    read_parquet_table,
    read_xlsx_table,
)
from sim.translog.headers import map_header
from sim.translog.options import ExportOptions
from sim.translog.schema import LogError, Report
from sim.translog.validate import validate_table

__all__ = ["read_log", "validate_log", "write_log"]


def read_log(
    path: str | Path,
    *,
    strict: bool = True,
    report: Report = print,
    options: ExportOptions | None = None,
) -> pd.DataFrame:
    """Read and validate a CSV, parquet or .xlsx transaction log (format by file suffix).

    Row numbers in messages are file rows for CSV and workbooks (the header is row 1; blank
    lines are not counted in CSV) and 1-based data rows for parquet. ``strict=False`` drops
    bad rows and reports how many per reason; either way ``report`` receives the one line
    "read N rows, rejected M (...)" with everything the reader changed or recognised.
    ``options`` (``ExportOptions``): column names, date spelling, refunds, amounts optional.
    """
    path = Path(path)
    options = options or ExportOptions()
    kind = file_kind(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if path.is_dir():
        raise LogError(f"{path.name}: is a directory, expected a .csv, .parquet or .xlsx file")
    if kind == "csv":
        raw = read_csv_table(path, options, strict=strict)
    elif kind == "xlsx":
        raw = read_xlsx_table(path, options)
    else:
        raw = read_parquet_table(path, options)
    return validate_table(raw, source=path.name, strict=strict, report=report, options=options)


def validate_log(
    df: pd.DataFrame,
    *,
    strict: bool = True,
    report: Report = None,
    source: str = "log",
    options: ExportOptions | None = None,
) -> pd.DataFrame:
    """Check an in-memory log against the schema and return it in canonical form.

    Same rules as :func:`read_log`; rows are named by 0-based position. With ``strict=False`` and
    no ``report``, rejected rows raise a ``UserWarning`` so that they are never dropped silently.
    """
    if not isinstance(df, pd.DataFrame):
        raise LogError(f"{source}: expected a pandas DataFrame, got {type(df).__name__}")
    options = options or ExportOptions()
    header = [str(c) for c in df.columns]
    hm = map_header(header, source, options.columns, require_amount=options.require_amount)
    columns = {
        name: series_to_arrow(df.iloc[:, header.index(orig)]) for name, orig in hm.wanted.items()
    }
    raw = RawTable(
        pa.table(columns),
        hm.ignored,
        0,
        row_word="positions",
        text_ids=False,
        notes=[hm.note] if hm.note else [],
    )
    return validate_table(raw, source=source, strict=strict, report=report, options=options)


def write_log(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a log as CSV or parquet (by suffix) after validating it; returns the path.

    Dates are written as ``YYYY-MM-DD`` and floats in shortest round-trip form, so
    ``read_log(write_log(df, p))`` equals ``validate_log(df)``.
    """
    path = Path(path)
    kind = file_kind(path)
    if kind == "xlsx":
        raise LogError(f"{path.name}: logs are written as .csv or .parquet")
    canonical = validate_log(df, strict=True, report=None, source=path.name)
    arrays: dict[str, pa.Array] = {}
    for name in canonical.columns:
        col = canonical[name]
        if name == "date":
            arrays[name] = pa.array(col.to_numpy().astype("datetime64[D]"), type=pa.date32())
        elif not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            arrays[name] = pa.array(col.to_numpy(dtype=object), type=pa.string())
        else:
            arrays[name] = pa.array(col.to_numpy())
    table = pa.table(arrays)
    if kind == "parquet":
        pq.write_table(table, path)
    else:
        with pa.output_stream(path, compression="detect") as sink:
            pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return path
