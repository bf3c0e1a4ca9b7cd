"""`python -m experiments.run`: one run of the market -> summary.json, metrics.parquet, a table."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import (
    build_market,
    build_policies,
    check_seed,
    check_writable,
    clean_errors,
    format_table,
    kpi_table,
    preflight_group_choices,
    simulate,
    to_container,
    write_run_outputs,
)


def run(cfg: DictConfig, outdir: Path) -> dict:
    """Validate everything, simulate once, write the outputs; returns the summary."""
    market = build_market(cfg.market)
    policies = build_policies(cfg.policy)
    seed = check_seed(cfg.seed)
    check_writable(outdir)
    model = simulate(
        market, policies, seed, activation=cfg.activation, progress=bool(cfg.output.progress)
    )
    summary = write_run_outputs(
        model,
        outdir,
        transactions=bool(cfg.output.transactions),
        segments=bool(cfg.output.segments),
        extra_config={"policy": to_container(cfg.policy)},
    )
    if cfg.output.table:
        names = [p.name for p in policies] or ["none"]
        print(
            f"market {market.name}: {market.n_customers:,} customers, {market.years} years, "
            f"{market.tick}ly ticks, seed {seed}; focal store policies: {', '.join(names)}"
        )
        print(format_table(kpi_table(summary)))
        print(f"outputs: {outdir}")
    return summary


@hydra.main(version_base="1.3", config_path="../configs", config_name="run")
def main(cfg: DictConfig) -> None:
    with clean_errors():
        run(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    import sys

    preflight_group_choices(sys.argv[1:])
    main()
