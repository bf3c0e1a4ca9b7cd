"""One study pipeline: a `Study` says what differs, the one driver does everything else.

The shape is that of Mesa's scenario runner and EMA Workbench's experiments x outcomes:

    plan  = study.plan(mapping)           # validated, before any simulation work
    specs = study.specs(plan)             # one RunSpec per experiment (labels say which)
    frames = run_study(specs, ...)        # engine: executors, resumable run store
    analysis = study.analyse(plan, frames)
    study.tables(result) / study.meta(...) / study.report(...) / study.summary(result)

`frames` is the engine's tidy `StudyResult`: ``runs`` has one row per experiment (its labels:
policy, scenario, profile, replication ...) and one column per outcome (the focal store's
KPIs); ``stores`` the same per store. Every study's analysis reads that one format, so any
analysis (statistics, FDR, drivers, scenario discovery) applies to any study.

`run` is the library call (a notebook's entry point); `run_command` is what every CLI shim
calls: options, output directory, progress, run store, writing, report, ``COMPLETE``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from experiments.engine.specs import RunSpec
from experiments.engine.store import (
    atomic_to_csv,
    atomic_to_parquet,
    atomic_write_text,
    mark_complete,
)
from experiments.engine.study import StudyResult, run_study
from experiments.report import LANGS, report_name
from sim import ConfigError, MarketConfig


@dataclass
class Result:
    """A finished study: its plan, the engine's tidy frames (experiments x outcomes) and the
    study's own analysis."""

    plan: Any
    frames: StudyResult | None
    """None for a study that runs in many rounds (design): its own analysis says how."""
    analysis: Any


@dataclass
class Page:
    """What a study contributes to its report page (the driver renders and writes it)."""

    title: str
    sections: list[str]
    intro_html: str = ""
    footer: str = ""
    files: Mapping[str, Path] | None = None
    """Figures the study saved next to the report, by name."""


class Study(ABC):
    """What one kind of study adds to the pipeline. Subclasses set `name` (the command and
    its config name) and implement the abstract steps; the rest has defaults."""

    name: ClassVar[str]
    desc: ClassVar[str] = "runs"
    """Label of the progress bar."""
    result_type: ClassVar[type[Result]] = Result
    """The study's `Result` (a subclass may name the analysis' parts)."""

    def check(self, cfg: Mapping[str, Any], config_dirs: Iterable[Path] = ()) -> Any:
        """The raw options against their declarations (`experiments.options`) before the plan;
        may return the study's size estimate (`StudySize`, printed). Default: none."""
        return None

    @abstractmethod
    def plan(self, cfg: Mapping[str, Any], *, config_dirs: Iterable[Path] = ()) -> Any:
        """A validated plan from a plain mapping (a composed config or a notebook's dict)."""

    def check_size(self, plan: Any, workers: int) -> Any:
        """Refuse a plan too large for this machine; may return its `StudySize` (printed).
        Default: no check."""
        return None

    @abstractmethod
    def specs(self, plan: Any) -> list[RunSpec]:
        """Every experiment of the plan as a `RunSpec`, in output order."""

    @abstractmethod
    def analyse(self, plan: Any, frames: StudyResult) -> Any:
        """The study's analysis of the tidy frames."""

    @abstractmethod
    def tables(self, result: Result) -> dict[str, pd.DataFrame]:
        """Output tables by file name (``.csv`` or ``.parquet``), in writing order."""

    @abstractmethod
    def meta(self, result: Result, info: Mapping[str, Any]) -> dict[str, Any]:
        """What ``meta.json`` records; `info` holds the driver's run facts (`run_info`)."""

    @abstractmethod
    def report(self, result: Result, meta: Mapping[str, Any], outdir: Path, lang: str) -> Page:
        """Draw the figures into `outdir` and return the report's sections."""

    @abstractmethod
    def announce(self, plan: Any, executor: str, workers: int) -> str:
        """The line printed before the runs start."""

    @abstractmethod
    def summary(self, result: Result) -> str:
        """The text printed after the runs: the study's answer in a few lines."""

    def execute(self, plan: Any, *, outdir: Path, progress: bool = True, **engine: Any) -> Result:
        """Obtain the result: by default every spec through the engine at once (`run`); a
        study that decides its next runs from the last ones (the design study's search)
        overrides this and may keep state in `outdir`."""
        return run(self, plan, progress=progress, **engine)

    def files(self, result: Result, outdir: Path) -> dict[str, Path]:
        """Outputs other than tables, meta.json and the report (default: none)."""
        return {}

    def footnote(self, result: Result, workers: int) -> str:
        """The line about how the runs were obtained."""
        f = result.frames
        return (
            f"{len(f.keys)} runs ({f.reused} reused from the run store) in {f.wall_seconds:.1f} s"
        )


