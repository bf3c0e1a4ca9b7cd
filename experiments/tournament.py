"""`python -m experiments.tournament`: competing stores choose policies -> payoffs, best
responses, equilibria (docs/tournament.md).

The focal store and its rivals (default ``rivals=[county_rival]``) each choose from a policy set
(``policies=[none,promotions,...]``, or a store's own ``store_policies={STORE: [...]}``); every
strategy profile runs ``replications`` times under common random numbers (``executor=local|ray``,
``workers=N``; resumable from the run ``store``; ``--fresh`` recomputes). Outputs: payoffs.csv,
best_responses.csv, equilibria.csv, diagonal.csv, market.csv, a heat-map per store,
report.html (``report.lang=zh``: report_zh.html). The logic lives in
`experiments.studies.tournament` (no Hydra).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import clean_errors, preflight, user_config_dirs
from experiments.options.studies import precheck_tournament
from experiments.studies.base import run_command
from experiments.studies.tournament.study import TOURNAMENT
from experiments.study_options import flags_to_overrides

CONFIG_DIRS: tuple[Path, ...] = ()
"""User config dirs given with ``--config-dir`` (searched for policy configs too)."""


def tournament(cfg: Mapping[str, Any], outdir: Path, *, config_dirs: Sequence[Path] = ()) -> Any:
    """The whole command (validate, run, write, report); returns the tournament result."""
    return run_command(TOURNAMENT, cfg, outdir, config_dirs=config_dirs or CONFIG_DIRS)


@hydra.main(version_base="1.3", config_path="../configs", config_name="tournament")
def main(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    with clean_errors(run_dir):
        tournament(cfg, run_dir)


if __name__ == "__main__":
    sys.argv[1:] = flags_to_overrides(sys.argv[1:])
    CONFIG_DIRS = user_config_dirs(sys.argv[1:])
    preflight(
        sys.argv[1:],
        "tournament",
        lambda cfg: precheck_tournament(cfg, CONFIG_DIRS),
        groups=("market", "executor"),
    )
    main()
