"""Robustness study: scenario specs (values reach markets and every policy entry, common random
numbers), outputs and report from a synthetic runs frame, and the command end to end on a tiny
market, including kill-and-resume from the run store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.studies.robustness.study import (
    analyse,
    make_robust_plan,
    robustness_meta,
    write_robustness,
)
from sim import default_market
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "configs" / "uncertainty" / "default.yaml").read_text())
SMALL = {
    "behaviour": {"wom_positive_shift": {"low": 0.03, "high": 0.15, "source": "assumption"}},
    "gift_budget": {"satisfaction_gain": {"low": 0.05, "high": 0.8, "source": "assumption"}},
}


def _plan(**kw):
    kw.setdefault("scenarios", 6)
    kw.setdefault("replications", 2)
    return make_robust_plan(
        default_market(n_customers=500, years=1),
        kw.pop("policies", ["none", "gift_budget", "vip_program"]),
        kw.pop("uncertainty", SMALL),
        **kw,
    )


def test_scenario_values_reach_the_market_and_every_entry_of_the_class():
    plan = _plan()
    assert len(plan.specs) == 6 * 3 * 2
    values = plan.design.values
    for spec in plan.specs:
        s = spec.labels["scenario"]
        assert spec.market.behaviour.wom_positive_shift == pytest.approx(
            values.loc[s, "behaviour.wom_positive_shift"]
        )
        gifts = [e for e in spec.policies if e["_target_"].endswith("GiftBudget")]
        assert len(gifts) == (0 if spec.labels["policy"] == "none" else 1)
        for e in gifts:  # gift_budget alone and inside the vip_program bundle
            assert e["satisfaction_gain"] == pytest.approx(
                values.loc[s, "gift_budget.satisfaction_gain"]
            )
    # common random numbers: replication r has the same seed for every policy and scenario
    seeds = {(sp.labels["replication"], sp.seed) for sp in plan.specs}
    assert seeds == {(0, 0), (1, 1)}
    # the baseline's runs differ between scenarios only through the market
    keys = {sp.key for sp in plan.specs}
    assert len(keys) == len(plan.specs)


def test_relevant_ranges_per_policy():
    plan = _plan(uncertainty=DEFAULT, scenarios=4)
    gift = {r.name for r in plan.relevant("gift_budget")}
    bundle = {r.name for r in plan.relevant("vip_program")}
    assert "gift_budget.satisfaction_gain" in gift and "celebrity_event.attendance" not in gift
    assert {
        "gift_budget.satisfaction_gain",
        "celebrity_event.attendance",
        "vip_privileges.vip_utility",
    } <= bundle
    assert not any(n.startswith("promotions.") for n in bundle)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"scenarios": 1}, "scenarios"),
        ({"design": "grid"}, "design"),
        ({"policies": ["none", "magic"]}, "policies"),
        (
            {
                "uncertainty": {
                    "behaviour": {"negative_wom_max": {"low": 5, "high": 9, "source": "a"}}
                }
            },
            "uncertainty.behaviour.negative_wom_max.low",
        ),
    ],
)
def test_bad_study_inputs_fail_before_any_run(kw, field):
    with pytest.raises(ConfigError) as err:
        _plan(**kw)
    assert err.value.field == field


def test_a_combination_the_model_rejects_names_its_scenario():
    ranges = {
        "behaviour": {
            "negative_wom_min": {"low": 12, "high": 20, "source": "a"},
            "negative_wom_max": {"low": 10, "high": 14, "source": "a"},
        }
    }
    with pytest.raises(ConfigError) as err:
        _plan(uncertainty=ranges)
    assert err.value.field.startswith("uncertainty (scenario ")
    assert "negative_wom_max" in str(err.value) and "\n" not in str(err.value)


def _synthetic_runs(plan) -> pd.DataFrame:
    """A fake runs frame: gift_budget pays only when its satisfaction_gain is above 0.3."""
    rng = np.random.default_rng(0)
    v = plan.design.values
    rows = []
    for spec in plan.specs:
        s, p = spec.labels["scenario"], spec.labels["policy"]
        gain = v.loc[s, "gift_budget.satisfaction_gain"]
        effect = {"none": 0.0, "gift_budget": 40_000 * (gain - 0.3), "vip_program": -5_000.0}[p]
        rows.append(
            {
                **spec.labels,
                "seed": spec.seed,
                "profit": 1e6 + effect + rng.normal(0, 100),
                "retention": 0.3 + effect / 1e7,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_outputs_and_report_from_a_synthetic_study(tmp_path, lang):
    plan = _plan(scenarios=40, replications=2, design="lhs")
    result = analyse(plan, _synthetic_runs(plan))
    out = write_robustness(tmp_path, result, robustness_meta(result), lang=lang)
    sfx = "" if lang == "en" else "_zh"  # one naming rule: report.html / report_zh.html
    for name in (
        "robustness.csv",
        "scenarios.csv",
        "scenarios.parquet",
        "deltas.csv",
        "drivers.csv",
        "failures.csv",
        f"delta_profit{sfx}.png",
        f"drivers{sfx}.png",
        f"regret{sfx}.png",
        f"report{sfx}.html",
        "meta.json",
    ):
        assert (tmp_path / name).is_file(), name
    assert not list(tmp_path.glob(".*"))  # no temporary files left
    ranking = pd.read_csv(out["robustness"])
    assert list(ranking["policy"])[-1] == "vip_program"
    assert ranking.set_index("policy").loc["vip_program", "verdict"] == "worse"
    drivers = pd.read_csv(tmp_path / "drivers.csv")
    gift = drivers[drivers.policy == "gift_budget"].sort_values("rank")
    assert gift.iloc[0]["parameter"] == "gift_budget.satisfaction_gain"
    failures = pd.read_csv(tmp_path / "failures.csv").set_index("policy")
    assert failures.loc["gift_budget", "cond1_parameter"] == "gift_budget.satisfaction_gain"
    assert abs(failures.loc["gift_budget", "cond1_threshold"] - 0.3) < 0.075
    assert failures.loc["vip_program", "kind"] == "always"
    page = (tmp_path / f"report{sfx}.html").read_text(encoding="utf-8")
    assert '<section class="robustness"' in page and "data:image/png;base64," in page
    if lang == "zh":
        assert "这个建议有多稳健" in page and "取决于假设" in page
    else:
        assert "How robust is the recommendation?" in page
        assert "gift_budget.satisfaction_gain &lt; 0." in page


# --------------------------------------------------------------------------- the command
TINY = [
    "market.n_customers=800",
    "market.years=2",
    "scenarios=4",
    "replications=2",
    "policies=[none,gift_budget]",
    "output.progress=false",
]


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "experiments.robustness", *args]


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(_cmd(*args), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["uncertainty.behaviour.wom_positive_shift.low=0.5"],
            "error: uncertainty.behaviour.wom_positive_shift.high: must be greater than low",
        ),
        (
            ["+uncertainty.behaviour.wom_positve_shift={low: 0, high: 1, source: x}"],
            "did you mean 'wom_positive_shift'",
        ),
        (["uncertainty=nope"], "error: uncertainty: unknown uncertainty 'nope'"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, args, words):
    res = _run(*TINY, f"output_dir={tmp_path}", *args, timeout=120)
    assert res.returncode == 2, res.stderr
    assert words in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("design", ["morris", "saltelli"])
def test_a_design_too_small_for_its_ranges_stops_before_any_directory(tmp_path, design):
    """Morris and Saltelli need whole trajectories / base samples: too few scenarios is one
    line naming the minimum, and no run directory is left behind (as for any bad value)."""
    run_dir = tmp_path / "run"
    res = _run(*TINY, f"design={design}", f"hydra.run.dir={run_dir}", timeout=120)
    assert res.returncode == 2, res.stderr
    line = res.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith(f"error: scenarios: design {design}")
    assert "needs at least" in line and not run_dir.exists()


@pytest.mark.slow
def test_cli_end_to_end_kill_and_resume(tmp_path):
    store = tmp_path / "store"
    args = [*TINY, f"store={store}", "workers=1"]
    # 1. start, let a few runs finish, kill it
    proc = subprocess.Popen(
        _cmd(*args, f"output_dir={tmp_path / 'killed'}"),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while time.time() < deadline and len(list(store.rglob("*.pkl"))) < 3:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = len(list(store.rglob("*.pkl")))
    assert 3 <= kept < 16, kept
    assert not (tmp_path / "killed" / "COMPLETE").exists()
    # 2. the same command resumes: finished runs are reused, not recomputed
    res = _run(*args, f"output_dir={tmp_path / 'a'}")
    assert res.returncode == 0, res.stderr
    reused = int(res.stdout.split(" reused from the run store")[0].rsplit("(", 1)[1])
    assert reused >= kept
    assert len(list(store.rglob("*.pkl"))) == 16  # 4 scenarios x 2 policies x 2 replications
    for name in (
        "robustness.csv",
        "scenarios.csv",
        "deltas.csv",
        "drivers.csv",
        "failures.csv",
        "report.html",
        "COMPLETE",
    ):
        assert (tmp_path / "a" / name).is_file(), name
    # 3. again, in Chinese: everything from the store, same numbers
    res = _run(*args, f"output_dir={tmp_path / 'b'}", "report.lang=zh")
    assert res.returncode == 0, res.stderr
    assert "(16 reused from the run store)" in res.stdout
    a = pd.read_csv(tmp_path / "a" / "robustness.csv")
    b = pd.read_csv(tmp_path / "b" / "robustness.csv")
    pd.testing.assert_frame_equal(a, b)
    zh = (tmp_path / "b" / "report_zh.html").read_text(encoding="utf-8")  # one naming rule
    assert "这个建议有多稳健" in zh and not (tmp_path / "b" / "report.html").exists()