# --------------------------------------------------------------------------- library
def run(
    study: Study,
    plan: Any,
    *,
    executor: Any = "local",
    workers: int | None = None,
    address: str | None = None,
    store: Any = None,
    fresh: bool = False,
    progress: bool = True,
) -> Result:
    """Run every experiment of `plan` through the engine (resumable) and analyse."""
    frames = run_study(
        study.specs(plan),
        executor=executor,
        workers=workers,
        address=address,
        store=store,
        fresh=fresh,
        progress=progress,
        desc=study.desc,
    )
    return study.result_type(plan, frames, study.analyse(plan, frames))


def market_meta(m: MarketConfig) -> dict[str, Any]:
    """The market's headline facts, as every study's `meta.json` starts."""
    return {
        "market": m.name,
        "n_customers": m.n_customers,
        "years": m.years,
        "tick": m.tick,
        "focal_store": m.focal_store,
    }


def run_info(
    frames: StudyResult | None, executor: str | None = None, workers: int | None = None
) -> dict:
    """How the runs were obtained (the driver hands this to `Study.meta`); a study without one
    set of frames (the design study) gets the executor and workers only."""
    if frames is None:
        return {"executor": executor, "workers": workers}
    seconds = frames.runs["seconds"] if "seconds" in frames.runs else pd.Series(dtype=float)
    return {
        "executor": executor,
        "workers": workers,
        "reused": int(frames.reused),
        "computed": int(frames.computed),
        "wall_seconds": round(float(frames.wall_seconds), 3),
        "mean_run_seconds": round(float(seconds.mean()), 3) if len(seconds) else None,
    }


def write_tables(outdir: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, Path]:
    """Every table by its file name's suffix (CSV or parquet), each atomically."""
    paths = {}
    for name, frame in tables.items():
        path = Path(outdir) / name
        if path.suffix == ".csv":
            atomic_to_csv(frame, path)
        elif path.suffix == ".parquet":
            atomic_to_parquet(frame, path)
        else:
            raise ValueError(f"table {name!r}: the name must end in .csv or .parquet")
        paths[name] = path
    return paths


def write_meta(outdir: Path, meta: Mapping[str, Any]) -> Path:
    from experiments.common import jsonable

    return atomic_write_text(Path(outdir) / "meta.json", json.dumps(jsonable(dict(meta)), indent=2))


def write_report(
    study: Study, result: Result, meta: Mapping[str, Any], outdir: Path, lang: str = "en"
) -> dict[str, Path]:
    """Figures and the self-contained page, named by the one rule (`report_name`); every
    study's page ends with where its market's numbers come from (`report.provenance`)."""
    from experiments.report.page import render_page
    from experiments.report.provenance import provenance_section, size_intro

    page = study.report(result, meta, Path(outdir), lang)
    market = getattr(result.plan, "market", None)
    sections = list(page.sections)
    intro = page.intro_html or ""
    if market is not None:
        sections.append(provenance_section(market, lang))
        intro = size_intro(market, lang) + intro
    html = render_page(page.title, sections, lang, intro_html=intro, footer=page.footer)
    report = atomic_write_text(Path(outdir) / report_name(lang), html)
    return {**dict(page.files or {}), "report": report}


def write(
    study: Study,
    result: Result,
    outdir: Path,
    meta: Mapping[str, Any],
    *,
    lang: str = "en",
    report: bool = True,
) -> dict[str, Path]:
    """Tables, ``meta.json`` and (when `report`) figures and the report page."""
    paths = write_tables(outdir, study.tables(result))
    paths.update(study.files(result, outdir))
    paths["meta"] = write_meta(outdir, meta)
    if report:
        paths.update(write_report(study, result, meta, outdir, lang))
    return paths


