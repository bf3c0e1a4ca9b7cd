"""A client's store end to end (issue 20): a dollar export as a store writes it (its own
headers, month-first dates, "$1,234.50" amounts, refunds as negative lines) is calibrated, and
the calibrated market is then compared, tested for robustness and played against a rival as a
consultant would (`--config-dir DIR market=NAME`). Every money figure reads dollars; the
shipped policies cost a sane share of the store's revenue; every report says where its numbers
come from (the calibration's file, holdout miss and warnings; data vs assumed); robustness and
tournament run at the calibrated size with the fitted parameters."""

from __future__ import annotations

from pathlib import Path

import matplotlib.figure
import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_dir

from experiments.calibration.pipeline import calibrate
from experiments.calibration.profile import StoreInputs
from experiments.paths import CONFIG_DIR
from experiments.report.page import visible_text
from sim.config import MarketConfig
from sim.customer_base.simulate import simulate
from sim.policies.sizing import MAX_COST_SHARE
from sim.translog import ExportOptions

pytestmark = pytest.mark.slow

YUAN = ("¥", "元", "yuan", "CNY")
SHIPPED = ["none", "promotions", "celebrity_event", "gift_budget", "vip_program"]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """The calibration directory of a 600-member dollar store (its market: `harmony`)."""
    root = tmp_path_factory.mktemp("harmony")
    sim = simulate(
        600, (1.0, 12.0, 1.0, 6.0), (4.0, 3.0, 30.0), horizon=78.0, cohort_span=78.0, seed=4
    )
    lines = ["Member ID,Purchase Date,Sales Amount"]
    for i, r in enumerate(sim.to_log().itertuples(index=False)):
        day = f"{r.date.month}/{r.date.day}/{r.date.year}"
        lines.append(f'{r.customer_id},{day},"${r.amount:,.2f}"')
        if i % 9 == 0:  # bought and taken back
            lines += [f'{r.customer_id},{day},"$1,000.00"', f'{r.customer_id},{day},"-$1,000.00"']
    export = root / "harmony.csv"
    export.write_text("\n".join(lines) + "\n")
    calibrate(
        export,
        out=root / "cal",
        name="harmony",
        pareto=False,
        max_evaluations=10,
        search_customers=5_000,
        check_runs=1,
        progress=False,
        report=lambda _line: None,
        inputs=StoreInputs(
            options=ExportOptions(refunds="net"), currency="USD", store_name="Harmony Music"
        ),
    )
    return root / "cal"


def market_of(store: Path) -> MarketConfig:
    return MarketConfig.from_dict(yaml.safe_load((store / "market" / "harmony.yaml").read_text()))


