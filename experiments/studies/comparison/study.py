"""The comparison as a `Study`: every policy x N replications under common random numbers ->
the comparison table (policy x KPI: mean and CI, paired difference vs the baseline).

    from experiments.studies.comparison import compare
    result = compare(default_market(n_customers=5000), ["none", "gift_budget"], replications=10)
    result.table
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.analysis.statistics import comparison_table, format_ranked
from experiments.engine.study import StudyResult
from experiments.studies.base import Page, Result, Study, market_meta, run
from experiments.studies.comparison.plan import Plan, make_plan
from sim import ConfigError, MarketConfig
from sim.config import TICK_WORDS


@dataclass
class ComparisonResult(Result):
    """A finished comparison; `analysis` is the comparison table, `scale` the scale check's
    (`scale.scale_table`; None when it did not run) and `scale_frames` its runs."""

    scale: pd.DataFrame | None = None
    scale_frames: StudyResult | None = None

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
            scale_check=cfg.get("scale_check", 0),
        )

    def check_size(self, plan: Plan, workers: int) -> Any:
        from experiments.options.size import check_study_size

        size = check_study_size(
            plan.market, len(plan.policies), plan.replications, workers, activation=plan.activation
        )
        if plan.scale_replications and not plan.market.members:  # double-size runs too
            from experiments.options.size import StudySize
            from experiments.studies.comparison.scale import SIZES, scaled_market

            k, n = plan.scale_replications, len(plan.policies)
            extra = [
                check_study_size(
                    scaled_market(plan.market, f), n, k, workers, "scale_check", plan.activation
                )
                for f in SIZES
            ]
            size = StudySize(
                size.runs + sum(e.runs for e in extra),
                workers,
                max(size.memory, *(e.memory for e in extra)),
                size.seconds + sum(e.seconds for e in extra),
                optional=sum(e.runs for e in extra),
            )
        return size

    def execute(self, plan: Plan, *, outdir: Path, progress: bool = True, **engine: Any) -> Any:
        return run_comparison(plan, progress=progress, **engine)

    def specs(self, plan: Plan) -> list:
        return plan.specs()

    def analyse(self, plan: Plan, frames: StudyResult) -> pd.DataFrame:
        return comparison_table(
            frames.runs, plan.baseline, level=plan.level, roi_method=plan.roi_method
        )

    def tables(self, result: Result) -> dict[str, pd.DataFrame]:
        f = result.frames
        out = {
            "comparison.csv": result.analysis,
            "runs.csv": f.runs,
            "runs.parquet": f.runs,
            "timeseries.parquet": f.series,
            "yearly_retention.csv": f.yearly,
            "segments_by_year.csv": f.segments,
        }
        scale = getattr(result, "scale", None)
        if scale is not None:
            out["scale.csv"] = scale
        return out

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
            **scale_meta(result),
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
        return page(
            table=result.analysis,
            runs=f.runs,
            meta=dict(meta),
            figs=figs,
            lang=lang,
            scale=getattr(result, "scale", None),
        )

    def announce(self, plan: Plan, executor: str, workers: int) -> str:
        from experiments.report.provenance import market_size

        m = plan.market
        return (
            f"market {m.name}: {market_size(m)}, {m.years} years, "
            f"{TICK_WORDS[m.tick]} ticks; "
            f"focal store {m.focal_store!r}; {len(plan.policies)} policies x "
            f"{plan.replications} replications (seeds {plan.seeds[0]}..{plan.seeds[-1]}, "
            f"common random numbers) on {workers} {executor} worker(s)"
            + (
                "; no scale check on a member twin (its customers are the store's own members)"
                if plan.scale_replications and m.members
                else f"; scale check: {plan.scale_replications} replication(s) at half and "
                "double the size for each policy whose verdict is clear"
                if plan.scale_replications
                else ""
            )
        )

    def summary(self, result: Result) -> str:
        """The ranked table, then the report's answer in plain English (scale check included)."""
        from experiments.analysis.statistics import wide
        from experiments.report.vocab import policy_labels
        from experiments.studies.comparison.text import answer

        plan = result.plan
        meta = {**market_meta(plan.market), "market_config": plan.market.to_dict()}
        meta["policy_configs"] = plan.configs
        labels = policy_labels(plan.policies, "en", plan.labels)
        lines = answer(
            wide(result.analysis), plan.baseline, labels, "en", meta, getattr(result, "scale", None)
        )
        symbol = plan.market.profile.currency_symbol
        ranked = format_ranked(result.analysis, plan.baseline, plan.level, symbol)
        return "\n".join([ranked, *lines])

    def footnote(self, result: Result, workers: int) -> str:
        f = result.frames
        line = (
            f"{result.plan.n_runs} runs ({f.reused} reused from the run store) in "
            f"{f.wall_seconds:.1f} s ({f.runs['seconds'].mean():.2f} s per run, "
            f"{workers} worker(s))"
        )
        s = getattr(result, "scale_frames", None)
        if s is not None:
            line += (
                f"; scale check: {len(s.keys)} runs ({s.reused} reused) in {s.wall_seconds:.1f} s"
            )
        return line


COMPARISON = Comparison()


def run_comparison(plan: Plan, **engine: Any) -> ComparisonResult:
    """Run a plan through the engine (``executor``, ``workers``, ``store``, ``fresh`` ...),
    then its scale check (`scale`: every policy at half and double the size, same store)."""
    from experiments.engine.study import run_study
    from experiments.studies.comparison.scale import scale_specs, scale_table

    result = run(COMPARISON, plan, **engine)
    if plan.scale_replications:
        specs = scale_specs(plan, result.analysis)
        frames = run_study(specs, desc="scale check", **engine) if specs else None
        result.scale_frames = frames
        runs = frames.runs if frames is not None else pd.DataFrame()
        result.scale = scale_table(runs, plan, result.analysis)
    return result


def scale_meta(result: Result) -> dict[str, Any]:
    """What meta.json records of the scale check (nothing when it did not run)."""
    from experiments.studies.comparison.scale import SIZES, scaled_size

    plan, s = result.plan, getattr(result, "scale_frames", None)
    if s is None:
        return {}
    return {
        "scale_check": {
            "replications": plan.scale_replications,
            "sizes": {f"{f:g}": scaled_size(plan.market.n_customers, f) for f in SIZES},
            "runs": len(s.keys),
            "reused_runs": int(s.reused),
            "wall_seconds": round(float(s.wall_seconds), 3),
        }
    }


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
    scale_check: int = 0,
    **engine: Any,
) -> ComparisonResult:
    """Compare policies on `market` (default market when None): the notebook entry point.
    `engine` keywords go to the engine (``executor``, ``workers``, ``address``, ``store``,
    ``fresh``, ``progress``). ``scale_check=k`` also runs every policy k times at half and at
    double the market's size (the command's default is 2; here 0, none)."""
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
        scale_check=scale_check,
    )
    return run_comparison(plan, **engine)
