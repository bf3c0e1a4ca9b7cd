"""`python -m experiments.design`: search a policy's levers (budget, targeting, timing, rewards)
for the setting that pays best, robustly -> trials.csv, pareto.csv, best.yaml, figures, report.

A thin command over `experiments.studies.design` (no Hydra there). Overrides: ``policy=NAME``,
``levers=[monthly_per_manager,top_share]``, ``+ranges.monthly_per_manager=[0,0.0006]`` (money
levers in shares of yearly revenue or mean tickets),
``objectives=[profit,retention]``, ``trials=100``, ``replications=8``, ``robust=mean|worst|regret``,
``scenarios=8``, ``executor=ray``, ``workers=2``, ``--fresh``, ``report.lang=zh`` and every
market override (``market.n_customers=5000``). Resumable: run it again after a kill.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import clean_errors, preflight, user_config_dirs
from experiments.studies.base import run_command
from experiments.studies.design import DESIGN
from experiments.study_options import flags_to_overrides

CONFIG_DIRS: tuple[Path, ...] = ()
"""User config dirs given with ``--config-dir`` (set by `__main__`, searched for policies)."""


def design(cfg: Any, outdir: Path) -> Any:
    """The whole command (validate, search, re-evaluate, write, report)."""
    return run_command(DESIGN, cfg, outdir, config_dirs=CONFIG_DIRS).analysis


@hydra.main(version_base="1.3", config_path="../configs", config_name="design")
def main(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    with clean_errors(run_dir):
        design(cfg, run_dir)


if __name__ == "__main__":
    sys.argv[1:] = flags_to_overrides(sys.argv[1:])
    CONFIG_DIRS = user_config_dirs(sys.argv[1:])
    preflight(
        sys.argv[1:],
        "design",
        lambda cfg: DESIGN.precheck(cfg, CONFIG_DIRS),
        groups=("market", "executor", "uncertainty", "policy"),
    )
    main()
