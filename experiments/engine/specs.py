"""What one run is: `RunSpec` (market, every store's policies, seed) and its content key.

Policy specs are plain data: ``{"_target_": "module.Class", **params}`` entries with every
constructor parameter spelled out (`policy_entries`), so two configs that mean the same policy
get the same key, a spec pickles to any worker, and nothing but a `StorePolicy` is ever built.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim import ConfigError, MarketConfig
from sim.policies import make_policies, policy_entry

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
"""The built-in ``configs/`` directory: every library module finds it here (one place)."""
SIM_DIR = Path(__file__).resolve().parents[2] / "sim"
ACTIVATIONS = ("batch", "agent")


def check_count(
    value: Any, field_name: str, *, minimum: int = 1, maximum: int | None = None
) -> int:
    """A whole number in range (replications, scenarios, workers ...), or one clear line."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(field_name, f"must be an integer >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(field_name, f"must be an integer <= {maximum:,}, got {value!r}")
    return value


# --------------------------------------------------------------------------- policies
def policy_entries(spec: Any, field_name: str = "policy") -> tuple[dict[str, Any], ...]:
    """Plain, canonical entries for a store's policies.

    `spec` is a `policy` config node (``{"policies": [...], ...}``), a list of names, mappings
    or ``_target_`` entries, or None (no policy). Each entry is built once (so bad parameters
    fail here, before any run) and rendered with all of its parameters.
    """
    if spec is None:
        return ()
    if isinstance(spec, Mapping):
        if "policies" not in spec:
            raise ConfigError(field_name, f"a policy config needs a 'policies' list, got {spec!r}")
        spec = spec["policies"]
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Iterable):
        raise ConfigError(field_name, f"must be a list of policies, got {spec!r}")
    return tuple(policy_entry(p) for p in make_policies(list(spec)))


def policy_config_dirs(extra: Iterable[Path | str] = ()) -> tuple[Path, ...]:
    return (CONFIG_DIR, *(Path(d) for d in extra))


def available_policies(config_dirs: Iterable[Path | str] = ()) -> list[str]:
    """Names of every policy config (``<dir>/policy/*.yaml``), `none` first."""
    names = {p.stem for d in policy_config_dirs(config_dirs) for p in (d / "policy").glob("*.yaml")}
    return sorted(names, key=lambda n: (n != "none", n))


def load_policy_config(name: str, config_dirs: Iterable[Path | str] = ()) -> dict[str, Any]:
    """The `policy` node of ``policy=NAME`` as a resolved plain dict (no Hydra needed).

    User config dirs are searched after the built-in one, as Hydra's ``--config-dir`` does.
    Interpolations such as ``${policy.budget}`` resolve against the node itself.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    for d in reversed(policy_config_dirs(config_dirs)):
        path = d / "policy" / f"{name}.yaml"
        if path.is_file():
            break
    else:
        raise ConfigError(
            "policies",
            f"unknown policy {name!r}; available: {', '.join(available_policies(config_dirs))}",
        )
    from experiments.options.files import check_policy_file, load_yaml_file

    check_policy_file(path, load_yaml_file(path))  # syntax: file:line:column; name = file name
    try:
        root = OmegaConf.create({"policy": OmegaConf.load(path)})
        node = OmegaConf.to_container(root, resolve=True)["policy"]
    except OmegaConfBaseException as exc:
        raise ConfigError(f"policy {name}", str(exc).splitlines()[0]) from None
    if not isinstance(node, dict):
        raise ConfigError(f"policy {name}", f"{path} must hold a mapping")
    node.pop("defaults", None)
    return node


def policy_labels(spec: Mapping[str, Any]) -> dict[str, str]:
    """A policy config's own display labels (`label`, `label_zh`), by language."""
    return {
        lang: str(spec[key]) for lang, key in (("en", "label"), ("zh", "label_zh")) if spec.get(key)
    }


# --------------------------------------------------------------------------- markets
def with_store_policies(
    market: MarketConfig, policies: Mapping[str, Any], field_name: str = "stores"
) -> MarketConfig:
    """`market` with the policies of some stores replaced (`{store_id: entries or spec}`)."""
    ids = market.store_ids
    for sid in policies:
        if sid not in ids:
            raise ConfigError(field_name, f"unknown store {sid!r}; stores: {', '.join(ids)}")
    stores = tuple(
        dataclasses.replace(s, policies=policy_entries(policies[s.id], f"{field_name}.{s.id}"))
        if s.id in policies
        else s
        for s in market.stores
    )
    return market.replace(stores=stores)


