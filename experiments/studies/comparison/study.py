"""The comparison as a `Study`: every policy x N replications under common random numbers ->
the comparison table (policy x KPI: mean and CI, paired difference vs the baseline).

    from experiments.studies.comparison import compare
    result = compare(default_market(n_customers=5000), ["none", "gift_budget"], replications=10)
    result.table
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.analysis.statistics import comparison_table, format_ranked
from experiments.engine.study import StudyResult
from experiments.studies.base import Page, Result, Study, market_meta, run
from experiments.studies.comparison.plan import Plan, make_plan
from sim import ConfigError, MarketConfig
from sim.config import TICK_WORDS


class ComparisonResult(Result):
    """A finished comparison; `analysis` is the comparison table."""

    @property
    def table(self) -> pd.DataFrame:
        return self.analysis

    @property
    def study(self) -> StudyResult:
        return self.frames

    @property
    def runs(self) -> pd.DataFrame:
        return self.frames.runs


class Comparison(Study):
    name = "compare"
    result_type = ComparisonResult

    def check(self, cfg: Mapping[str, Any], config_dirs: Iterable[Path] = ()) -> None:
        from experiments.common import check_compare_options

        check_compare_options(cfg)  # shapes, types, ranges, unknown keys of every option

    def plan(self, cfg: Mapping[str, Any], *, config_dirs: Iterable[Path] = ()) -> Plan:
        from experiments.common import build_market, check_seed, to_container

        market = build_market(cfg["market"])
        baseline = cfg.get("baseline", "none")
        if not isinstance(baseline, str):
            raise ConfigError("baseline", f"must be a policy name, got {baseline!r}")
        activation = cfg.get("activation", "batch")
        if activation not in ("batch", "agent"):
            raise ConfigError(
                "activation", f"must be one of ['batch', 'agent'], got {activation!r}"
            )
        return make_plan(
            market,
            to_container(cfg.get("policies")),
            replications=cfg.get("replications", 10),
            seed=check_seed(cfg.get("seed", 0)),
            baseline=baseline,
            activation=activation,
            level=cfg.get("level", 0.95),
            roi_method=cfg.get("roi_method", "delta"),
            config_dirs=config_dirs,
        )

    def check_size(self, plan: Plan, workers: int) -> Any:
        from experiments.options.size import check_study_size

        return check_study_size(plan.market, len(plan.policies), plan.replications, workers)

    def specs(self, plan: Plan) -> list:
        return plan.specs()

    def analyse(self, plan: Plan, frames: StudyResult) -> pd.DataFrame:
        return comparison_table(
            frames.runs, plan.baseline, level=plan.level, roi_method=plan.roi_method
        )

    def tables(self, result: Result) -> dict[str, pd.DataFrame]:
        f = result.frames
        return {
            "comparison.csv": result.analysis,
            "runs.csv": f.runs,
            "runs.parquet": f.runs,
            "timeseries.parquet": f.series,
            "yearly_retention.csv": f.yearly,
            "segments_by_year.csv": f.segments,
        }

    def meta(self, result: Result, info: Mapping[str, Any]) -> dict[str, Any]:
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
            "executor": info.get("executor"),
            "workers": info.get("workers"),
            "reused_runs": info["reused"],
            "wall_seconds": info["wall_seconds"],
            "mean_run_seconds": info["mean_run_seconds"],
            "policy_configs": plan.configs,
            "market_config": m.to_dict(),
        }

    def report(self, result: Result, meta: Mapping[str, Any], outdir: Path, lang: str) -> Page:
        from experiments.studies.comparison.report import draw_figures, page

        f = result.frames
        figs = draw_figures(
            outdir,
            table=result.analysis,
            runs=f.runs,
            series=f.series,
            yearly=f.yearly,
            segments=f.segments,
            meta=dict(meta),
            lang=lang,
        )
        return page(table=result.analysis, runs=f.runs, meta=dict(meta), figs=figs, lang=lang)

    def announce(self, plan: Plan, executor: str, workers: int) -> str:
        from experiments.report.provenance import market_size

        m = plan.market
        return (
            f"market {m.name}: {market_size(m)}, {m.years} years, "
            f"{TICK_WORDS[m.tick]} ticks; "
            f"focal store {m.focal_store!r}; {len(plan.policies)} policies x "
            f"{plan.replications} replications (seeds {plan.seeds[0]}..{plan.seeds[-1]}, "
            f"common random numbers) on {workers} {executor} worker(s)"
        )

    def summary(self, result: Result) -> str:
        plan = result.plan
        symbol = plan.market.profile.currency_symbol
        return format_ranked(result.analysis, plan.baseline, plan.level, symbol)

    def footnote(self, result: Result, workers: int) -> str:
        f = result.frames
        return (
            f"{result.plan.n_runs} runs ({f.reused} reused from the run store) in "
            f"{f.wall_seconds:.1f} s ({f.runs['seconds'].mean():.2f} s per run, "
            f"{workers} worker(s))"
        )


COMPARISON = Comparison()


def run_comparison(plan: Plan, **engine: Any) -> ComparisonResult:
    """Run a plan through the engine (``executor``, ``workers``, ``store``, ``fresh`` ...)."""
    return run(COMPARISON, plan, **engine)


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
    config_dirs: Iterable[Path | str] = (),
    **engine: Any,
) -> ComparisonResult:
    """Compare policies on `market` (default market when None): the notebook entry point.
    `engine` keywords go to the engine (``executor``, ``workers``, ``address``, ``store``,
    ``fresh``, ``progress``)."""
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
    return run_comparison(plan, **engine)
