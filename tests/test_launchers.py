"""Same config + same seed -> bit-identical outputs, whatever Hydra launcher ran the job
(basic, joblib, ray, and submitit_local: the local twin of the SLURM launcher)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "seed=3,4",
    "market.n_customers=600",
    "market.years=0.5",
    "output.progress=false",
    "output.table=false",
]


def multirun(launcher: str | None, sweep_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, RAY_TMPDIR=tempfile.mkdtemp(prefix="ray_"), RAY_AUTH_MODE="disabled")
    extra = [f"hydra/launcher={launcher}"] if launcher else []
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            "-m",
            *extra,
            *ARGS,
            f"hydra.sweep.dir={sweep_dir}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.mark.slow
def test_basic_joblib_and_ray_launchers_give_identical_outputs(tmp_path):
    dirs = {}
    for launcher in (None, "joblib", "ray", "submitit_local"):
        out = tmp_path / (launcher or "basic")
        p = multirun(launcher, out)
        assert p.returncode == 0, p.stderr[-2000:]
        dirs[launcher or "basic"] = out
    for job in ("0", "1"):
        for name in ("summary.json", "metrics.parquet"):
            ref = (dirs["basic"] / job / name).read_bytes()
            assert (dirs["joblib"] / job / name).read_bytes() == ref, (job, name)
            assert (dirs["ray"] / job / name).read_bytes() == ref, (job, name)
            # the SLURM launcher's local twin (docs/comparison.md: running on a cluster)
            assert (dirs["submitit_local"] / job / name).read_bytes() == ref, (job, name)
    assert (dirs["basic"] / "0" / "summary.json").read_bytes() != (
        dirs["basic"] / "1" / "summary.json"
    ).read_bytes()
