"""A corpus of malformed transaction files: each gets a clear one-line error (with the row
number when a row is at fault) or a documented acceptance whose report line counts what was
changed; no row is ever lost silently."""

from __future__ import annotations

import bz2
import gzip
import io
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.translog import LogError, read_log, validate_log

GOOD = "customer_id,date,amount\n1,2024-01-05,100\n2,2024-01-06,50.5\n"


def read(path: Path, strict: bool = True) -> tuple[pd.DataFrame, str]:
    lines: list[str] = []
    frame = read_log(path, strict=strict, report=lines.append)
    assert len(lines) == 1 and "\n" not in lines[0]
    return frame, lines[0]


def error_of(path: Path) -> str:
    with pytest.raises(LogError) as err:
        read_log(path, report=None)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(path.name)
    return msg


# ------------------------------------------------------------------ formats and encodings
@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: gzip.compress(GOOD.encode()), "gzip-compressed file"),
        (lambda: bz2.compress(GOOD.encode()), "bzip2-compressed file"),
        (lambda: b"PAR1" + b"\0" * 20, "parquet file"),
    ],
)
def test_compressed_or_binary_file_named_csv(tmp_path, make, expected):
    path = tmp_path / "export.csv"
    path.write_bytes(make())
    msg = error_of(path)
    assert "compressed or binary file" in msg and expected in msg


def test_excel_workbook_named_csv(tmp_path):
    path = tmp_path / "export.csv"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    path.write_bytes(buf.getvalue())
    assert "Excel .xlsx" in error_of(path)


def test_gzip_with_its_own_suffix_is_read(tmp_path):
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(GOOD.encode()))
    frame, line = read(path)
    assert len(frame) == 2 and "rejected 0" in line


def test_not_gzip_named_csv_gz(tmp_path):
    path = tmp_path / "export.csv.gz"
    path.write_text(GOOD)
    assert "cannot decompress" in error_of(path) or "cannot parse" in error_of(path)


