"""experiments.collect: tidy runs.parquet from a multirun, missing and failed runs listed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments import collect

ROOT = Path(__file__).resolve().parent.parent
KPIS = {
    "revenue": 100.0,
    "profit": 40.0,
    "policy_cost": 0.0,
    "retention": 0.3,
    "vip_retention": None,
    "cost_gift_budget": 5.0,
}


def fake_job(
    sweep: Path, num: int, overrides: list[str], *, summary: bool = True, error: bool = True
) -> Path:
    job = sweep / str(num)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (job / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump({"hydra": {"job": {"num": num}}}))
    if summary:
        stores = {"focal": {**KPIS, "profit": 40.0 + num}, "rival": dict(KPIS)}
        (job / "summary.json").write_text(
            json.dumps(
                {
                    "focal_store": "focal",
                    "focal": stores["focal"],
                    "stores": stores,
                    "config": {"policy": {"name": "gift_budget"}},
                    "seed": num,
                }
            )
        )
        (job / "COMPLETE").write_text("complete\n")
    elif error:
        (job / "run.log").write_text("[2025-01-01][HYDRA] ValueError: something broke\n")
    return job


@pytest.fixture
def sweep(tmp_path):
    """6 declared jobs (budget x seed sweep): job 1 failed, job 3 stopped early (no summary,
    no error), job 5 never started."""
    root = tmp_path / "sweep"
    root.mkdir()
    (root / "multirun.yaml").write_text(
        yaml.safe_dump(
            {
                "hydra": {
                    "sweeper": {
                        "_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                        "params": {"policy.policies.0.monthly_per_manager": "0,200"},
                    },
                    "overrides": {"task": ["seed=range(0,3)", "market.n_customers=1000"]},
                }
            }
        )
    )
    fake_job(
        root, 0, ["policy.policies.0.monthly_per_manager=0", "seed=0", "market.n_customers=1000"]
    )
    fake_job(
        root,
        1,
        ["policy.policies.0.monthly_per_manager=0", "seed=1", "market.n_customers=1000"],
        summary=False,
    )
    fake_job(root, 2, ["policy.policies.0.monthly_per_manager=200", "seed=0", "+market.years=1"])
    fake_job(
        root, 3, ["policy.policies.0.monthly_per_manager=200", "seed=1"], summary=False, error=False
    )
    fake_job(root, 4, ["policy.policies.0.monthly_per_manager=200", "seed=2"], summary=False)
    (root / "4" / "summary.json").write_text("{not json")
    (root / "4" / "COMPLETE").write_text("complete\n")
    return root


def test_collect_lists_missing_and_failed_runs(sweep, capsys):
    assert collect.main([str(sweep)]) == 0
    out = capsys.readouterr().out
    assert "missing: job 3 (3): no summary.json\n" in out
    assert "missing: job 5: no job directory" in out
    assert "failed: job 1 (1): no summary.json — [2025-01-01][HYDRA] ValueError" in out
    assert "failed: job 4 (4): unreadable summary.json (JSONDecodeError)" in out
    assert "collected 2 runs of 6 declared (4 rows: run x store), 2 missing, 2 failed" in out
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert len(runs) == 4  # 2 runs x 2 stores
    assert list(runs["job"]) == [0, 0, 2, 2]
    assert list(runs["policy.policies.0.monthly_per_manager"]) == [0, 0, 200, 200]
    assert list(runs["store_id"]) == ["focal", "rival"] * 2
    assert list(runs["is_focal"]) == [True, False, True, False]
    assert runs["market.years"].isna().tolist() == [True, True, False, False]
    assert runs.loc[runs["job"] == 2, "profit"].tolist() == [42.0, 40.0]
    assert runs["vip_retention"].isna().all() and (runs["policy"] == "gift_budget").all()
    # the command that runs only what is missing: failed job 1, stopped job 3, unstarted job 5
    rerun = out.split("to run only the missing jobs")[1].splitlines()[1:4]
    assert rerun[0].strip() == (
        "python -m experiments.run policy.policies.0.monthly_per_manager=0 seed=1 "
        f"market.n_customers=1000 hydra.mode=RUN hydra.run.dir={sweep / '1'}"
    )
    assert "seed=1" in rerun[1] and f"hydra.run.dir={sweep / '3'}" in rerun[1]
    assert "seed=2 market.n_customers=1000" in rerun[2] and f"{sweep / '5'}" in rerun[2]


def test_rerun_commands_keep_the_sweep_s_config_dir_and_skip_a_shuffle(sweep, capsys):
    """A sweep started with --config-dir reruns with it (its policies live there); a shuffled
    sweep's job order is drawn anew by each reading, so no command is guessed for it."""
    cfg = yaml.safe_load((sweep / "multirun.yaml").read_text())
    cfg["hydra"]["runtime"] = {
        "config_sources": [
            {"path": "/work/main/configs", "schema": "file", "provider": "main"},
            {"path": "/tmp/my store", "schema": "file", "provider": "command-line"},
        ]
    }
    (sweep / "multirun.yaml").write_text(yaml.safe_dump(cfg))
    collect.main([str(sweep)])
    out = capsys.readouterr().out
    rerun = out.split("to run only the missing jobs")[1].splitlines()[1:4]
    assert all(line.strip().startswith(
        "python -m experiments.run --config-dir '/tmp/my store' ") for line in rerun), rerun
    cfg["hydra"]["overrides"]["task"] = ["seed=shuffle(range(0,3))", "market.n_customers=1000"]
    (sweep / "multirun.yaml").write_text(yaml.safe_dump(cfg))
    assert collect.declared_jobs(sweep) is None


