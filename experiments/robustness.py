"""`python -m experiments.robustness`: policies across scenarios of uncertain assumptions ->
chance of beating the baseline, of being best, regret, drivers, failure conditions.

A thin command over `experiments.studies.robustness` (no Hydra there). Overrides:
``scenarios=128``, ``replications=5``, ``design=lhs|sobol|morris|saltelli``,
``policies=[none,gift_budget]``, ``uncertainty.gift_budget.satisfaction_gain.low=0.2``,
``~uncertainty.behaviour.beta_price``, ``market.n_customers=20000``, ``report.lang=zh``,
``--fresh`` (docs/robustness.md). Outputs: robustness.csv, scenarios.csv/.parquet,
deltas.csv/.parquet, runs.parquet, drivers.csv, failures.csv, delta_profit.png, drivers.png,
regret.png, report.html (report_zh.html), meta.json.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import clean_errors, preflight, user_config_dirs
from experiments.options.studies import precheck_robustness
from experiments.studies.base import run_command
from experiments.studies.robustness import ROBUSTNESS
from experiments.study_options import flags_to_overrides

CONFIG_DIRS: tuple[Path, ...] = ()
"""User config dirs given with ``--config-dir`` (set by `__main__`, searched for policies)."""


def robustness(cfg: Any, outdir: Path) -> Any:
    """The whole command (validate, run, write, report); returns the robust ranking."""
    return run_command(ROBUSTNESS, cfg, outdir, config_dirs=CONFIG_DIRS).ranking


@hydra.main(version_base="1.3", config_path="../configs", config_name="robustness")
def main(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    with clean_errors(run_dir):
        robustness(cfg, run_dir)


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
