"""A sample of issue 13's cases through the real command (subprocess, as a user would):
one `error: FIELD: ...` line, exit status 2, no traceback, nothing run or executed.
The full sweep over every field is tests/fuzz_cli.py (minutes; not part of the suite)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["market.n_customers=500", "market.years=0.25", "output.progress=false"]


def run(*overrides: str, tmp_path: Path) -> subprocess.CompletedProcess:
    args = [*SMALL, f"hydra.run.dir={tmp_path / 'out'}", *overrides]
    return subprocess.run(
        [sys.executable, "-m", "experiments.run", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(
    "override, field",
    [
        ("market.places=null", "market.places"),
        ("market.behaviour.beta_price=nan", "market.behaviour.beta_price"),
        ("market.n_customers=1e12", "market.n_customers"),
        ("+policy.budgt=999", "policy.budgt"),
        ("market.tick=[a,b", "market.tick"),
        ("market.tik=day", "market.tik"),
        ("+policy.policies=[{_target_:builtins.print,_args_:[HI]}]",
         "policy.policies[0]._target_"),
        ("hydra.run.dir=/proc/x", "hydra.run.dir"),
    ],
)
def test_bad_override_one_line_exit_2(tmp_path, override, field):
    p = run(override, tmp_path=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: "), p.stderr
    assert "Traceback" not in p.stderr and "HI" not in p.stdout
    assert not (tmp_path / "out" / "summary.json").exists()


def test_focal_policies_given_twice_are_refused(tmp_path):
    p = run("policy=none", "market.stores.0.policies=[gift_budget]", tmp_path=tmp_path)
    assert p.returncode == 2
    assert p.stderr.startswith("error: market.stores[0].policies: the focal store's policies")
