"""A robustness study's plan: policies, the ranges of the uncertain assumptions, the drawn
scenarios and every run spec, validated (and built) before any simulation.

Within a scenario, replication r of every policy uses seed ``seed + r`` (common random
numbers), and so does every scenario: differences between scenarios come from the assumptions,
not from new random numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.engine.specs import (
    RunSpec,
    apply_overrides,
    check_count,
    policy_entries,
    with_store_policies,
)
from experiments.studies.comparison.plan import make_plan
from experiments.studies.robustness.design import Design, sample
from experiments.studies.robustness.ranges import (
    Range,
    apply_to_entries,
    behaviour_overrides,
    entry_classes,
    parse_ranges,
    policy_overrides,
    relevant_ranges,
)
from sim import ConfigError, MarketConfig


@dataclass
class RobustPlan:
    """Everything a robustness study needs, validated before any run."""

    market: MarketConfig
    policies: list[str]
    entries: dict[str, tuple[dict[str, Any], ...]]
    ranges: tuple[Range, ...]
    design: Design
    replications: int
    seed: int = 0
    activation: str = "batch"
    level: float = 0.95
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    specs: list[RunSpec] = field(default_factory=list)
    kept_fitted: tuple[str, ...] = ()
    """Ranges left out because the calibrated market fitted those parameters to its store."""

    @property
    def baseline(self) -> str:
        return self.policies[0]

    @property
    def scenarios(self) -> int:
        return len(self.design.values)

    @property
    def n_runs(self) -> int:
        return self.scenarios * len(self.policies) * self.replications

    def relevant(self, policy: str) -> list[Range]:
        """The ranges that can move this policy's Δprofit (behaviour + its own classes)."""
        return relevant_ranges(self.ranges, entry_classes(self.entries[policy]))


def without_fitted(
    ranges: tuple[Range, ...], market: MarketConfig
) -> tuple[tuple[Range, ...], tuple[str, ...]]:
    """On a market calibrated from a store's export, the parameters the calibration fitted
    (`experiments.calibration.market.FITTED_BEHAVIOUR`) are data, not assumptions: their
    ranges are left out so that a scenario never undoes the calibration (issue 20)."""
    if not market.profile.calibrated:
        return ranges, ()
    from experiments.calibration.market import FITTED_BEHAVIOUR

    fitted = {f"behaviour.{name}" for name in FITTED_BEHAVIOUR}
    kept = tuple(r.name for r in ranges if r.name in fitted)
    return tuple(r for r in ranges if r.name not in fitted), kept


def make_robust_plan(
    market: MarketConfig | None,
    policies: Iterable[Any] | str | None = None,
    uncertainty: Mapping[str, Any] | None = None,
    *,
    scenarios: int = 64,
    replications: int = 3,
    design: str = "auto",
    seed: int = 0,
    baseline: str = "none",
    activation: str = "batch",
    level: float = 0.95,
    config_dirs: Iterable[Path | str] = (),
) -> RobustPlan:
    """Validate the inputs, draw the scenarios and build every run spec (so a scenario the
    model rejects fails here, naming the scenario, before any simulation)."""
    base = make_plan(
        market,
        policies,
        replications=replications,
        seed=seed,
        baseline=baseline,
        activation=activation,
        level=level,
        config_dirs=config_dirs,
    )
    scenarios = check_count(scenarios, "scenarios", minimum=2, maximum=1_000_000)
    ranges, kept = without_fitted(parse_ranges(uncertainty), base.market)
    if not ranges:
        raise ConfigError("uncertainty", "every range is a parameter fitted to the store's data")
    drawn = sample(ranges, scenarios, design, seed)
    plan = RobustPlan(
        market=base.market,
        policies=base.policies,
        entries=base.entries,
        ranges=ranges,
        design=drawn,
        replications=base.replications,
        seed=base.base_seed,
        activation=base.activation,
        level=base.level,
        labels=base.labels,
        kept_fitted=kept,
    )
    plan.specs = scenario_specs(plan)
    return plan


def scenario_market(market: MarketConfig, ranges: Iterable[Range], values: Mapping) -> MarketConfig:
    """The market of one scenario: behaviour values set, and policy-effect values set in every
    competitor's policy entries of the classes concerned."""
    ranges = list(ranges)
    m = apply_overrides(market, behaviour_overrides(ranges, values))
    over = policy_overrides(ranges, values)
    changed = {
        s.id: apply_to_entries(policy_entries(list(s.policies)), over)
        for s in m.stores
        if s.id != m.focal_store and s.policies
    }
    return with_store_policies(m, changed) if changed else m


def scenario_specs(plan: RobustPlan) -> list[RunSpec]:
    """Every scenario x policy x replication as a `RunSpec` (labels: scenario, policy,
    replication), in that order."""
    specs = []
    seeds = [plan.seed + r for r in range(plan.replications)]
    for s, values in plan.design.values.iterrows():
        values = values.to_dict()
        try:
            market = scenario_market(plan.market, plan.ranges, values)
            over = policy_overrides(plan.ranges, values)
            for p in plan.policies:
                entries = policy_entries(list(apply_to_entries(plan.entries[p], over)))
                for r, seed in enumerate(seeds):
                    specs.append(
                        RunSpec(
                            market=market,
                            policies=entries,
                            seed=seed,
                            labels={"scenario": int(s), "policy": p, "replication": r},
                            activation=plan.activation,
                        )
                    )
        except ConfigError as exc:
            raise ConfigError(
                f"uncertainty (scenario {s})", f"the model rejects this combination: {exc}"
            ) from None
    return specs
