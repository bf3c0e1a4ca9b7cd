"""What a design study is asked to do, validated from a plain mapping before any run.

    plan = make_design_plan({"policy": "gift_budget", "levers": ["monthly_per_manager"],
                             "trials": 40, "replications": 8}, market=default_market())

Objectives are the focal store's differences against the baseline under common random numbers
(candidate and baseline share every seed): ``profit`` is the profit difference per year in the
store's money, ``retention`` the retention difference in percentage points. One objective is
searched with TPE, two (profit, retention) with NSGA-II for their trade-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.engine.specs import load_policy_config, policy_entries
from experiments.studies.design.space import DesignLever, design_space
from sim import ConfigError, MarketConfig, default_market
from sim.hooks import check_study_market

KEYS = {
    "policy",
    "levers",
    "ranges",
    "objectives",
    "trials",
    "batch",
    "replications",
    "seed",
    "baseline",
    "robust",
    "scenarios",
    "reevaluate",
    "level",
    "sampler_seed",
}
"""Every option of a design plan (anything else is refused by name)."""


@dataclass(frozen=True)
class DesignPlan:
    """A validated design study."""

    market: MarketConfig
    policy: str
    entries: tuple[dict[str, Any], ...]
    space: tuple[DesignLever, ...]
    objectives: tuple[str, ...] = ("profit",)
    trials: int = 100
    batch: int = 4
    replications: int = 8
    seed: int = 0
    baseline: str = "none"
    baseline_entries: tuple[dict[str, Any], ...] = ()
    robust: str | None = None
    scenarios: int = 0
    ranges: tuple[Any, ...] = ()
    reevaluate_top: int = 5
    reevaluate_replications: int = 8
    level: float = 0.95
    sampler_seed: int = 0
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replications)]

    @property
    def fresh_seeds(self) -> list[int]:
        """Seeds the search never saw, for re-evaluating its winners (the optimiser's curse)."""
        start = self.seed + 1_000_000
        return [start + r for r in range(self.reevaluate_replications)]

    @property
    def multi(self) -> bool:
        return len(self.objectives) > 1

    def fingerprint(self) -> dict[str, Any]:
        """What must not change between a killed search and its resumption."""
        return {
            "market": self.market.to_dict(),
            "policy": self.policy,
            "entries": list(self.entries),
            "space": [
                [d.key, d.lever.kind, d.lever.low, d.lever.high, list(d.lever.choices)]
                for d in self.space
            ],
            "objectives": list(self.objectives),
            "replications": self.replications,
            "seed": self.seed,
            "baseline": self.baseline,
            "robust": self.robust,
            "scenarios": self.scenarios,
            "sampler_seed": self.sampler_seed,
        }


def make_design_plan(
    options: Mapping[str, Any],
    *,
    market: MarketConfig | None = None,
    uncertainty: Mapping[str, Any] | None = None,
    config_dirs: tuple[Path, ...] = (),
) -> DesignPlan:
    """Validate a design study's options (a plain mapping) into a `DesignPlan`: each option
    against its one declaration (`experiments.options.declared.DESIGN_OPTIONS`, which the CLI
    checks too), then what only the policy and market can tell."""
    from experiments.options.check import check_options
    from experiments.options.declared import DESIGN_OPTIONS

    opts = check_options(dict(options), {k: DESIGN_OPTIONS[k] for k in KEYS})
    market = default_market() if market is None else market.validate()
    check_study_market(market)
    policy = opts.get("policy")
    if not isinstance(policy, str) or not policy:
        raise ConfigError("policy", f"must name one policy config, got {policy!r}")
    spec = load_policy_config(policy, config_dirs)
    entries = policy_entries(spec, f"policy {policy}")
    levers = opts.get("levers")
    space = design_space(
        entries, [levers] if isinstance(levers, str) else levers, opts.get("ranges"), policy=policy
    )
    objectives = opts.get("objectives", ["profit"])
    objectives = [objectives] if isinstance(objectives, str) else list(objectives)
    if objectives[0] != "profit" or len(set(objectives)) != len(objectives):
        raise ConfigError(
            "objectives", f"must be [profit] or [profit, retention], got {objectives!r}"
        )
    if "retention" in objectives and market.years < 2:
        raise ConfigError("objectives", "retention needs market.years >= 2 (a year-on-year KPI)")
    baseline = opts.get("baseline", "none")
    if baseline == policy:
        raise ConfigError("baseline", f"must differ from the designed policy {policy!r}")
    try:
        base_spec = load_policy_config(baseline, config_dirs)
    except ConfigError as exc:  # named as the option the user gave
        raise ConfigError("baseline", exc.message) from None
    base_entries = policy_entries(base_spec, f"policy {baseline}")
    robust = opts.get("robust")
    ranges: tuple[Any, ...] = ()
    if robust:
        from experiments.studies.robustness.ranges import (
            entry_classes,
            parse_ranges,
            relevant_ranges,
        )

        ranges = tuple(relevant_ranges(parse_ranges(uncertainty or {}), entry_classes(entries)))
    re_opts = opts.get("reevaluate") or {}
    replications = opts.get("replications", 8)
    labels = {k: str(spec[f]) for k, f in (("en", "label"), ("zh", "label_zh")) if spec.get(f)}
    return DesignPlan(
        market=market,
        policy=policy,
        entries=entries,
        space=space,
        objectives=tuple(objectives),
        trials=opts.get("trials", 100),
        batch=opts.get("batch", 4),
        replications=replications,
        seed=opts.get("seed", 0),
        baseline=baseline,
        baseline_entries=base_entries,
        robust=robust,
        scenarios=opts.get("scenarios", 8) if robust else 0,
        ranges=ranges,
        reevaluate_top=re_opts.get("top", 5),
        reevaluate_replications=re_opts.get("replications", replications),
        level=float(opts.get("level", 0.95)),
        sampler_seed=opts.get("sampler_seed", 0),
        labels=labels,
    )
