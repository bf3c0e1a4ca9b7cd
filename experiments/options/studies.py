"""The checks a study command runs before any work: its declared options, its market, and its
size (memory refused when it cannot fit, time estimated) from the options alone, so that a
study of a trillion runs is refused before a single spec is built."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from experiments.options.check import build_market, check_command
from experiments.options.size import StudySize, check_size, estimate


def _workers(opts: dict[str, Any]) -> int:
    from experiments.engine.executors import default_workers

    return opts.get("workers") or default_workers()


def _names(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def policy_count(policies: Any, baseline: str, config_dirs: Sequence[Path] = ()) -> int:
    """How many policies a compare/robustness study runs (null = every policy config)."""
    if policies is None:
        from experiments.cli import config_choices

        return max(1, len(config_choices("policy", tuple(config_dirs))))
    names = _names(policies)
    return len(set(names) | {baseline})


def precheck_robustness(cfg: Any, config_dirs: Sequence[Path] = ()) -> StudySize:
    """Options, market and size of a robustness study (scenarios x policies x replications)."""
    opts = check_command("robustness", cfg)
    market = build_market(cfg["market"])
    n_pol = policy_count(opts.get("policies"), opts.get("baseline", "none"), config_dirs)
    scenarios, reps = opts.get("scenarios", 64), opts.get("replications", 3)
    field = "replications" if reps > scenarios else "scenarios"
    size = estimate(market, scenarios * n_pol * reps, _workers(opts))
    what = f"{scenarios:,} scenarios x {n_pol} policies x {reps:,} replications"
    return check_size(size, field, what)


def precheck_tournament(cfg: Any) -> StudySize:
    """Options, market and size of a tournament: every profile x replications runs, plus the
    bootstrap's resampled means (n_boot x replications per policy and store at once)."""
    opts = check_command("tournament", cfg)
    market = build_market(cfg["market"])
    rivals = _names(opts.get("rivals", ["county_rival"]))
    shared = _names(opts.get("policies"))
    own = opts.get("store_policies") or {}
    sets = [len(_names(own.get(s, shared))) or 1 for s in [market.focal_store, *rivals]]
    profiles = math.prod(sets)
    reps, n_boot = opts.get("replications", 10), opts.get("bootstrap", 1000)
    boot_bytes = 3.0 * 8 * n_boot * reps * (max(sets) + 1) * len(sets)
    size = estimate(market, profiles * reps, _workers(opts), extra_bytes=boot_bytes)
    field = "bootstrap" if boot_bytes > size.memory / 2 else "replications"
    what = f"{profiles:,} profiles x {reps:,} replications with {n_boot:,} bootstrap resamples"
    return check_size(size, field, what)