def test_a_job_without_its_completion_marker_is_not_counted(sweep, capsys):
    (sweep / "0" / "COMPLETE").unlink()  # e.g. killed after summary.json, before the rest
    assert collect.main([str(sweep)]) == 0
    out = capsys.readouterr().out
    assert "job 0 (0): incomplete (no COMPLETE marker" in out
    assert "collected 1 runs of 6 declared" in out


def test_an_unreadable_multirun_yaml_is_said_not_ignored(sweep, capsys):
    (sweep / "multirun.yaml").write_text("a: [1\n")
    assert collect.main([str(sweep)]) == 0  # the finished runs are still collected
    out = capsys.readouterr().out
    assert "failed: multirun.yaml: unreadable (" in out and "are not listed" in out


def test_declared_count_expands_sweeps(sweep):
    assert collect.declared_count(sweep) == 6
    assert collect.override_columns(["a=1", "+b.c=x", "~d", "e=0.5", "f=null"]) == {
        "a": 1,
        "b.c": "x",
        "e": 0.5,
        "f": None,
    }


def test_collect_errors_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        collect.main([str(tmp_path / "nope")])
    assert e.value.code == 2
    assert capsys.readouterr().err.strip().endswith("does not exist")
    with pytest.raises(SystemExit) as e:
        collect.main([str(tmp_path)])
    assert e.value.code == 2
    assert "holds no Hydra job directories" in capsys.readouterr().err


def test_collect_plot_checks_columns(sweep, capsys):
    assert (
        collect.main(
            [
                str(sweep),
                "--plot",
                "profit",
                "--x",
                "policy.policies.0.monthly_per_manager",
                "--hue",
                "seed",
            ]
        )
        == 0
    )
    assert (sweep / "sweep_profit.png").is_file()
    with pytest.raises(SystemExit) as e:
        collect.main([str(sweep), "--plot", "profit", "--x", "budget"])
    assert e.value.code == 2
    assert "--x: unknown column 'budget'; available:" in capsys.readouterr().err
    for argv, said in (
        (["--plot", "profit"], "error: --plot needs --x PARAM (see --help)\n"),
        (["--x", "seed"], "error: --x: only with --plot KPI (see --help)\n"),
    ):
        with pytest.raises(SystemExit) as e:
            collect.main([str(sweep), *argv])
        assert e.value.code == 2 and capsys.readouterr().err == said


def test_real_joblib_multirun_then_collect(tmp_path):
    sweep = tmp_path / "multirun"
    cmd = [
        sys.executable,
        "-m",
        "experiments.run",
        "-m",
        "policy=none",
        "seed=range(0,3)",
        "market.n_customers=1000",
        "market.years=1",
        "output.progress=false",
        "output.table=false",
        "output.segments=false",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = collect.collect(sweep)
    assert res.n_collected == 3 and res.expected == 3 and not res.missing and not res.failed
    summary = json.loads((sweep / "0" / "summary.json").read_text())
    n_stores = len(summary["stores"])
    assert len(res.runs) == 3 * n_stores
    assert res.runs.groupby(["job", "store_id"]).size().eq(1).all()
    assert sorted(res.runs["seed"].unique()) == [0, 1, 2]
    assert set(summary["focal"]) <= set(res.runs.columns)
    assert collect.main([str(sweep), "--plot", "profit", "--x", "seed"]) == 0
    assert (sweep / "runs.parquet").is_file() and (sweep / "sweep_profit.png").is_file()


def test_a_study_s_directory_is_not_collected_as_a_sweep(tmp_path, capsys):
    import json

    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "overrides.yaml").write_text("- replications=2\n")
    (tmp_path / ".outputs.json").write_text(json.dumps({"study": "compare", "files": []}))
    with pytest.raises(SystemExit) as stop:
        collect.main([str(tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert "holds the outputs of a compare study, not a sweep" in err and "python -m" not in err
