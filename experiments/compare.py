"""`python -m experiments.compare`: every selected policy x N replications under common random
numbers -> ranked table, comparison.csv, runs.csv/parquet, figures and report.html.

A thin command over the study engine (`experiments.engine`): validate, run (resumable, any
executor), write, report. Overrides: ``policies=[none,gift_budget]`` (default: every
``configs/policy/*.yaml``, the baseline first), ``replications=20``, ``workers=2``, ``seed=7``,
``executor=ray`` (``executor.address=auto`` for a running cluster), ``fresh=true`` (or
``--fresh``: ignore stored runs), ``report.lang=zh`` and every market override of
``experiments.run`` (``market.n_customers=5000``, ``market.tick=day`` ...).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import (
    build_market,
    check_compare_options,
    check_seed,
    check_writable,
    clean_errors,
    preflight,
    to_container,
    user_config_dirs,
    validate_compare,
)
from experiments.engine import (
    Plan,
    comparison_table,
    format_ranked,
    make_plan,
    run_comparison,
    select_policies,
    write_comparison,
)
from experiments.engine.comparison import comparison_meta
from experiments.engine.store import mark_complete
from experiments.study_options import flags_to_overrides, study_options
from sim import ConfigError
from sim.config import TICK_WORDS
from sim.schema import check_study_size

LANGS = ("en", "zh")
CONFIG_DIRS: tuple[Path, ...] = ()
"""User config dirs given with ``--config-dir`` (set by `__main__`, searched for policies)."""

__all__ = ["compare", "comparison_table", "format_ranked", "plan_from_config", "select_policies"]


def _mapping(cfg: Any, key: str) -> dict[str, Any]:
    node = to_container(cfg.get(key)) if cfg.get(key) is not None else {}
    if not isinstance(node, dict):
        raise ConfigError(key, f"must be a mapping of options, got {node!r}")
    return node


def plan_from_config(cfg: Any) -> Plan:
    """Validate a compare config (Hydra node or mapping) into a `Plan`; raises ConfigError."""
    market = build_market(cfg["market"])
    baseline = cfg.get("baseline", "none")
    if not isinstance(baseline, str):
        raise ConfigError("baseline", f"must be a policy name, got {baseline!r}")
    activation = cfg.get("activation", "batch")
    if activation not in ("batch", "agent"):
        raise ConfigError("activation", f"must be one of ['batch', 'agent'], got {activation!r}")
    return make_plan(
        market,
        to_container(cfg.get("policies")),
        replications=cfg.get("replications", 10),
        seed=check_seed(cfg.get("seed", 0)),
        baseline=baseline,
        activation=activation,
        level=cfg.get("level", 0.95),
        roi_method=cfg.get("roi_method", "delta"),
        config_dirs=CONFIG_DIRS,
    )


def compare(cfg: Any, outdir: Path) -> Any:
    """Validate everything, run every policy x replication, write all outputs and the report;
    returns the comparison table."""
    check_compare_options(cfg)  # shapes, types, ranges, unknown keys of every option
    plan = plan_from_config(cfg)
    opts = study_options(cfg)
    executor, workers = opts.executor, opts.workers
    check_study_size(plan.market, len(plan.policies), plan.replications, workers)
    output, report_cfg = _mapping(cfg, "output"), _mapping(cfg, "report")
    lang = report_cfg.get("lang", "en")
    if lang not in LANGS:
        raise ConfigError("report.lang", f"must be one of {list(LANGS)}, got {lang!r}")
    explicit = cfg.get("output_dir")
    if explicit is not None and not isinstance(explicit, str):
        raise ConfigError("output_dir", f"must be a directory path or null, got {explicit!r}")
    outdir = check_writable(
        Path(explicit) if explicit else outdir, "output_dir" if explicit else "output directory"
    )
    show = bool(output.get("table", True))
    m = plan.market
    if show:
        print(
            f"market {m.name}: {m.n_customers:,} customers, {m.years} years, "
            f"{TICK_WORDS[m.tick]} ticks; "
            f"focal store {m.focal_store!r}; {len(plan.policies)} policies x "
            f"{plan.replications} replications (seeds {plan.seeds[0]}..{plan.seeds[-1]}, "
            f"common random numbers) on {workers} {executor} worker(s)"
        )
    result = run_comparison(plan, **opts.engine(), progress=bool(output.get("progress", True)))
    study = result.study
    meta = comparison_meta(
        result,
        executor=executor,
        workers=workers,
        reused_runs=study.reused,
        wall_seconds=round(study.wall_seconds, 3),
        mean_run_seconds=round(float(study.runs["seconds"].mean()), 3),
    )
    write_comparison(outdir, result, meta)
    if show:
        print(format_ranked(result.table, plan.baseline, plan.level))
        print(
            f"{plan.n_runs} runs ({study.reused} reused from the run store) in "
            f"{study.wall_seconds:.1f} s ({study.runs['seconds'].mean():.2f} s per run, "
            f"{workers} worker(s))"
        )
    if report_cfg.get("enabled", True):
        from experiments.report import write_report

        html = write_report(
            outdir,
            table=result.table,
            runs=study.runs,
            series=study.series,
            yearly=study.yearly,
            segments=study.segments,
            meta=meta,
            lang=lang,
        )
        if show:
            print(f"report: {html}")
    mark_complete(outdir)
    if show:
        print(f"outputs: {outdir}")
    return result.table


@hydra.main(version_base="1.3", config_path="../configs", config_name="compare")
def main(cfg: DictConfig) -> None:
    with clean_errors():
        compare(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    sys.argv[1:] = flags_to_overrides(sys.argv[1:])
    CONFIG_DIRS = user_config_dirs(sys.argv[1:])
    preflight(sys.argv[1:], "compare", validate_compare, groups=("market", "executor"))
    main()
