"""A tournament's plan: who plays, what each store may choose, how often every profile runs.

`make_plan` turns a tournament config (a plain mapping or a Hydra node) into a validated
`TournamentPlan` before any simulation work. Bad input is one `ConfigError` line naming the
field: an unknown store, a store listed twice, the focal store as its own rival, an empty policy
set, a policy unknown to a store.

Policies are policy-config names (``configs/policy/*.yaml``). Each is turned into plain policy
entries (``{"_target_": "module.Class", **params}``) once; the same entries go to whichever store
plays that policy (SEEDS 000: county and prefecture stores fight over the same elites with the
same kinds of programmes).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from experiments.engine.specs import check_count, policy_entries, policy_labels
from sim import ConfigError, MarketConfig
from sim.hooks import check_study_market
from sim.metrics import KPIS

DEFAULT_RIVALS = ("county_rival",)
PolicyLoader = Callable[[str], Mapping[str, Any]]
"""Name -> the composed `policy` config node as a plain mapping (``policies: [...]`` inside)."""


@dataclass(frozen=True)
class Player:
    """One store in the game and the policies it may choose (names -> plain entries)."""

    store: str
    role: str
    policies: tuple[str, ...]
    entries: Mapping[str, tuple[dict[str, Any], ...]]


@dataclass(frozen=True)
class TournamentPlan:
    """Everything a tournament needs, validated."""

    market: MarketConfig
    players: tuple[Player, ...]
    replications: int = 10
    base_seed: int = 0
    payoff: str = "profit"
    level: float = 0.95
    n_boot: int = 1000
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def stores(self) -> tuple[str, ...]:
        return tuple(p.store for p in self.players)

    @property
    def strategies(self) -> tuple[tuple[str, ...], ...]:
        return tuple(p.policies for p in self.players)

    @property
    def seeds(self) -> list[int]:
        """Replication r of every profile runs with seed ``base_seed + r`` (common random
        numbers)."""
        return [self.base_seed + r for r in range(self.replications)]

    def profiles(self) -> list[tuple[str, ...]]:
        """Every strategy profile (the focal store's policy first), row-major."""
        return list(itertools.product(*self.strategies))

    @property
    def n_runs(self) -> int:
        return len(self.profiles()) * self.replications


def _names(value: Any, field_name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise ConfigError(field_name, f"must be a list of names, got {value!r}")
    return list(value)


def check_rivals(market: MarketConfig, rivals: Any) -> list[str]:
    """The rival stores: known, each once, never the focal store, at least one."""
    names = _names(rivals, "rivals")
    if not names:
        raise ConfigError(
            "rivals", "must list at least one rival store, e.g. rivals=[county_rival]"
        )
    stores = market.store_ids
    for name in names:
        if name not in stores:
            raise ConfigError("rivals", f"unknown store {name!r}; stores: {', '.join(stores)}")
        if name == market.focal_store:
            raise ConfigError("rivals", f"{name!r} is the focal store; it cannot be its own rival")
    dupes = [n for n in dict.fromkeys(names) if names.count(n) > 1]
    if dupes:
        raise ConfigError("rivals", f"store {dupes[0]!r} listed twice")
    return names


def check_policy_set(
    value: Any, field_name: str, store: str, available: Sequence[str]
) -> list[str]:
    """A store's policy set: not empty, each policy known, none twice."""
    names = _names(value, field_name)
    if not names:
        raise ConfigError(
            field_name,
            f"the policy set of store {store!r} is empty; list at least one policy, e.g. "
            f"[none, promotions]; available: {', '.join(available)}",
        )
    for name in names:
        if name not in available:
            raise ConfigError(
                field_name,
                f"unknown policy {name!r} for store {store!r}; available: {', '.join(available)}",
            )
    dupes = [n for n in dict.fromkeys(names) if names.count(n) > 1]
    if dupes:
        raise ConfigError(field_name, f"policy {dupes[0]!r} listed twice for store {store!r}")
    return names


def entries_of(node: Mapping[str, Any], field_name: str) -> tuple[dict[str, Any], ...]:
    """Plain, complete policy entries of a policy config node, built once to check them
    (bad parameters fail here, before any run)."""
    try:
        return policy_entries(node, field_name)
    except ConfigError as exc:
        raise ConfigError(field_name, str(exc)) from None


def make_plan(
    cfg: Mapping[str, Any],
    market: MarketConfig,
    *,
    available: Sequence[str],
    load: PolicyLoader,
) -> TournamentPlan:
    """Validate a tournament config into a plan; raises `ConfigError` (one line) on bad input.

    Args:
        cfg: ``rivals``, ``policies`` (the set every store chooses from), ``store_policies``
            (per-store sets replacing it), ``replications``, ``seed``, ``payoff``, ``level``,
            ``bootstrap``.
        market: the validated market (its focal store is the first player).
        available: policy names that exist (``configs/policy/*.yaml`` or a custom catalogue).
        load: name -> policy config node.
    """
    check_study_market(market)
    rivals = check_rivals(market, cfg.get("rivals", list(DEFAULT_RIVALS)))
    stores = [market.focal_store, *rivals]
    shared = cfg.get("policies")
    per_store = cfg.get("store_policies") or {}
    if not isinstance(per_store, Mapping):
        raise ConfigError(
            "store_policies", f"must be a mapping store -> policies, got {per_store!r}"
        )
    for store in per_store:
        if store not in market.store_ids:
            raise ConfigError(
                f"store_policies.{store}",
                f"unknown store {store!r}; stores: {', '.join(market.store_ids)}",
            )
        if store not in stores:
            raise ConfigError(
                f"store_policies.{store}",
                f"store {store!r} does not play; players: {', '.join(stores)} (add it to rivals)",
            )
    cache: dict[str, tuple[dict[str, Any], ...]] = {}
    labels: dict[str, dict[str, str]] = {}
    players = []
    for i, store in enumerate(stores):
        field_name = f"store_policies.{store}" if store in per_store else "policies"
        names = check_policy_set(per_store.get(store, shared), field_name, store, available)
        for name in names:
            if name not in cache:
                node = dict(load(name))
                cache[name] = entries_of(node, f"{field_name}.{name}")
                own = policy_labels(node)
                if own:
                    labels[name] = own
        players.append(
            Player(
                store, "focal" if i == 0 else "rival", tuple(names), {n: cache[n] for n in names}
            )
        )
    payoff = cfg.get("payoff", "profit")
    if payoff not in KPIS:
        raise ConfigError("payoff", f"must be one of {list(KPIS)}, got {payoff!r}")
    level = cfg.get("level", 0.95)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ConfigError("level", f"must be a number in (0, 1), got {level!r}")
    return TournamentPlan(
        market=market,
        players=tuple(players),
        replications=check_count(cfg.get("replications", 10), "replications", minimum=1),
        base_seed=check_count(cfg.get("seed", 0), "seed", minimum=0),
        payoff=str(payoff),
        level=float(level),
        n_boot=check_count(cfg.get("bootstrap", 1000), "bootstrap", minimum=0),
        labels=labels,
    )
