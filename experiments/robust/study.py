"""A robustness study as a library call: policies x scenarios of the assumptions x seeds.

    from experiments.robust import robustness
    result = robustness(default_market(n_customers=5000), ["none", "gift_budget"],
                        uncertainty={"gift_budget": {"satisfaction_gain":
                                     {"low": 0.05, "high": 0.8, "source": "assumption"}}},
                        scenarios=32, replications=3)
    result.ranking          # robust ranking: P(beat baseline), P(best), regret, verdict

Every run goes through the engine's `run_study` (resumable run store, local or Ray executor).
Within a scenario, replication r of every policy uses seed ``seed + r`` (common random
numbers), and so does every scenario: differences between scenarios come from the assumptions,
not from new random numbers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine import (
    RunSpec,
    apply_overrides,
    make_plan,
    policy_entries,
    run_study,
    with_store_policies,
)
from experiments.engine.comparison import check_count, market_meta
from experiments.engine.store import atomic_to_csv, atomic_to_parquet, atomic_write_text
from experiments.engine.study import StudyResult
from experiments.robust.analysis import robust_ranking, scenario_deltas, scenario_means
from experiments.robust.design import Design, sample
from experiments.robust.discovery import describe_failures, rules_frame
from experiments.robust.drivers import drivers_table
from experiments.robust.ranges import (
    Range,
    apply_to_entries,
    behaviour_overrides,
    entry_classes,
    parse_ranges,
    policy_overrides,
    relevant_ranges,
)
from sim import ConfigError, MarketConfig, default_market


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
    ranges = parse_ranges(uncertainty)
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


@dataclass
class RobustResult:
    """A finished robustness study: its plan, the study's frames and the analysis."""

    plan: RobustPlan
    study: StudyResult | None
    means: pd.DataFrame
    deltas: pd.DataFrame
    ranking: pd.DataFrame
    drivers: pd.DataFrame
    failures: dict[str, dict[str, Any]]

    @property
    def scenarios(self) -> pd.DataFrame:
        return self.plan.design.values.reset_index()


def analyse(plan: RobustPlan, runs: pd.DataFrame) -> RobustResult:
    """Probabilities, regret and ranking; drivers and failure conditions of every policy."""
    means = scenario_means(runs, policies=plan.policies)
    deltas = scenario_deltas(means, plan.baseline)
    ranking = robust_ranking(deltas, plan.baseline, plan.level)
    design = plan.design
    parts, failures = [], {}
    for p in plan.policies:
        if p == plan.baseline:
            continue
        d = deltas[deltas["policy"] == p].set_index("scenario").reindex(design.values.index)
        names = [r.name for r in plan.relevant(p)]
        table = drivers_table(
            design.drivers_method,
            design.problem(),
            design.unit,
            d["d_profit"].to_numpy(),
            names,
            plan.level,
            plan.seed,
        )
        parts.append(table.assign(policy=p))
        failures[p] = describe_failures(p, design.values[names], d["d_profit"].to_numpy())
    drivers = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(drivers):
        drivers = drivers[["policy", *[c for c in drivers.columns if c != "policy"]]]
    return RobustResult(plan, None, means, deltas, ranking, drivers, failures)


def run_robustness(
    plan: RobustPlan,
    *,
    executor: Any = "local",
    workers: int | None = None,
    address: str | None = None,
    store: Any = None,
    fresh: bool = False,
    progress: bool = True,
) -> RobustResult:
    """Run the plan's specs through the engine (resumable) and analyse them."""
    study = run_study(
        plan.specs,
        executor=executor,
        workers=workers,
        address=address,
        store=store,
        fresh=fresh,
        progress=progress,
        desc="robustness runs",
    )
    result = analyse(plan, study.runs)
    result.study = study
    return result


def robustness(
    market: MarketConfig | None = None,
    policies: Iterable[Any] | str | None = None,
    uncertainty: Mapping[str, Any] | None = None,
    *,
    executor: Any = "local",
    workers: int | None = None,
    address: str | None = None,
    store: Any = None,
    fresh: bool = False,
    progress: bool = True,
    **plan_options: Any,
) -> RobustResult:
    """The notebook entry point: plan, run and analyse (default market and ranges when None)."""
    if uncertainty is None:
        import yaml

        path = Path(__file__).resolve().parents[2] / "configs" / "uncertainty" / "default.yaml"
        uncertainty = yaml.safe_load(path.read_text())
    plan = make_robust_plan(
        default_market() if market is None else market, policies, uncertainty, **plan_options
    )
    return run_robustness(
        plan,
        executor=executor,
        workers=workers,
        address=address,
        store=store,
        fresh=fresh,
        progress=progress,
    )


def robustness_meta(result: RobustResult, **extra: Any) -> dict[str, Any]:
    plan, m = result.plan, result.plan.market
    study = result.study
    return {
        **market_meta(m),
        "policies": plan.policies,
        "baseline": plan.baseline,
        "labels": plan.labels,
        "scenarios": plan.scenarios,
        "design": plan.design.method,
        "design_base": plan.design.base,
        "drivers_method": plan.design.drivers_method,
        "replications": plan.replications,
        "seed": plan.seed,
        "seeds": [plan.seed + r for r in range(plan.replications)],
        "activation": plan.activation,
        "level": plan.level,
        "runs": plan.n_runs,
        "reused_runs": study.reused if study else None,
        "computed_runs": study.computed if study else None,
        "wall_seconds": round(study.wall_seconds, 3) if study else None,
        "ranges": [
            {
                "name": r.name,
                "low": r.low,
                "high": r.high,
                "default": r.default,
                "integer": r.integer,
                "source": r.source,
            }
            for r in plan.ranges
        ],
        **extra,
        "market_config": m.to_dict(),
    }


