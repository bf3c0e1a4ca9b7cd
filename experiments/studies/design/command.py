"""`python -m experiments.design` as a plain function: options (a plain mapping) in, files out.

Hydra-free: the command's shim composes the config and passes `to_container(cfg)` here, and a
notebook can pass a dict. Everything is validated before the first simulation.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from experiments.studies.design.outputs import design_meta, write_design
from experiments.studies.design.plan import make_design_plan
from experiments.studies.design.search import DesignResult
from experiments.studies.design.study import engine_runner, run_design
from sim import ConfigError, MarketConfig

LANGS = ("en", "zh")
STUDY_KEYS = {
    "market",
    "executor",
    "uncertainty",
    "workers",
    "store",
    "fresh",
    "output_dir",
    "output",
    "report",
}


def _section(cfg: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
    node = cfg.get(key) or {}
    if not isinstance(node, dict):
        raise ConfigError(key, f"must be a mapping of options, got {node!r}")
    unknown = sorted(set(node) - allowed)
    if unknown:
        raise ConfigError(
            f"{key}.{unknown[0]}", f"unknown field; allowed: {', '.join(sorted(allowed))}"
        )
    return node


def report_files(
    outdir: Path, result: DesignResult, lang: str, symbol: str = "¥"
) -> dict[str, Path]:
    """The figures and the report page (report.html in English, report_zh.html in Chinese)."""
    from experiments.engine.store import atomic_write_text
    from experiments.studies.design import figures
    from experiments.studies.design.section import report_html

    suffix = "" if lang == "en" else f"_{lang}"
    figs = {
        "response": figures.response(result, outdir / f"design_response{suffix}.png", lang),
        "front": figures.front(result, outdir / f"design_front{suffix}.png", lang),
    }
    page = report_html(result, figs, lang, symbol=symbol)
    return {**figs, "report": atomic_write_text(outdir / f"report{suffix}.html", page)}


def design_command(
    cfg: dict[str, Any], outdir: Path, *, market: MarketConfig, config_dirs: tuple[Path, ...] = ()
) -> DesignResult:
    """Validate, search (resumably), re-evaluate, write every file; print a short account."""
    from experiments.engine.store import mark_complete
    from experiments.study_options import study_options

    opts = study_options(cfg)
    output = _section(cfg, "output", {"progress", "table"})
    report = _section(cfg, "report", {"enabled", "lang"})
    lang = report.get("lang", "en")
    if lang not in LANGS:
        raise ConfigError("report.lang", f"must be one of {list(LANGS)}, got {lang!r}")
    for key, node in (
        ("output.progress", output.get("progress", True)),
        ("output.table", output.get("table", True)),
        ("report.enabled", report.get("enabled", True)),
    ):
        if not isinstance(node, bool):
            raise ConfigError(key, f"must be true or false, got {node!r}")
    options = {k: v for k, v in cfg.items() if k not in STUDY_KEYS}
    plan = make_design_plan(
        options, market=market, uncertainty=cfg.get("uncertainty"), config_dirs=config_dirs
    )
    show = output.get("table", True)
    m = plan.market
    if show:
        print(
            f"market {m.name}: {m.n_customers:,} customers, {m.years} years; designing "
            f"{plan.policy} ({len(plan.space)} levers: {', '.join(d.key for d in plan.space)}) "
            f"over {plan.trials} trials x {plan.replications} replications"
            + (f" x {plan.scenarios} scenarios ({plan.robust})" if plan.robust else "")
            + f" on {opts.workers} {opts.executor} worker(s)"
        )
    start = time.perf_counter()
    run = engine_runner(**opts.engine())
    result = run_design(plan, outdir, run, fresh=opts.fresh, progress=output.get("progress", True))
    meta = design_meta(
        result,
        executor=opts.executor,
        workers=opts.workers,
        wall_seconds=round(time.perf_counter() - start, 2),
    )
    write_design(outdir, result, meta)
    if report.get("enabled", True):
        report_files(outdir, result, lang)
    mark_complete(outdir)
    if show:
        from experiments.studies.design.section import answer

        for line in answer(result, lang):
            print(line)
        print(f"outputs: {outdir}  (best.yaml; policy/{plan.policy}_design.yaml for compare)")
    return result
