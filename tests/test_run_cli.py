"""`python -m experiments.run`: outputs, overrides, clean errors (run as a user would)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*overrides: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "experiments.run", *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_run_writes_summary_metrics_and_transactions(tmp_path):
    out = tmp_path / "run"
    p = run(
        "market.n_customers=3000",
        "market.years=2",
        "market.tick=day",
        "seed=7",
        "output.transactions=true",
        "output.progress=false",
        f"hydra.run.dir={out}",
    )
    assert p.returncode == 0, p.stderr
    assert "focal *" in p.stdout and "retention" in p.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["focal_store"] == "focal" and summary["seed"] == 7
    assert set(summary) >= {"focal_store", "focal", "stores", "config", "seed"}
    assert summary["config"]["market"]["n_customers"] == 3000
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert len(metrics) == 730 * len(summary["stores"])
    log = pd.read_parquet(out / "transactions.parquet")
    assert list(log.columns) == ["customer_id", "date", "amount", "store_id", "promo", "discount"]
    assert (out / "segments_by_year.csv").exists()
    assert metrics["revenue"].sum() == pytest.approx(
        sum(s["revenue"] for s in summary["stores"].values())
    )


@pytest.mark.parametrize(
    "override, field",
    [
        ("market.n_customers=-5", "market.n_customers"),
        ("market.behaviour.complaint_probability=1.5", "market.behaviour.complaint_probability"),
        ("market.places.0.tier=village", "market.places[0].tier"),
        ("market.stores.0.place=nowhere", "market.stores[0].place"),
        ("market.tick=month", "market.tick"),
        ("market.years=0", "market.years"),
        ("seed=-3", "seed"),
    ],
)
def test_bad_input_is_one_line_exit_2_no_traceback(tmp_path, override, field):
    p = run(override, f"hydra.run.dir={tmp_path}")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    lines = [ln for ln in p.stderr.strip().splitlines() if ln]
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}")
    assert not (tmp_path / "summary.json").exists()


def test_unknown_policy_group_choice_lists_available(tmp_path):
    p = run("policy=magic", f"hydra.run.dir={tmp_path}")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().startswith("error: policy: unknown policy 'magic'; available: ")
    assert "none" in p.stderr


def test_same_config_and_seed_give_identical_files(tmp_path):
    outs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        out = tmp_path / name
        p = run("market.n_customers=1500", "market.years=1", f"seed={seed}",
                "output.progress=false", "output.table=false", f"hydra.run.dir={out}")
        assert p.returncode == 0, p.stderr
        outs.append(out)
    a, b, c = outs
    for f in ("summary.json", "metrics.parquet"):
        assert (a / f).read_bytes() == (b / f).read_bytes()
    assert (a / "summary.json").read_bytes() != (c / "summary.json").read_bytes()


def test_agent_activation_runs_from_the_command_line(tmp_path):
    p = run("market.n_customers=300", "market.years=0.25", "activation=agent",
            "output.progress=false", f"hydra.run.dir={tmp_path}")
    assert p.returncode == 0, p.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["config"]["activation"] == "agent"


def test_a_run_into_a_finished_directory_unmarks_it_before_simulating(tmp_path, monkeypatch):
    """Killed mid-way, a new run into a directory with a finished run must not leave that
    run's COMPLETE marker next to its own overrides (collect would read the old results)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    import experiments.run as run_module
    from experiments.paths import CONFIG_DIR

    (tmp_path / "COMPLETE").write_text("complete\n")
    (tmp_path / "summary.json").write_text("{}")

    def killed(*args, **kwargs):
        assert not (tmp_path / "COMPLETE").exists()  # unmarked before any simulation
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "simulate", killed)
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=["market.n_customers=500"])
    with pytest.raises(KeyboardInterrupt):
        run_module.run(cfg, tmp_path)
    assert not (tmp_path / "COMPLETE").exists()


def test_a_policy_that_raises_is_one_line_and_its_traceback_is_in_the_log(tmp_path):
    """A custom policy's own bug: one line naming the policy and hook, exit 1, the traceback
    in the run's log, where `experiments.collect` finds it and lists the job as failed."""
    import os
    import subprocess
    import sys

    (tmp_path / "boom.py").write_text(
        "from sim.policies.base import StorePolicy\n"
        "class Boom(StorePolicy):\n"
        '    """Raises in on_purchases."""\n'
        '    name = "boom"\n'
        "    def on_purchases(self, t, rows, amounts):\n"
        '        raise RuntimeError("kaboom")\n'
    )
    (tmp_path / "cfg" / "policy").mkdir(parents=True)
    (tmp_path / "cfg" / "policy" / "boom.yaml").write_text(
        "# raises\nname: boom\npolicies:\n  - _target_: boom.Boom\n"
    )
    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "experiments.run", "--config-dir", str(tmp_path / "cfg"),
         "policy=boom", "market.n_customers=500", "market.years=0.5", "output.progress=false",
         f"hydra.run.dir={out}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    said = "error: policy 'boom' of store 'focal' raised in hook 'on_purchases' (seed 0): "
    assert p.returncode == 1 and p.stderr == said + "RuntimeError: kaboom\n", p.stderr
    log = (out / "run.log").read_text()
    assert "Traceback" in log and log.rstrip().endswith(said.strip() + " RuntimeError: kaboom")
    assert not (out / "COMPLETE").exists()
