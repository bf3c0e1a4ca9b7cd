"""Benchmark of the member twin (issue 19): one run of 20,000 members over three years.

``python -m experiments.calibration.bench_twin`` prints the figures as JSON. The calibration
benchmark (``experiments.calibration.pipeline.bench_calibration``) covers the whole
calibration, the twin's model choice and docking included. Target: a twin run <= 0.5 s.
Also timed: the same twin as the focal store's customers of a `RetailModel` (the member block,
``sim.members``: every purchase through the lab's rules and the policy hooks), and calibrating
the 20,000-customer log with ``--twin`` (``pipeline.bench_calibration(twin=True)``).
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

__all__ = ["bench_twin"]


def bench_twin(
    n_members: int = 20_000, years: float = 3.0, seed: int = 0, repeats: int = 5
) -> dict:
    """Seconds of one twin run (posterior draws + three years of purchases + new members),
    best and median of ``repeats``, on a twin built from a simulated 2-year store log."""
    from experiments.calibration.core import fit_store
    from experiments.calibration.twin import build_twin
    from sim.customer_base.simulate import simulate
    from sim.twin import run_twin

    sim = simulate(
        n_members,
        (0.8, 12.0, 1.0, 8.0),
        (6.0, 3.0, 3000.0),
        horizon=104.0,
        cohort_span=104.0,
        seed=seed,
    )
    t0 = time.perf_counter()
    log = sim.to_log()
    cal = fit_store(log, calibration_end=log["date"].max() - np.timedelta64(1, "D"), pareto=False)
    spec, choice = build_twin(cal)
    build_seconds = time.perf_counter() - t0
    weeks = years * 52.0
    times, purchases = [], []
    for r in range(repeats):
        t1 = time.perf_counter()
        run = run_twin(spec, weeks, seed + r)
        times.append(time.perf_counter() - t1)
        purchases.append(int(run.member.size))
    best, median = min(times), float(np.median(times))
    return {
        "members": spec.n,
        "years": years,
        "timing_model": choice.model,
        "k": choice.k,
        "new_per_week": round(spec.new_per_week, 2),
        "purchases_per_run": int(np.mean(purchases)),
        "run_seconds_best": round(best, 4),
        "run_seconds_median": round(median, 4),
        "target_seconds": 0.5,
        "met": bool(median <= 0.5),
        "fit_and_build_seconds": round(build_seconds, 2),
        "market_run_seconds": market_run_seconds(spec, years, seed),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def market_run_seconds(spec, years: float, seed: int, residents: int = 2_000) -> dict:
    """Seconds of one `RetailModel` run with the twin as its focal customers (no policy and
    gift_budget), ``residents`` residents, from the calibration end over ``years``."""
    import tempfile
    from pathlib import Path

    from sim import RetailModel
    from sim.config import default_market

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = spec.save(Path(tmp) / "bench.members.parquet")
        start = str(np.datetime64(int(spec.calibration_end), "D"))
        market = default_market(
            members=str(path), start_date=start, years=years, n_customers=residents
        )
        for policy in ("none", "gift_budget"):
            t0 = time.perf_counter()
            model = RetailModel(market=market, policies=[policy], seed=seed).run()
            out[policy] = round(time.perf_counter() - t0, 3)
        out["member_rows"] = int(model.twin.rows.size)
        out["residents"] = residents
    return out


if __name__ == "__main__":
    print(json.dumps(bench_twin(), indent=2))
