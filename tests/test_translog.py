"""Transaction-log schema: reading, validation messages with row numbers, round trips."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.translog import (
    ALLOWED_COLUMNS,
    LogError,
    _synthetic_log,
    empty_log,
    read_log,
    validate_log,
    write_log,
)

HEADER = "customer_id,date,amount,store_id,promo,discount\n"
GOOD = "1,2024-01-05,10.5,S1,true,0\n"


def write_csv(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_quiet(path: Path, **kw) -> pd.DataFrame:
    return read_log(path, report=None, **kw)


# ---------------------------------------------------------------------------- happy paths


def test_canonical_dtypes_and_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER + GOOD + "2,2024-01-06 14:30:00,3,S2,no,1.5\n")
    df = read_quiet(path)
    assert list(df.columns) == list(ALLOWED_COLUMNS)
    assert df["customer_id"].dtype == np.int64
    assert df["date"].dtype == "datetime64[ns]"
    assert df["amount"].dtype == np.float64
    assert df["store_id"].dtype == "string"
    assert df["promo"].dtype == bool
    assert df["discount"].dtype == np.float64
    assert df["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-06")]
    assert df["promo"].tolist() == [True, False]


def test_required_columns_only_and_column_order_free(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "amount,Customer_ID , date\n5,7,2024-02-01\n")
    df = read_quiet(path)
    assert list(df.columns) == ["customer_id", "date", "amount"]
    assert df.iloc[0].tolist() == [7, pd.Timestamp("2024-02-01"), 5.0]


def test_text_ids_stay_text(tmp_path: Path) -> None:
    text = "customer_id,date,amount\nC01,2024-01-01,1\n7,2024-01-01,2\n"
    df = read_quiet(write_csv(tmp_path, text))
    assert df["customer_id"].dtype == "string"
    assert df["customer_id"].tolist() == ["C01", "7"]


def test_leading_zero_ids_are_not_turned_into_numbers(tmp_path: Path) -> None:
    text = "customer_id,date,amount\n007,2024-01-01,1\n12,2024-01-01,2\n"
    df = read_quiet(write_csv(tmp_path, text))
    assert df["customer_id"].tolist() == ["007", "12"]


@pytest.mark.parametrize(
    "text", ["2024-03-05", "2024/03/05", "20240305", "2024-03-05 23:59:59", "2024-03-05T08:00"]
)
def test_date_spellings_normalised_to_day(tmp_path: Path, text: str) -> None:
    df = read_quiet(write_csv(tmp_path, f"customer_id,date,amount\n1,{text},1\n"))
    assert df["date"].iloc[0] == pd.Timestamp("2024-03-05")


def test_promo_spellings(tmp_path: Path) -> None:
    values = ["true", "FALSE", "1", "0", "Yes", " no "]
    rows = "".join(f"1,2024-01-01,1,{v}\n" for v in values)
    df = read_quiet(write_csv(tmp_path, "customer_id,date,amount,promo\n" + rows))
    assert df["promo"].tolist() == [True, False, True, False, True, False]


def test_summary_line_always_printed(tmp_path: Path) -> None:
    lines: list[str] = []
    read_log(write_csv(tmp_path, HEADER + GOOD), report=lines.append)
    assert lines == ["log.csv: read 1 rows, rejected 0"]


def test_unknown_columns_reported_as_ignored(tmp_path: Path) -> None:
    lines: list[str] = []
    df = read_log(
        write_csv(tmp_path, "customer_id,date,amount,note,points\n1,2024-01-01,1,x,3\n"),
        report=lines.append,
    )
    assert list(df.columns) == ["customer_id", "date", "amount"]
    assert "ignored unknown columns: note, points" in lines[0]


def test_blank_discount_read_as_zero_and_reported(tmp_path: Path) -> None:
    lines: list[str] = []
    text = "customer_id,date,amount,discount\n1,2024-01-01,1,\n1,2024-01-02,1,2\n"
    df = read_log(write_csv(tmp_path, text), report=lines.append)
    assert df["discount"].tolist() == [0.0, 2.0]
    assert "1 blank discount cells read as 0" in lines[0]


def test_zero_amount_is_a_valid_giveaway(tmp_path: Path) -> None:
    df = read_quiet(write_csv(tmp_path, "customer_id,date,amount\n1,2024-01-01,0\n"))
    assert df["amount"].tolist() == [0.0]


def test_header_only_gives_empty_canonical_frame(tmp_path: Path) -> None:
    df = read_quiet(write_csv(tmp_path, "customer_id,date,amount\n"))
    assert len(df) == 0
    assert df["date"].dtype == "datetime64[ns]"
    assert df["amount"].dtype == np.float64


def test_bom_header(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffcustomer_id,date,amount\n1,2024-01-01,1\n".encode())
    assert len(read_quiet(path)) == 1


# ---------------------------------------------------------------------------- errors (strict)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,2024-02-30,1,S1,true,0", "row 3: unparseable date in column 'date'"),
        ("1,,1,S1,true,0", "row 3: missing date"),
        ("1,2024-01-01,,S1,true,0", "row 3: missing amount"),
        ("1,2024-01-01,abc,S1,true,0", "row 3: non-numeric amount"),
        ("1,2024-01-01,nan,S1,true,0", "row 3: non-numeric amount"),
        ("1,2024-01-01,-5,S1,true,0", "row 3: negative amount"),
        (",2024-01-01,5,S1,true,0", "row 3: missing customer_id"),
        ("1,2024-01-01,5,,true,0", "row 3: missing store_id"),
        ("1,2024-01-01,5,S1,maybe,0", "row 3: promo not boolean-like"),
        ("1,2024-01-01,5,S1,,0", "row 3: promo not boolean-like"),
        ("1,2024-01-01,5,S1,true,-1", "row 3: negative discount"),
        ("1,2024-01-01,5,S1,true,x", "row 3: non-numeric discount"),
        ("1,2024-01-01,5,S1,true,0,extra", "row 3: wrong number of fields"),
        ("1,1600-01-01,5,S1,true,0", "row 3: date out of range"),
    ],
)
def test_each_bad_row_is_named_with_its_file_row(tmp_path: Path, row: str, message: str) -> None:
    path = write_csv(tmp_path, HEADER + GOOD + row + "\n" + GOOD)
    with pytest.raises(LogError) as info:
        read_quiet(path)
    text = str(info.value)
    assert text.startswith("log.csv: ")
    assert message in text
    assert "\n" not in text


def test_many_bad_rows_show_the_first_few_and_a_count(tmp_path: Path) -> None:
    rows = [GOOD] * 50
    for i in (1, 5, 10, 20, 30):  # file rows 3, 7, 12, 22, 32
        rows[i] = "1,not-a-date,1,S1,true,0\n"
    with pytest.raises(LogError, match=r"rows 3, 7, 12 \(\+2 more\): unparseable date"):
        read_quiet(write_csv(tmp_path, HEADER + "".join(rows)))


def test_error_names_earliest_problem_and_mentions_others(tmp_path: Path) -> None:
    text = HEADER + GOOD + "1,2024-01-01,-1,S1,true,0\n" + "1,bad,1,S1,true,0\n"
    with pytest.raises(LogError) as info:
        read_quiet(write_csv(tmp_path, text))
    msg = str(info.value)
    assert "row 3: negative amount" in msg
    assert "also unparseable date in column 'date' (1 row)" in msg
    assert "--lenient" in msg


def test_missing_required_columns_are_named_with_allowed_list(tmp_path: Path) -> None:
    with pytest.raises(LogError) as info:
        read_quiet(write_csv(tmp_path, "customer,date\n1,2024-01-01\n"))
    msg = str(info.value)
    assert "missing required column(s) customer_id, amount" in msg
    assert "allowed columns: customer_id, date, amount, store_id, promo, discount" in msg


def test_duplicate_column(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="column 'amount' appears more than once"):
        read_quiet(write_csv(tmp_path, "customer_id,date,amount,Amount\n1,2024-01-01,1,2\n"))


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="unsupported file type"):
        read_quiet(write_csv(tmp_path, HEADER, name="log.json"))
    with pytest.raises(LogError, match="old Excel .xls workbook; save it as .xlsx or CSV"):
        read_quiet(write_csv(tmp_path, HEADER, name="log.xls"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_quiet(tmp_path / "nope.csv")


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="empty file"):
        read_quiet(write_csv(tmp_path, ""))


@given(junk=st.binary(min_size=1, max_size=512))
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_binary_file_named_csv_is_said_to_be_binary(tmp_path: Path, junk: bytes) -> None:
    """A picture or random bytes saved as .csv: GB18030 decodes almost any bytes, so without
    this check the user got a 'missing columns' line quoting garbage."""
    path = tmp_path / "pic.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + junk)
    with pytest.raises(LogError, match=r"^pic.csv: binary data \(a NUL byte at byte 8\)"):
        read_quiet(path)


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    table = pa.table({"customer_id": [1, 2, 3], "date": ["2024-01-01", "2024-01-02", "x"],
                      "amount": [1.0, -2.0, 3.0]})
    pq.write_table(table, path)
    with pytest.raises(LogError, match=r"row 2: negative amount; also unparseable date"):
        read_quiet(path)


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(LogError, match="cannot read parquet"):
        read_quiet(path)


# ---------------------------------------------------------------------------- lenient


def test_lenient_rejects_and_counts_per_reason(tmp_path: Path) -> None:
    text = HEADER + GOOD + "1,bad,1,S1,true,0\n" + "1,bad,-1,S1,true,0\n"
    text += "2,2024-01-01,-3,S1,yes,0\n" + "1,2024-01-01,5,S1,true,0,extra\n" + GOOD
    lines: list[str] = []
    df = read_log(write_csv(tmp_path, text), strict=False, report=lines.append)
    assert len(df) == 2
    assert lines[0].startswith("log.csv: read 6 rows, rejected 4 (")
    assert "wrong number of fields: 1" in lines[0]
    assert "unparseable date in column 'date': 2" in lines[0]
    assert "negative amount: 2" in lines[0]


def test_validate_log_lenient_without_report_warns() -> None:
    df = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01", None]),
                       "amount": [1.0, 2.0]})
    with pytest.warns(UserWarning, match="rejected 1"):
        out = validate_log(df, strict=False)
    assert out["customer_id"].tolist() == [1]


# ---------------------------------------------------------------------------- in-memory frames


def test_validate_log_names_positions() -> None:
    df = pd.DataFrame({"customer_id": [1, 2, 3], "date": ["2024-01-01"] * 3,
                       "amount": [1.0, 2.0, -3.0]})
    with pytest.raises(LogError, match="log: position 2: negative amount"):
        validate_log(df)


def test_validate_log_accepts_mixed_object_columns() -> None:
    df = pd.DataFrame({"customer_id": [1, "A7"], "date": ["2024-01-01", pd.Timestamp("2024-01-02")],
                       "amount": ["3.5", 4], "promo": [True, "no"]})
    out = validate_log(df)
    assert out["customer_id"].tolist() == ["1", "A7"]
    assert out["amount"].tolist() == [3.5, 4.0]
    assert out["promo"].tolist() == [True, False]


def test_validate_log_rejects_non_frames() -> None:
    with pytest.raises(LogError, match="expected a pandas DataFrame"):
        validate_log([1, 2, 3])  # type: ignore[arg-type]


def test_empty_log_validates() -> None:
    df = empty_log(optional=("promo",))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = validate_log(df)
    pd.testing.assert_frame_equal(out, df)


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".csv.gz"])
def test_round_trip_simulated_log(tmp_path: Path, suffix: str) -> None:
    log = _synthetic_log(2_000, 300, seed=3)
    log["store_id"] = log["store_id"].astype("string")  # as the simulation exports it
    path = write_log(log, tmp_path / f"log{suffix}")
    back = read_quiet(path)
    pd.testing.assert_frame_equal(back, log)


ids_int = st.integers(min_value=-(10**12), max_value=10**12)
ids_text = st.text(alphabet="abcXYZ0123456789,\"'-_中文", min_size=1, max_size=6).map(
    lambda s: "C" + s
)


@st.composite
def logs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=0, max_value=25))
    id_strategy = ids_int if draw(st.booleans()) else ids_text
    day = st.integers(min_value=-20_000, max_value=40_000)
    money = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
    days = np.array(draw(st.lists(day, min_size=n, max_size=n)), dtype="datetime64[D]")
    df = pd.DataFrame({
        "customer_id": draw(st.lists(id_strategy, min_size=n, max_size=n)),
        "date": days.astype("datetime64[ns]"),
        "amount": np.array(draw(st.lists(money, min_size=n, max_size=n)), dtype=np.float64),
        "store_id": draw(st.lists(ids_text, min_size=n, max_size=n)),
        "promo": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        "discount": np.array(draw(st.lists(money, min_size=n, max_size=n)), dtype=np.float64),
    })
    return df


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(log=logs(), suffix=st.sampled_from([".csv", ".parquet"]))
def test_round_trip_property(tmp_path: Path, log: pd.DataFrame, suffix: str) -> None:
    expected = validate_log(log)
    back = read_quiet(write_log(log, tmp_path / f"prop{suffix}"))
    pd.testing.assert_frame_equal(back, expected)


def test_gbk_export_is_decoded_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("customer_id,date,amount,store_id\n1,2024-01-01,5,县城店\n".encode("gbk"))
    lines: list[str] = []
    df = read_log(path, report=lines.append)
    assert df["store_id"].tolist() == ["县城店"]
    assert "decoded as gb18030" in lines[0]


def test_semicolon_file_gets_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="must be comma-separated"):
        read_quiet(write_csv(tmp_path, "customer_id;date;amount\n1;2024-01-01;5\n"))
