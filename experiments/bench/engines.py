"""Compiled kernels against the NumPy rules (issue 23): the same cases in alternating fresh
processes, so that both engines see the same machine load; minimum CPU and wall times.

Cases: the default run (20k customers, 3 years weekly, the market's own policies) with the
kernels loaded before timing ("warm") and without ("cold": the process's first run pays the
kernel loading), and the 10k-customer agent-vs-batch pair of the ratio target (90 daily ticks,
the bench's policy bundle).
"""

from __future__ import annotations

import os
import time
from typing import Any

from experiments.bench.cases import collect, default_run_spec, launch, spec

ENGINES = ("numpy", "numba")


def _cases(policies: list[str], seed: int) -> list[dict[str, Any]]:
    base = {"seed": seed, "policies": policies}
    default = {**default_run_spec(), **base}
    return (
        [{**default, "label": "default", "engine": e} for e in ENGINES]
        + [
            {**default, "label": "default_cold", "engine": "numba", "warm": False},
        ]
        + [
            {
                **spec(10_000, 90, activation, tag="ratio"),
                **base,
                "label": f"{activation}_10k",
                "engine": e,
            }
            for activation in ("batch", "agent")
            for e in ENGINES
        ]
    )


def bench_engines(rounds: int, policies: list[str], seed: int = 1) -> dict[str, Any]:
    """`rounds` rounds of every case, one fresh process each, engines alternating."""
    samples: dict[str, list[dict[str, Any]]] = {}
    loads = []
    for r in range(rounds):
        if hasattr(os, "getloadavg"):
            loads.append([round(x, 2) for x in os.getloadavg()])
        for case in _cases(policies, seed):
            res = collect(launch(case), time.perf_counter())
            if "error" in res:
                raise RuntimeError(f"{case['label']} ({case['engine']}): {res['error']}")
            key = f"{case['label']}:{case['engine']}"
            samples.setdefault(key, []).append(res)
            print(
                f"round {r + 1}/{rounds} {key:22s} cpu set-up {res['cpu_setup_seconds']:.3f} "
                f"stepping {res['cpu_seconds']:.3f}, wall {res['setup_seconds']:.3f} + "
                f"{res['seconds']:.3f} s",
                flush=True,
            )
    out: dict[str, Any] = {"rounds": rounds, "loadavg_per_round": loads, "cases": {}}
    for key, runs in samples.items():
        out["cases"][key] = {
            "cpu_total_min": min(x["cpu_setup_seconds"] + x["cpu_seconds"] for x in runs),
            "cpu_setup_min": min(x["cpu_setup_seconds"] for x in runs),
            "cpu_stepping_min": min(x["cpu_seconds"] for x in runs),
            "wall_total_min": min(x["setup_seconds"] + x["seconds"] for x in runs),
            "wall_stepping_min": min(x["seconds"] for x in runs),
            "kernel_load_seconds_min": min(x["kernel_load_seconds"] for x in runs),
            "import_seconds_min": min(x["import_seconds"] for x in runs),
            "cpu_totals": [round(x["cpu_setup_seconds"] + x["cpu_seconds"], 4) for x in runs],
        }
    c = out["cases"]
    out["speedup_default_cpu"] = (
        c["default:numpy"]["cpu_total_min"] / c["default:numba"]["cpu_total_min"]
    )
    for e in ENGINES:  # per customer-tick, the same ticks: stepping time ratio
        out[f"ratio_agent_vs_batch_10k_{e}"] = (
            c[f"agent_10k:{e}"]["cpu_stepping_min"] / c[f"batch_10k:{e}"]["cpu_stepping_min"]
        )
    out["ratio_agent_numpy_vs_batch_numba_10k"] = (
        c["agent_10k:numpy"]["cpu_stepping_min"] / c["batch_10k:numba"]["cpu_stepping_min"]
    )
    return out