def sizing_lines(plan: Any) -> list[str]:
    """Policies whose cost is out of proportion to the store, or whose threshold no member
    reaches (`sim.policies.sizing.preflight`), for a plan with a market and policy entries."""
    from sim.policies import make_policies
    from sim.policies.sizing import preflight

    market, entries = getattr(plan, "market", None), getattr(plan, "entries", None)
    if market is None or entries is None:
        return []
    groups = entries.values() if isinstance(entries, Mapping) else [entries]
    lines: list[str] = []
    for group in groups:
        for line in preflight(make_policies([dict(e) for e in group]), market):
            if line not in lines:
                lines.append(line)
    return lines


# --------------------------------------------------------------------------- the command
@dataclass(frozen=True)
class Output:
    """The options every study command shares besides the engine's (`StudyOptions`)."""

    lang: str
    report: bool
    table: bool
    progress: bool
    directory: str | None


def _mapping(cfg: Mapping[str, Any], key: str) -> dict[str, Any]:
    from experiments.common import to_container

    node = to_container(cfg.get(key)) if cfg.get(key) is not None else {}
    if not isinstance(node, dict):
        raise ConfigError(key, f"must be a mapping of options, got {node!r}")
    return node


def output_options(cfg: Mapping[str, Any]) -> Output:
    """``output.*``, ``report.*`` and ``output_dir``, validated (one line each)."""
    output, report = _mapping(cfg, "output"), _mapping(cfg, "report")
    lang = report.get("lang", "en")
    if lang not in LANGS:
        raise ConfigError("report.lang", f"must be one of {list(LANGS)}, got {lang!r}")
    explicit = cfg.get("output_dir")
    if explicit is not None and not isinstance(explicit, str):
        raise ConfigError("output_dir", f"must be a directory path or null, got {explicit!r}")
    return Output(
        lang=lang,
        report=bool(report.get("enabled", True)),
        table=bool(output.get("table", True)),
        progress=bool(output.get("progress", True)),
        directory=explicit,
    )


def _stop_local_workers() -> None:
    """Kill the local worker processes a stopped command leaves idle (none started: nothing)."""
    from joblib.externals.loky import reusable_executor

    pool = getattr(reusable_executor, "_executor", None)
    if pool is not None:
        pool.shutdown(wait=False, kill_workers=True)


def run_command(
    study: Study, cfg: Mapping[str, Any], outdir: Path, *, config_dirs: Iterable[Path] = ()
) -> Result:
    """The whole command: validate every option and the plan before any run, run (resumable,
    any executor), write tables, ``meta.json`` and the report, then ``COMPLETE``; print the
    study's announcement, summary and where the outputs are."""
    from experiments.common import check_writable, to_container
    from experiments.engine.outputs import prepare_output_dir, record_outputs
    from experiments.study_options import study_options

    size = study.check(cfg, tuple(config_dirs))
    opts = study_options(cfg)
    out = output_options(cfg)
    plan = study.plan(cfg, config_dirs=tuple(config_dirs))
    size = study.check_size(plan, opts.workers) or size
    outdir = check_writable(
        Path(out.directory) if out.directory else Path(outdir),
        "output_dir" if out.directory else "output directory",
    )
    inputs = to_container(cfg)
    before = prepare_output_dir(outdir, study.name, inputs)  # another study's: refused; stale: gone
    if out.table:
        print(study.announce(plan, opts.executor, opts.workers))
        if size is not None:
            print(f"estimate: {size.line()}")
        for line in sizing_lines(plan):  # once, before any run (each run would warn again)
            print(f"warning: {line}")
    # SIGTERM/SIGINT stop the whole command cleanly, the analysis and report after the runs
    # too (it died there with its idle workers left running for minutes)
    from experiments.engine.study import Interrupted, stop_on_signals

    result = None
    with stop_on_signals():
        try:
            result = study.execute(plan, outdir=outdir, progress=out.progress, **opts.engine())
            meta = study.meta(result, run_info(result.frames, opts.executor, opts.workers))
            paths = write(study, result, outdir, meta, lang=out.lang, report=out.report)
            record_outputs(outdir, study.name, before, inputs)
            mark_complete(outdir)
        except KeyboardInterrupt as exc:
            _stop_local_workers()
            if isinstance(exc, Interrupted) and result is not None:  # every run was kept
                exc.kept = len(getattr(result.frames, "runs", ()))
            raise
    if out.table:
        print(study.summary(result))
        print(study.footnote(result, opts.workers))
        if "report" in paths:
            print(f"report: {paths['report']}")
        print(f"outputs: {outdir}")
    return result
