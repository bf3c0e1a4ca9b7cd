"""The default comparison, timed (issue 23): every policy config x 10 replications on the
default market, and the cost of one policy-run inside it when its replication's burn-in is
shared (`sim.snapshot`).

The machine may be shared: every figure comes with the load average, CPU seconds next to wall
seconds, and the minimum over repeats.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from typing import Any

from experiments.engine.runner import run_spec
from experiments.studies.comparison import make_plan, run_comparison
from sim import default_market, kernels
from sim.snapshot import BurnIn

TARGET_POLICY_RUN_SECONDS = 0.1
TARGET_COMPARISON_SECONDS = 15.0


def _load() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def bench_policy_runs(repeats: int = 3, replication: int = 0) -> dict[str, Any]:
    """One replication of the default comparison in this process: its burn-in once, then
    every policy from it (what a worker does with a batch), against every policy run alone
    (each with its own burn-in). CPU and wall seconds, the minimum of `repeats`."""
    plan = make_plan(default_market(), None, replications=replication + 1)
    specs = [s for s in plan.specs() if s.labels["replication"] == replication]
    kernels.warm_up()  # every kernel loaded: first-call costs out of the measurement
    run_spec(specs[0])
    load = _load()
    shared: list[dict[str, float]] = []
    alone: list[dict[str, float]] = []
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        snap = BurnIn.compute(specs[0].market, specs[0].seed)
        burn = {"cpu": time.process_time() - c, "wall": time.perf_counter() - w}
        for spec in specs:
            run_spec(spec, snap)
        shared.append(
            {"cpu": time.process_time() - c, "wall": time.perf_counter() - w, "burn_in": burn}
        )
        del snap
        c, w = time.process_time(), time.perf_counter()
        for spec in specs:
            run_spec(spec)
        alone.append({"cpu": time.process_time() - c, "wall": time.perf_counter() - w})
    n = len(specs)
    per_run = min(r["cpu"] for r in shared) / n
    return {
        "policies": n,
        "customers": plan.market.n_customers,
        "years": plan.market.years,
        "repeats": repeats,
        "burn_in_cpu_seconds": round(min(r["burn_in"]["cpu"] for r in shared), 4),
        "per_policy_run_cpu_seconds_shared_burn_in": round(per_run, 4),
        "per_policy_run_wall_seconds_shared_burn_in": round(min(r["wall"] for r in shared) / n, 4),
        "per_policy_run_cpu_seconds_alone": round(min(r["cpu"] for r in alone) / n, 4),
        "per_policy_run_wall_seconds_alone": round(min(r["wall"] for r in alone) / n, 4),
        "note": "per policy-run = (burn-in once + every policy's run incl. extraction) / "
        "policies, one process; alone = each run with its own burn-in",
        "target_seconds": TARGET_POLICY_RUN_SECONDS,
        "met": per_run <= TARGET_POLICY_RUN_SECONDS,
        "loadavg_before": load,
        "loadavg_after": _load(),
    }


def bench_default_comparison(workers: int = 2, replications: int = 10) -> dict[str, Any]:
    """The default comparison (every policy config x `replications`, default market) on
    `workers` local processes with a fresh run store: wall seconds, and the CPU seconds of
    this process and its workers (the workers are shut down to count theirs)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)  # fresh workers, counted from here
    plan = make_plan(default_market(), None, replications=replications)
    load = _load()
    cpu0, child0 = time.process_time(), _children_cpu()
    with tempfile.TemporaryDirectory() as store:
        start = time.perf_counter()
        result = run_comparison(plan, workers=workers, store=store, fresh=True, progress=False)
        wall = time.perf_counter() - start
    get_reusable_executor().shutdown(wait=True)
    cpu = time.process_time() - cpu0 + _children_cpu() - child0
    runs = result.study.runs if hasattr(result, "study") else None
    return {
        "policies": len(plan.policies),
        "replications": replications,
        "runs": plan.n_runs,
        "workers": workers,
        "customers": plan.market.n_customers,
        "wall_seconds": round(wall, 2),
        "cpu_seconds_all_processes": round(cpu, 2),
        "cpu_seconds_per_run": round(cpu / plan.n_runs, 4),
        "ideal_wall_on_2_cores_seconds": round(cpu / 2, 2),
        "mean_run_seconds_in_workers": round(float(runs["seconds"].mean()), 4)
        if runs is not None and "seconds" in runs
        else None,
        "target_seconds": TARGET_COMPARISON_SECONDS,
        "met": wall <= TARGET_COMPARISON_SECONDS,
        "loadavg_before": load,
        "loadavg_after": _load(),
        "cores": os.cpu_count(),
    }


def bench_comparison(repeats: int = 3) -> dict[str, Any]:
    return {
        "per_policy_run": bench_policy_runs(repeats=repeats),
        "default_comparison": bench_default_comparison(),
    }
