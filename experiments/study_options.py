"""Options every study command shares (compare, robustness, tournament): where runs execute,
the run store and `--fresh`, checked against their one declaration
(`experiments.options.declared.STUDY`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.engine.executors import default_workers
from experiments.options.check import check_writable, to_container
from experiments.options.declared import STUDY
from sim import ConfigError
from sim.schema import check_value, validate_options


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
        return {
            "executor": self.executor,
            "workers": self.workers,
            "address": self.address,
            "store": self.store,
            "fresh": self.fresh,
        }


def executor_options(cfg: Any) -> tuple[str, str | None, int]:
    """(executor name, cluster address, workers) from the `executor` group and `workers`."""
    node = to_container(cfg.get("executor", "local"))
    if isinstance(node, str):
        node = {"name": node}
    checked = validate_options(node, STUDY["executor"], path="executor")
    name = checked.get("name", "local")
    address = checked.get("address")
    if address is not None and name != "ray":
        raise ConfigError("executor.address", "is used by executor=ray only")
    workers = check_value(STUDY["workers"], cfg.get("workers"), "workers")
    return name, address, default_workers() if workers is None else workers


def study_options(cfg: Any) -> StudyOptions:
    """Validated executor, workers, run store and `fresh` of a study config (the specs of
    `experiments.options.declared.STUDY`: one declaration, one bound)."""
    executor, address, workers = executor_options(cfg)
    fresh = check_value(STUDY["fresh"], cfg.get("fresh", False), "fresh")
    store = check_value(STUDY["store"], cfg.get("store"), "store")
    if store is not None:
        check_writable(Path(store), "store")
    return StudyOptions(executor, address, workers, store, fresh)


def flags_to_overrides(argv: list[str]) -> list[str]:
    """``--fresh`` is spelled as a flag in the docs; Hydra wants ``fresh=true``."""
    return ["fresh=true" if a == "--fresh" else a for a in argv]
