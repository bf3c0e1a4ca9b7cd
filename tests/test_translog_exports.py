"""Exports as stores write them: each quirk alone and combined reads to the very frame of the
clean file (so every fit and segment is the same), or fails with one line naming the option
that reads it."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sim.translog import ExportOptions, LogError, parse_columns, read_log, validate_log

ZH = ("会员编号", "消费日期", "消费金额")


def clean_log() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 60
    days = np.datetime64("2023-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    days[0] = np.datetime64("2023-03-25")  # a day above 12 somewhere (settles day/month)
    log = pd.DataFrame(
        {
            "customer_id": rng.integers(1, 15, n).astype(np.int64),
            "date": days.astype("datetime64[ns]"),
            "amount": np.round(rng.gamma(1.5, 900.0, n), 2),
        }
    )
    log.loc[1, "amount"] = 2933.0
    return validate_log(log)


CLEAN = clean_log()

DATES = {
    "iso": lambda d: d.strftime("%Y-%m-%d"),
    "dmy_dot": lambda d: d.strftime("%d.%m.%Y"),
    "mdy_slash": lambda d: f"{d.month}/{d.day}/{d.year}",
    "dmy_slash_time": lambda d: f"{d.day}/{d.month}/{d.year} 14:05",
    "ymd_slash_short": lambda d: f"{d.year}/{d.month}/{d.day}",
}
MONEY = {
    "plain": lambda v: f"{v:.2f}",
    "yuan": lambda v: f"¥{v:,.2f}",
    "fullwidth_yuan": lambda v: f"￥{v:,.2f}",
    "thousands": lambda v: f"{v:,.2f}",
    "dollar": lambda v: f"${v:,.2f}",
    "us_dollar": lambda v: f"US$ {v:,.2f}",
    "yuan_suffix": lambda v: f"{v:.2f}元",
}


def render(
    log: pd.DataFrame,
    header=("customer_id", "date", "amount"),
    date="iso",
    money="plain",
    refunds: bool = False,
) -> list[list[object]]:
    rows: list[list[object]] = [list(header)]
    for i, r in enumerate(log.itertuples(index=False)):
        rows.append([r.customer_id, DATES[date](r.date), MONEY[money](r.amount)])
        if refunds and i % 7 == 0:  # a purchase taken back: bought, then refunded in full
            later = r.date + pd.Timedelta(days=2)
            rows.append([r.customer_id, DATES[date](r.date), MONEY[money](55.5)])
            neg = MONEY[money](55.5)
            rows.append([r.customer_id, DATES[date](later), "-" + neg])
    return rows


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    """CRLF lines and a BOM (as Excel writes CSV), or a GBK-family encoding."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding)
    return path


def write_xlsx(path: Path, rows: list[list[object]], as_dates: bool = False) -> Path:
    book = Workbook()
    sheet = book.active
    for i, row in enumerate(rows):
        if as_dates and i:
            row = [row[0], datetime.fromisoformat(row[1]), float(row[2])]
        sheet.append(row)
    book.save(path)
    return path


def read(path: Path, **options) -> tuple[pd.DataFrame, str]:
    lines: list[str] = []
    frame = read_log(path, report=lines.append, options=ExportOptions(**options))
    assert len(lines) == 1 and "\n" not in lines[0]
    return frame, lines[0]


def same_as_clean(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), CLEAN.reset_index(drop=True))


def refusal(path: Path, **options) -> str:
    with pytest.raises(LogError) as err:
        read_log(path, report=None, options=ExportOptions(**options))
    msg = str(err.value)
    assert "\n" not in msg
    return msg


# ------------------------------------------------------------------ each quirk alone
@pytest.mark.parametrize("money", sorted(MONEY))
def test_money_spellings_read_like_the_clean_file(tmp_path, money):
    frame, line = read(write_csv(tmp_path / "e.csv", render(CLEAN, money=money)))
    same_as_clean(frame)
    if money != "plain":
        assert "read as numbers" in line


@pytest.mark.parametrize("date", sorted(DATES))
def test_date_spellings_settled_by_the_file(tmp_path, date):
    frame, line = read(write_csv(tmp_path / "e.csv", render(CLEAN, date=date)))
    same_as_clean(frame)
    if date not in ("iso", "ymd_slash_short"):
        assert "dates read as" in line and "first" in line


def test_chinese_headers_recognised_in_one_line(tmp_path):
    frame, line = read(write_csv(tmp_path / "e.csv", render(CLEAN, header=ZH)))
    same_as_clean(frame)
    assert (
        "columns recognised: 会员编号 -> customer_id, 消费日期 -> date, 消费金额 -> amount" in line
    )


def test_english_aliases(tmp_path):
    header = ("Member ID", "Purchase Date", "Sales Amount")
    frame, line = read(write_csv(tmp_path / "e.csv", render(CLEAN, header=header)))
    same_as_clean(frame)
    assert "Member ID -> customer_id" in line


def test_unknown_headers_need_columns(tmp_path):
    header = ("Kundennummer", "Kaufdatum", "Betrag")
    path = write_csv(tmp_path / "e.csv", render(CLEAN, header=header))
    msg = refusal(path)
    assert "missing required column(s) customer_id, date, amount" in msg and "--columns" in msg
    cols = parse_columns("customer_id=Kundennummer, date=Kaufdatum, amount=Betrag")
    frame, _ = read(path, columns=cols)
    same_as_clean(frame)
    assert "no such column" in refusal(path, columns={"customer_id": "Kunde"})


