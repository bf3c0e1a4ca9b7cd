"""`python -m experiments.tournament`: competing stores choose policies -> payoffs, best
responses, equilibria (docs/tournament.md).

The focal store and its rivals (default ``rivals=[county_rival]``) each choose from a policy set
(``policies=[none,promotions,...]``, or a store's own ``store_policies={STORE: [...]}``); every
strategy profile runs ``replications`` times under common random numbers through the study
engine (``executor=local|ray``, ``workers=N``; resumable from the run ``store``; ``--fresh``
recomputes). Outputs: payoffs.csv, best_responses.csv, equilibria.csv, diagonal.csv,
market.csv, a heat-map per store, report.html (``report.lang=zh``). The logic lives in
`experiments.games` (no Hydra).
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import clean_errors, preflight, to_container, user_config_dirs
from experiments.engine.outputs import prepare_output_dir, record_outputs
from experiments.games.study import tournament
from experiments.options.studies import precheck_tournament
from experiments.study_options import flags_to_overrides

CONFIG_DIRS: tuple[Path, ...] = ()
"""User config dirs given with ``--config-dir`` (searched for policy configs too)."""


@hydra.main(version_base="1.3", config_path="../configs", config_name="tournament")
def main(cfg: DictConfig) -> None:
    with clean_errors():
        size = precheck_tournament(cfg, CONFIG_DIRS)  # options, market, size: before any work
        if cfg.output.table:
            print(f"estimate: {size.line()}")
        outdir = Path(cfg.get("output_dir") or HydraConfig.get().runtime.output_dir)
        inputs = to_container(cfg)
        before = prepare_output_dir(outdir, "tournament", inputs)  # other's: refused; stale: gone
        tournament(cfg, Path(HydraConfig.get().runtime.output_dir), config_dirs=CONFIG_DIRS)
        record_outputs(outdir, "tournament", before, inputs)


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
