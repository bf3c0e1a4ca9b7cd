"""A robustness study as a library call: policies x scenarios of the assumptions x seeds.

    from experiments.studies.robustness import robustness
    result = robustness(default_market(n_customers=5000), ["none", "gift_budget"],
                        uncertainty={"gift_budget": {"satisfaction_gain":
                                     {"low": 0.05, "high": 0.8, "source": "assumption"}}},
                        scenarios=32, replications=3)
    result.ranking          # robust ranking: P(beat baseline), P(best), regret, verdict

`Robustness` is the `Study` specialisation: every run goes through the one driver and the
engine's `run_study` (resumable run store, local or Ray executor); the plan and its run specs
are in `plan`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.specs import CONFIG_DIR, RunSpec
from experiments.engine.study import StudyResult
from experiments.studies.base import Page, Result, Study, market_meta, run, write
from experiments.studies.robustness.analysis import robust_ranking, scenario_deltas, scenario_means
from experiments.studies.robustness.discovery import describe_failures, rules_frame
from experiments.studies.robustness.drivers import drivers_table
from experiments.studies.robustness.plan import RobustPlan, make_robust_plan
from sim import ConfigError, MarketConfig, default_market


@dataclass
class RobustAnalysis:
    """Probabilities, regret and ranking; drivers and failure conditions of every policy."""

    means: pd.DataFrame
    deltas: pd.DataFrame
    ranking: pd.DataFrame
    drivers: pd.DataFrame
    failures: dict[str, dict[str, Any]]


class RobustResult(Result):
    """A finished robustness study (`frames` is None for an analysis of given runs)."""

    @property
    def study(self) -> StudyResult | None:
        return self.frames

    @property
    def means(self) -> pd.DataFrame:
        return self.analysis.means

    @property
    def deltas(self) -> pd.DataFrame:
        return self.analysis.deltas

    @property
    def ranking(self) -> pd.DataFrame:
        return self.analysis.ranking

    @property
    def drivers(self) -> pd.DataFrame:
        return self.analysis.drivers

    @property
    def failures(self) -> dict[str, dict[str, Any]]:
        return self.analysis.failures

    @property
    def scenarios(self) -> pd.DataFrame:
        return self.plan.design.values.reset_index()


def analyse_runs(plan: RobustPlan, runs: pd.DataFrame) -> RobustAnalysis:
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
    return RobustAnalysis(means, deltas, ranking, drivers, failures)


def analyse(plan: RobustPlan, runs: pd.DataFrame) -> RobustResult:
    """The analysis of a runs frame (one row per scenario x policy x replication)."""
    return RobustResult(plan, None, analyse_runs(plan, runs))


class Robustness(Study):
    name = "robustness"
    desc = "robustness runs"
    result_type = RobustResult

    def check(self, cfg: Mapping[str, Any], config_dirs: Iterable[Path] = ()) -> Any:
        """Declared options, market and size from the options alone (before any spec)."""
        from experiments.options.studies import precheck_robustness

        return precheck_robustness(cfg, tuple(config_dirs))

    def plan(self, cfg: Mapping[str, Any], *, config_dirs: Iterable[Path] = ()) -> RobustPlan:
        from experiments.common import build_market, check_seed, to_container

        baseline = cfg.get("baseline", "none")
        if not isinstance(baseline, str):
            raise ConfigError("baseline", f"must be a policy name, got {baseline!r}")
        design = cfg.get("design", "auto")
        if not isinstance(design, str):
            raise ConfigError("design", f"must be a design name, got {design!r}")
        return make_robust_plan(
            build_market(cfg["market"]),
            to_container(cfg.get("policies")),
            to_container(cfg.get("uncertainty")),
            scenarios=cfg.get("scenarios", 64),
            replications=cfg.get("replications", 3),
            design=design,
            seed=check_seed(cfg.get("seed", 0)),
            baseline=baseline,
            activation=cfg.get("activation", "batch"),
            level=cfg.get("level", 0.95),
            config_dirs=config_dirs,
        )

    def specs(self, plan: RobustPlan) -> list[RunSpec]:
        return plan.specs

    def analyse(self, plan: RobustPlan, frames: StudyResult) -> RobustAnalysis:
        return analyse_runs(plan, frames.runs)

    def tables(self, result: Result) -> dict[str, pd.DataFrame]:
        r: RobustResult = result  # type: ignore[assignment]
        out = {
            "robustness.csv": r.ranking,
            "scenarios.csv": r.scenarios,
            "scenarios.parquet": r.scenarios,
            "deltas.csv": r.deltas,
            "deltas.parquet": r.deltas,
        }
        if r.frames is not None:
            out["runs.parquet"] = r.frames.runs
        out["drivers.csv"] = r.drivers
        out["failures.csv"] = rules_frame([r.failures[p] for p in r.failures])
        return out

    def meta(self, result: Result, info: Mapping[str, Any]) -> dict[str, Any]:
        plan, m, frames = result.plan, result.plan.market, result.frames
        return {
            **market_meta(m),
            "policies": plan.policies,
            "baseline": plan.baseline,
            "labels": plan.labels,
            "scenarios": plan.scenarios,
            **({"kept_fitted": list(plan.kept_fitted)} if plan.kept_fitted else {}),
            "design": plan.design.method,
            "design_base": plan.design.base,
            "drivers_method": plan.design.drivers_method,
            "replications": plan.replications,
            "seed": plan.seed,
            "seeds": [plan.seed + r for r in range(plan.replications)],
            "activation": plan.activation,
            "level": plan.level,
            "runs": plan.n_runs,
            "reused_runs": frames.reused if frames else None,
            "computed_runs": frames.computed if frames else None,
            "wall_seconds": round(frames.wall_seconds, 3) if frames else None,
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
            **{k: info[k] for k in ("executor", "workers") if k in info},
            "market_config": m.to_dict(),
        }

    def report(self, result: Result, meta: Mapping[str, Any], outdir: Path, lang: str) -> Page:
        from experiments.report import lang_suffix, policy_labels
        from experiments.studies.robustness.figures import (
            delta_distribution,
            driver_bars,
            regret_bars,
        )
        from experiments.studies.robustness.section import page_title, robustness_section

        r: RobustResult = result  # type: ignore[assignment]
        plan, sfx = r.plan, lang_suffix(lang)
        labels = policy_labels(plan.policies, lang, plan.labels)
        order = list(r.ranking["policy"])
        figs = {
            "delta_profit": delta_distribution(
                r.deltas,
                order,
                labels,
                plan.baseline,
                outdir / f"delta_profit{sfx}.png",
                lang,
                meta=meta,
            ),
            "regret": regret_bars(r.ranking, labels, outdir / f"regret{sfx}.png", lang, meta=meta),
        }
        if len(r.drivers):
            figs["drivers"] = driver_bars(
                r.drivers, order, labels, outdir / f"drivers{sfx}.png", lang, meta=meta
            )
        section = robustness_section(
            ranking=r.ranking,
            drivers=r.drivers,
            failures=r.failures,
            ranges=plan.ranges,
            figures=figs,
            labels=labels,
            meta=meta,
            lang=lang,
        )
        return Page(page_title(lang), [section], files={f"{k}_png": v for k, v in figs.items()})

    def announce(self, plan: RobustPlan, executor: str, workers: int) -> str:
        from experiments.report.provenance import market_size

        m = plan.market
        return (
            f"market {m.name}: {market_size(m)}, {m.years} years; "
            f"{plan.scenarios} scenarios ({plan.design.method}) of {len(plan.ranges)} "
            f"assumptions x {len(plan.policies)} policies x {plan.replications} replications "
            f"= {plan.n_runs:,} runs (common random numbers) on {workers} "
            f"{executor} worker(s)"
            + (
                f"; kept at the store's fitted values: {', '.join(plan.kept_fitted)}"
                if plan.kept_fitted
                else ""
            )
        )

    def summary(self, result: Result) -> str:
        from experiments.studies.robustness.analysis import format_ranking

        r: RobustResult = result  # type: ignore[assignment]
        symbol = r.plan.market.profile.currency_symbol
        lines = [format_ranking(r.ranking, r.plan.baseline, symbol)]
        for f in r.failures.values():
            if f["kind"] in ("rule", "mostly", "no_gain", "always", "scattered"):
                lines.append(f["sentence"])
        return "\n".join(lines)

    def footnote(self, result: Result, workers: int) -> str:
        plan, f = result.plan, result.frames
        return (
            f"{plan.n_runs:,} runs ({f.reused} reused from the run store) in "
            f"{f.wall_seconds:.1f} s; drivers by {plan.design.drivers_method}"
        )


ROBUSTNESS = Robustness()


def run_robustness(plan: RobustPlan, **engine: Any) -> RobustResult:
    """Run the plan's specs through the engine (resumable) and analyse them."""
    return run(ROBUSTNESS, plan, **engine)  # type: ignore[return-value]


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

        uncertainty = yaml.safe_load((CONFIG_DIR / "uncertainty" / "default.yaml").read_text())
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
    """``meta.json`` of a study (`extra`: ``executor``, ``workers``)."""
    return ROBUSTNESS.meta(result, extra)


def write_robustness(
    outdir: Path,
    result: RobustResult,
    meta: Mapping[str, Any],
    *,
    lang: str = "en",
    report: bool = True,
) -> dict[str, Path]:
    """Every output, each written atomically; returns their paths by name (``robustness``,
    ``scenarios``, ``deltas``, ``drivers``, ``failures``, ``meta``, ``report`` ...)."""
    paths = write(ROBUSTNESS, result, Path(outdir), meta, lang=lang, report=report)
    return {Path(k).stem: v for k, v in reversed(paths.items())}
