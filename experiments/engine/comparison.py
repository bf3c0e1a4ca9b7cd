"""The comparison as a library call: every policy x N replications under common random numbers.

    from experiments.engine import compare
    result = compare(default_market(n_customers=5000), ["none", "gift_budget"], replications=10)
    result.table            # tidy: policy x KPI, mean and CI, paired difference vs baseline

No Hydra: policies are config names (``configs/policy/*.yaml``, user dirs too), mappings or
`StorePolicy` objects. `write_comparison` writes the command's files, atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.specs import (
    available_policies,
    load_policy_config,
    policy_entries,
    policy_labels,
    replicate,
)
from experiments.engine.statistics import ROI_METHODS, comparison_table
from experiments.engine.store import atomic_to_csv, atomic_to_parquet, atomic_write_text
from experiments.engine.study import StudyResult, run_study
from sim import ConfigError, MarketConfig, default_market
from sim.policies import StorePolicy


def select_policies(requested: Any, baseline: str, available: Sequence[str]) -> list[str]:
    """Validated policy names, the baseline first (added when missing)."""
    if requested is None or requested == "all" or requested == ["all"]:
        names = list(available)
    elif isinstance(requested, str):
        names = [requested]
    elif isinstance(requested, (list, tuple)):
        names = [str(n) for n in requested]
    else:
        raise ConfigError("policies", f"must be a list of policy names, got {requested!r}")
    if not names:
        raise ConfigError(
            "policies",
            "is empty; list at least one policy, e.g. policies=[none,"
            f"gift_budget]; available: {', '.join(available)}",
        )
    for n in [baseline, *names]:
        if n not in available:
            raise ConfigError(
                "policies" if n != baseline or n in names else "baseline",
                f"unknown policy {n!r}; available: {', '.join(available)}",
            )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError("policies", f"policy {dupes[0]!r} listed twice")
    return [baseline] + [n for n in names if n != baseline]


@dataclass
class Plan:
    """Everything a comparison needs, validated; built before any simulation work."""

    market: MarketConfig
    policies: list[str]
    entries: dict[str, tuple[dict[str, Any], ...]]
    replications: int
    base_seed: int = 0
    activation: str = "batch"
    level: float = 0.95
    roi_method: str = "delta"
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    configs: dict[str, Any] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        return self.policies[0]

    @property
    def seeds(self) -> list[int]:
        return [self.base_seed + r for r in range(self.replications)]

    @property
    def n_runs(self) -> int:
        return len(self.policies) * self.replications

    def specs(self) -> list:
        return replicate(self.market, self.entries, self.seeds, activation=self.activation)


def check_count(
    value: Any, field_name: str, *, minimum: int = 1, maximum: int | None = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(field_name, f"must be an integer >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(field_name, f"must be an integer <= {maximum:,}, got {value!r}")
    return value


def make_plan(
    market: MarketConfig | None,
    policies: Iterable[Any] | str | None = None,
    *,
    replications: int = 10,
    seed: int = 0,
    baseline: str = "none",
    activation: str = "batch",
    level: float = 0.95,
    roi_method: str = "delta",
    config_dirs: Iterable[Path | str] = (),
) -> Plan:
    """Validate a comparison's inputs into a `Plan` (every policy built once: bad parameters
    fail here, before any run)."""
    market = default_market() if market is None else market.validate()
    replications = check_count(replications, "replications", maximum=100_000)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", f"must be an integer >= 0, got {seed!r}")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ConfigError("level", f"must be a number in (0, 1), got {level!r}")
    if roi_method not in ROI_METHODS:
        raise ConfigError("roi_method", f"must be one of {list(ROI_METHODS)}, got {roi_method!r}")
    config_dirs = tuple(config_dirs)
    entries: dict[str, tuple[dict[str, Any], ...]] = {}
    labels: dict[str, dict[str, str]] = {}
    configs: dict[str, Any] = {}
    named = (
        policies is None or isinstance(policies, str) or all(isinstance(p, str) for p in policies)
    )
    if named:
        names = select_policies(
            None
            if policies is None
            else ([policies] if isinstance(policies, str) else list(policies)),
            baseline,
            available_policies(config_dirs),
        )
        for name in names:
            spec = load_policy_config(name, config_dirs)
            entries[name] = policy_entries(spec, f"policy {name}")
            configs[name] = spec
            if policy_labels(spec):
                labels[name] = policy_labels(spec)
    else:
        names = []
        for p in policies:  # type: ignore[union-attr]
            name, ents = _named_entries(p)
            if name in entries:
                raise ConfigError("policies", f"policy {name!r} listed twice")
            entries[name] = ents
            names.append(name)
        if baseline not in entries:
            entries = {baseline: (), **entries} if baseline == "none" else entries
            if baseline not in entries:
                raise ConfigError("baseline", f"{baseline!r} is not among the policies")
        names = [baseline] + [n for n in entries if n != baseline]
        configs = {n: {"policies": list(entries[n])} for n in names}
    return Plan(
        market=market,
        policies=names,
        entries={n: entries[n] for n in names},
        replications=replications,
        base_seed=seed,
        activation=str(activation),
        level=float(level),
        roi_method=str(roi_method),
        labels=labels,
        configs=configs,
    )


def _named_entries(p: Any) -> tuple[str, tuple[dict[str, Any], ...]]:
    """A display name and entries for a policy given as a name, mapping or StorePolicy."""
    if isinstance(p, str):
        return p, policy_entries([p])
    if isinstance(p, StorePolicy):
        return p.name, policy_entries([p])
    if isinstance(p, Mapping):
        ents = policy_entries([p])
        return str(p.get("name") or ents[0]["_target_"].rsplit(".", 1)[-1]), ents
    raise ConfigError("policies", f"expected a policy name, mapping or StorePolicy, got {p!r}")


@dataclass
class ComparisonResult:
    """A finished comparison: the tidy table and the study's frames."""

    plan: Plan
    table: pd.DataFrame
    study: StudyResult

    @property
    def runs(self) -> pd.DataFrame:
        return self.study.runs


