"""``python -m experiments.segment``: the printed table, segments.csv, and clean failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.clv import buyer_top_share
from sim.segments import FEATURES, FLAG_COLUMNS, SEGMENTS
from sim.translog import _synthetic_log, write_log

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "experiments.segment", *map(str, args)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def log_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "log.csv"
    write_log(_synthetic_log(5_000, 600, seed=11), path)
    return path


def test_segments_table_and_csv(log_csv: Path, tmp_path: Path) -> None:
    res = run_cli(log_csv, "--out", tmp_path, "--margin", "0.3", "--store", "S1")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "log.csv: read 5000 rows, rejected 0" in out
    assert "retention r = " in out
    for name in SEGMENTS:
        assert name in out
    for header in ("members", "share_of_members", "share_of_revenue_365d", "avg_ticket"):
        assert header in out
    table = pd.read_csv(tmp_path / "segments.csv")
    expected = ["customer_id", "segment", "tier_abcd", "value_class", "clv", *FEATURES,
                *FLAG_COLUMNS]
    assert list(table.columns) == expected
    # The printed top-20% figure is the top-20% buyer revenue share (docs/kpis.md).
    buyers = int((table["yearly_spend"] > 0).sum())
    share = buyer_top_share(table["yearly_spend"].to_numpy(), 0.2)
    assert f"{buyers:,d} bought in the last 365 days" in out
    assert "top-20% buyer revenue share" in out and f"{share:.1%}" in out
    assert table["customer_id"].is_unique
    assert set(table["segment"]) <= set(SEGMENTS)
    assert set(table["value_class"]) <= {"loyal", "potential", "marginal"}
    assert table["tier_abcd"].str.fullmatch(r"[ABCD][123]").all()
    assert (table["clv"] >= 0).all()


def test_as_of_and_four_levels(log_csv: Path, tmp_path: Path) -> None:
    res = run_cli(log_csv, "--out", tmp_path, "--as-of", "2022-06-30", "--levels", "4",
                  "--retention", "0.6", "--store", "S2")
    assert res.returncode == 0, res.stderr
    assert "store S2: " in res.stdout
    assert "members on 2022-06-30" in res.stdout
    assert "retention r = 0.600 (given)" in res.stdout
    table = pd.read_csv(tmp_path / "segments.csv")
    assert (pd.to_datetime(table["last_date"]) <= "2022-06-30").all()
    assert table["tier_abcd"].str.fullmatch(r"[ABCD][1234]").all()


def test_lenient_reports_rejected_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "customer_id,date,amount,promo\n1,2024-01-01,10,yes\n2,2024-13-01,5,no\n"
        "3,2024-02-01,-4,no\n1,2024-03-01,20,no\n"
    )
    strict = run_cli(path, "--out", tmp_path)
    assert strict.returncode == 2
    assert strict.stderr.startswith("error: bad.csv: row 3: unparseable date")
    assert "Traceback" not in strict.stderr
    lenient = run_cli(path, "--out", tmp_path, "--lenient")
    assert lenient.returncode == 0, lenient.stderr
    assert "read 4 rows, rejected 2" in lenient.stdout
    assert len(pd.read_csv(tmp_path / "segments.csv")) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{missing}"], "error: no such file"),
        (["{log}", "--margin", "1.5"], "error: --margin 1.5: must be in [0, 1]"),
        (["{log}", "--as-of", "yesterday-ish"], "error: --as-of 'yesterday-ish': not a date"),
        (["{log}", "--levels", "5"], "error: argument --levels: invalid choice"),
        (["{bad_suffix}"], "error: log.txt: unsupported file type"),
        (["{log}", "--store", "S9"], "error: --store S9: not in the log (stores: S1, S2, S3)"),
        (["{log}"], "error: log.csv: the log holds 3 stores (S1, S2, S3); choose one with "
                    "--store ID, or segment each on its own with --per-store"),
        (["{log}", "--store", "S1", "--refunds", "keep"], "error: argument --refunds"),
        (["{log}", "--store", "S1", "--columns", "amount"], "error: --columns: 'amount' is not"),
        # the output directory, checked before the log is read (not after the table is shown)
        (["{log}", "--store", "S1", "--out", "/proc/x"], "error: --out: cannot create '/proc/x'"),
        (["{log}", "--out", ""], "error: argument --out: must be a directory path, got ''"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    log_csv: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    bad_suffix = tmp_path / "log.txt"
    bad_suffix.write_text("customer_id,date,amount\n")
    fill = {"missing": tmp_path / "nope.csv", "log": log_csv, "bad_suffix": bad_suffix}
    res = run_cli(*[a.format(**fill) for a in args])
    assert res.returncode == 2
    assert res.stderr.startswith(message), res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_default_output_goes_next_to_the_input(log_csv: Path, tmp_path: Path) -> None:
    here = tmp_path / "export"
    here.mkdir()
    src = here / "log.csv"
    src.write_bytes(log_csv.read_bytes())
    before = (REPO / "segments.csv").exists()
    res = run_cli(src, "--store", "S1")
    assert res.returncode == 0, res.stderr
    assert (here / "segments.csv").exists()
    assert (REPO / "segments.csv").exists() == before  # never into the current directory


def test_piped_into_head_is_quiet_and_still_writes(log_csv: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.segment", str(log_csv), "--out", str(tmp_path),
         "--store", "S1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()  # `| head -1`: read one line, then go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Broken pipe" not in err and "Traceback" not in err
    assert len(pd.read_csv(tmp_path / "segments.csv")) > 0


def test_per_store_segments_each_store_on_its_own(log_csv: Path, tmp_path: Path) -> None:
    res = run_cli(log_csv, "--out", tmp_path, "--per-store")
    assert res.returncode == 0, res.stderr
    assert all(f"== store {s} ==" in res.stdout for s in ("S1", "S2", "S3"))
    table = pd.read_csv(tmp_path / "segments.csv")
    assert list(table.columns[:2]) == ["store_id", "customer_id"]
    one = run_cli(log_csv, "--out", tmp_path / "s2", "--store", "S2")
    alone = pd.read_csv(tmp_path / "s2" / "segments.csv")
    mine = table[table["store_id"] == "S2"].drop(columns="store_id").reset_index(drop=True)
    assert one.returncode == 0
    pd.testing.assert_frame_equal(mine, alone)


def test_chinese_workbook_with_refunds_segments_like_the_clean_file(tmp_path: Path) -> None:
    from openpyxl import Workbook

    log = _synthetic_log(800, 90, seed=5)[["customer_id", "date", "amount"]]
    write_log(log, tmp_path / "clean.csv")
    book = Workbook()
    sheet = book.active
    sheet.append(["会员编号", "消费日期", "消费金额", "备注"])
    for i, r in enumerate(log.itertuples(index=False)):
        sheet.append([r.customer_id, r.date.strftime("%d.%m.%Y"), f"¥{r.amount:,.2f}", ""])
        if i % 10 == 0:
            sheet.append([r.customer_id, r.date.strftime("%d.%m.%Y"), "¥1,000.00", "退货"])
            sheet.append([r.customer_id, r.date.strftime("%d.%m.%Y"), "-¥1,000.00", "退货"])
    book.save(tmp_path / "export.xlsx")
    clean = run_cli(tmp_path / "clean.csv", "--out", tmp_path / "a")
    refused = run_cli(tmp_path / "export.xlsx", "--out", tmp_path / "b")
    assert refused.returncode == 2 and "--refunds net or --refunds drop" in refused.stderr
    messy = run_cli(tmp_path / "export.xlsx", "--out", tmp_path / "b", "--refunds", "net")
    assert clean.returncode == 0 and messy.returncode == 0, messy.stderr
    assert "columns recognised: 会员编号 -> customer_id" in messy.stdout
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a" / "segments.csv"),
                                  pd.read_csv(tmp_path / "b" / "segments.csv"))
