"""A study's size against this machine, before any work: memory (refused when it cannot fit)
and time (an estimate line; refused only when absurd).

The per-run memory model is the simulation library's (`sim.schema.run_memory_estimate`); a
study adds its parallel runs, its specs and collected results, and whatever its analysis holds
at once (a tournament's bootstrap). Time, divided over the workers: 0.03 s a run, 1 µs a
customer (set-up, extraction), 0.15 ms a tick and 5 ns a customer-day, plus a quarter of the
burn-in year (a replication's runs share one); agent activation adds 1.5 µs a customer-tick.
Against docs/performance.md (Dec 2026): 20k customers x 3 years weekly 0.19 s a run (measured
0.12-0.15 in a study), 1M x 1 year daily 3.4 s (4.5 alone), agent runs 0.75-1.25 µs a
customer-tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim import ConfigError
from sim.schema import check_memory, human_bytes, run_memory_estimate

SECONDS_PER_RUN = 0.03
SECONDS_PER_CUSTOMER = 1e-6
SECONDS_PER_TICK = 1.5e-4
SECONDS_PER_CUSTOMER_DAY = 5e-9
SECONDS_PER_AGENT_CUSTOMER_TICK = 1.5e-6
BURN_IN_SHARE = 0.25
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
    optional: int = 0
    """Of `runs`, those made only if the results call for them (the comparison's scale check)."""

    def line(self) -> str:
        if self.optional:
            return (
                f"{self.runs - self.optional:,} to {self.runs:,} runs on {self.workers} "
                f"worker(s): about {human_time(self.seconds)} at most, peak memory about "
                f"{human_bytes(self.memory)}"
            )
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


def run_seconds(market: Any, activation: str = "batch") -> float:
    """About how long one run of `market` takes in a study (with its share of a burn-in)."""
    n = float(market.n_customers)

    def stepping(ticks: float, days: float) -> float:
        return SECONDS_PER_TICK * ticks + SECONDS_PER_CUSTOMER_DAY * n * days

    years = float(getattr(market, "burn_in_years", 0))  # weekly ticks
    seconds = SECONDS_PER_RUN + SECONDS_PER_CUSTOMER * n
    seconds += stepping(float(market.n_ticks), float(market.n_ticks * market.tick_days))
    seconds += BURN_IN_SHARE * stepping(52.0 * years, 365.0 * years)
    if activation == "agent":  # one Python step per customer and tick
        seconds += SECONDS_PER_AGENT_CUSTOMER_TICK * n * market.n_ticks
    return seconds


def study_memory_estimate(market: Any, n_policies: int, replications: int, workers: int) -> float:
    """Bytes a study needs: `workers` runs at once plus the collected result rows."""
    per_run = run_memory_estimate(market)
    ticks = float(market.n_ticks)
    results = float(n_policies) * replications * (ticks * 4 * 8 + 8 * 1024)
    return per_run * max(1, workers) + results


def estimate(
    market: Any,
    runs: int,
    workers: int,
    extra_bytes: float = 0.0,
    extra_seconds: float = 0.0,
    activation: str = "batch",
) -> StudySize:
    per_run = run_memory_estimate(market)
    ticks = float(market.n_ticks)
    held = float(runs) * (ticks * 4 * 8 + SPEC_BYTES)
    memory = per_run * max(1, min(workers, runs)) + held + extra_bytes
    seconds = run_seconds(market, activation) * runs / max(1, min(workers, runs)) + extra_seconds
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
    market: Any,
    n_policies: int,
    replications: int,
    workers: int,
    field: str = "replications",
    activation: str = "batch",
) -> StudySize:
    """Refuse a study whose runs (workers at once) and results would not fit in memory."""
    check_memory(
        study_memory_estimate(market, n_policies, replications, workers),
        field,
        f"{n_policies} policies x {replications:,} replications on {workers} worker(s) "
        f"({market.n_customers:,} customers each)",
    )
    size = estimate(market, n_policies * replications, workers, activation=activation)
    return check_size(size, field, f"{n_policies} policies x {replications:,} replications")
