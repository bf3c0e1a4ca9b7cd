"""`python -m experiments.run`: one run of the market -> summary.json, metrics.parquet, a table."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import (
    build_market,
    build_policies,
    check_options,
    check_writable,
    clean_errors,
    format_table,
    kpi_table,
    preflight,
    simulate,
    to_container,
    write_run_outputs,
)
from experiments.options.declared import RUN_OPTIONS
from sim import ConfigError, MarketConfig
from sim.config import TICK_WORDS
from sim.model import build_store_policies
from sim.policies import StorePolicy


@dataclass
class RunPlan:
    """A validated run: the market, the focal store's policies and the options."""

    market: MarketConfig
    policies: list[StorePolicy]
    options: dict[str, Any]


def validate_run(cfg: Any) -> RunPlan:
    """Check every node of a run config (shape, values, memory), build nothing else."""
    options = check_options(cfg, RUN_OPTIONS, skip=("market", "policy"))
    market = build_market(cfg["market"])
    policies = build_policies(cfg["policy"])
    build_store_policies(market, policies)  # competitors' policies, focal-store conflicts
    return RunPlan(market, policies, options)


def run(cfg: DictConfig, outdir: Path) -> dict:
    """Validate everything, simulate once, write the outputs; returns the summary."""
    plan = validate_run(cfg)
    market, policies, opts = plan.market, plan.policies, plan.options
    output = {**dict.fromkeys(("transactions",), False), **opts.get("output", {})}
    seed = opts.get("seed", 0)
    check_writable(outdir)
    # A run into a directory that holds a finished one: not finished any more until this one
    # is (else a run killed mid-way leaves the old results marked complete under new overrides)
    (outdir / "COMPLETE").unlink(missing_ok=True)
    model = simulate(
        market,
        policies,
        seed,
        activation=opts.get("activation", "batch"),
        progress=output.get("progress", True),
    )
    summary = write_run_outputs(
        model,
        outdir,
        transactions=output.get("transactions", False),
        segments=output.get("segments", True),
        extra_config={"policy": to_container(cfg.policy)},
    )
    if output.get("table", True):
        names = [p.name for p in policies] or ["none"]
        print(
            f"market {market.name}: {market.n_customers:,} customers, {market.years} years, "
            f"{TICK_WORDS[market.tick]} ticks, seed {seed}; "
            f"focal store policies: {', '.join(names)}"
        )
        print(format_table(kpi_table(summary)))
        print(f"outputs: {outdir}")
    return summary


@hydra.main(version_base="1.3", config_path="../configs", config_name="run")
def main(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    with clean_errors(run_dir):
        try:
            run(cfg, run_dir)
        except Exception as exc:  # a policy's own code failed (bad input is a ConfigError)
            if isinstance(exc, ConfigError):
                raise
            _failed(exc, cfg)


def _failed(exc: Exception, cfg: DictConfig) -> None:
    """One line naming the policy and hook, the traceback in the job's log (so that
    `experiments.collect` lists the job as failed); a single run exits 1, a sweep's job
    raises on for Hydra, which finishes the other jobs first."""
    import traceback

    from hydra.types import RunMode

    from experiments.engine.runner import failure_line, interruption

    stop = interruption(exc)
    if stop is not None:
        raise stop from None
    line = failure_line(exc, f"seed {cfg.get('seed', 0)}")
    hc = HydraConfig.get()
    log = Path(hc.runtime.output_dir) / f"{hc.job.name}.log"
    with open(log, "a", encoding="utf-8") as f:  # the file only: the console gets one line
        f.write("".join(traceback.format_exception(exc)) + f"error: {line}\n")
    print(f"error: {line}", file=sys.stderr)
    if hc.mode == RunMode.MULTIRUN:
        raise exc
    sys.exit(1)


if __name__ == "__main__":
    preflight(sys.argv[1:], "run", validate_run)
    with clean_errors():
        main()