def write_robustness(
    outdir: Path,
    result: RobustResult,
    meta: Mapping[str, Any],
    *,
    lang: str = "en",
    report: bool = True,
) -> dict[str, Path]:
    """Every output, each written atomically; returns their paths by name."""
    from experiments.common import jsonable

    outdir = Path(outdir)
    out: dict[str, Path] = {}
    out["robustness"] = atomic_to_csv(result.ranking, outdir / "robustness.csv")
    scen = result.scenarios
    out["scenarios"] = atomic_to_csv(scen, outdir / "scenarios.csv")
    atomic_to_parquet(scen, outdir / "scenarios.parquet")
    out["deltas"] = atomic_to_csv(result.deltas, outdir / "deltas.csv")
    atomic_to_parquet(result.deltas, outdir / "deltas.parquet")
    if result.study is not None:
        out["runs"] = atomic_to_parquet(result.study.runs, outdir / "runs.parquet")
    out["drivers"] = atomic_to_csv(result.drivers, outdir / "drivers.csv")
    out["failures"] = atomic_to_csv(
        rules_frame([result.failures[p] for p in result.failures]), outdir / "failures.csv"
    )
    out["meta"] = atomic_write_text(
        outdir / "meta.json", json.dumps(jsonable(dict(meta)), indent=2)
    )
    if report:
        out.update(write_report(outdir, result, meta, lang=lang))
    return out


def write_report(
    outdir: Path, result: RobustResult, meta: Mapping[str, Any], *, lang: str = "en"
) -> dict[str, Path]:
    """Figures (PNG) and report.html with the robustness section."""
    from experiments.report import policy_labels
    from experiments.robust.figures import delta_distribution, driver_bars, regret_bars
    from experiments.robust.section import page_title, render_page, robustness_section

    plan = result.plan
    labels = policy_labels(plan.policies, lang, plan.labels)
    order = list(result.ranking["policy"])
    figs = {
        "delta_profit": delta_distribution(
            result.deltas, order, labels, plan.baseline, outdir / "delta_profit.png", lang
        ),
        "regret": regret_bars(result.ranking, labels, outdir / "regret.png", lang),
    }
    if len(result.drivers):
        figs["drivers"] = driver_bars(result.drivers, order, labels, outdir / "drivers.png", lang)
    section = robustness_section(
        ranking=result.ranking,
        drivers=result.drivers,
        failures=result.failures,
        ranges=plan.ranges,
        figures=figs,
        labels=labels,
        meta=meta,
        lang=lang,
    )
    page = render_page(page_title(lang), [section], lang)
    return {
        **{f"{k}_png": v for k, v in figs.items()},
        "report": atomic_write_text(outdir / "report.html", page),
    }


def bench_robustness(
    *,
    scenarios: int = 64,
    replications: int = 3,
    n_customers: int | None = None,
    workers: int | None = None,
    store: str | Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The default robustness study, timed (for `experiments.bench`): every policy x
    `scenarios` x `replications` on the default market and ranges, computed fresh."""
    import os
    import tempfile

    import yaml

    from experiments.engine import default_workers

    root = Path(__file__).resolve().parents[2]
    cfg = yaml.safe_load((root / "configs" / "robustness.yaml").read_text())
    n = n_customers or cfg.get("market", {}).get("n_customers") or None
    market = default_market(n_customers=n) if n else default_market()
    uncertainty = yaml.safe_load((root / "configs" / "uncertainty" / "default.yaml").read_text())
    workers = workers or default_workers()
    load_start = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    t0 = time.perf_counter()
    plan = make_robust_plan(
        market, None, uncertainty, scenarios=scenarios, replications=replications, **options
    )
    plan_seconds = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        result = run_robustness(
            plan, workers=workers, store=store or Path(tmp) / "store", fresh=True, progress=True
        )
        run_seconds = time.perf_counter() - t1
        t2 = time.perf_counter()
        write_robustness(Path(tmp) / "out", result, robustness_meta(result), report=True)
        report_seconds = time.perf_counter() - t2
    return {
        "n_customers": market.n_customers,
        "years": market.years,
        "policies": len(plan.policies),
        "scenarios": plan.scenarios,
        "replications": plan.replications,
        "runs": plan.n_runs,
        "design": plan.design.method,
        "workers": workers,
        "plan_seconds": round(plan_seconds, 2),
        "run_seconds": round(run_seconds, 2),
        "analysis_report_seconds": round(report_seconds, 2),
        "total_seconds": round(plan_seconds + run_seconds + report_seconds, 2),
        "mean_run_seconds": round(float(result.study.runs["seconds"].mean()), 3),
        "target_seconds": 900,
        "met": plan_seconds + run_seconds + report_seconds <= 900,
        "loadavg_at_start": load_start,
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()] if load_start else None,
    }
