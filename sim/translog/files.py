"""Getting a log's columns off disk as Arrow: CSV (any common encoding), parquet, Excel .xlsx.

Each reader maps the header to the log's columns (``sim.translog.headers``) and returns a
:class:`RawTable`: the wanted columns under their canonical names, what was ignored, the file
row number of each data row, and notes for the summary line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.translog.fields import series_to_arrow
from sim.translog.headers import map_header
from sim.translog.options import ExportOptions
from sim.translog.schema import LENIENT_HINT, REQUIRED_COLUMNS, LogError, row_list

__all__ = ["RawTable", "file_kind", "read_csv_table", "read_parquet_table", "read_xlsx_table"]

#: Tried when a CSV is not valid UTF-8: Chinese retail systems often export GBK/GB2312.
FALLBACK_ENCODING = "gb18030"
NUL = b"\x00"
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zst", ".csv.lz4")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

#: File signatures of formats that are not plain CSV text (checked on files named .csv).
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "a gzip-compressed file (name it .csv.gz)"),
    (b"BZh", "a bzip2-compressed file (name it .csv.bz2)"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file (name it .csv.zst)"),
    (b"\x04\x22\x4d\x18", "an lz4-compressed file (name it .csv.lz4)"),
    (b"PK\x03\x04", "a ZIP archive or an Excel .xlsx workbook (name it .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as .xlsx or CSV)"),
    (b"PAR1", "a parquet file (name it .parquet)"),
)
DELIMITERS: dict[str, str] = {";": "semicolon", "\t": "tab", "|": "pipe", " ": "space"}


@dataclass
class RawTable:
    table: pa.Table  # canonical column names
    ignored: list[str]
    rows: np.ndarray | int  # file row number of each data row, or the first data row's number
    row_word: str = "rows"
    text_ids: bool = True
    pre_rejected: int = 0
    notes: list[str] = field(default_factory=list)


def file_kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(EXCEL_SUFFIXES):
        return "xlsx"
    if name.endswith(".xls"):
        raise LogError(f"{path.name}: an old Excel .xls workbook; save it as .xlsx or CSV")
    allowed = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES + EXCEL_SUFFIXES)
    raise LogError(f"{path.name}: unsupported file type (allowed suffixes: {allowed})")


def _sniff_format(path: Path, head: bytes) -> None:
    """A compressed or binary file named like a plain CSV gets a message saying what it is."""
    if not path.name.lower().endswith(".csv"):
        return  # .csv.gz etc.: decompressed by suffix
    for magic, what in MAGIC:
        if head.startswith(magic):
            raise LogError(f"{path.name}: compressed or binary file: this is {what}")


def _csv_header(path: Path) -> tuple[list[str], str]:
    """Header names and the file's encoding: UTF-8 (BOM allowed), UTF-16 with a BOM, else
    GB18030 (covers GBK/GB2312 exports). A header that is not comma-separated is refused with
    the columns found and the delimiter seen."""
    with open(path, "rb") as raw:
        _sniff_format(path, raw.read(8))
    try:
        with pa.input_stream(path, compression="detect") as stream:
            head = stream.read(1 << 16)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LogError(f"{path.name}: cannot decompress: {str(exc).splitlines()[0]}") from None
    encoding = "utf8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
        text = head.decode("utf-16", errors="replace")
        line = text.splitlines()[0].lstrip("\ufeff") if text.strip() else ""
    elif NUL in head:  # text never holds NUL; a picture or random bytes almost surely do
        at = head.index(NUL)
        raise LogError(f"{path.name}: binary data (a NUL byte at byte {at:,}), not a CSV text file")
    elif not head.strip():
        line = ""
    else:
        first = head.splitlines()[0]
        try:
            line = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            line = first.decode(FALLBACK_ENCODING, errors="replace")
            encoding = FALLBACK_ENCODING
    if not line.strip():
        raise LogError(
            f"{path.name}: empty file (expected a header with columns "
            f"{', '.join(REQUIRED_COLUMNS)})"
        )
    if "\x00" in line:
        raise LogError(f"{path.name}: binary data in the header: not a CSV text file")
    header = next(csv.reader(io.StringIO(line)), [])
    if len(header) == 1:
        cell = header[0]
        seen = [(name, sep) for sep, name in DELIMITERS.items() if sep in cell.strip()]
        if seen:
            name, sep = max(seen, key=lambda ns: cell.count(ns[1]))
            found = [c for c in (cell.split() if sep == " " else cell.split(sep)) if c]
            raise LogError(
                f"{path.name}: the header has one column {cell!r}; the file looks "
                f"{name}-separated (columns found: {', '.join(found)}); the file must be "
                "comma-separated"
            )
    return header, encoding


class _NotUtf8(Exception):
    """Internal: the CSV body is not UTF-8; retry with the fallback encoding."""


def read_csv_table(path: Path, options: ExportOptions, *, strict: bool) -> RawTable:
    """The wanted columns of a CSV, all read as text (our parsers decide, not Arrow's
    inference): "007" stays "007", "¥1,234.50" reaches the money parser, and an offset in a
    timestamp is handled by our rule (local day), not Arrow's (UTC)."""
    header, encoding = _csv_header(path)
    hm = map_header(header, path.name, options.columns, require_amount=options.require_amount)
    convert = pacsv.ConvertOptions(
        include_columns=list(hm.wanted.values()),
        column_types={orig: pa.string() for orig in hm.wanted.values()},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    bad_shape: list[tuple[int | None, str]] = []

    def on_bad_row(row: pacsv.InvalidRow) -> str:
        bad_shape.append((row.number, row.text))
        return "skip"

    def read(use_threads: bool, enc: str) -> pa.Table:
        try:
            return pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(use_threads=use_threads, encoding=enc),
                parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_row),
                convert_options=convert,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if enc == "utf8" and "UTF8" in first:
                raise _NotUtf8 from None
            raise LogError(f"{path.name}: cannot parse CSV: {first}") from None

    try:
        table = read(True, encoding)
    except _NotUtf8:
        encoding = FALLBACK_ENCODING
        bad_shape.clear()
        table = read(True, encoding)
    notes = [] if encoding == "utf8" else [f"not UTF-8: decoded as {encoding}"]
    if bad_shape and strict:
        bad_shape.clear()
        read(False, encoding)  # single-threaded pass knows the row numbers
        rows = np.asarray([n for n, _ in bad_shape if n is not None], dtype=np.int64)
        raise LogError(
            f"{path.name}: {row_list(rows, 'rows', 0)}: wrong number of fields (expected "
            f"{len(header)}, like the header){LENIENT_HINT}"
        )
    canon = {orig: name for name, orig in hm.wanted.items()}
    table = table.rename_columns([canon[c] for c in table.column_names])
    if hm.note:
        notes.insert(0, hm.note)
    return RawTable(table, hm.ignored, 2, pre_rejected=len(bad_shape), notes=notes)


