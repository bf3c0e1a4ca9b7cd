"""calibrate on exports as stores write them: a messy export fits exactly like the clean one,
money is in the store's currency, and a log without amounts fits counts with a stated
assumption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from experiments import calibrate as cli
from experiments.calibration.pipeline import calibrate
from experiments.calibration.profile import StoreInputs
from sim.config import MarketConfig
from sim.customer_base.simulate import simulate
from sim.translog import write_log


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, object]:
    sim = simulate(
        600, (1.0, 12.0, 1.0, 6.0), (4.0, 3.0, 30.0), horizon=78.0, cohort_span=78.0, seed=4
    )
    log = sim.to_log()
    path = tmp_path_factory.mktemp("clean") / "clean.csv"
    return write_log(log, path), log


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main([*map(str, argv), "--quiet", "--no-pareto"])
    out, err = capsys.readouterr()
    return code, out, err


def models(out: Path) -> dict:
    fit = json.loads((out / "fit.json").read_text())
    return {k: fit["models"][k]["params"] for k in ("bgnbd", "gammagamma")}


def test_dollar_export_with_every_quirk_fits_like_the_clean_file(clean, tmp_path, capsys):
    path, log = clean
    lines = ["Member ID,Purchase Date,Sales Amount"]
    for i, r in enumerate(log.itertuples(index=False)):
        day = f"{r.date.month}/{r.date.day}/{r.date.year}"
        lines.append(f'{r.customer_id},{day},"${r.amount:,.2f}"')
        if i % 9 == 0:  # bought and taken back
            lines += [
                f"{r.customer_id},{day},$1,000.00".replace("$1,000.00", '"$1,000.00"'),
                f'{r.customer_id},{day},"-$1,000.00"',
            ]
    messy = tmp_path / "export.csv"
    messy.write_text("\n".join(lines) + "\n")
    a, b = tmp_path / "a", tmp_path / "b"
    assert run([path, "--out", a, "--no-market", "--currency", "USD"], capsys)[0] == 0
    code, _, err = run([messy, "--out", b, "--no-market"], capsys)
    assert code == 2 and "--refunds net or --refunds drop" in err and len(err.splitlines()) == 1
    code, _, err = run([messy, "--out", b, "--no-market", "--refunds", "net"], capsys)
    assert code == 2 and err.startswith("error: --currency: the export writes amounts with '$'")
    code, out, err = run(
        [
            messy,
            "--out",
            b,
            "--no-market",
            "--refunds",
            "net",
            "--currency",
            "USD",
            "--store-name",
            "Harmony Music",
        ],
        capsys,
    )
    assert code == 0, err
    assert "columns recognised: Member ID -> customer_id" in out and "month first" in out
    assert models(a) == models(b)
    fit = json.loads((b / "fit.json").read_text())
    prof = fit["profile"]
    assert (prof["currency"], prof["name"], prof["ticket_source"]) == (
        "USD",
        "Harmony Music",
        "data",
    )
    assert prof["members"] == log["customer_id"].nunique()
    assert prof["margin_source"] == "assumed" and any("margin" in a for a in fit["assumptions"])
    assert fit["spend_warnings"] == []  # a healthy spend fit
    page = (b / "calibration.html").read_text()
    assert "<title>Calibration: Harmony Music" in page or "Calibration: Harmony Music" in page
    assert "Spend per visit: $" in page and "yuan" not in page
    assert "the data do not set an upper limit" in page
    # the currency is the user's when given (a default one: test_log_without_amounts_...)
    assert fit["currency_source"] == "given"
    assert not any("currency" in x for x in fit["assumptions"])
    assert "<td>Currency</td><td>USD ($)</td><td>given for this store</td>" in page


@pytest.mark.slow
def test_log_without_amounts_fits_counts_with_an_assumed_spend(clean, tmp_path, capsys):
    _, log = clean
    path = write_log(log, tmp_path / "with.csv")
    counts = tmp_path / "counts.csv"
    log[["customer_id", "date"]].assign(date=lambda d: d["date"].dt.strftime("%Y-%m-%d")).to_csv(
        counts, index=False
    )
    a, b = tmp_path / "a", tmp_path / "b"
    assert run([path, "--out", a, "--no-market"], capsys)[0] == 0
    # the market's default spend is yuan: a dollar store without amounts must give its own
    code, _, err = run([counts, "--out", b, "--no-market", "--currency", "USD"], capsys)
    assert code == 2 and err.startswith("error: --spend-per-visit: the log has no amounts")
    assert "is in CNY, not USD" in err
    plain = json.loads((a / "fit.json").read_text())  # --currency not given: CNY, assumed
    assert plain["currency_source"] == "assumed"
    assert "currency CNY (the default; set --currency)" in plain["assumptions"]
    page_a = (a / "calibration.html").read_text()
    assert "<td>Currency</td><td>CNY (¥)</td><td>assumed</td>" in page_a
    assert "currency CNY (the default; set it with --currency)" in page_a
    said: list[str] = []
    calibrate(
        counts,
        out=b,
        pareto=False,
        max_evaluations=10,
        search_customers=5_000,
        check_runs=1,
        progress=False,
        report=said.append,
        inputs=StoreInputs(spend_per_visit=42.0, margin=0.3),
    )
    assert "spend per visit 42.00 assumed (--spend-per-visit)" in " ".join(said)
    fit = json.loads((b / "fit.json").read_text())
    assert models(a)["bgnbd"] == models(b)["bgnbd"]  # the counts fit is the same
    gg = fit["models"]["gammagamma"]
    assert gg["assumed"] is True and "spend_per_visit" not in fit["holdout"]
    prof = fit["profile"]
    assert prof["ticket_source"] == "assumed" and prof["mean_ticket"] == pytest.approx(42.0)
    assert prof["margin"] == 0.3 and prof["margin_source"] == "given"
    assert any("spend per visit ¥42.00" in a for a in fit["assumptions"])
    page = (b / "calibration.html").read_text()
    assert "Spend per visit is not in the log: ¥42.00 is assumed" in page
    market = MarketConfig.from_dict(yaml.safe_load((b / "market" / "calibrated.yaml").read_text()))
    assert market.profile.ticket_source == "assumed" and market.profile.mean_ticket == 42.0
    focal = next(s for s in market.stores if s.id == market.focal_store)
    assert focal.margin == 0.3


def test_bad_store_inputs_are_one_line_before_reading(clean, tmp_path, capsys):
    path, _ = clean
    for args, text in [
        (["--currency", "DOLLARS"], "error: --currency: must be one of CNY, USD"),
        (["--spend-per-visit", "-3"], "error: --spend-per-visit: must be"),
        (["--margin", "2"], "error: --margin: must be a number in [0, 1]"),
        (["--columns", "cust=x"], "error: --columns: 'cust' is not a log column"),
    ]:
        code, _, err = run([path, "--out", tmp_path / "o", "--no-market", *args], capsys)
        assert code == 2 and err.startswith(text) and len(err.splitlines()) == 1, err
    for args, text in [  # refused by the argument parser (argparse exits)
        (["--out", ""], "error: argument --out: must be a directory path, got ''"),
        (["--twin"], "error: --twin puts the members in the market, and --no-market writes"),
    ]:
        with pytest.raises(SystemExit) as stop:
            run([path, "--out", tmp_path / "o", "--no-market", *args], capsys)
        err = capsys.readouterr().err
        assert stop.value.code == 2 and err.startswith(text) and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_constant_amounts_are_a_named_spend_warning(clean, tmp_path, capsys, lang):
    _, log = clean
    path = write_log(log.assign(amount=20.0), tmp_path / "flat.csv")
    code, out, err = run([path, "--out", tmp_path / "o", "--no-market", "--lang", lang], capsys)
    assert code == 0, err
    assert "warning: every line spends ¥20.00 (constant amounts)" in out
    fit = json.loads((tmp_path / "o" / "fit.json").read_text())
    assert [w["kind"] for w in fit["spend_warnings"]] == ["constant"]
    page = (tmp_path / "o" / "calibration.html").read_text()
    assert ("每笔消费都是 ¥20.00" if lang == "zh" else "every line spends ¥20.00") in page


def test_a_market_refused_by_the_health_checks_exits_1(clean, tmp_path, capsys, monkeypatch):
    """The fits and the report are written, but a script must not go on to `compare`."""
    from types import SimpleNamespace

    path, _ = clean
    refused = SimpleNamespace(files={"fit": tmp_path / "fit.json"}, market=None)
    monkeypatch.setattr(cli, "calibrate", lambda *a, **k: refused)
    code, out, err = run([path, "--out", tmp_path / "out"], capsys)
    assert code == 1 and err == "error: the market was not written (see the health lines above)\n"
    assert "wrote " in out and "next:" not in out
    assert run([path, "--out", tmp_path / "out", "--no-market"], capsys)[0] == 0
