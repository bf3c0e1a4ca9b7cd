"""The calibrate command: bad input stops before any fitting with one line; a fit-only run
writes its outputs; the round trip (simulated export -> calibrated market -> holdout)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import calibrate as cli
from experiments.calibration import core
from sim.config import MarketConfig
from sim.customer_base.simulate import simulate
from sim.translog import write_log

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_log(tmp_path_factory) -> Path:
    sim = simulate(1_500, (1.0, 12.0, 1.0, 6.0), (4.0, 3.0, 800.0), horizon=78.0,
                   cohort_span=78.0, seed=3)
    log = sim.to_log()
    log["store_id"] = "S1"
    path = tmp_path_factory.mktemp("log") / "log.csv"
    return write_log(log, path)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _fits_never_called(monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("fitting started before the input was checked")

    monkeypatch.setattr("experiments.calibration.pipeline.fit_models", boom)


def _write(tmp_path: Path, rows: list[tuple], name: str = "log.csv") -> Path:
    cols = ["customer_id", "date", "amount", "store_id"][: len(rows[0])]
    return write_log(pd.DataFrame(rows, columns=cols).assign(date=lambda d: pd.to_datetime(
        d["date"])), tmp_path / name)


@pytest.mark.parametrize(
    "case, field",
    [
        ("single_day", "LOG"),
        ("few_customers", "LOG"),
        ("few_repeat", "LOG"),
        ("end_before", "--calibration-end"),
        ("end_after", "--calibration-end"),
        ("end_not_date", "--calibration-end"),
        ("store_missing", "--store"),
        ("store_needed", "--store"),
        ("bad_name", "--name"),
    ],
)
def test_bad_input_one_line_before_fitting(case, field, tmp_path, small_log, capsys,
                                           monkeypatch):
    _fits_never_called(monkeypatch)
    out = tmp_path / "out"
    argv = [str(small_log), "--out", str(out), "--store", "S1", "--quiet"]
    if case == "single_day":
        argv[0] = str(_write(tmp_path, [(i, "2024-03-01", 10.0) for i in range(200)]))
        argv = argv[:3] + ["--quiet"]
    elif case == "few_customers":
        rows = [(i, d, 10.0) for i in range(30) for d in ("2024-01-05", "2024-06-01")]
        argv[0] = str(_write(tmp_path, rows + [(999, "2024-12-31", 5.0)]))
        argv = argv[:3] + ["--quiet"]
    elif case == "few_repeat":
        rows = [(i, "2024-01-05", 10.0) for i in range(300)]
        rows += [(i, "2024-03-01", 10.0) for i in range(5)] + [(999, "2024-12-31", 5.0)]
        argv[0] = str(_write(tmp_path, rows))
        argv = argv[:3] + ["--quiet"]
    elif case == "end_before":
        argv += ["--calibration-end", "2020-01-01"]
    elif case == "end_after":
        argv += ["--calibration-end", "2031-01-01"]
    elif case == "end_not_date":
        argv += ["--calibration-end", "soon"]
    elif case == "store_missing":
        argv[4] = "S9"
    elif case == "store_needed":
        log = pd.read_csv(small_log)
        log.loc[log.index[:10], "store_id"] = "S2"
        two = tmp_path / "two.csv"
        log.to_csv(two, index=False)
        argv = [str(two), "--out", str(out), "--quiet"]
    elif case == "bad_name":
        argv += ["--name", "../evil"]
    code, _, err = _run(argv, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}"), err
    assert not (out / "fit.json").exists()


def test_default_split_is_two_thirds():
    log = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["2024-01-01",
                        "2024-01-31"]), "amount": [1.0, 2.0]})
    p = core.periods_of(log)
    assert p.dates()["calibration_end"] == "2024-01-21" and p.dates()["end"] == "2024-01-31"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fit_only_run_writes_outputs(small_log, tmp_path, capsys, lang):
    out = tmp_path / "out"
    code, stdout, err = _run([str(small_log), "--store", "S1", "--out", str(out), "--no-market",
                              "--no-pareto", "--lang", lang, "--quiet"], capsys)
    assert code == 0, err
    for name in ("fit.json", "calibration.html", "tracking.png", "conditional.png",
                 "cumulative.png"):
        assert (out / name).stat().st_size > 0
    fit = json.loads((out / "fit.json").read_text())
    assert set(fit["models"]["bgnbd"]["params"]) == {"r", "alpha", "a", "b"}
    for v in fit["models"]["bgnbd"]["params"].values():
        # profile-likelihood intervals; an open side (the data set no limit) is null
        assert (v["ci_low"] or 0.0) <= v["estimate"] <= (v["ci_high"] or np.inf)
    assert fit["models"]["bgnbd"]["ci_method"] == "profile"
    assert fit["models"]["bgnbd"]["params"]["r"]["ci_high"] is not None
    gg = fit["models"]["gammagamma"]
    assert gg["transaction_level"] == gg["customers"]  # fitted on every repeat spend
    assert fit["periods"]["start"] < fit["periods"]["calibration_end"] < fit["periods"]["end"]
    assert fit["customers"] > 1000 and fit["holdout"]["actual_repeat_transactions"] > 0
    # a BG/NBD log is predicted well by BG/NBD
    assert abs(fit["holdout"]["models"]["bgnbd"]["error"]) < 0.1
    page = (out / "calibration.html").read_text()
    assert ("验证期" if lang == "zh" else "holdout period") in page
    assert not list(out.glob(".*tmp"))  # atomic writes leave no temporaries


@pytest.mark.slow
def test_round_trip_default_market(tmp_path, capsys):
    """Export of a default-market run -> calibrate on its first two thirds -> the calibrated
    market's simulated holdout repeat purchases within 10% of the log's.

    The export uses seed 7 and the calibration simulates with seeds 0 (search) and 1-3
    (check): with the export's own seed the search would reproduce the log exactly."""
    run_dir = tmp_path / "run"
    subprocess.run(
        [sys.executable, "-m", "experiments.run", "market.n_customers=20000", "market.years=2",
         "output.transactions=true", "output.progress=false", "output.table=false", "seed=7",
         f"hydra.run.dir={run_dir}"],
        cwd=ROOT, check=True, capture_output=True,
    )
    out = tmp_path / "cal"
    code, stdout, err = _run([str(run_dir / "transactions.parquet"), "--store", "focal",
                              "--out", str(out), "--name", "roundtrip", "--quiet"], capsys)
    assert code == 0, err
    fit = json.loads((out / "fit.json").read_text())
    sim = fit["simulated_holdout"]
    assert abs(sim["error"]) < 0.10, sim
    assert (out / "tracking.png").stat().st_size > 0
    import yaml

    market = MarketConfig.from_dict(yaml.safe_load((out / "market" / "roundtrip.yaml").read_text()))
    assert market.name == "roundtrip" and market.n_customers > 1000
    ii = fit["indirect_inference"]
    assert ii["distance"] < 2 * len(ii["targets"])  # within tolerance on average
    # the search ran at a size where the simulated store has about max(real, 5,000) members
    members = ii["members"]
    want = max(members["real"], 5_000)
    assert abs(members["simulated_at_search_size"] / want - 1) < 0.25, members
    assert "warnings" not in fit  # the holdout is met: no caution
    assert abs(sim["trend"]["simulated"] - sim["trend"]["real"]) < 0.15, sim["trend"]
    cmp = subprocess.run(
        [sys.executable, "-m", "experiments.compare", "--config-dir", str(out),
         "market=roundtrip", "replications=2", "market.n_customers=2000", "market.years=1",
         "policies=[none]", "report.enabled=false", "output.progress=false",
         f"output_dir={tmp_path / 'cmp'}"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert cmp.returncode == 0, cmp.stderr
    assert "market roundtrip" in cmp.stdout


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_missed_holdout_is_flagged_in_plain_words(small_log, tmp_path, monkeypatch, lang):
    """When the calibrated simulation misses the holdout by more than 10%, the run says so on
    the terminal, in fit.json and at the top of calibration.html, with the store's trend."""
    from experiments.calibration import pipeline

    real = pipeline.simulated_holdout

    def half(cal, market, seed):
        weekly, holdout, scale, _ = real(cal, market, seed)
        return weekly, 0.5 * holdout, scale, -0.4

    monkeypatch.setattr(pipeline, "simulated_holdout", half)
    out = tmp_path / "out"
    said: list[str] = []
    pipeline.calibrate(small_log, out=out, pareto=False, max_evaluations=10,
                       search_customers=5_000, check_runs=1, lang=lang, progress=False,
                       report=said.append)
    assert any(line.startswith("warning: the calibrated simulation misses") for line in said)
    fit = json.loads((out / "fit.json").read_text())
    assert fit["simulated_holdout"]["error"] < -0.1
    assert fit["simulated_holdout"]["trend"]["simulated"] == pytest.approx(-0.4)
    assert len(fit["warnings"]) == 1 and "misses the holdout" in fit["warnings"][0]
    page = (out / "calibration.html").read_text()
    assert ("注意：校准后的模拟" if lang == "zh" else "Caution: the calibrated simulation") in page
    # whoever opens the market file later sees it too
    yaml_text = (out / "market" / "calibrated.yaml").read_text()
    assert "# WARNING: the calibrated simulation misses the holdout" in yaml_text


def test_store_trend_of_a_known_log():
    from experiments.calibration.market import store_trend

    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(
        [0, 1, 2, 3, 360, 361, 362, 363, 364, 364], unit="D")
    log = pd.DataFrame({"customer_id": [1, 2, 3, 4, 1, 2, 3, 4, 5, 5], "date": days,
                        "amount": 1.0})
    p = core.periods_of(log)
    # 4 customer-days in the first 13 weeks, 5 in the last 13 (two lines of customer 5 on
    # one day are one purchase)
    assert store_trend(log, p) == pytest.approx(5 / 4 - 1)


def test_the_readme_sample_export_is_clean_and_fittable(tmp_path, capsys):
    """examples/store_export.csv.gz (the README's command) reads without a rejected row, holds
    one store, and fits and validates (the market search itself is the round trip's test)."""
    from sim.translog import read_log

    path = ROOT / "examples" / "store_export.csv.gz"
    notes: list[str] = []
    log = read_log(path, report=notes.append)
    assert "rejected 0" in " ".join(notes) and log["store_id"].nunique() == 1
    code, _, err = _run([str(path), "--out", str(tmp_path / "out"), "--no-market", "--quiet"],
                        capsys)
    assert code == 0, err
    fit = json.loads((tmp_path / "out" / "fit.json").read_text())
    assert fit["customers"] > 1000 and fit["holdout"]["actual_repeat_transactions"] > 100
