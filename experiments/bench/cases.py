"""The measured cases: one simulation per fresh subprocess (its own peak RSS), timed set-up and
stepping, repeated and the fastest kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_POLICIES = ("gift_budget", "referral_points", "promotions")
MARKER = "@@BENCH@@ "
DAYS_PER_YEAR = 365

# Targets of the performance issue (2-core machine, one process).
TARGET_100K_SECONDS = 6.6  # 100k customers x 1,095 daily ticks
TARGET_NS_PER_CT = 60.0
TARGET_1M_RSS_MB = 1024  # MiB (issue 23; was 3 GB)
TARGET_RATIO = 50.0
TARGET_DEFAULT_RUN_SECONDS = 0.2  # default market (20k, 3 years, weekly): set-up + stepping
TARGET_1M_SETUP_SECONDS = 2.0
WEEKS_PER_YEAR = 52


# ----------------------------------------------------------------------------- specs
def spec(
    customers: int, ticks: int, activation: str = "batch", tag: str = "", tick: str = "day"
) -> dict[str, Any]:
    """One measured case: `ticks` daily (or weekly) ticks of `customers` customers."""
    return {
        "customers": int(customers),
        "ticks": int(ticks),
        "activation": activation,
        "tag": tag,
        "tick": tick,
    }


def default_run_spec() -> dict[str, Any]:
    """The default run: `RetailModel(market=default_market(), seed=1).run()` (20k customers,
    3 years of weekly ticks, the market's own policies)."""
    return {**spec(20_000, 3 * WEEKS_PER_YEAR, tag="default", tick="week"), "own_policies": True}


def main_specs(quick: bool) -> list[dict[str, Any]]:
    if quick:
        return [
            spec(10_000, 365, tag="main"),
            spec(30_000, 365, tag="main"),
            spec(10_000, 30, "agent", tag="ratio"),
            spec(10_000, 30, "batch", tag="ratio"),
        ]
    return [
        spec(10_000, 3 * DAYS_PER_YEAR, tag="main"),
        spec(100_000, 3 * DAYS_PER_YEAR, tag="main"),
        spec(1_000_000, DAYS_PER_YEAR, tag="main"),
        spec(10_000, 90, "agent", tag="ratio"),
        spec(10_000, 90, "batch", tag="ratio"),
        spec(100_000, 30, "agent", tag="ratio_100k"),
        spec(100_000, 30, "batch", tag="ratio_100k"),
    ]


def scaling_specs(quick: bool) -> list[dict[str, Any]]:
    sizes = (10_000, 30_000) if quick else (10_000, 30_000, 100_000, 300_000)
    years = (1, 2) if quick else (1, 2, 3)
    n_years = 30_000 if quick else 100_000
    out = [spec(n, DAYS_PER_YEAR, tag="scaling") for n in sizes]
    out += [spec(n_years, y * DAYS_PER_YEAR, tag="scaling") for y in years if y != 1]
    return out


# ----------------------------------------------------------------------------- the child
def _rss_mb_now() -> float:
    """Current resident set size in MiB (Linux /proc; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def _peak_rss_mb() -> float:
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def import_policy_modules() -> list[str]:
    """Import every module of `sim.policies` so that their policies register themselves."""
    import importlib
    import pkgutil

    import sim.policies as pkg

    failed = []
    for info in pkgutil.iter_modules(pkg.__path__):
        try:
            importlib.import_module(f"{pkg.__name__}.{info.name}")
        except Exception as exc:  # a policy module being written right now must not stop the bench
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
    return failed


def resolve_policies(wanted: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(registered policies to use, wanted but not registered, modules that failed to import)."""
    failed = import_policy_modules()
    from sim.policies import policy_names

    known = set(policy_names())
    used = [w for w in wanted if w in known and w != "none"]
    missing = [w for w in wanted if w not in known]
    return used, missing, failed


def _profile_rows(prof: Any, top: int = 15) -> dict[str, Any]:
    """Top functions of a cProfile run: by own time, and the project's by cumulative time."""
    import pstats

    st = pstats.Stats(prof)
    total = st.total_tt or 1e-12
    rows = []
    for (file, line, name), (_cc, ncalls, tt, ct, _callers) in st.stats.items():
        short = file.replace(str(REPO) + os.sep, "")
        if "site-packages" in short:
            short = short.split("site-packages" + os.sep, 1)[1]
        rows.append(
            {
                "function": f"{short}:{line}({name})",
                "ncalls": ncalls,
                "tottime": round(tt, 4),
                "cumtime": round(ct, 4),
                "share_tottime": round(tt / total, 4),
                "share_cumtime": round(ct / total, 4),
                "project": file.startswith(str(REPO)),
            }
        )
    by_tt = sorted(rows, key=lambda r: -r["tottime"])[:top]
    by_ct = sorted((r for r in rows if r["project"]), key=lambda r: -r["cumtime"])[:top]
    return {"total_seconds": round(total, 4), "by_tottime": by_tt, "project_by_cumtime": by_ct}


def child(case: dict[str, Any]) -> dict[str, Any]:
    """Run one case in this process and return its figures."""
    t0 = time.perf_counter()
    import logging

    import numpy as np

    logging.getLogger("MESA").setLevel(logging.WARNING)
    from sim import RetailModel, default_market

    used, _missing, _failed = resolve_policies(case["policies"])
    tick = case.get("tick", "day")
    per_year = DAYS_PER_YEAR if tick == "day" else WEEKS_PER_YEAR
    market = default_market(
        n_customers=case["customers"], years=case["ticks"] / per_year, tick=tick
    )
    assert market.n_ticks == case["ticks"], (market.n_ticks, case["ticks"])
    policies = None if case.get("own_policies") else [{"name": p} for p in used]
    from sim import kernels

    if case.get("engine"):
        kernels.set_engine(case["engine"])
    import_seconds = time.perf_counter() - t0
    # Load the compiled kernels before timing (a process's first run pays it; reported apart).
    kernel_load_seconds = kernels.warm_up() if case.get("warm", True) else 0.0
    rss_base = _rss_mb_now()

    profile = case.get("profile", False)
    if profile:
        import cProfile

        prof_setup, prof_run = cProfile.Profile(), cProfile.Profile()
        prof_setup.enable()
    c1, t1 = time.process_time(), time.perf_counter()
    model = RetailModel(
        market=market, policies=policies, activation=case["activation"], seed=case["seed"]
    )
    c2, t2 = time.process_time(), time.perf_counter()
    if profile:
        prof_setup.disable()
    rss_setup = _rss_mb_now()
    if profile:
        prof_run.enable()
    c3, t3 = time.process_time(), time.perf_counter()
    model.run()
    c4, t4 = time.process_time(), time.perf_counter()
    if profile:
        prof_run.disable()

    pop_bytes = sum(v.nbytes for v in vars(model.pop).values() if isinstance(v, np.ndarray))
    peak_before_agents = _peak_rss_mb()  # a run never makes the customer agents
    rss_before_agents = _rss_mb_now()
    t5 = time.perf_counter()
    n_agents = len(model.agents)  # batch runs make the customer agents on first use: here
    agents_seconds = time.perf_counter() - t5
    n, ticks = case["customers"], model.n_ticks
    step = t4 - t3
    out = {
        "customers": n,
        "ticks": ticks,
        "activation": case["activation"],
        "seconds": step,
        "setup_seconds": t2 - t1,
        "import_seconds": import_seconds,
        "engine": kernels.engine(),
        "kernel_load_seconds": kernel_load_seconds,
        "cpu_setup_seconds": c2 - c1,
        "cpu_seconds": c4 - c3,
        "customer_ticks_per_second": n * ticks / step,
        "ns_per_customer_tick": step / (n * ticks) * 1e9,
        "ms_per_tick": step / ticks * 1e3,
        "peak_rss_mb": _peak_rss_mb(),
        "peak_rss_before_agents_mb": peak_before_agents,
        "rss_before_agents_mb": rss_before_agents,
        "rss_after_import_mb": rss_base,
        "rss_after_setup_mb": rss_setup,
        "rss_after_run_mb": _rss_mb_now(),
        "population_array_mb": pop_bytes / 2**20,
        "population_array_bytes_per_customer": pop_bytes / n,
        "setup_memory_kb_per_customer": (rss_setup - rss_base) * 1024 / n,
        "agents": n_agents,
        "agents_seconds": agents_seconds,
        "purchases": len(model.transactions),
        "policies": "market's own" if case.get("own_policies") else used,
        "seed": case["seed"],
        "tag": case.get("tag", ""),
    }
    if profile:
        out["profile"] = {"setup": _profile_rows(prof_setup), "run": _profile_rows(prof_run)}
        if case.get("profile_dir"):
            label = f"{case['activation']}_{n}_{ticks}"
            prof_run.dump_stats(str(Path(case["profile_dir"]) / f"profile_{label}.prof"))
    return out


# ----------------------------------------------------------------------------- the parent
def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def launch(case: dict[str, Any]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "experiments.bench", "--child", json.dumps(case)]
    return subprocess.Popen(
        cmd,
        cwd=str(REPO),
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def collect(proc: subprocess.Popen, started: float) -> dict[str, Any]:
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            res = json.loads(line[len(MARKER) :])
            res["process_seconds"] = wall
            return res
    tail = (stderr.strip().splitlines() or ["(no output)"])[-1]
    return {"error": f"exit code {proc.returncode}: {tail}", "process_seconds": wall}


def run_case(case: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Run a case `repeat` times in fresh processes; keep the fastest, the largest peak RSS."""
    results = []
    for _ in range(repeat):
        started = time.perf_counter()
        res = collect(launch(case), started)
        if "error" in res:
            res.update({k: case[k] for k in ("customers", "ticks", "activation")})
            return res
        results.append(res)
    best = min(results, key=lambda r: r["seconds"])
    best = dict(best)
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    best["peak_rss_before_agents_mb"] = max(r["peak_rss_before_agents_mb"] for r in results)
    best["setup_seconds"] = min(r["setup_seconds"] for r in results)
    best["agents_seconds"] = min(r["agents_seconds"] for r in results)
    best["total_seconds_min"] = min(r["setup_seconds"] + r["seconds"] for r in results)
    best["process_seconds"] = min(r["process_seconds"] for r in results)
    best["repeats"] = len(results)
    best["all_seconds"] = [r["seconds"] for r in results]
    return best


def describe(case: dict[str, Any]) -> str:
    weekly = case.get("tick") == "week"
    per_year, unit = (WEEKS_PER_YEAR, "weeks") if weekly else (DAYS_PER_YEAR, "days")
    years = case["ticks"] / per_year
    span = (
        f"{years:g} year{'s' if years != 1 else ''}"
        if case["ticks"] % per_year == 0
        else f"{case['ticks']} {unit}"
    )
    return (
        f"{case['customers']:>9,} customers x {case['ticks']:>5,} "
        f"{'weekly' if weekly else 'daily'} ticks ({span}), {case['activation']} activation"
    )
