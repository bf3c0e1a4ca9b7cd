"""experiments.compare: CRN replications, worker-independence, the comparison table, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from experiments import compare as cmp
from experiments.engine import (
    RunSpec,
    available_policies,
    make_plan,
    run_comparison,
    run_spec,
    select_policies,
)
from sim import ConfigError, default_market
from sim.stats import paired_difference

ROOT = Path(__file__).resolve().parent.parent
TINY = ["market.n_customers=800", "market.years=1", "output.progress=false"]


def second_policy() -> str | None:
    """A real policy config besides the baseline (gift_budget when there is one)."""
    names = [n for n in available_policies() if n != "none"]
    return "gift_budget" if "gift_budget" in names else (names[0] if names else None)


def compose_compare(overrides: list[str]):
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        return compose(config_name="compare", overrides=overrides)


def tiny_plan():
    return make_plan(
        default_market(n_customers=800, years=1), ["none", "gift_budget"], replications=2, seed=5
    )


def test_results_do_not_depend_on_the_number_of_workers(tmp_path):
    one = run_comparison(tiny_plan(), workers=1, store=tmp_path / "a", progress=False).study
    two = run_comparison(tiny_plan(), workers=2, store=tmp_path / "b", progress=False).study
    assert one.computed == two.computed == 4 and one.reused == two.reused == 0
    pd.testing.assert_frame_equal(
        one.runs.drop(columns="seconds"), two.runs.drop(columns="seconds")
    )
    pd.testing.assert_frame_equal(one.series, two.series)
    pd.testing.assert_frame_equal(one.yearly, two.yearly)
    pd.testing.assert_frame_equal(one.segments, two.segments)
    runs = one.runs
    assert list(runs["policy"]) == ["none", "none", "gift_budget", "gift_budget"]
    assert list(runs["seed"]) == [5, 6, 5, 6]  # replication r uses seed base + r for every policy
    assert set(runs["store_id"]) == {"focal"}


def test_common_random_numbers_same_seed_same_baseline():
    plan = tiny_plan()
    spec = plan.specs()[0]
    a = run_spec(spec)
    b = run_spec(RunSpec(plan.market, spec.policies, spec.seed, labels={"replication": 3}))
    pd.testing.assert_frame_equal(pd.DataFrame(a["stores"]), pd.DataFrame(b["stores"]))
    pd.testing.assert_frame_equal(a["series"], b["series"])


def synthetic_runs() -> pd.DataFrame:
    rows = []
    profits = {"none": [10.0, 12.0, 14.0], "a": [11.0, 13.5, 15.0], "b": [9.0, 11.0, 14.0]}
    costs = {"none": [0.0, 0.0, 0.0], "a": [1.0, 1.0, 1.0], "b": [2.0, 2.0, 2.0]}
    for p, vals in profits.items():
        for r, v in enumerate(vals):
            rows.append(
                {
                    "policy": p,
                    "replication": r,
                    "seed": r,
                    "store_id": "focal",
                    "profit": v,
                    "policy_cost": costs[p][r],
                    "revenue": 3 * v,
                    "retention": 0.3 + 0.01 * r + (0.02 if p == "a" else 0.0),
                    "vip_retention": 0.4,
                    f"cost_{p}": costs[p][r],
                }
            )
    return pd.DataFrame(rows)


def test_comparison_table_known_answers_and_ranking():
    runs = synthetic_runs()
    table = cmp.comparison_table(runs, "none")
    expected_cols = {
        "policy",
        "kpi",
        "mean",
        "ci_low",
        "ci_high",
        "diff_mean",
        "diff_ci_low",
        "diff_ci_high",
        "n",
        "rank",
    }
    assert expected_cols <= set(table.columns)
    row = table[(table.policy == "a") & (table.kpi == "profit")].iloc[0]
    d = paired_difference([11.0, 13.5, 15.0], [10.0, 12.0, 14.0])
    assert row["diff_mean"] == pytest.approx(7 / 6) and d.low > 0
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((d.low, d.high))
    assert row["mean"] == pytest.approx(39.5 / 3) and row["n"] == 3
    assert row["diff_pct"] == pytest.approx((7 / 6) / 12.0)
    roi = table[(table.policy == "a") & (table.kpi == "roi")].iloc[0]
    assert roi["mean"] == pytest.approx(7 / 6)  # mean gain 7/6 per yuan 1 of cost
    assert np.isnan(table[(table.policy == "none") & (table.kpi == "roi")]["mean"].iloc[0])
    base = table[(table.policy == "none") & (table.kpi == "profit")].iloc[0]
    assert (base["diff_mean"], base["diff_ci_low"], base["diff_ci_high"]) == (0.0, 0.0, 0.0)
    ret = table[(table.policy == "a") & (table.kpi == "retention")].iloc[0]
    assert ret["diff_mean"] == pytest.approx(0.02) and np.isnan(ret["diff_pct"])
    ranks = table.drop_duplicates("policy").set_index("policy")["rank"].to_dict()
    assert ranks == {"a": 1, "none": 2, "b": 3}  # by mean profit difference
    assert list(table["policy"].drop_duplicates()) == ["a", "none", "b"]
    text = cmp.format_ranked(table, "none")
    lines = text.splitlines()
    assert lines[2].split()[:2] == ["1", "a"] and "*" in lines[2]


def test_select_policies_baseline_first_and_errors():
    avail = ["none", "gift_budget", "promotions"]
    assert select_policies(None, "none", avail) == avail
    assert select_policies(["promotions", "none"], "none", avail) == ["none", "promotions"]
    assert select_policies(["promotions"], "none", avail) == ["none", "promotions"]
    with pytest.raises(ConfigError, match="unknown policy 'nope'; available: none, gift_budget"):
        select_policies(["none", "nope"], "none", avail)
    with pytest.raises(ConfigError, match="listed twice"):
        select_policies(["promotions", "promotions"], "none", avail)


def test_default_selection_discovers_every_policy_config():
    names = available_policies()
    on_disk = {p.stem for p in (ROOT / "configs" / "policy").glob("*.yaml")}
    assert names[0] == "none" and set(names) == on_disk


@pytest.mark.parametrize(
    "override, message",
    [
        ("replications=0", "replications: must be an integer in [1, 100,000], got 0"),
        ("policies=[none,no_such_policy]", "unknown policy 'no_such_policy'; available: none"),
        ("output_dir=/proc/no/such/dir", "output_dir: cannot write to"),
        ("workers=0", "workers: must be an integer in [1, 1,024] or null, got 0"),
        ("report.lang=fr", "report.lang: must be one of en, zh, got the text 'fr'"),
    ],
)
def test_bad_input_fails_before_any_run(override, message, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("a run started")

    from experiments.studies import base

    monkeypatch.setattr(base, "run_study", boom)
    cfg = compose_compare([*TINY, override])
    with pytest.raises(ConfigError) as err:
        cmp.compare(cfg, tmp_path / "out")
    assert message in str(err.value)


def test_cli_bad_input_one_line_exit_2(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.compare",
            "replications=0",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: replications: must be an integer in [1, 100,000], got 0")
    unwritable = subprocess.run(
        [sys.executable, "-m", "experiments.compare", "hydra.run.dir=/proc/no/such/dir"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unwritable.returncode == 2
    assert unwritable.stderr.strip().startswith("error: hydra.run.dir: cannot create")
    assert len(unwritable.stderr.strip().splitlines()) == 1


def test_compare_writes_every_output(tmp_path):
    other = second_policy()
    pols = "none" if other is None else f"none,{other}"
    cfg = compose_compare(
        [
            *TINY,
            f"policies=[{pols}]",
            "replications=2",
            "workers=1",
            "seed=3",
            "report.enabled=false",
            "output.table=false",
            f"store={tmp_path / 'store'}",
        ]
    )
    table = cmp.compare(cfg, tmp_path)
    for name in (
        "comparison.csv",
        "runs.csv",
        "runs.parquet",
        "timeseries.parquet",
        "yearly_retention.csv",
        "segments_by_year.csv",
        "meta.json",
    ):
        assert (tmp_path / name).is_file(), name
    saved = pd.read_csv(tmp_path / "comparison.csv")
    n_pol = len(pols.split(","))
    assert set(saved["kpi"]) >= {
        "profit",
        "retention",
        "vip_retention",
        "policy_cost",
        "revenue",
        "roi",
    }
    assert saved.groupby("policy").size().nunique() == 1 and saved["policy"].nunique() == n_pol
    assert (saved["n"] <= 2).all()
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == 2 * n_pol and sorted(runs["seed"].unique()) == [3, 4]
    assert len(table) == len(saved)
