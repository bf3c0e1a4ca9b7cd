"""The one Study pipeline: the next study is one specialisation (the skeleton of
docs/architecture.md runs end to end), the report naming rule, and the library stays Hydra-free."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from experiments.report import report_name
from experiments.studies.base import Study, run_command, write_tables

ROOT = Path(__file__).resolve().parents[1]


def skeleton() -> types.ModuleType:
    """The next study's skeleton exactly as docs/architecture.md shows it."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.*?)```", text, flags=re.S)[-1]
    module = types.ModuleType("design_skeleton")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(code, "docs/architecture.md", "exec"), module.__dict__)  # noqa: S102
    return module


def test_the_documented_next_study_runs_through_the_one_driver(tmp_path, capsys):
    design = skeleton().LeverGrid()
    cfg = {
        "market": {"n_customers": 500, "years": 1},
        "policy": "gift_budget",
        "replications": 2,
        "trials": [{"monthly_per_manager": 100}, {"monthly_per_manager": 900}],
        "workers": 1,
        "store": str(tmp_path / "store"),
        "output": {"progress": False},
        "report": {"lang": "zh"},
    }
    result = run_command(design, cfg, tmp_path / "out")
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} == {
        "trials.csv",
        "runs.parquet",
        "meta.json",
        "report_zh.html",
        "COMPLETE",
        ".outputs.json",  # the directory's claim: which study wrote what (engine/outputs.py)
    }
    trials = pd.read_csv(out / "trials.csv")
    assert set(trials["policy"]) == {"none", "trial0", "trial1"}
    assert len(result.frames.runs) == 3 * 2 and result.frames.computed == 6
    assert "2 trials x 2 replications" in capsys.readouterr().out
    again = run_command(design, cfg, tmp_path / "out")  # resumes from the run store
    assert again.frames.reused == 6 and again.frames.computed == 0


def test_report_files_follow_one_naming_rule():
    assert report_name("en") == "report.html" and report_name("zh") == "report_zh.html"
    with pytest.raises(ValueError, match="lang must be one of"):
        report_name("fr")


def test_a_table_name_says_its_format(tmp_path):
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        write_tables(tmp_path, {"trials.xlsx": pd.DataFrame({"a": [1]})})


def test_a_study_must_say_what_differs():
    class Half(Study):
        name = "half"

        def plan(self, cfg, *, config_dirs=()):
            return cfg

    with pytest.raises(TypeError, match="abstract"):
        Half()


def test_studies_and_reports_import_without_hydra():
    code = (
        "import sys; import experiments.studies.base, experiments.studies.comparison, "
        "experiments.studies.robustness, experiments.studies.tournament.study, "
        "experiments.report; print('hydra' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
