"""The tournament as a `Study`: every strategy profile x replication through the one driver
(resumable, any executor) -> payoffs, best responses, equilibria, the copy diagonal, the
market view, one heat-map per store and the report section.

Outputs: ``payoffs.csv``, ``best_responses.csv``, ``equilibria.csv``, ``diagonal.csv``,
``market.csv``, ``stores.parquet``, ``meta.json``, ``heatmap_<store>.png`` and
``report.html`` (``_zh`` for Chinese), each written atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.study import StudyResult
from experiments.studies.base import Page, Result, Study, market_meta, run
from experiments.studies.policies import catalogue
from experiments.studies.tournament.plan import TournamentPlan, make_plan
from experiments.studies.tournament.responses import dominant_strategies
from experiments.studies.tournament.runner import (
    TournamentAnalysis,
    TournamentResult,
    analyse_frames,
    run_specs,
)


def plan_from_config(cfg: Mapping[str, Any], *, config_dirs: Sequence[Path] = ()) -> TournamentPlan:
    """Validate a tournament config (a plain mapping or a composed node) into a plan."""
    from experiments.common import build_market, to_container

    market = build_market(cfg["market"])
    known = catalogue(config_dirs)
    plain = {k: to_container(cfg[k]) for k in cfg if k != "market"}
    return make_plan(plain, market, available=known.names, load=known.config)


def policy_display(plan: TournamentPlan, lang: str) -> dict[str, str]:
    from experiments.report import policy_labels

    names = list(dict.fromkeys(p for s in plan.strategies for p in s))
    return policy_labels(names, lang, dict(plan.labels))


def meta_of(plan: TournamentPlan, result: TournamentResult) -> dict[str, Any]:
    """What ``meta.json`` records."""
    head = {k: v for k, v in market_meta(plan.market).items() if k != "focal_store"}
    return {
        **head,
        "players": list(plan.stores),
        "strategies": {p.store: list(p.policies) for p in plan.players},
        "payoff": plan.payoff,
        "replications": plan.replications,
        "seeds": plan.seeds,
        "level": plan.level,
        "bootstrap": plan.n_boot,
        "profiles": len(plan.profiles()),
        "runs": plan.n_runs,
        "reused": result.reused,
        "computed": result.computed,
        "wall_seconds": round(result.wall_seconds, 3),
        "dominant": dominant_strategies(result.game),
        "method": "vertex enumeration (nashpy)"
        if result.game.n_players == 2
        else "unilateral deviations",
        "policy_entries": {
            p.store: {n: list(e) for n, e in p.entries.items()} for p in plan.players
        },
        "labels": dict(plan.labels),
    }


#: KPIs in money: the summary names the store's currency with them.
MONEY_KPIS = (
    "revenue",
    "gross_margin",
    "policy_cost",
    "profit",
    "clv_mean",
    "horizon_value",
    "profit_with_horizon_value",
)


def summary_text(result: TournamentResult, lang: str = "en") -> str:
    """A short printed summary: best responses of the focal store and the equilibria."""
    plan, br, eq = result.plan, result.best_responses, result.equilibria
    focal = plan.stores[0]
    money = plan.payoff in MONEY_KPIS
    unit = f", {plan.market.profile.currency}" if money else ""
    lines = [f"best responses of {focal} ({plan.payoff}{unit}; share of bootstrap resamples):"]
    others = [c for c in br.columns if c.startswith("policy_") and c != f"policy_{focal}"]
    for _, r in br[br["store"] == focal].iterrows():
        against = ", ".join(f"{c.removeprefix('policy_')}={r[c]}" for c in others)
        lines.append(
            f"  {against:<40} -> {r['best_policy']:<18} "
            f"{r['best_mean']:>14,.0f}  ({r['share_bootstrap']:.0%})"
        )
    lines.append("equilibria:" if len(eq) else "equilibria: none found")
    for k, g in eq.groupby("equilibrium"):
        first = g.iloc[0]
        pays = ", ".join(
            f"{s}={v:,.0f}"
            for s, v in g.drop_duplicates("store")[["store", "payoff_mean"]].itertuples(index=False)
        )
        lines.append(
            f"  {k}. {first['kind']:<5} {first['profile']:<40} {pays}  "
            f"(survives {first['survival']:.0%} of bootstraps)"
        )
    return "\n".join(lines)


class Tournament(Study):
    name = "tournament"
    desc = "profiles x replications"
    result_type = TournamentResult

    def check(self, cfg: Mapping[str, Any], config_dirs: Iterable[Path] = ()) -> Any:
        """Declared options, market and size from the options alone (before any spec)."""
        from experiments.options.studies import precheck_tournament

        return precheck_tournament(cfg, tuple(config_dirs))

    def plan(self, cfg: Mapping[str, Any], *, config_dirs: Iterable[Path] = ()) -> TournamentPlan:
        return plan_from_config(cfg, config_dirs=tuple(config_dirs))

    def specs(self, plan: TournamentPlan) -> list:
        return run_specs(plan)

    def analyse(self, plan: TournamentPlan, frames: StudyResult) -> TournamentAnalysis:
        return analyse_frames(plan, frames.stores, getattr(frames, "market", None))

    def tables(self, result: Result) -> dict[str, pd.DataFrame]:
        a: TournamentAnalysis = result.analysis
        return {
            "payoffs.csv": a.payoffs,
            "best_responses.csv": a.best_responses,
            "equilibria.csv": a.equilibria,
            "diagonal.csv": a.diagonal,
            "market.csv": a.market,
            "stores.parquet": a.stores,
        }

    def meta(self, result: Result, info: Mapping[str, Any]) -> dict[str, Any]:
        return meta_of(result.plan, result)  # type: ignore[arg-type]

    def report(self, result: Result, meta: Mapping[str, Any], outdir: Path, lang: str) -> Page:
        from experiments.studies.tournament.answer import answer
        from experiments.studies.tournament.heatmap import write_heatmaps
        from experiments.studies.tournament.section import tournament_section
        from experiments.studies.tournament.vocab import REPORT_TEXT, store_label

        plan, a = result.plan, result.analysis
        labels = policy_display(plan, lang)
        stores = {s: store_label(s, lang) for s in plan.stores}
        stores[plan.stores[0]] = REPORT_TEXT[lang]["your_store"]
        images = write_heatmaps(a.game, outdir, labels, stores, lang=lang, level=plan.level)
        profile = result.plan.market.profile
        first = answer(
            a.game,
            a.best_responses,
            a.equilibria,
            meta,
            labels,
            lang,
            symbol=profile.currency_symbol,
            currency=profile.currency,
        )
        section = tournament_section(
            payoffs=a.payoffs,
            best_responses=a.best_responses,
            equilibria=a.equilibria,
            diagonal=a.diagonal,
            market=a.market,
            meta=meta,
            symbol=result.plan.market.profile.currency_symbol,
            currency=result.plan.market.profile.currency,
            labels=labels,
            images=images,
            lang=lang,
            answer_html=first,
        )
        return Page(
            REPORT_TEXT[lang]["page_title"],
            [section],
            files={f"heatmap_{s}": p for s, p in images.items()},
        )

    def announce(self, plan: TournamentPlan, executor: str, workers: int) -> str:
        from experiments.report.provenance import market_size

        m = plan.market
        sets = "; ".join(f"{p.store}: {', '.join(p.policies)}" for p in plan.players)
        return (
            f"market {m.name}: {market_size(m)}, {m.years} years; players {sets}; "
            f"{len(plan.profiles())} profiles x {plan.replications} replications "
            f"(seeds {plan.seeds[0]}..{plan.seeds[-1]}, common random numbers) on {workers} "
            f"{executor} worker(s)"
        )

    def summary(self, result: Result) -> str:
        return summary_text(result)  # type: ignore[arg-type]

    def footnote(self, result: Result, workers: int) -> str:
        f = result.frames
        return (
            f"{result.plan.n_runs} runs ({f.computed} computed, {f.reused} reused from the "
            f"run store) in {f.wall_seconds:.1f} s"
        )


TOURNAMENT = Tournament()


def run_tournament(plan: TournamentPlan, **engine: Any) -> TournamentResult:
    """Simulate every profile x replication through the engine (resumable) and analyse."""
    return run(TOURNAMENT, plan, **engine)  # type: ignore[return-value]
