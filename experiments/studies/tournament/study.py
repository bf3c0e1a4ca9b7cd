"""`tournament(cfg, outdir)`: the whole tournament command as a plain function (no Hydra).

Validate -> simulate every profile x replication through the engine (resumable) -> analyse ->
write ``payoffs.csv``, ``best_responses.csv``, ``equilibria.csv``, ``diagonal.csv``,
``market.csv``, ``stores.parquet``, ``meta.json``, one heat-map per store and ``report.html``,
each atomically. `bench_tournament` times the 5 x 5 tournament for `experiments.bench`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from experiments.common import build_market, check_writable, jsonable, to_container
from experiments.studies.tournament.heatmap import write_heatmaps
from experiments.studies.tournament.plan import PolicyLoader, TournamentPlan, make_plan
from experiments.studies.tournament.responses import dominant_strategies
from experiments.studies.tournament.runner import TournamentResult, run_tournament
from experiments.studies.tournament.section import LANGS, page_html, store_label, tournament_section
from sim import ConfigError

BENCH_POLICIES = ("none", "promotions", "gift_budget", "vip_program", "referral_points")


def policy_catalogue(config_dirs: Sequence[Path] = ()) -> tuple[list[str], PolicyLoader]:
    """Policy config names (built-in and in user config dirs) and the loader of one."""
    from experiments.engine import available_policies, load_policy_config

    return available_policies(config_dirs), lambda name: load_policy_config(name, config_dirs)


def plan_from_config(cfg: Mapping[str, Any], *, config_dirs: Sequence[Path] = ()) -> TournamentPlan:
    """Validate a tournament config (Hydra node or mapping) into a plan; raises ConfigError."""
    market = build_market(cfg["market"])
    available, load = policy_catalogue(config_dirs)
    plain = {k: to_container(cfg[k]) for k in cfg if k != "market"}
    return make_plan(plain, market, available=available, load=load)


def policy_display(plan: TournamentPlan, lang: str) -> dict[str, str]:
    from experiments.report import policy_labels

    names = list(dict.fromkeys(p for s in plan.strategies for p in s))
    return policy_labels(names, lang, dict(plan.labels))


def meta_of(plan: TournamentPlan, result: TournamentResult) -> dict[str, Any]:
    m = plan.market
    return {
        "market": m.name,
        "n_customers": m.n_customers,
        "years": m.years,
        "tick": m.tick,
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


def write_outputs(
    result: TournamentResult, outdir: Path, *, lang: str = "en", report: bool = True
) -> dict[str, Path]:
    """Every output file, each written atomically; returns their paths."""
    from experiments.engine.store import atomic_to_csv, atomic_to_parquet, atomic_write_text

    plan = result.plan
    meta = meta_of(plan, result)
    paths = {}
    for name, frame in (
        ("payoffs", result.payoffs),
        ("best_responses", result.best_responses),
        ("equilibria", result.equilibria),
        ("diagonal", result.diagonal),
        ("market", result.market),
    ):
        paths[name] = outdir / f"{name}.csv"
        atomic_to_csv(frame, paths[name], index=False)
    paths["stores"] = outdir / "stores.parquet"
    atomic_to_parquet(result.stores, paths["stores"], index=False)
    paths["meta"] = outdir / "meta.json"
    atomic_write_text(paths["meta"], json.dumps(jsonable(meta), indent=2))
    if report:
        labels = policy_display(plan, lang)
        stores = {s: store_label(s, lang) for s in plan.stores}
        if lang == "en":
            stores[plan.stores[0]] = "Your store"
        else:
            stores[plan.stores[0]] = "您的门店"
        images = write_heatmaps(result.game, outdir, labels, stores, lang=lang, level=plan.level)
        paths.update({f"heatmap_{s}": p for s, p in images.items()})
        section = tournament_section(
            payoffs=result.payoffs,
            best_responses=result.best_responses,
            equilibria=result.equilibria,
            diagonal=result.diagonal,
            market=result.market,
            meta=meta,
            labels=labels,
            images=images,
            lang=lang,
        )
        title = "Strategy tournament" if lang == "en" else "策略对局"
        paths["report"] = outdir / ("report.html" if lang == "en" else f"report_{lang}.html")
        atomic_write_text(paths["report"], page_html(title, [section], lang))
    return paths


def summary_text(result: TournamentResult, lang: str = "en") -> str:
    """A short printed summary: best responses of the focal store and the equilibria."""
    plan, br, eq = result.plan, result.best_responses, result.equilibria
    focal = plan.stores[0]
    lines = [f"best responses of {focal} ({plan.payoff}; share of bootstrap resamples):"]
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


def tournament(
    cfg: Mapping[str, Any], outdir: Path, *, config_dirs: Sequence[Path] = ()
) -> TournamentResult:
    """The command: validate everything first, run, analyse, write, print."""
    from experiments.engine.store import mark_complete
    from experiments.study_options import study_options

    plan = plan_from_config(cfg, config_dirs=config_dirs)
    opts = study_options(cfg)
    executor, workers = opts.executor, opts.workers
    report_cfg = to_container(cfg.get("report")) or {}
    lang = report_cfg.get("lang", "en")
    if lang not in LANGS:
        raise ConfigError("report.lang", f"must be one of {list(LANGS)}, got {lang!r}")
    output = to_container(cfg.get("output")) or {}
    explicit = cfg.get("output_dir")
    outdir = check_writable(
        Path(explicit) if explicit else outdir, "output_dir" if explicit else "output directory"
    )
    show = bool(output.get("table", True))
    if show:
        m = plan.market
        sets = "; ".join(f"{p.store}: {', '.join(p.policies)}" for p in plan.players)
        print(
            f"market {m.name}: {m.n_customers:,} customers, {m.years} years; players {sets}; "
            f"{len(plan.profiles())} profiles x {plan.replications} replications "
            f"(seeds {plan.seeds[0]}..{plan.seeds[-1]}, common random numbers) on {workers} "
            f"{executor} worker(s)"
        )
    result = run_tournament(plan, **opts.engine(), progress=bool(output.get("progress", True)))
    paths = write_outputs(result, outdir, lang=lang, report=bool(report_cfg.get("enabled", True)))
    mark_complete(outdir)
    if show:
        print(summary_text(result))
        print(
            f"{plan.n_runs} runs ({result.computed} computed, {result.reused} reused from the "
            f"run store) in {result.wall_seconds:.1f} s"
        )
        if "report" in paths:
            print(f"report: {paths['report']}")
        print(f"outputs: {outdir}")
    return result


def bench_tournament(
    *,
    workers: int = 2,
    replications: int = 10,
    policies: tuple[str, ...] = BENCH_POLICIES,
    n_customers: int | None = None,
    store: str | Path | None = None,
) -> dict[str, Any]:
    """Time the 5 x 5 tournament on the default market, then its resume from the run store.

    Every run is computed (``fresh``); `store` keeps the runs (default: a temporary directory),
    so ``python -m experiments.tournament store=STORE`` can then write the full outputs
    without simulating again. Returns wall seconds, runs, seconds per run per worker and the
    resume's reuse counts.
    """
    from omegaconf import OmegaConf

    from experiments.common import CONFIG_DIR

    market = OmegaConf.to_container(
        OmegaConf.load(CONFIG_DIR / "market" / "county_prefecture.yaml")
    )
    if n_customers is not None:
        market["n_customers"] = n_customers
    cfg = {
        "market": market,
        "rivals": ["county_rival"],
        "policies": list(policies),
        "replications": replications,
    }
    plan = plan_from_config(cfg)
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory() as tmp:
        where = store or tmp
        start = time.perf_counter()
        first = run_tournament(plan, workers=workers, store=where, fresh=True, progress=False)
        wall = time.perf_counter() - start
        start = time.perf_counter()
        again = run_tournament(plan, workers=workers, store=where, progress=False)
        resume = time.perf_counter() - start
    return {
        "profiles": len(plan.profiles()),
        "replications": replications,
        "runs": plan.n_runs,
        "workers": workers,
        "n_customers": plan.market.n_customers,
        "wall_seconds": round(wall, 2),
        "seconds_per_run_per_worker": round(wall * workers / plan.n_runs, 3),
        "target_wall_seconds": 300,
        "met": wall <= 300,
        "mean_run_seconds": round(
            float(first.stores.loc[first.stores["is_focal"], "seconds"].mean()), 3
        )
        if "seconds" in first.stores
        else None,
        "computed": first.computed,
        "resume_wall_seconds": round(resume, 2),
        "resume_reused": again.reused,
        "resume_computed": again.computed,
        "loadavg_before": [round(x, 2) for x in load_before] if load_before else None,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()] if load_before else None,
        "cores": os.cpu_count(),
    }
