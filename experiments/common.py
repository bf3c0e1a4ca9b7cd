"""Shared plumbing of the commands: config -> plain objects, one run, outputs, clean errors."""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import ConfigError, MarketConfig, RetailModel
from sim.policies import StorePolicy, make_policies

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


def to_container(cfg: Any) -> Any:
    """A resolved plain-Python copy of an OmegaConf node (or the value itself)."""
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf
    except ImportError:  # pragma: no cover
        return cfg
    if isinstance(cfg, (DictConfig, ListConfig)):
        return OmegaConf.to_container(cfg, resolve=True)
    return cfg


def build_market(cfg_market: Any) -> MarketConfig:
    return MarketConfig.from_dict(to_container(cfg_market))


def build_policies(cfg_policy: Any) -> list[StorePolicy]:
    """The focal store's policies from the `policy` config group (`_target_` or `name` entries).

    Entries are built by the policy registry, which accepts only `StorePolicy` subclasses as
    targets (configuration is data, not code); nothing else is ever instantiated.
    """
    spec = to_container(cfg_policy) or {}
    entries = spec.get("policies", []) if isinstance(spec, dict) else spec
    return make_policies(entries or [])


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", f"must be an integer >= 0, got {seed!r}")
    return seed


def check_writable(path: Path, field: str = "output directory") -> Path:
    """Create `path` and make sure we can write there, before any simulation work."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write_test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(field, f"cannot write to {str(path)!r} ({exc.strerror or exc})") from None
    return path


def simulate(
    market: MarketConfig,
    policies: list[StorePolicy],
    seed: int,
    *,
    activation: str = "batch",
    progress: bool = False,
) -> RetailModel:
    model = RetailModel(market=market, policies=policies, activation=activation, seed=seed)
    return model.run(progress=progress)


def jsonable(obj: Any) -> Any:
    """JSON-safe copy: NaN -> None, NumPy scalars -> Python numbers."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


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


CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"


def config_choices(group: str, extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """Names of the configs of a group (e.g. every policy and bundle), built-in ones first
    searched in `configs/`, then in any user config dirs (`--config-dir`)."""
    names = set()
    for root in (CONFIG_DIR, *extra_dirs):
        names.update(p.stem for p in (root / group).glob("*.yaml"))
    return sorted(names)


def user_config_dirs(argv: list[str]) -> tuple[Path, ...]:
    """Directories passed to Hydra with `--config-dir DIR` / `-cd DIR` / `--config-dir=DIR`."""
    dirs = []
    for i, arg in enumerate(argv):
        if arg in ("--config-dir", "-cd") and i + 1 < len(argv):
            dirs.append(Path(argv[i + 1]))
        elif arg.startswith("--config-dir="):
            dirs.append(Path(arg.split("=", 1)[1]))
    return tuple(dirs)


def preflight_group_choices(
    argv: list[str], groups: tuple[str, ...] = ("market", "policy")
) -> None:
    """Reject an unknown config-group choice (`policy=magic`) with one line, before Hydra starts.

    Hydra's own message spans many lines and exits 1; ours names the group and the choices.
    Sweeps (`policy=a,b`) are checked choice by choice; `--config-dir` folders count too.
    """
    extra = user_config_dirs(argv)
    for arg in argv:
        key, sep, value = arg.partition("=")
        key = key.lstrip("+~")
        if not sep or key not in groups:
            continue
        allowed = config_choices(key, extra)
        for choice in value.split(","):
            if choice.strip() and choice.strip() not in allowed:
                print(
                    f"error: {key}: unknown {key} {choice.strip()!r}; available: "
                    f"{', '.join(allowed)}",
                    file=sys.stderr,
                )
                sys.exit(2)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Bad input -> one line on stderr and exit status 2, never a traceback."""
    try:
        yield
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