def read_parquet_table(path: Path, options: ExportOptions) -> RawTable:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LogError(f"{path.name}: cannot read parquet: {str(exc).splitlines()[0]}") from None
    header = list(schema.names)
    hm = map_header(header, path.name, options.columns, require_amount=options.require_amount)
    try:
        table = pq.read_table(path, columns=list(hm.wanted.values()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise LogError(f"{path.name}: cannot read parquet: {str(exc).splitlines()[0]}") from None
    canon = {orig: name for name, orig in hm.wanted.items()}
    table = table.rename_columns([canon[c] for c in table.column_names])
    return RawTable(table, hm.ignored, 1, text_ids=False, notes=[hm.note] if hm.note else [])


def _cell(value: object) -> object:
    """A workbook cell as Arrow can hold it: dates as ISO text (a time of day dropped later)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def read_xlsx_table(path: Path, options: ExportOptions) -> RawTable:
    """The first worksheet of an .xlsx workbook (openpyxl, read-only, cached values). The
    header is the first non-blank row; blank rows are skipped and rows keep their sheet
    numbers in messages."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LogError(
            f"{path.name}: cannot read the workbook: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    try:
        sheet = book.worksheets[0]
        notes = []
        if len(book.worksheets) > 1:
            notes.append(f"read worksheet {sheet.title!r} (the first of {len(book.worksheets)})")
        header: list[str] | None = None
        cols: list[list[object]] = []
        numbers: list[int] = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            if header is None:
                header = ["" if v is None else str(v) for v in row]
                while header and not header[-1].strip():
                    header.pop()
                hm = map_header(
                    header, path.name, options.columns, require_amount=options.require_amount
                )
                wanted = [(name, header.index(orig)) for name, orig in hm.wanted.items()]
                cols = [[] for _ in wanted]
                continue
            for col, (_, j) in zip(cols, wanted, strict=True):
                col.append(_cell(row[j]) if j < len(row) else None)
            numbers.append(number)
    finally:
        book.close()
    if header is None:
        raise LogError(
            f"{path.name}: empty workbook (expected a header with columns "
            f"{', '.join(REQUIRED_COLUMNS)})"
        )
    table = pa.table(
        {name: series_to_arrow(col) for (name, _), col in zip(wanted, cols, strict=True)}
    )
    if hm.note:
        notes.insert(0, hm.note)
    return RawTable(table, hm.ignored, np.asarray(numbers, dtype=np.int64), notes=notes)
