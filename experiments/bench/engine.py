"""Benchmarks of the study engine (called by `python -m experiments.bench --studies`).

- `sweep`: a 1,000-run sweep (10,000 customers, 2 years, weekly; 1,000 seeds of the baseline
  and a policy) through `run_study` on local worker processes (target: <= 2.5 min on 2 cores);
- `ray_speedup`: the default comparison (every policy config x 10 replications, default market)
  on a local Ray cluster of 1 CPU and of 2 CPUs (target: >= 1.7x faster with 2).
Each measurement uses a fresh temporary run store, so nothing is reused.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

from experiments.engine import policy_entries, replicate, run_study
from experiments.studies.comparison import make_plan, run_comparison
from sim import default_market

TARGET_SWEEP_SECONDS = 150.0
TARGET_RAY_SPEEDUP = 1.7


def bench_sweep(runs: int = 1000, workers: int = 2) -> dict[str, Any]:
    market = default_market(n_customers=10_000, years=2)
    half = runs // 2
    specs = replicate(
        market,
        {"none": (), "gift_budget": policy_entries(["gift_budget"])},
        list(range(half)),
    )
    with tempfile.TemporaryDirectory() as store:
        start = time.perf_counter()
        res = run_study(specs, workers=workers, store=store, progress=False)
        wall = time.perf_counter() - start
    return {
        "runs": len(specs),
        "customers": 10_000,
        "years": 2,
        "workers": workers,
        "wall_seconds": round(wall, 2),
        "mean_run_seconds": round(float(res.runs["seconds"].mean()), 4),
        "target_seconds": TARGET_SWEEP_SECONDS,
        "met": wall <= TARGET_SWEEP_SECONDS,
    }


def bench_ray_speedup(replications: int = 10) -> dict[str, Any]:
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    plan = make_plan(default_market(), None, replications=replications)
    out: dict[str, Any] = {"runs": plan.n_runs}
    for cpus in (1, 2):
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        try:
            with tempfile.TemporaryDirectory() as store:
                start = time.perf_counter()
                run_comparison(plan, executor="ray", workers=cpus, store=store, progress=False)
                out[f"seconds_{cpus}_worker"] = round(time.perf_counter() - start, 2)
        finally:
            ray.shutdown()
    out["speedup"] = round(out["seconds_1_worker"] / out["seconds_2_worker"], 2)
    out["target_speedup"] = TARGET_RAY_SPEEDUP
    out["met"] = out["speedup"] >= TARGET_RAY_SPEEDUP
    return out


def bench_engine(quick: bool = False) -> dict[str, Any]:
    return {
        "sweep": bench_sweep(runs=100 if quick else 1000),
        "ray_speedup": bench_ray_speedup(replications=2 if quick else 10),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(bench_engine(quick="--quick" in sys.argv[1:]), indent=2))
