"""The policy configs of ``configs/policy/*.yaml``, bundles included, loaded without Hydra;
and the store the dashboard runs (the default market, or a market YAML named by
``LAB_MARKET``, e.g. a calibrated store's ``harmony/market/harmony.yaml``).

A config's ``policies`` list (each entry a ``_target_`` class path and its parameters, with
``${policy.x}`` interpolations to the config's own top-level knobs) is what the focal store
runs; OmegaConf resolves the interpolations exactly as Hydra would compose them.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from experiments.options.files import load_yaml_file
from sim.config import MarketConfig
from sim.errors import ConfigError

POLICY_DIR = Path(__file__).resolve().parents[2] / "configs" / "policy"
BASELINE = "none"
BUNDLES = ("vip_program", "win_back", "promotions_blacklist")
MARKET_ENV = "LAB_MARKET"
"""Environment variable naming a market YAML for the dashboard (unset: the default market)."""


@lru_cache(maxsize=1)
def policy_configs(directory: Path = POLICY_DIR) -> dict[str, dict[str, Any]]:
    """Name -> resolved policy config (``{"name", "policies": [...], ...}``), `none` first."""
    configs: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yaml")):
        node = OmegaConf.create({"policy": OmegaConf.load(path)})
        spec = OmegaConf.to_container(node, resolve=True)["policy"]
        if not isinstance(spec, dict):
            raise ConfigError(
                f"policy.{path.stem}", f"must be a mapping, got {type(spec).__name__}"
            )
        spec.setdefault("name", path.stem)
        spec["policies"] = list(spec.get("policies") or [])
        configs[path.stem] = spec
    return dict(sorted(configs.items(), key=lambda kv: (kv[0] != BASELINE, kv[0])))


def policy_choices() -> list[str]:
    """Every selectable policy config name, the baseline first."""
    return list(policy_configs())


def focal_policies(name: str) -> list[dict[str, Any]]:
    """The focal store's policy entries for a config name (fresh copies)."""
    configs = policy_configs()
    if name not in configs:
        raise ConfigError("policy", f"unknown policy {name!r}; available: {', '.join(configs)}")
    return [dict(p) for p in configs[name]["policies"]]


@lru_cache(maxsize=4)
def _market_file(path: str) -> MarketConfig:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            MARKET_ENV,
            f"{path!r} is not a file (give a market YAML, e.g. one "
            "written by experiments.calibrate: DIR/market/NAME.yaml)",
        )
    try:
        return MarketConfig.from_dict(load_yaml_file(file))
    except ConfigError as exc:  # a YAML error names FILE:LINE:COL, a bad value its field
        said = str(exc) if str(path) in str(exc) else f"{path}: {exc}"
        raise ConfigError(MARKET_ENV, said) from None


def store_market() -> MarketConfig | None:
    """The market named by ``LAB_MARKET`` (its store profile, size and fitted parameters), or
    None for the default market."""
    path = os.environ.get(MARKET_ENV)
    return _market_file(path) if path else None


def session_market(n_customers: int, years: int) -> MarketConfig | None:
    """The `LAB_MARKET` store at the size and horizon the page's sliders set (None: default)."""
    market = store_market()
    return None if market is None else market.replace(n_customers=n_customers, years=years)
