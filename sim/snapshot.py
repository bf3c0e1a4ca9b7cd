"""Burn-in snapshots: the market after its policy-free burn-in, computed once and reused.

Under common random numbers the burn-in (`RetailModel._start`) is the same for every policy
compared on one (market, seed): no policy is bound while it runs, so it depends only on the
market without its stores' policies and on the seed. `BurnIn.compute` runs it once; a model
started with ``RetailModel(..., burn_in=snapshot)`` restores what the burn-in left (the
population and its network, every random stream's state and the blocks drawn ahead, the
scheduled visits, the entry schedule, the member twin) instead of computing it, and runs on
exactly as a fresh model would, bit for bit. Restoring copies every array, so a snapshot is
never changed by the runs started from it and serves any number of them.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config import MarketConfig
from sim.errors import ConfigError
from sim.population import Population

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel


def policy_free(market: MarketConfig) -> MarketConfig:
    """`market` with no store policies: what the burn-in depends on (with the seed)."""
    if not any(s.policies for s in market.stores):
        return market
    return market.replace(stores=tuple(replace(s, policies=()) for s in market.stores))


def burn_in_content(market: MarketConfig, seed: int) -> dict[str, Any]:
    """The inputs of a burn-in as plain data: the policy-free market and the seed."""
    data = policy_free(market).to_dict()
    return {"market": data, "seed": int(seed)}


def burn_in_key(market: MarketConfig, seed: int) -> str:
    """A content key of the burn-in of (`market` without policies, `seed`)."""
    text = json.dumps(burn_in_content(market, seed), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _copy_population(pop: Population) -> Population:
    """A deep copy of the population's arrays (C-contiguous, same dtypes)."""
    out = copy.copy(pop)
    for name, value in vars(pop).items():
        if isinstance(value, np.ndarray):
            setattr(out, name, value.copy())
    return out


@dataclass(frozen=True)
class BurnIn:
    """What the burn-in of one (market, seed) leaves, ready to start any number of runs."""

    key: str
    seed: int
    population: Population
    streams: dict[str, Any]
    pending: dict[int, tuple[np.ndarray, ...]]
    entry_order: np.ndarray
    entry_ticks_sorted: np.ndarray
    twin: Any

    @classmethod
    def compute(cls, market: MarketConfig, seed: int) -> BurnIn:
        """Run the burn-in of (`market` without its policies, `seed`) and keep its end state."""
        from sim.model import RetailModel

        return cls.capture(RetailModel(market=policy_free(market), seed=seed))

    @classmethod
    def capture(cls, model: RetailModel) -> BurnIn:
        """The state of `model` just after its burn-in (before any step, no policy bound)."""
        if model.t != 0 or model.steps != 0 or model.policy_hooks:
            raise ValueError("a burn-in snapshot is taken from a fresh model without policies")
        return cls(
            key=burn_in_key(model.market, model.seed),
            seed=model.seed,
            population=_copy_population(model.pop),
            streams=model.streams.state(),
            pending={k: tuple(b.copy() for b in v) for k, v in model._pending.items()},
            entry_order=model.entry_order.copy(),
            entry_ticks_sorted=model.entry_ticks_sorted.copy(),
            twin=model.twin,
        )

    def matches(self, market: MarketConfig, seed: int) -> bool:
        return self.seed == int(seed) and self.key == burn_in_key(market, seed)

    def restore(self, model: RetailModel) -> None:
        """Give `model` (set up to the point of its burn-in) the state the burn-in leaves."""
        if not self.matches(model.market, model.seed):
            raise ConfigError(
                "burn_in",
                "the snapshot was taken for another market or seed; burn-in snapshots are "
                "shared only by runs of the same market (policies aside) and seed",
            )
        model.pop = _copy_population(self.population)
        model.streams.restore(self.streams)
        model._pending = defaultdict(
            list, {k: [b.copy() for b in v] for k, v in self.pending.items()}
        )
        model.entry_order = self.entry_order.copy()
        model.entry_ticks_sorted = self.entry_ticks_sorted.copy()
        model.twin = self.twin  # read-only during a run (`FocalTwin.book`)
        model._last_housekeeping = -1

    @property
    def nbytes(self) -> int:
        """Memory held by the snapshot's arrays."""
        arrays = [v for v in vars(self.population).values() if isinstance(v, np.ndarray)]
        arrays += [self.entry_order, self.entry_ticks_sorted]
        return sum(a.nbytes for a in arrays)


__all__ = ["BurnIn", "burn_in_key", "policy_free"]
