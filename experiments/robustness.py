"""`python -m experiments.robustness`: policies across scenarios of uncertain assumptions ->
chance of beating the baseline, of being best, regret, drivers, failure conditions.

A thin command over `experiments.robust` (library, no Hydra) and the study engine (resumable
run store, ``executor=local|ray``, ``workers=N``). Overrides: ``scenarios=128``,
``replications=5``, ``design=lhs|sobol|morris|saltelli``, ``policies=[none,gift_budget]``,
``uncertainty.gift_budget.satisfaction_gain.low=0.2``, ``~uncertainty.behaviour.beta_price``,
``market.n_customers=20000``, ``report.lang=zh``, ``--fresh`` (docs/robustness.md).
Outputs: robustness.csv, scenarios.csv/.parquet, deltas.csv/.parquet, runs.parquet,
drivers.csv, failures.csv, delta_profit.png, drivers.png, regret.png, report.html, meta.json.
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
    check_seed,
    check_writable,
    clean_errors,
    preflight,
    to_container,
    user_config_dirs,
)
from experiments.engine.outputs import prepare_output_dir, record_outputs
from experiments.engine.store import mark_complete
from experiments.options.studies import precheck_robustness
from experiments.robust.analysis import format_ranking
from experiments.robust.study import (
    make_robust_plan,
    robustness_meta,
    run_robustness,
    write_robustness,
)
from experiments.study_options import flags_to_overrides, study_options
from sim import ConfigError

LANGS = ("en", "zh")
CONFIG_DIRS: tuple[Path, ...] = ()
"""User config dirs given with ``--config-dir`` (set by `__main__`, searched for policies)."""


def _mapping(cfg: Any, key: str) -> dict[str, Any]:
    node = to_container(cfg.get(key)) if cfg.get(key) is not None else {}
    if not isinstance(node, dict):
        raise ConfigError(key, f"must be a mapping of options, got {node!r}")
    return node


def _path_or_none(cfg: Any, key: str) -> str | None:
    value = cfg.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(key, f"must be a directory path or null, got {value!r}")
    return value


def robustness(cfg: Any, outdir: Path) -> Any:
    """Validate everything, run every scenario x policy x replication, write all outputs;
    returns the robust ranking."""
    size = precheck_robustness(cfg, CONFIG_DIRS)  # declared options, market, size: before work
    opts = study_options(cfg)
    baseline = cfg.get("baseline", "none")
    if not isinstance(baseline, str):
        raise ConfigError("baseline", f"must be a policy name, got {baseline!r}")
    output, report_cfg = _mapping(cfg, "output"), _mapping(cfg, "report")
    lang = report_cfg.get("lang", "en")
    if lang not in LANGS:
        raise ConfigError("report.lang", f"must be one of {list(LANGS)}, got {lang!r}")
    design = cfg.get("design", "auto")
    if not isinstance(design, str):
        raise ConfigError("design", f"must be a design name, got {design!r}")
    plan = make_robust_plan(
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
        config_dirs=CONFIG_DIRS,
    )
    explicit = _path_or_none(cfg, "output_dir")
    outdir = check_writable(
        Path(explicit) if explicit else outdir, "output_dir" if explicit else "output directory"
    )
    inputs = to_container(cfg)
    before = prepare_output_dir(outdir, "robustness", inputs)  # other's: refused; stale: gone
    show = bool(output.get("table", True))
    m = plan.market
    if show:
        print(
            f"market {m.name}: {m.n_customers:,} customers, {m.years} years; "
            f"{plan.scenarios} scenarios ({plan.design.method}) of {len(plan.ranges)} "
            f"assumptions x {len(plan.policies)} policies x {plan.replications} replications "
            f"= {plan.n_runs:,} runs (common random numbers) on {opts.workers} "
            f"{opts.executor} worker(s)"
        )
        print(f"estimate: {size.line()}")
    result = run_robustness(plan, **opts.engine(), progress=bool(output.get("progress", True)))
    meta = robustness_meta(result, executor=opts.executor, workers=opts.workers)
    write_robustness(outdir, result, meta, lang=lang, report=bool(report_cfg.get("enabled", True)))
    if show:
        print(format_ranking(result.ranking, plan.baseline))
        for f in result.failures.values():
            if f["kind"] in ("rule", "mostly", "always", "scattered"):
                print(f["sentence"])
        study = result.study
        print(
            f"{plan.n_runs:,} runs ({study.reused} reused from the run store) in "
            f"{study.wall_seconds:.1f} s; drivers by {plan.design.drivers_method}"
        )
        print(f"outputs: {outdir}")
    record_outputs(outdir, "robustness", before, inputs)
    mark_complete(outdir)
    return result.ranking


@hydra.main(version_base="1.3", config_path="../configs", config_name="robustness")
def main(cfg: DictConfig) -> None:
    with clean_errors():
        robustness(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    sys.argv[1:] = flags_to_overrides(sys.argv[1:])
    CONFIG_DIRS = user_config_dirs(sys.argv[1:])
    preflight(
        sys.argv[1:],
        "robustness",
        lambda cfg: precheck_robustness(cfg, CONFIG_DIRS),
        groups=("market", "executor", "uncertainty"),
    )
    main()
