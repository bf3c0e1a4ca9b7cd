"""A study's size against this machine, before any work: memory (refused when it cannot fit)
and time (an estimate line; refused only when absurd).

The per-run memory model is the simulation library's (`sim.schema.run_memory_estimate`); a
study adds its parallel runs, its specs and collected results, and whatever its analysis holds
at once (a tournament's bootstrap). Time: about 1 µs per customer-tick plus 0.05 s per run,
divided over the workers (measured on the default market under load, Dec 2026: 0.3-0.8 µs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim import ConfigError
from sim.schema import check_memory, human_bytes, run_memory_estimate

SECONDS_PER_CUSTOMER_TICK = 1e-6
SECONDS_PER_RUN = 0.05
MAX_DAYS = 366
"""A study estimated to take longer than this on this machine is refused (say what to cut)."""
SPEC_BYTES = 16 * 1024
"""A run spec (its market and policy entries) plus its collected result rows."""


@dataclass(frozen=True)
class StudySize:
    runs: int
    workers: int
    memory: float
    seconds: float

    def line(self) -> str:
        return (
            f"{self.runs:,} runs on {self.workers} worker(s): about {human_time(self.seconds)}, "
            f"peak memory about {human_bytes(self.memory)}"
        )


def human_time(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def run_seconds(market: Any) -> float:
    return SECONDS_PER_RUN + SECONDS_PER_CUSTOMER_TICK * float(market.n_customers) * float(
        market.n_ticks
    )


def study_memory_estimate(market: Any, n_policies: int, replications: int, workers: int) -> float:
    """Bytes a study needs: `workers` runs at once plus the collected result rows."""
    per_run = run_memory_estimate(market)
    ticks = float(market.n_ticks)
    results = float(n_policies) * replications * (ticks * 4 * 8 + 8 * 1024)
    return per_run * max(1, workers) + results


def estimate(
    market: Any, runs: int, workers: int, extra_bytes: float = 0.0, extra_seconds: float = 0.0
) -> StudySize:
    per_run = run_memory_estimate(market)
    ticks = float(market.n_ticks)
    held = float(runs) * (ticks * 4 * 8 + SPEC_BYTES)
    memory = per_run * max(1, min(workers, runs)) + held + extra_bytes
    seconds = run_seconds(market) * runs / max(1, min(workers, runs)) + extra_seconds
    return StudySize(int(runs), int(workers), memory, seconds)


def check_size(size: StudySize, field: str, what: str) -> StudySize:
    """Refuse a study that cannot fit in memory, or would take more than `MAX_DAYS`."""
    check_memory(size.memory, field, what)
    if size.seconds > MAX_DAYS * 86400:
        raise ConfigError(
            field,
            f"too large: {what} would take about {human_time(size.seconds)} on "
            f"{size.workers} worker(s) (at most {MAX_DAYS} days); use fewer runs or a cluster",
        )
    return size


def check_study_size(
    market: Any, n_policies: int, replications: int, workers: int, field: str = "replications"
) -> StudySize:
    """Refuse a study whose runs (workers at once) and results would not fit in memory."""
    check_memory(
        study_memory_estimate(market, n_policies, replications, workers),
        field,
        f"{n_policies} policies x {replications:,} replications on {workers} worker(s) "
        f"({market.n_customers:,} customers each)",
    )
    size = estimate(market, n_policies * replications, workers)
    return check_size(size, field, f"{n_policies} policies x {replications:,} replications")
