"""Options every study command shares (compare, robustness, tournament): where runs execute,
the run store, `--fresh`, and an early check of an explicit Hydra run dir."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.common import check_writable, to_container
from experiments.engine import EXECUTORS, default_workers
from experiments.engine.comparison import check_count
from sim import ConfigError


@dataclass(frozen=True)
class StudyOptions:
    executor: str
    address: str | None
    workers: int
    store: str | None
    fresh: bool

    def engine(self) -> dict[str, Any]:
        """The keywords every study driver (`run_comparison`, `run_robustness`,
        `run_tournament`) passes on to `run_study`."""
        return {"executor": self.executor, "workers": self.workers, "address": self.address,
                "store": self.store, "fresh": self.fresh}


def executor_options(cfg: Any) -> tuple[str, str | None, int]:
    """(executor name, cluster address, workers) from the `executor` group and `workers`."""
    node = to_container(cfg.get("executor", "local"))
    if isinstance(node, str):
        node = {"name": node}
    if not isinstance(node, dict):
        raise ConfigError("executor", f"must be one of {list(EXECUTORS)}, got {node!r}")
    name = node.get("name", "local")
    if name not in EXECUTORS:
        raise ConfigError("executor", f"must be one of {list(EXECUTORS)}, got {name!r}")
    unknown = sorted(set(node) - {"name", "address"})
    if unknown:
        raise ConfigError(f"executor.{unknown[0]}", "unknown field; allowed: address, name")
    address = node.get("address")
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise ConfigError("executor.address", f"must be a cluster address or null, got {address!r}")
    if address is not None and name != "ray":
        raise ConfigError("executor.address", "is used by executor=ray only")
    workers = cfg.get("workers")
    workers = (
        default_workers() if workers is None else check_count(workers, "workers", maximum=4096)
    )
    return name, address, workers


def study_options(cfg: Any) -> StudyOptions:
    """Validated executor, workers, run store and `fresh` of a study config."""
    executor, address, workers = executor_options(cfg)
    fresh = cfg.get("fresh", False)
    if not isinstance(fresh, bool):
        raise ConfigError("fresh", f"must be true or false, got {fresh!r}")
    store = cfg.get("store")
    if store is not None and not isinstance(store, str):
        raise ConfigError("store", f"must be a directory path or null, got {store!r}")
    if store is not None:
        check_writable(Path(store), "store")
    return StudyOptions(executor, address, workers, store, fresh)


def flags_to_overrides(argv: list[str]) -> list[str]:
    """``--fresh`` is spelled as a flag in the docs; Hydra wants ``fresh=true``."""
    return ["fresh=true" if a == "--fresh" else a for a in argv]


def precheck_run_dir(argv: Sequence[str]) -> None:
    """Hydra creates its run dir before our code runs and fails with a traceback if it cannot:
    check an explicit ``hydra.run.dir=...`` first so the user gets one clean line."""
    for arg in argv:
        if arg.startswith("hydra.run.dir=") and "$" not in arg:
            check_writable(Path(arg.split("=", 1)[1]), "hydra.run.dir")