def test_utf16_export_is_decoded_and_reported(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(("\ufeff" + GOOD.replace("1,2024", "会员1,2024")).encode("utf-16-le"))
    frame, line = read(path)
    assert len(frame) == 2 and "decoded as utf-16" in line
    assert "会员1" in set(frame["customer_id"])


@pytest.mark.parametrize(
    "sep, word", [(" ", "space"), ("\t", "tab"), (";", "semicolon"), ("|", "pipe")]
)
def test_other_delimiters_show_columns_found_and_delimiter(tmp_path, sep, word):
    path = tmp_path / "export.csv"
    path.write_text(GOOD.replace(",", sep))
    msg = error_of(path)
    assert f"{word}-separated" in msg
    assert "columns found: customer_id, date, amount" in msg


def test_whitespace_export_with_aligned_columns(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("customer_id   date         amount\n1   2024-01-05   100\n")
    msg = error_of(path)
    assert "space-separated (columns found: customer_id, date, amount)" in msg


def test_missing_required_column_lists_the_columns_found(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("member,date,amount\n1,2024-01-05,100\n")
    msg = error_of(path)
    assert "missing required column(s) customer_id" in msg and "'member'" in msg


# ------------------------------------------------------------------ types
def test_list_typed_parquet_column(tmp_path):
    path = tmp_path / "export.parquet"
    pq.write_table(
        pa.table({"customer_id": [1, 2], "date": ["2024-01-05", "2024-01-06"],
                  "amount": pa.array([[1.0, 2.0], [3.0]])}),
        path,
    )
    msg = error_of(path)
    assert "column 'amount' holds lists or records" in msg


def test_struct_typed_id_column_in_a_frame():
    df = pd.DataFrame({"customer_id": [{"a": 1}, {"a": 2}], "date": ["2024-01-05"] * 2,
                       "amount": [1.0, 2.0]})
    with pytest.raises(LogError, match="column 'customer_id' holds lists or records"):
        validate_log(df)


@pytest.mark.parametrize(
    "cell, reason",
    [('"1.234,50"', "non-numeric amount"), ('"¥1,23"', "non-numeric amount"),
     ("12 apples", "non-numeric amount"), ("$(3)", "non-numeric amount"),
     ("inf", "non-numeric amount"), ("nan", "non-numeric amount"), ("-3", "negative amount"),
     ("true", "non-numeric amount")],
)
def test_bad_amount_cells_are_named_with_their_row(tmp_path, cell, reason):
    path = tmp_path / "export.csv"
    path.write_text(f"customer_id,date,amount\n1,2024-01-05,100\n2,2024-01-06,{cell}\n")
    msg = error_of(path)
    assert f"row 3: {reason}" in msg


def test_boolean_parquet_amount_is_rejected_with_its_row(tmp_path):
    path = tmp_path / "export.parquet"
    pq.write_table(pa.table({"customer_id": [1], "date": ["2024-01-05"], "amount": [True]}), path)
    assert "row 1: non-numeric amount" in error_of(path)


def test_impossible_date_is_named_with_its_row(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-05,100\n2,2024-02-30,5\n")
    assert "row 3: unparseable date" in error_of(path)


def test_fractional_parquet_id(tmp_path):
    path = tmp_path / "export.parquet"
    pq.write_table(
        pa.table({"customer_id": [7.0, 7.5], "date": ["2024-01-05"] * 2, "amount": [1.0, 2.0]}),
        path,
    )
    assert "row 2: non-integer customer_id" in error_of(path)


# ------------------------------------------------------------------ documented acceptances
def test_whole_decimal_ids_are_the_same_customer(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("customer_id,date,amount\n7,2024-01-05,100\n7.0,2024-01-06,5\n8,2024-01-06,5\n")
    frame, line = read(path)
    assert sorted(frame["customer_id"].tolist()) == [7, 7, 8]
    assert frame["customer_id"].dtype == "int64"
    assert "1 customer_id written as whole decimals (7.0) read as 7" in line


def test_whole_decimal_ids_among_text_ids(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("customer_id,date,amount\nA1,2024-01-05,1\n7,2024-01-05,1\n7.00,2024-01-06,1\n")
    frame, line = read(path)
    assert frame["customer_id"].tolist() == ["A1", "7", "7"]
    assert "whole decimals" in line


def test_utc_offsets_count_on_the_local_day_in_csv_and_parquet(tmp_path):
    stamps = ["2024-01-31T01:00:00+08:00", "2024-01-31T23:30:00-05:00", "2024-02-01T00:10:00Z"]
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(
        "customer_id,date,amount\n" + "".join(f"{i},{s},10\n" for i, s in enumerate(stamps))
    )
    frame, line = read(csv_path)
    days = frame["date"].dt.strftime("%Y-%m-%d").tolist()
    assert days == ["2024-01-31", "2024-01-31", "2024-02-01"]
    assert "3 timestamps with a UTC offset counted on their local day" in line
    # parquet: a time-zone-aware column (one zone per column) -> the same local day
    pq_path = tmp_path / "export.parquet"
    ts = pd.to_datetime(["2024-01-31T01:00:00"]).tz_localize("Asia/Shanghai")
    pq.write_table(pa.table({"customer_id": [1], "date": pa.array(ts), "amount": [10.0]}),
                   pq_path)
    pframe, pline = read(pq_path)
    assert pframe["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-31"]
    assert "1 timestamps with a time zone counted on their local day" in pline


def test_exact_duplicates_are_kept_and_counted(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-05,100\n1,2024-01-05,100\n2,2024-01-05,9\n")
    frame, line = read(path)
    assert len(frame) == 3 and "1 exact duplicate rows kept" in line


def test_discount_above_amount_is_kept_and_counted(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("customer_id,date,amount,discount\n1,2024-01-05,40,60\n2,2024-01-05,90,10\n")
    frame, line = read(path)
    assert len(frame) == 2 and "1 rows with a discount above the amount paid kept" in line


def test_lenient_read_accounts_for_every_row(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "customer_id,date,amount\n1,2024-01-05,100\n2,not a date,5\n3,2024-01-05,-1\n"
        "4,2024-01-05\n5,2024-01-07,7\n"
    )
    frame, line = read(path, strict=False)
    assert len(frame) == 2
    assert "read 5 rows, rejected 3" in line
    assert "wrong number of fields: 1" in line and "negative amount: 1" in line
