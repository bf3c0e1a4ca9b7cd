"""A comparison's plan: which policies, how many replications, which seeds, validated before
any simulation work. Policies are config names (``configs/policy/*.yaml``, user dirs too),
mappings or `StorePolicy` objects; names go through the one policy catalogue
(`experiments.studies.policies`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.analysis.statistics import ROI_METHODS
from experiments.engine.specs import check_count, policy_entries, replicate
from experiments.studies.comparison.scale import check_scale
from experiments.studies.policies import catalogue
from sim import ConfigError, MarketConfig, default_market
from sim.hooks import check_study_market
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
    scale_replications: int = 0
    """Runs of every policy at half and at double the market's size (`scale`; 0 = none)."""

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
    scale_check: int = 0,
) -> Plan:
    """Validate a comparison's inputs into a `Plan` (every policy built once: bad parameters
    fail here, before any run)."""
    market = default_market() if market is None else market.validate()
    check_study_market(market)
    replications = check_count(replications, "replications", maximum=100_000)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", f"must be an integer >= 0, got {seed!r}")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ConfigError("level", f"must be a number in (0, 1), got {level!r}")
    if roi_method not in ROI_METHODS:
        raise ConfigError("roi_method", f"must be one of {list(ROI_METHODS)}, got {roi_method!r}")
    scale_check = check_scale(market, scale_check)
    config_dirs = tuple(config_dirs)
    entries: dict[str, tuple[dict[str, Any], ...]] = {}
    labels: dict[str, dict[str, str]] = {}
    configs: dict[str, Any] = {}
    named = (
        policies is None or isinstance(policies, str) or all(isinstance(p, str) for p in policies)
    )
    if named:
        known = catalogue(config_dirs)
        names = select_policies(
            None
            if policies is None
            else ([policies] if isinstance(policies, str) else list(policies)),
            baseline,
            known.names,
        )
        for name in names:
            policy = known.load(name, f"policy {name}")
            entries[name] = policy.entries
            configs[name] = policy.config
            if policy.labels:
                labels[name] = dict(policy.labels)
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
        scale_replications=scale_check,
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
