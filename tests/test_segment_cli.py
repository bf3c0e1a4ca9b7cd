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
    res = run_cli(log_csv, "--out", tmp_path, "--margin", "0.3")
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