def run_comparison(
    plan: Plan,
    *,
    executor: Any = "local",
    workers: int | None = None,
    address: str | None = None,
    store: Any = None,
    fresh: bool = False,
    progress: bool = True,
) -> ComparisonResult:
    study = run_study(
        plan.specs(),
        executor=executor,
        workers=workers,
        address=address,
        store=store,
        fresh=fresh,
        progress=progress,
    )
    table = comparison_table(
        study.runs, plan.baseline, level=plan.level, roi_method=plan.roi_method
    )
    return ComparisonResult(plan=plan, table=table, study=study)


def compare(
    market: MarketConfig | None = None,
    policies: Iterable[Any] | str | None = None,
    *,
    replications: int = 10,
    seed: int = 0,
    baseline: str = "none",
    level: float = 0.95,
    roi_method: str = "delta",
    activation: str = "batch",
    executor: Any = "local",
    workers: int | None = None,
    address: str | None = None,
    store: Any = None,
    fresh: bool = False,
    progress: bool = True,
    config_dirs: Iterable[Path | str] = (),
) -> ComparisonResult:
    """Compare policies on `market` (default market when None): the notebook entry point."""
    plan = make_plan(
        market,
        policies,
        replications=replications,
        seed=seed,
        baseline=baseline,
        activation=activation,
        level=level,
        roi_method=roi_method,
        config_dirs=config_dirs,
    )
    return run_comparison(
        plan,
        executor=executor,
        workers=workers,
        address=address,
        store=store,
        fresh=fresh,
        progress=progress,
    )


def market_meta(m: MarketConfig) -> dict[str, Any]:
    """The market's headline facts, as every study's `meta.json` starts."""
    return {
        "market": m.name,
        "n_customers": m.n_customers,
        "years": m.years,
        "tick": m.tick,
        "focal_store": m.focal_store,
    }


def comparison_meta(result: ComparisonResult, **extra: Any) -> dict[str, Any]:
    """What `meta.json` records: the plan, the market, and how the runs were obtained."""
    plan, m = result.plan, result.plan.market
    return {
        **market_meta(m),
        "policies": plan.policies,
        "baseline": plan.baseline,
        "labels": plan.labels,
        "replications": plan.replications,
        "seeds": plan.seeds,
        "activation": plan.activation,
        "level": plan.level,
        "roi_method": plan.roi_method,
        "runs": plan.n_runs,
        **extra,
        "policy_configs": plan.configs,
        "market_config": m.to_dict(),
    }


def write_comparison(outdir: Path, result: ComparisonResult, meta: Mapping[str, Any]) -> None:
    """comparison.csv, runs.csv/.parquet, timeseries.parquet, yearly and segment tables,
    meta.json; each atomically."""
    from experiments.common import jsonable

    study = result.study
    atomic_to_csv(result.table, outdir / "comparison.csv")
    atomic_to_csv(study.runs, outdir / "runs.csv")
    atomic_to_parquet(study.runs, outdir / "runs.parquet")
    atomic_to_parquet(study.series, outdir / "timeseries.parquet")
    atomic_to_csv(study.yearly, outdir / "yearly_retention.csv")
    atomic_to_csv(study.segments, outdir / "segments_by_year.csv")
    atomic_write_text(outdir / "meta.json", json.dumps(jsonable(dict(meta)), indent=2))