def test_two_candidate_columns_are_refused_naming_columns(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("会员编号,日期,消费日期,金额\n1,2023-01-05,2023-01-05,3\n")
    msg = refusal(path)
    assert "'日期' and '消费日期' could both be date" in msg and "--columns date=NAME" in msg


def test_ambiguous_day_month_refused_naming_date_format(tmp_path):
    early = CLEAN[CLEAN["date"].dt.day <= 12].reset_index(drop=True)
    path = write_csv(tmp_path / "e.csv", render(early, date="dmy_dot"))
    msg = refusal(path)
    assert "--date-format %d.%m.%Y" in msg and "--date-format %m.%d.%Y" in msg
    frame, _ = read(path, date_format="%d.%m.%Y")
    pd.testing.assert_frame_equal(frame, early)
    # strict day/month when the option is given: a month-first file is named, not misread
    us = write_csv(tmp_path / "us.csv", render(CLEAN, date="mdy_slash"))
    assert "do not match --date-format %d/%m/%Y" in refusal(us, date_format="%d/%m/%Y")


def test_refunds_need_an_option_then_net_to_the_clean_file(tmp_path):
    path = write_csv(tmp_path / "e.csv", render(CLEAN, money="yuan", refunds=True))
    msg = refusal(path)
    assert "negative amount" in msg and "--refunds net or --refunds drop" in msg
    frame, line = read(path, refunds="net")
    same_as_clean(frame)
    n = len(range(0, len(CLEAN), 7))
    assert f"{n} refund lines" in line and f"{n} purchases refunded in full left out" in line
    dropped, line = read(path, refunds="drop")
    assert len(dropped) == len(CLEAN) + n and f"{n} refund lines" in line


def test_partial_refund_lowers_the_purchase_and_oversized_refund_is_named(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "customer_id,date,amount\n1,2023-01-05,100\n1,2023-01-06,-30\n"
        "2,2023-01-05,10\n2,2023-01-07,-25\n"
    )
    assert "row 5: refund larger than the customer's earlier purchases" in refusal(
        path, refunds="net"
    )
    lines: list[str] = []
    frame = read_log(path, strict=False, report=lines.append, options=ExportOptions(refunds="net"))
    assert frame["amount"].tolist() == [70.0, 10.0]
    assert "rejected 1" in lines[0] and "1 lowered" in lines[0]


@pytest.mark.parametrize("as_dates", [False, True])
def test_xlsx_reads_like_the_clean_file(tmp_path, as_dates):
    rows = render(CLEAN, money="plain")
    frame, line = read(write_xlsx(tmp_path / "e.xlsx", rows, as_dates=as_dates))
    same_as_clean(frame)
    assert "rejected 0" in line


def test_xlsx_bad_row_named_by_its_sheet_row(tmp_path):
    rows = render(CLEAN.head(3))
    rows.insert(2, [None, None, None])  # a blank sheet row 3 is skipped, numbering kept
    rows[3][2] = "lots"
    assert "e.xlsx: row 4: non-numeric amount" in refusal(write_xlsx(tmp_path / "e.xlsx", rows))


# ------------------------------------------------------------------ combined
@pytest.mark.parametrize("suffix", [".csv", ".gbk.csv", ".xlsx"])
def test_every_quirk_at_once(tmp_path, suffix):
    rows = render(CLEAN, header=ZH, date="dmy_dot", money="yuan", refunds=True)
    path = tmp_path / f"export{suffix}"
    if suffix == ".xlsx":
        write_xlsx(path, rows)
    else:
        write_csv(path, rows, "gb18030" if suffix == ".gbk.csv" else "utf-8-sig")
    frame, line = read(path, refunds="net")
    same_as_clean(frame)
    assert "columns recognised" in line and "day first" in line and "¥" in line


# ------------------------------------------------------------------ options and properties
@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"refunds": "keep"}, "--refunds 'keep': must be one of net, drop"),
        ({"date_format": "dd.mm.yyyy"}, "--date-format 'dd.mm.yyyy': needs strptime fields"),
        ({"columns": {"member": "x"}}, "--columns: 'member' is not a log column"),
    ],
)
def test_bad_options_are_one_line(kwargs, text):
    with pytest.raises(LogError, match=text):
        ExportOptions(**kwargs)


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(0, 10**10),
    mark=st.sampled_from(["", "¥", "$", "US$", "€", "£"]),
    negative=st.booleans(),
)
def test_money_spelling_property(cents, mark, negative):
    value = cents / 100
    text = f"{'-' if negative else ''}{mark}{value:,.2f}"
    df = pd.DataFrame({"customer_id": [1], "date": ["2023-01-01"], "amount": [text]})
    opts = ExportOptions(refunds="drop")
    out = validate_log(pd.concat([df.assign(amount="1e9"), df]), options=opts)
    expected = [1e9] if negative and value > 0 else [1e9, value]  # the largest plausible amount
    assert out["amount"].tolist() == pytest.approx(expected, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2060, 12, 31).date()),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([".", "/", "-"]),
    st.booleans(),
)
def test_day_month_property(days, sep, day_first):
    """Read exactly when some value above 12 settles the order; never misread."""

    def spell(d):
        a, b = (d.day, d.month) if day_first else (d.month, d.day)
        return f"{a:02d}{sep}{b:02d}{sep}{d.year}"

    df = pd.DataFrame({"customer_id": 1, "date": [spell(d) for d in days], "amount": 1.0})
    settled = any(d.day > 12 for d in days)
    if not settled:  # even 01.01. dates are refused: the file does not say its order
        with pytest.raises(LogError, match="--date-format"):
            validate_log(df)
        return
    out = validate_log(df)
    assert out["date"].dt.date.tolist() == days
