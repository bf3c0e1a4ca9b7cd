"""`python -m experiments.compare`: every selected policy x N replications under common random
numbers -> ranked table, comparison.csv, runs.csv/parquet, figures and report.html.

A thin command over `experiments.studies.comparison` (no Hydra there). Overrides:
``policies=[none,gift_budget]`` (default: every ``configs/policy/*.yaml``, the baseline first),
``replications=20``, ``workers=2``, ``seed=7``, ``executor=ray`` (``executor.address=auto``),
``fresh=true`` (or ``--fresh``), ``report.lang=zh`` and every market override of
``experiments.run`` (``market.n_customers=5000``, ``market.tick=day`` ...).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import clean_errors, preflight, user_config_dirs, validate_compare
from experiments.studies.base import run_command
from experiments.studies.comparison import (  # noqa: F401 - the command's names, as before
    COMPARISON,
    Plan,
    comparison_table,
    format_ranked,
    select_policies,
)
from experiments.study_options import flags_to_overrides

CONFIG_DIRS: tuple[Path, ...] = ()
"""User config dirs given with ``--config-dir`` (set by `__main__`, searched for policies)."""


def plan_from_config(cfg: Any) -> Plan:
    """Validate a compare config (Hydra node or mapping) into a `Plan`; raises ConfigError."""
    return COMPARISON.plan(cfg, config_dirs=CONFIG_DIRS)


def compare(cfg: Any, outdir: Path) -> Any:
    """The whole command (validate, run, write, report); returns the comparison table."""
    return run_command(COMPARISON, cfg, outdir, config_dirs=CONFIG_DIRS).table


@hydra.main(version_base="1.3", config_path="../configs", config_name="compare")
def main(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    with clean_errors(run_dir):
        compare(cfg, run_dir)


if __name__ == "__main__":
    sys.argv[1:] = flags_to_overrides(sys.argv[1:])
    CONFIG_DIRS = user_config_dirs(sys.argv[1:])
    preflight(sys.argv[1:], "compare", validate_compare, groups=("market", "executor"))
    main()