def apply_overrides(market: MarketConfig, overrides: Mapping[str, Any]) -> MarketConfig:
    """A validated copy of `market` with dotted overrides (``behaviour.drift_rate``,
    ``stores.0.margin``) applied; an unknown path is a one-line error."""
    if not overrides:
        return market
    data = _plain(market.to_dict())
    for path, value in overrides.items():
        node: Any = data
        parts = str(path).split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(f"market.{path}", f"no list item {part!r}")
                key: Any = int(part)
            elif isinstance(node, dict):
                if part not in node:
                    allowed = ", ".join(sorted(map(str, node)))
                    raise ConfigError(f"market.{path}", f"unknown field; allowed: {allowed}")
                key = part
            else:
                raise ConfigError(f"market.{path}", "is not a field of the market")
            if last:
                node[key] = value
            else:
                node = node[key]
    return MarketConfig.from_dict(data)


def _plain(obj: Any) -> Any:
    """Tuples as lists, recursively, so a market dict can be edited in place."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- the run spec
@dataclass(frozen=True)
class RunSpec:
    """One simulation: a complete market, the focal store's policies, a seed, and labels.

    Labels (policy name, replication, scenario ...) name the run in output tables; they are
    not part of `key`, so two studies that need the same simulation share it.
    """

    market: MarketConfig
    policies: tuple[dict[str, Any], ...] | None = None
    seed: int = 0
    labels: Mapping[str, Any] = field(default_factory=dict, compare=False)
    activation: str = "batch"

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("seed", f"must be an integer >= 0, got {self.seed!r}")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(
                "activation", f"must be one of {list(ACTIVATIONS)}, got {self.activation!r}"
            )

    def store_policies(self) -> dict[str, tuple[dict[str, Any], ...]]:
        """Every store's canonical policy entries (the focal store's from `policies`)."""
        out = {s.id: policy_entries(list(s.policies)) for s in self.market.stores}
        if self.policies is not None:
            out[self.market.focal_store] = policy_entries(list(self.policies))
        return out

    def content(self, market: dict[str, Any] | None = None) -> dict[str, Any]:
        """What the run depends on; `market`: `market_content(self.market)`, when known."""
        policies = self.store_policies()
        return {
            "market": market_content(self.market) if market is None else market,
            "store_policies": policies,
            "seed": self.seed,
            "activation": self.activation,
            "code": code_version(_user_modules(policies)),
        }

    @property
    def key(self) -> str:
        return _digest(self.content())

    def describe(self) -> str:
        """How a failing run is named in one line: its labels and seed."""
        bits = [f"{k}={v}" for k, v in self.labels.items() if k != "seed"]
        return ", ".join([*bits, f"seed={self.seed}"])


def market_content(market: MarketConfig) -> dict[str, Any]:
    """The market's part of a run's content: its config without the stores' policies (those
    are in ``store_policies``)."""
    data = market.to_dict()
    for s in data["stores"]:
        s["policies"] = []
    return data


def spec_keys(specs: Sequence[RunSpec]) -> list[str]:
    """Every spec's `RunSpec.key`, each market's part built once (a study's specs share a
    few market objects; `to_dict` of a market costs ~0.4 ms)."""
    markets: dict[int, dict[str, Any]] = {}
    out = []
    for spec in specs:
        market = markets.get(id(spec.market))
        if market is None:
            market = markets[id(spec.market)] = market_content(spec.market)
        out.append(_digest(spec.content(market)))
    return out


def _digest(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_default(obj: Any) -> Any:
    if isinstance(obj, float):  # pragma: no cover - json handles floats itself
        return repr(obj)
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    return repr(obj)


def _user_modules(policies: dict[str, tuple[dict[str, Any], ...]]) -> tuple[str, ...]:
    """Modules of policies from outside the library (their source is part of the key)."""
    mods = {e["_target_"].rpartition(".")[0] for entries in policies.values() for e in entries}
    return tuple(sorted(m for m in mods if not m.startswith("sim.")))


@lru_cache(maxsize=64)
def code_version(extra_modules: tuple[str, ...] = ()) -> str:
    """Package version + a fingerprint of the simulation's source (and of any user policy
    module), so a code change never reuses runs computed by older code."""
    try:
        version = importlib.metadata.version("store-retention-lab")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
        version = "0"
    h = hashlib.sha256(version.encode())
    files = sorted(SIM_DIR.rglob("*.py"))
    for mod in extra_modules:
        path = getattr(sys.modules.get(mod), "__file__", None)
        if path:
            files.append(Path(path))
    for f in files:
        h.update(str(f.relative_to(f.parents[1]) if len(f.parents) > 1 else f).encode())
        h.update(f.read_bytes())
    return f"{version}+{h.hexdigest()[:16]}"


def replicate(
    market: MarketConfig,
    policies: Mapping[str, Sequence[dict[str, Any]]],
    seeds: Sequence[int],
    *,
    activation: str = "batch",
    extra_labels: Mapping[str, Any] | None = None,
) -> list[RunSpec]:
    """Every policy x seed (common random numbers: replication r uses seeds[r] for all)."""
    return [
        RunSpec(
            market=market,
            policies=tuple(entries),
            seed=seed,
            labels={**(extra_labels or {}), "policy": name, "replication": r},
            activation=activation,
        )
        for name, entries in policies.items()
        for r, seed in enumerate(seeds)
    ]
