"""One run of the market, for `python -m experiments.run`: simulate, write its outputs, print
its table."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.executors import announce_compile
from experiments.engine.store import jsonable
from sim import MarketConfig, RetailModel
from sim.policies import StorePolicy

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO

TABLE_KPIS = (
    "revenue",
    "profit",
    "policy_cost",
    "retention",
    "vip_retention",
    "new_customers",
    "referred_customers",
    "churned",
    "defected",
    "complaints",
    "top20_revenue_share",
)


def simulate(
    market: MarketConfig,
    policies: list[StorePolicy],
    seed: int,
    *,
    activation: str = "batch",
    progress: bool = False,
) -> RetailModel:
    announce_compile()  # the first run on a fresh checkout compiles as it goes: say why
    model = RetailModel(market=market, policies=policies, activation=activation, seed=seed)
    return model.run(progress=progress)


def write_run_outputs(
    model: RetailModel,
    outdir: Path,
    *,
    transactions: bool = False,
    segments: bool = True,
    extra_config: dict[str, Any] | None = None,
) -> dict:
    """summary.json, metrics.parquet, retention.csv; optionally transactions and segments.

    Every file is written atomically and the completion marker ``COMPLETE`` last, so a killed
    or disk-full run never leaves a job directory that looks finished.
    """
    from experiments.engine.store import (
        atomic_to_csv,
        atomic_to_parquet,
        atomic_write_text,
        mark_complete,
    )
    from sim.metrics import retention_table

    (outdir / "COMPLETE").unlink(missing_ok=True)
    summary = model.summary()
    if extra_config:
        summary["config"].update(extra_config)
    atomic_to_parquet(model.metrics_frame(), outdir / "metrics.parquet")
    atomic_to_csv(retention_table(model), outdir / "retention.csv")
    if transactions:
        atomic_to_parquet(model.transactions_frame(), outdir / "transactions.parquet")
    if segments:
        from sim.segmenting import yearly_segment_snapshots

        atomic_to_csv(yearly_segment_snapshots(model), outdir / "segments_by_year.csv")
    atomic_write_text(outdir / "summary.json", json.dumps(jsonable(summary), indent=2))
    mark_complete(outdir)
    return summary


def kpi_table(summary: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(summary["stores"]).T
    cols = [c for c in TABLE_KPIS if c in df.columns]
    df = df[cols]
    df.index = [f"{i} *" if i == summary["focal_store"] else i for i in df.index]
    return df


def format_table(df: pd.DataFrame) -> str:
    fmt: dict[str, Callable[[Any], str]] = {}
    for c in df.columns:
        if c in ("retention", "vip_retention", "top20_revenue_share"):
            fmt[c] = lambda v: "n/a" if pd.isna(v) else f"{v:.1%}"
        elif c in ("revenue", "profit", "policy_cost"):
            fmt[c] = lambda v: f"{v:,.0f}"
        else:
            fmt[c] = lambda v: f"{v:,.0f}"
    return df.to_string(formatters=fmt)
