"""The one policy catalogue of every study: which policy configs exist (built-in
``configs/policy/*.yaml`` and a user's ``--config-dir``) and each one loaded once into plain,
checked policy entries and its display labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.engine.specs import (
    available_policies,
    load_policy_config,
    policy_entries,
    policy_labels,
)


@dataclass(frozen=True)
class Policy:
    """One policy config: its name, plain entries, own labels (by language) and the config."""

    name: str
    entries: tuple[dict[str, Any], ...]
    labels: Mapping[str, str]
    config: dict[str, Any]


@dataclass
class Catalogue:
    """Policy configs by name; `load` builds each one once (bad parameters fail there)."""

    config_dirs: tuple[Path, ...] = ()
    names: list[str] = field(default_factory=list)
    _loaded: dict[str, Policy] = field(default_factory=dict)

    def config(self, name: str) -> dict[str, Any]:
        """The composed policy config node as a plain mapping (``policies: [...]`` inside)."""
        return load_policy_config(name, self.config_dirs)

    def load(self, name: str, field_name: str) -> Policy:
        if name not in self._loaded:
            node = self.config(name)
            self._loaded[name] = Policy(
                name, policy_entries(node, field_name), policy_labels(node), node
            )
        return self._loaded[name]


def catalogue(config_dirs: Iterable[Path | str] = ()) -> Catalogue:
    dirs = tuple(Path(d) for d in config_dirs)
    return Catalogue(dirs, available_policies(dirs))
