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


def check_policy_names(names: list[str], field: str, config_dirs: Sequence[Path] = ()) -> None:
    """Every name is a policy config (built-in or in a user config dir)."""
    from experiments.cli import config_choices
    from sim import ConfigError

    available = config_choices("policy", tuple(config_dirs))
    for name in names:
        if name not in available:
            raise ConfigError(field, f"unknown policy {name!r}; available: {', '.join(available)}")


def policy_count(policies: Any, baseline: str, config_dirs: Sequence[Path] = ()) -> int:
    """How many policies a compare/robustness study runs (null = every policy config)."""
    if policies is None:
        from experiments.cli import config_choices

        return max(1, len(config_choices("policy", tuple(config_dirs))))
    names = _names(policies)
    return len(set(names) | {baseline})


def precheck_robustness(cfg: Any, config_dirs: Sequence[Path] = ()) -> StudySize:
    """Options, market and size of a robustness study (scenarios x policies x replications)."""
    from experiments.options.check import to_container
    from experiments.studies.robustness.design import check_budget, choose_design
    from experiments.studies.robustness.plan import without_fitted
    from experiments.studies.robustness.ranges import parse_ranges

    opts = check_command("robustness", cfg)
    market = build_market(cfg["market"])
    ranges = parse_ranges(to_container(cfg.get("uncertainty"), "uncertainty"))  # every field
    check_policy_names(_names(opts.get("policies")), "policies", config_dirs)
    n_pol = policy_count(opts.get("policies"), opts.get("baseline", "none"), config_dirs)
    scenarios, reps = opts.get("scenarios", 64), opts.get("replications", 3)
    dims = len(without_fitted(ranges, market)[0])
    if dims:  # a design too small for its ranges stops here, before Hydra makes a directory
        check_budget(choose_design(opts.get("design", "auto"), scenarios, dims), scenarios, dims)
    field = "replications" if reps > scenarios else "scenarios"
    size = estimate(market, scenarios * n_pol * reps, _workers(opts))
    what = f"{scenarios:,} scenarios x {n_pol} policies x {reps:,} replications"
    return check_size(size, field, what)


BOOT_SECONDS = 2e-5
"""Analysis time per bootstrap resample, profile and player (best responses, survival)."""


def precheck_tournament(cfg: Any, config_dirs: Sequence[Path] = ()) -> StudySize:
    """Options, market and size of a tournament: every profile x replications runs, plus the
    bootstrap's resampled means (n_boot x replications per policy and store at once)."""
    opts = check_command("tournament", cfg)
    market = build_market(cfg["market"])
    from experiments.studies.tournament.plan import check_rivals

    rivals = check_rivals(market, opts.get("rivals", ["county_rival"]))
    shared = _names(opts.get("policies"))
    own = opts.get("store_policies") or {}
    check_policy_names(shared, "policies", config_dirs)
    for store, names in own.items():
        if isinstance(names, (str, list)):
            check_policy_names(_names(names), f"store_policies.{store}", config_dirs)
    sets = [len(_names(own.get(s, shared))) or 1 for s in [market.focal_store, *rivals]]
    profiles = math.prod(sets)
    reps, n_boot = opts.get("replications", 10), opts.get("bootstrap", 1000)
    boot_bytes = 3.0 * 8 * n_boot * reps * (max(sets) + 1) * len(sets)
    size = estimate(
        market,
        profiles * reps,
        _workers(opts),
        extra_bytes=boot_bytes,
        extra_seconds=BOOT_SECONDS * n_boot * profiles * len(sets),
    )
    field = "bootstrap" if boot_bytes > size.memory / 2 else "replications"
    what = f"{profiles:,} profiles x {reps:,} replications with {n_boot:,} bootstrap resamples"
    return check_size(size, field, what)


LOG_BYTES_PER_FILE_BYTE = {"plain": 8.0, "compressed": 40.0}
"""Memory a log takes while read and fitted, per byte of its file (CSV text -> Arrow -> pandas
copies; a compressed file expands about fivefold first)."""


def precheck_calibrate(values: dict[str, Any]) -> dict[str, Any]:
    """The calibrate command's flags (declared in `CALIBRATE_OPTIONS`), its log file (exists,
    a file, a UTF-8 name) and the log's memory against this machine, before any reading."""
    from experiments.options.check import check_creatable, check_flags, check_input_file
    from sim.schema import check_memory

    plain = {k: str(v) if isinstance(v, Path) else v for k, v in values.items()}
    checked = check_flags("calibrate", plain)
    log = check_input_file(Path(values["log"]), "log")
    kind = "compressed" if log.suffix in (".gz", ".bz2", ".zst", ".lz4") else "plain"
    size = log.stat().st_size
    check_memory(
        size * LOG_BYTES_PER_FILE_BYTE[kind], "log", f"reading a {size / 2**20:,.0f} MiB {kind} log"
    )
    check_creatable(Path(values["out"]), "--out")
    return checked