def composed(command: str, store: Path, overrides: list[str]):
    """The command's config as `python -m experiments.COMMAND --config-dir STORE
    market=harmony ...` composes it (the user's directory on Hydra's search path)."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(
            config_name=command,
            overrides=[f"hydra.searchpath=[file://{store}]", "market=harmony", *overrides],
        )


def run_study(command: str, store: Path, out: Path, overrides: list[str], lang: str = "en"):
    from experiments.studies.base import run_command
    from experiments.studies.comparison import COMPARISON
    from experiments.studies.robustness.study import ROBUSTNESS
    from experiments.studies.tournament.study import TOURNAMENT

    study = {"compare": COMPARISON, "robustness": ROBUSTNESS, "tournament": TOURNAMENT}[command]
    common = ["workers=1", "output.progress=false", f"store={out.parent / 'runs'}"]
    cfg = composed(
        command, store, [*common, f"report.lang={lang}", f"output_dir={out}", *overrides]
    )
    return run_command(study, cfg, out, config_dirs=(store,))


@pytest.fixture
def figure_text(monkeypatch) -> list[str]:
    """Every text drawn on every figure saved while the fixture is active."""
    seen: list[str] = []
    real = matplotlib.figure.Figure.savefig

    def savefig(fig, *args, **kwargs):
        seen.extend(t.get_text() for t in fig.findobj(matplotlib.text.Text))
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    return seen


def test_the_calibrated_market_carries_its_holdout_miss_and_warnings(store):
    import json

    fit = json.loads((store / "fit.json").read_text())
    prof = market_of(store).profile
    assert prof.calibrated and prof.currency == "USD" and prof.name == "Harmony Music"
    assert prof.source.startswith("calibrated from harmony.csv on ")
    assert prof.holdout_error == pytest.approx(fit["simulated_holdout"]["error"])
    assert prof.fit_file and Path(prof.fit_file) == (store / "fit.json").resolve()
    said = fit.get("warnings", []) + fit["health"]["blocking"] + fit["health"]["notes"]
    assert list(prof.warnings) == list(dict.fromkeys(said))
    assert fit["profile"]["holdout_error"] == prof.holdout_error


def test_a_dollar_store_compares_end_to_end_in_dollars(store, tmp_path, capsys, figure_text):
    market = market_of(store)
    prof = market.profile
    overrides = [f"policies=[{','.join(SHIPPED)}]", "replications=2", "market.years=1"]
    run_study("compare", store, tmp_path / "en", overrides)
    printed = capsys.readouterr().out
    run_study("compare", store, tmp_path / "zh", overrides, lang="zh")
    assert "profit $" in printed and "cost $" in printed
    size = f"{market.n_customers:,} residents (the store's export: {prof.members:,} members)"
    assert size in printed  # members vs residents, named as such
    pages = {
        lang: visible_text((tmp_path / lang / name).read_text())
        for lang, name in (("en", "report.html"), ("zh", "report_zh.html"))
    }
    tables = "".join(p.read_text() for p in (tmp_path / "en").glob("*.csv"))
    for where, text in [("stdout", printed), ("tables", tables), *pages.items()]:
        assert not [y for y in YUAN if y in text], (where, [y for y in YUAN if y in text])
    drawn = " ".join(figure_text)
    assert ("$" in drawn or "(USD)" in drawn) and not [y for y in YUAN if y in drawn]
    assert "$" in pages["en"] and "$" in pages["zh"]
    en = " ".join(pages["en"].split())
    # where the numbers come from: the file, the holdout check, members vs residents
    assert "calibrated from harmony.csv on " in en and "Harmony Music" in en
    assert f"{prof.members:,} members" in en and f"{market.n_customers:,} residents" in en
    assert f"{prof.holdout_error:+.1%} off what happened" in en
    assert all(" ".join(w.split()) in en for w in prof.warnings)
    assert f"members {prof.members:,} the store's data" in en
    assert f"yearly revenue {prof.money(prof.yearly_revenue)} the store's data" in en
    assert "gross margin 40% assumed" in en
    assert "what each policy does to customers (satisfaction, response) — assumed" in en
    opening = f"The market simulated here has {market.n_customers:,} residents"
    assert en.index(opening) < en.index("The answer")  # before the first number is read
    assert f"Harmony Music's export has {prof.members:,} members" in en
    zh = " ".join(pages["zh"].split())
    assert f"这里模拟的市场有 {market.n_customers:,} 位居民" in zh
    assert "根据 harmony.csv 校准" in zh and "留出期检验" in zh and "门店数据" in zh
    # the shipped policies are sized to this store: each costs a sane share of its revenue
    runs = pd.read_parquet(tmp_path / "en" / "runs.parquet")
    yearly_cost = runs.groupby("policy")["policy_cost"].mean() / market.years
    assert (yearly_cost <= MAX_COST_SHARE * prof.yearly_revenue).all(), yearly_cost
    assert yearly_cost.drop("none").gt(0).all(), yearly_cost


@pytest.mark.parametrize("command", ["robustness", "tournament"])
def test_robustness_and_tournament_keep_the_calibrated_market(store, tmp_path, capsys, command):
    """The runs' markets are the calibrated one: its size, its fitted customer parameters and
    its profile (robustness samples only assumptions); the report names the calibration."""
    market = market_of(store)
    small = {
        "robustness": ["policies=[none,gift_budget]", "scenarios=2", "replications=1"],
        "tournament": ["policies=[none,promotions]", "replications=2", "bootstrap=20"],
    }[command]
    result = run_study(command, store, tmp_path / command, [*small, "market.years=1"])
    from experiments.engine.store import RunStore
    from experiments.studies.robustness.study import ROBUSTNESS
    from experiments.studies.tournament.study import TOURNAMENT

    specs = {"robustness": ROBUSTNESS, "tournament": TOURNAMENT}[command].specs(result.plan)
    ran = RunStore(tmp_path / "runs")
    assert specs and all(spec.key in ran for spec in specs)  # these are the runs' markets
    fitted = ("rate_shape", "dropout_a", "dropout_b", "ticket_shape", "spend_shape")
    for spec in specs:
        m = spec.market
        assert m.n_customers == market.n_customers
        assert m.profile == market.profile
        for name in fitted:
            assert getattr(m.behaviour, name) == getattr(market.behaviour, name), name
        assert m.class_profiles == market.class_profiles
    printed = capsys.readouterr().out
    assert not [y for y in YUAN if y in printed], printed
    page = " ".join(visible_text((tmp_path / command / "report.html").read_text()).split())
    assert "calibrated from harmony.csv" in page and "off what happened" in page
    assert f"has {market.n_customers:,} residents" in page and "600 members" in page
    assert "$" in page and "¥" not in page
